import { createHash } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appendAudit, type AuditEntry } from '../../activities/audit-log';
import type { Policy } from '../../sop/policy';
import { holdsIn, type Principal } from '../auth/principal';
import { conflict, notFound, ProblemException } from '../common/problem';
import { dateInZone } from '../common/time';
import { unitChain } from '../directory/directory.repository';
import type { ExamsService } from '../exams/exams.service';
import {
  headerName,
  uploadProblem,
  type UploadedDocument,
  type UploadError,
} from '../paperwork/upload-table';
import type { CasesService } from './cases.service';
import { issueDocument } from './documents';
import { FORM4_COLUMNS, readForm4Xlsx, type Form4Sheet } from './form4.xlsx';

interface Form4Row {
  exam_id: string;
  proctor_id: string;
  member_id: string;
  language: 'kk' | 'ru';
  sheet: Form4Sheet;
  returned_rows:
    { no: number; studentId: string; fullName: string; act: 'drawn' | 'not_drawn' }[] | null;
  returned_at: Date | null;
  signed_at: Date | null;
}

/** An act's file: `<row No.>.pdf`, a PDF. */
const ACT_NAME = /^(\d{1,5})\.pdf$/i;

/**
 * Form 4's return and signature (§5.14, §5.15): the proctor (or the member answering for them)
 * returns the filled workbook with a PDF act for every "drawn" row — all checked, nothing saved on
 * any problem; the working-group member then signs it: the numbered Form 4 PDF is issued and every
 * "drawn" row opens a violation case for the integrity commission (row 11).
 */
export class Form4Service {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly cases: CasesService,
    private readonly policy: Policy,
  ) {}

  private async form(examId: string, proctorId: string): Promise<Form4Row> {
    const rows = await this.db.query<Form4Row[]>(
      `SELECT * FROM form4 WHERE exam_id = $1 AND proctor_id = $2`,
      [examId, proctorId],
    );
    if (rows[0] === undefined)
      throw notFound(`no Form 4 was sent to ${proctorId} for exam ${examId} (§5.13)`);
    return rows[0];
  }

  /**
   * POST /exams/:id/form4/:proctorId (§5.14), or the upload page of the Form 4 email's link
   * (`via` names the link in the audit record, as a step decided by email link does).
   */
  async return(
    principal: Principal,
    examId: string,
    proctorId: string,
    file: UploadedDocument | undefined,
    acts: UploadedDocument[],
    via?: { kind: 'email-link'; linkId: string },
  ) {
    await this.exams.readable(principal, examId);
    const form = await this.form(examId, proctorId);
    if (principal.personId !== form.proctor_id && principal.personId !== form.member_id)
      throw new ProblemException({
        status: 403,
        detail: `§5.14: Form 4 is returned by its proctor or the working-group member answering for them`,
      });
    if (form.signed_at !== null)
      throw conflict(`§5.15: this Form 4 is already signed`, { clauses: ['§5.15'] });
    if (file === undefined)
      throw uploadProblem([
        { row: 0, column: 'file', reason: 'attach the filled Form 4 (XLSX) as "file"' },
      ]);
    const read = await readForm4Xlsx(
      { filename: file.originalname, contentType: file.mimetype, data: file.buffer },
      form.sheet,
    );
    if ('errors' in read) throw uploadProblem(read.errors);
    // §5.14: a PDF act for every "drawn" row, and none for another row.
    const errors: UploadError[] = [];
    const byRow = new Map<number, UploadedDocument>();
    for (const act of acts) {
      const n = ACT_NAME.exec(act.originalname)?.[1];
      if (n === undefined) {
        errors.push({ row: 0, column: act.originalname, reason: 'an act is named <row No.>.pdf' });
        continue;
      }
      if (!act.buffer.subarray(0, 5).equals(Buffer.from('%PDF-')))
        errors.push({ row: Number(n) + 1, column: act.originalname, reason: 'is not a PDF' });
      byRow.set(Number(n), act);
    }
    // The ACT column's header as the reader names it (the same word in kk and ru).
    const header = headerName(FORM4_COLUMNS.find((c) => c.key === 'act')![form.language]);
    for (const r of read.rows) {
      if (r.act === 'drawn' && !byRow.has(r.no))
        errors.push({
          row: r.no + 1,
          column: header,
          reason: `"drawn" for ${r.fullName}: attach its act as ${r.no}.pdf`,
        });
      if (r.act !== 'drawn' && byRow.has(r.no))
        errors.push({
          row: r.no + 1,
          column: `${r.no}.pdf`,
          reason: `an act for ${r.fullName}, whose row is not "drawn"`,
        });
    }
    for (const n of byRow.keys())
      if (!read.rows.some((r) => r.no === n))
        errors.push({ row: 0, column: `${n}.pdf`, reason: `row ${n} is not on the form` });
    if (errors.length > 0) throw uploadProblem(errors);
    const sha256 = createHash('sha256').update(file.buffer).digest('hex');
    return this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM form4_act WHERE exam_id = $1 AND proctor_id = $2`, [
        examId,
        proctorId,
      ]);
      for (const r of read.rows.filter((x) => x.act === 'drawn')) {
        const pdf = byRow.get(r.no)!;
        await tx.query(
          `INSERT INTO form4_act (exam_id, proctor_id, student_id, filename, pdf, sha256)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [
            examId,
            proctorId,
            r.studentId,
            pdf.originalname,
            pdf.buffer,
            createHash('sha256').update(pdf.buffer).digest('hex'),
          ],
        );
      }
      await tx.query(
        `UPDATE form4 SET returned_rows = $3, returned_sha256 = $4, returned_at = now(), returned_by = $5
          WHERE exam_id = $1 AND proctor_id = $2`,
        [examId, proctorId, JSON.stringify(read.rows), sha256, principal.personId],
      );
      const drawn = read.rows.filter((r) => r.act === 'drawn').length;
      // §5.15: the return opens (or, returned again before the signature, keeps) the member's
      // signature step, given to the member answering for this proctor.
      const members = await tx.query<{ full_name: string }[]>(
        `SELECT full_name FROM person WHERE id = $1`,
        [form.member_id],
      );
      await this.exams.recordEvent(
        principal,
        examId,
        {
          event: 'form4Returned',
          caseId: proctorId,
          comment: `${read.rows.length} students, ${drawn} drawn`,
          assignee: { personId: form.member_id, name: members[0]?.full_name ?? form.member_id },
        },
        `form4-returned/${examId}/${proctorId}/${sha256}`,
      );
      // §5.7, §5.14: with the last Form 4 back, the proctor-review step is done (its subject the
      // returns); before it, or when the member returns it, the step stays with the proctors.
      const outstanding = await tx.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM proctor_assignment a
           LEFT JOIN form4 f ON f.exam_id = a.exam_id AND f.proctor_id = a.proctor_id
          WHERE a.exam_id = $1 AND f.returned_at IS NULL`,
        [examId],
      );
      let review: unknown = null;
      const open = await tx.query<unknown[]>(
        `SELECT 1 FROM exam_step WHERE exam_id = $1 AND step_id = 'proctorReview' AND status IN ('open', 'overdue')`,
        [examId],
      );
      if (outstanding[0].n === 0 && principal.personId === proctorId && open.length > 0) {
        const all = await tx.query<{ returned_sha256: string; drawn: number }[]>(
          `SELECT returned_sha256,
                  (SELECT count(*)::int FROM jsonb_array_elements(returned_rows) r WHERE r->>'act' = 'drawn') AS drawn
             FROM form4 WHERE exam_id = $1 ORDER BY proctor_id`,
          [examId],
        );
        review = await this.exams.approveWith(
          principal,
          examId,
          'proctorReview',
          {
            kind: 'form4',
            returned: all.length,
            drawn: all.reduce((n, f) => n + f.drawn, 0),
            sha256: createHash('sha256')
              .update(all.map((f) => f.returned_sha256).join('\n'))
              .digest('hex'),
          },
          'every Form 4 returned (§5.14)',
          `form4-review/${examId}/${sha256}`,
        );
      }
      await appendAudit(tx, {
        key: `form4/${examId}/${proctorId}/returned/${sha256}`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: principal.personId === proctorId ? 'proctor' : 'working_group_member',
        action: 'form4.returned',
        clauses: ['§5.14', 'Form 4'],
        examId,
        after: {
          proctorId,
          sha256,
          students: read.rows.length,
          drawn,
          ...(via === undefined ? {} : { via }),
        },
      });
      return {
        examId,
        proctorId,
        students: read.rows.length,
        drawn,
        sha256,
        proctorReview: review,
      };
    });
  }

  /** POST /exams/:id/form4/:proctorId/sign (§5.15): the member signs; drawn rows open cases. */
  async sign(principal: Principal, examId: string, proctorId: string, updateId: string) {
    const { exam, chain } = await this.exams.readableScope(principal, examId);
    const form = await this.form(examId, proctorId);
    if (
      principal.personId !== form.member_id ||
      !holdsIn(principal, ['working_group_member'], chain)
    )
      throw new ProblemException({
        status: 403,
        detail: '§5.15: Form 4 is signed by the working-group member answering for its proctor',
      });
    if (form.returned_rows === null)
      throw conflict('§5.14: the proctor has not returned this Form 4 yet', { clauses: ['§5.14'] });
    if (form.signed_at !== null)
      throw conflict('§5.15: this Form 4 is already signed', { clauses: ['§5.15'] });
    const units = await unitChain(this.db, exam.department_id);
    const at = Date.now();
    const returned = form.returned_rows;
    return this.db.transaction(async (tx) => {
      const issued = await issueDocument(tx, {
        kind: 'form4',
        content: {
          examId,
          discipline: form.sheet.discipline,
          examDate: form.sheet.examDate,
          proctor: form.sheet.proctor,
          member: form.sheet.member,
          signedOn: dateInZone(this.policy.timeZone, at),
          rows: returned.map((r) => {
            const sent = form.sheet.rows[r.no - 1];
            return {
              fullName: r.fullName,
              speciality: sent.speciality || '—',
              year: 0,
              group: sent.yearGroup || '—',
              link: sent.link || '—',
              act: r.act,
            };
          }),
        },
        key: `form4/${examId}/${proctorId}`,
        institution: units[units.length - 1].id,
        language: form.language,
        at,
        timeZone: this.policy.timeZone,
        examId,
        createdBy: principal.personId,
        deferAudit: true,
      });
      await tx.query(
        `UPDATE form4 SET signed_at = now(), signed_by = $3, document_id = $4
          WHERE exam_id = $1 AND proctor_id = $2`,
        [examId, proctorId, principal.personId, issued.id],
      );
      // §5.15: the member's signature step is approved with the numbered Form 4 (its workflow
      // then sends it to the commission, the dean's office and the registrar).
      const signature = await this.exams.approveWith(
        principal,
        examId,
        `form4Signature@${proctorId}`,
        {
          kind: 'form4Signed',
          proctorId,
          documentId: issued.id,
          number: issued.number,
          year: issued.year,
          sha256: issued.sha256,
          drawn: returned.filter((r) => r.act === 'drawn').length,
        },
        `Form 4 № ${issued.number} signed (§5.15)`,
        `${updateId}/signature`,
      );
      // Row 11: every "drawn" row goes to the integrity commission as a case (Updates before any
      // audit record of this transaction).
      const opened: { caseId: string; audit: AuditEntry }[] = [];
      for (const r of returned.filter((x) => x.act === 'drawn')) {
        const c = await this.cases.openFromForm4(tx, principal, examId, exam.department_id, chain, {
          studentId: r.studentId,
          proctorId,
          updateId: `${updateId}/${r.studentId}`,
        });
        if (c !== undefined) opened.push(c);
      }
      for (const c of opened) await appendAudit(tx, c.audit);
      if (issued.audit !== undefined) await appendAudit(tx, issued.audit);
      await appendAudit(tx, {
        key: `form4/${examId}/${proctorId}/signed`,
        at,
        actor: principal.personId,
        actorRole: 'working_group_member',
        action: 'form4.signed',
        clauses: ['§5.15', 'Form 4', 'row 11'],
        examId,
        after: {
          proctorId,
          documentId: issued.id,
          number: issued.number,
          cases: opened.map((c) => c.caseId),
        },
      });
      return {
        examId,
        proctorId,
        document: {
          id: issued.id,
          number: issued.number,
          year: issued.year,
          sha256: issued.sha256,
        },
        cases: opened.map((c) => c.caseId),
        signature,
      };
    });
  }
}
