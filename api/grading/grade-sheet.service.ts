import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import type { Policy, Role } from '../../sop/policy';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import { conflict, notFound, ProblemException } from '../common/problem';
import type { ExamsService } from '../exams/exams.service';
import { documentHash, type StepSubject } from '../paperwork/documents';
import {
  type Annulment,
  exportCsv,
  gradeSheetRows,
  type GradeSheetRow,
  type OpenedGrade,
  parseAnnulments,
} from './grade-sheet.rows';
import { gradeSheetPdf, type StatementLanguage } from './grade-sheet.pdf';
import { gradeSheetXlsx } from './grade-sheet.xlsx';

type Queryable = Pick<EntityManager, 'query'>;

/** §5.19, row 9: the department forms the grade sheet; its head does it in Emtihan. */
export const SHEET_FORMERS: Role[] = ['department_head'];
/** §5.19: examiners and the head of department reconcile the sheet. */
export const SHEET_CONFIRMERS: Role[] = ['examiner', 'department_head'];
/** The sheet names students: the department, its examiners, the registrar, auditors. */
export const SHEET_READERS: Role[] = [
  'department_head',
  'department_responsible',
  'examiner',
  'registrar',
  'auditor',
];
/** Row 10: the registrar prints the sheet and exports it to the transcript. */
export const SHEET_EXPORTERS: Role[] = ['registrar'];

interface SheetRow {
  exam_id: string;
  version: number;
  sha256: string;
  rows: GradeSheetRow[];
  reason: string;
  created_by: string;
  created_at: Date;
  reconciled_at: Date | null;
}

interface ConfirmationRow {
  person_id: string;
  full_name: string;
  role: string;
  confirmed: boolean;
  disputed_codes: string[];
  comment: string | null;
  at: Date;
}

/**
 * Codes open for regrading (§5.19): those disputed on the latest grade-sheet version while no
 * newer version is formed. They are accepted by the grades route after the §5.17 window.
 */
export async function disputedCodes(db: Queryable, examId: string): Promise<Set<string>> {
  const rows = await db.query<{ code: string }[]>(
    `SELECT DISTINCT unnest(c.disputed_codes) AS code FROM grade_sheet_confirmation c
      WHERE c.exam_id = $1 AND NOT c.confirmed
        AND c.version = (SELECT max(version) FROM grade_sheet WHERE exam_id = $1)`,
    [examId],
  );
  return new Set(rows.map((r) => r.code));
}

/** The gradeSheet step's subject (§5.19, row 9): the latest reconciled version. */
export async function gradeSheetSubject(
  db: Queryable,
  examId: string,
): Promise<StepSubject | undefined> {
  if (
    (await db.query<unknown[]>(`SELECT 1 FROM exam_work WHERE exam_id = $1 LIMIT 1`, [examId]))
      .length === 0
  )
    return undefined;
  const rows = await db.query<{ version: number; sha256: string }[]>(
    `SELECT version, sha256 FROM grade_sheet WHERE exam_id = $1 AND reconciled_at IS NOT NULL
      ORDER BY version DESC LIMIT 1`,
    [examId],
  );
  if (rows[0] === undefined)
    throw new ProblemException({
      status: 422,
      detail: `§5.19, row 9: exam ${examId} has no reconciled grade sheet (the head and every examiner who graded confirm a version)`,
      clauses: ['§5.19', 'row 9'],
    });
  return { kind: 'gradeSheet', version: rows[0].version, sha256: rows[0].sha256 };
}

/** The gradeSheetExport step's subject (row 10): the latest exported reconciled version. */
export async function gradeSheetExportSubject(
  db: Queryable,
  examId: string,
): Promise<StepSubject | undefined> {
  if (
    (await db.query<unknown[]>(`SELECT 1 FROM exam_work WHERE exam_id = $1 LIMIT 1`, [examId]))
      .length === 0
  )
    return undefined;
  const rows = await db.query<{ version: number; sha256: string; formats: string[] }[]>(
    `SELECT s.version, s.sha256, array_agg(e.format ORDER BY e.format) AS formats
       FROM grade_sheet s JOIN grade_sheet_export e ON e.exam_id = s.exam_id AND e.version = s.version
      WHERE s.exam_id = $1 GROUP BY s.version, s.sha256 ORDER BY s.version DESC LIMIT 1`,
    [examId],
  );
  if (rows[0] === undefined)
    throw new ProblemException({
      status: 422,
      detail: `row 10: the reconciled grade sheet of exam ${examId} is not exported to the transcript yet (§5.19)`,
      clauses: ['§5.19', 'row 10'],
    });
  return { kind: 'gradeSheetExport', version: rows[0].version, sha256: rows[0].sha256 };
}

export class GradeSheetService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
  ) {}

  private async exam(principal: Principal, examId: string, roles: Role[], act: string) {
    const { exam, departmentId, chain } = await this.exams.readableScope(principal, examId);
    if (!holdsIn(principal, roles, chain))
      throw new ProblemException({
        status: 403,
        detail: `${act} needs ${roles.join(' or ')} in the scope of ${departmentId} (§5.19)`,
      });
    return { exam, departmentId, chain };
  }

  private async sheet(db: Queryable, examId: string, version: number): Promise<SheetRow> {
    const rows = await db.query<SheetRow[]>(
      `SELECT * FROM grade_sheet WHERE exam_id = $1 AND version = $2`,
      [examId, version],
    );
    if (rows[0] === undefined)
      throw notFound(`exam ${examId} has no grade sheet version ${version}`);
    return rows[0];
  }

  private confirmations(db: Queryable, examId: string, version: number) {
    return db.query<ConfirmationRow[]>(
      `SELECT c.person_id, p.full_name, c.role, c.confirmed, c.disputed_codes, c.comment, c.at
         FROM grade_sheet_confirmation c JOIN person p ON p.id = c.person_id
        WHERE c.exam_id = $1 AND c.version = $2 ORDER BY c.at, c.person_id`,
      [examId, version],
    );
  }

  /**
   * Forms version n (§5.19, row 9) in the transaction `tx` from the grades of the opened works;
   * annulments of earlier versions carry over. Exported for the appeal outcome (row 12).
   */
  async formIn(
    tx: Queryable,
    examId: string,
    departmentId: string,
    actor: { personId: string; role: string },
    reason: string,
    given: readonly Annulment[],
    clauses: string[],
  ) {
    let annulments = given;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
    const works = await tx.query<
      {
        code: string;
        student_id: string | null;
        email: string | null;
        full_name: string | null;
        score: string | null;
        letter: string | null;
        gpa: string | null;
      }[]
    >(
      `SELECT w.code, w.student_id, p.email, p.full_name, g.score::text AS score, g.letter,
              g.gpa::text AS gpa
         FROM exam_work w LEFT JOIN person p ON p.id = w.student_id
         LEFT JOIN grade g ON g.exam_id = w.exam_id AND g.code = w.code
        WHERE w.exam_id = $1 ORDER BY w.code`,
      [examId],
    );
    if (works.length === 0 || works.some((w) => w.student_id === null))
      throw conflict(
        `row 8: the work codes of exam ${examId} are not opened yet (they are opened when the grading step is done); the grade sheet is formed after`,
        { clauses: ['row 8', '§5.19'] },
      );
    const ungraded = works.filter((w) => w.score === null).map((w) => w.code);
    if (ungraded.length > 0)
      throw new ProblemException({
        status: 422,
        detail: `§5.17: ${ungraded.length} works are not graded (${ungraded.slice(0, 10).join(', ')})`,
        clauses: ['§5.17', '§5.19'],
      });
    const previous = await tx.query<{ version: number; rows: GradeSheetRow[] }[]>(
      `SELECT version, rows FROM grade_sheet WHERE exam_id = $1 ORDER BY version DESC LIMIT 1`,
      [examId],
    );
    const students = new Set(works.map((w) => w.student_id!));
    const unknown = annulments.filter((a) => !students.has(a.studentId));
    if (unknown.length > 0)
      throw new ProblemException({
        status: 400,
        detail: `annulled: ${unknown.map((a) => a.studentId).join(', ')} did not sit exam ${examId}`,
        errors: unknown.map((a) => ({
          path: 'annulled',
          message: `${a.studentId} did not sit the exam`,
        })),
      });
    // §5.8, §5.16 (issue 9): a confirmed violation case annuls its student's result, with its act's
    // number; an annulment given by the head for the same student takes precedence.
    const confirmed = await tx.query<{ student_id: string; case_id: string; number: number }[]>(
      `SELECT c.student_id, c.case_id, d.number FROM violation_case c
         JOIN integrity_document d ON d.id = c.act_document
        WHERE c.exam_id = $1 AND c.overturned_by IS NULL ORDER BY c.case_id`,
      [examId],
    );
    // Row 12: a case overturned on appeal annuls nothing from now on, carried or not.
    const overturned = new Set(
      (
        await tx.query<{ case_id: string }[]>(
          `SELECT case_id FROM violation_case WHERE exam_id = $1 AND overturned_by IS NOT NULL`,
          [examId],
        )
      ).map((c) => c.case_id),
    );
    for (const c of confirmed)
      if (!annulments.some((a) => a.studentId === c.student_id) && students.has(c.student_id))
        annulments = [
          ...annulments,
          { studentId: c.student_id, caseId: c.case_id, reason: `act №\u00a0${c.number}` },
        ];
    const carried = (previous[0]?.rows ?? [])
      .filter(
        (r) =>
          r.annulled !== null &&
          !overturned.has(r.annulled.caseId) &&
          !annulments.some((a) => a.studentId === r.studentId),
      )
      .map((r) => ({ studentId: r.studentId, ...r.annulled! }));
    const grades: OpenedGrade[] = works.map((w) => ({
      studentId: w.student_id!,
      email: w.email!,
      fullName: w.full_name!,
      code: w.code,
      score: Number(w.score),
      letter: w.letter!,
      gpa: Number(w.gpa),
    }));
    // Row 12: scores changed on appeal are marked with the case and the commission's reasons.
    const appeals = await tx.query<
      { student_id: string; case_id: string; reason: string; old_score: string | null }[]
    >(
      `SELECT student_id, case_id, reason, old_score::text AS old_score FROM appeal_outcome
        WHERE exam_id = $1 AND decision = 'upheld' ORDER BY decided_at`,
      [examId],
    );
    const rows = gradeSheetRows(
      this.policy.rules.gradingScale.bands,
      grades,
      [...carried, ...annulments],
      appeals.map((a) => ({
        studentId: a.student_id,
        caseId: a.case_id,
        reason: a.reason,
        previousScore: Number(a.old_score),
      })),
    );
    const version = (previous[0]?.version ?? 0) + 1;
    const sha256 = documentHash(rows);
    await tx.query(
      `INSERT INTO grade_sheet (exam_id, version, sha256, rows, reason, created_by)
       VALUES ($1, $2, $3, $4::jsonb, $5, $6)`,
      [examId, version, sha256, JSON.stringify(rows), reason, actor.personId],
    );
    const at = Date.now();
    for (const a of annulments)
      await appendAudit(tx, {
        key: `grade-sheet/${examId}/${version}/annulled/${a.studentId}`,
        at,
        actor: actor.personId,
        actorRole: actor.role,
        action: 'gradeSheet.annulled',
        clauses: ['§5.8', '§5.16', '§5.19'],
        scopeId: departmentId,
        examId,
        after: { version, studentId: a.studentId, caseId: a.caseId, reason: a.reason },
      });
    await appendAudit(tx, {
      key: `grade-sheet/${examId}/${version}/formed`,
      at,
      actor: actor.personId,
      actorRole: actor.role,
      action: 'gradeSheet.formed',
      clauses,
      scopeId: departmentId,
      examId,
      after: {
        version,
        sha256,
        reason,
        students: rows.length,
        annulled: annulments.length + carried.length,
      },
    });
    return { examId, version, sha256, reason, students: rows.length };
  }

  /** POST /exams/:id/grade-sheets (§5.19, row 9): the head forms the next version. */
  async form(principal: Principal, examId: string, body: unknown) {
    const { departmentId } = await this.exam(
      principal,
      examId,
      SHEET_FORMERS,
      'forming the grade sheet',
    );
    const parsed = parseAnnulments(body);
    if ('errors' in parsed)
      throw new ProblemException({
        status: 400,
        detail: parsed.errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors: parsed.errors,
      });
    return this.db.transaction((tx) =>
      this.formIn(
        tx,
        examId,
        departmentId,
        { personId: principal.personId, role: 'department_head' },
        'formed',
        parsed.annulments,
        ['§5.19', 'row 9'],
      ),
    );
  }

  /**
   * POST /exams/:id/grade-sheets/:version/confirm (§5.19): an examiner or the head confirms the
   * latest version, or disputes codes (they reopen for regrading; a new version is needed). The
   * version is reconciled when the head and every examiner who graded confirmed it.
   */
  async confirm(principal: Principal, examId: string, version: number, body: unknown) {
    const { departmentId, chain } = await this.exam(
      principal,
      examId,
      SHEET_CONFIRMERS,
      'reconciling the grade sheet',
    );
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    if (typeof b.confirmed !== 'boolean')
      throw new ProblemException({
        status: 400,
        detail: 'confirmed: is required (true, or false with disputedCodes and comment)',
        errors: [{ path: 'confirmed', message: 'is required: true or false' }],
      });
    let disputed: string[] = [];
    let comment: string | null = null;
    if (!b.confirmed) {
      if (
        !Array.isArray(b.disputedCodes) ||
        b.disputedCodes.length === 0 ||
        !b.disputedCodes.every((c) => typeof c === 'string' && /^[A-Za-z0-9]{4,16}$/.test(c))
      )
        throw new ProblemException({
          status: 400,
          detail: 'disputedCodes: a dispute names one or more work codes',
          errors: [{ path: 'disputedCodes', message: 'must be a non-empty array of work codes' }],
        });
      if (typeof b.comment !== 'string' || b.comment.trim() === '' || b.comment.length > 2000)
        throw new ProblemException({
          status: 400,
          detail: 'comment: a dispute says why (1–2000 characters)',
          errors: [{ path: 'comment', message: 'is required with a dispute (1–2000 characters)' }],
        });
      disputed = [...new Set(b.disputedCodes.map((c: string) => c.toUpperCase()))].sort();
      comment = b.comment.trim();
    }
    const role = holdsIn(principal, ['department_head'], chain) ? 'department_head' : 'examiner';
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
      const sheet = await this.sheet(tx, examId, version);
      const latest = await tx.query<{ v: number }[]>(
        `SELECT max(version)::int AS v FROM grade_sheet WHERE exam_id = $1`,
        [examId],
      );
      if (latest[0].v !== version)
        throw conflict(`§5.19: version ${version} is superseded by version ${latest[0].v}`, {
          clauses: ['§5.19'],
        });
      if (sheet.reconciled_at !== null)
        throw conflict(`§5.19: version ${version} is already reconciled`, { clauses: ['§5.19'] });
      const codes = new Set(sheet.rows.map((r) => r.code));
      const strangers = disputed.filter((c) => !codes.has(c));
      if (strangers.length > 0)
        throw new ProblemException({
          status: 400,
          detail: `disputedCodes: ${strangers.join(', ')} are not on version ${version}`,
          errors: [
            { path: 'disputedCodes', message: `${strangers.join(', ')} are not on the sheet` },
          ],
        });
      await tx.query(
        `INSERT INTO grade_sheet_confirmation (exam_id, version, person_id, role, confirmed, disputed_codes, comment)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (exam_id, version, person_id) DO UPDATE SET role = EXCLUDED.role,
           confirmed = EXCLUDED.confirmed, disputed_codes = EXCLUDED.disputed_codes,
           comment = EXCLUDED.comment, at = now()`,
        [examId, version, principal.personId, role, b.confirmed, disputed, comment],
      );
      const at = Date.now();
      await appendAudit(tx, {
        key: `grade-sheet/${examId}/${version}/${b.confirmed ? 'confirmed' : 'disputed'}/${principal.personId}/${at}`,
        at,
        actor: principal.personId,
        actorRole: role,
        action: b.confirmed ? 'gradeSheet.confirmed' : 'gradeSheet.disputed',
        clauses: ['§5.19', 'row 9'],
        scopeId: departmentId,
        examId,
        after: { version, sha256: sheet.sha256, disputedCodes: disputed, comment },
      });
      const pending = await this.pending(tx, examId, version);
      let reconciledAt: string | null = null;
      if (pending.length === 0) {
        // An UPDATE through TypeORM answers [rows, count]: read the instant back instead.
        await tx.query(
          `UPDATE grade_sheet SET reconciled_at = now() WHERE exam_id = $1 AND version = $2`,
          [examId, version],
        );
        const r = await tx.query<{ reconciled_at: Date }[]>(
          `SELECT reconciled_at FROM grade_sheet WHERE exam_id = $1 AND version = $2`,
          [examId, version],
        );
        reconciledAt = r[0].reconciled_at.toISOString();
        await appendAudit(tx, {
          key: `grade-sheet/${examId}/${version}/reconciled`,
          at,
          actor: principal.personId,
          actorRole: role,
          action: 'gradeSheet.reconciled',
          clauses: ['§5.19', 'row 9'],
          scopeId: departmentId,
          examId,
          after: { version, sha256: sheet.sha256 },
        });
      }
      return {
        examId,
        version,
        confirmed: b.confirmed,
        disputedCodes: disputed,
        needsNewVersion: disputed.length > 0 || (await this.disputed(tx, examId, version)),
        pending,
        reconciledAt,
      };
    });
  }

  private async disputed(db: Queryable, examId: string, version: number) {
    const rows = await db.query<unknown[]>(
      `SELECT 1 FROM grade_sheet_confirmation WHERE exam_id = $1 AND version = $2 AND NOT confirmed`,
      [examId, version],
    );
    return rows.length > 0;
  }

  /**
   * Who still has to confirm (§5.19): every examiner who graded a work (grade.graded_by) and the
   * head; a dispute on the version blocks it until a new version is formed.
   */
  private async pending(db: Queryable, examId: string, version: number): Promise<string[]> {
    const confirmations = await this.confirmations(db, examId, version);
    if (confirmations.some((c) => !c.confirmed)) return ['a new version (a dispute is open)'];
    const confirmed = new Set(confirmations.map((c) => c.person_id));
    const graders = await db.query<{ graded_by: string }[]>(
      `SELECT DISTINCT graded_by FROM grade WHERE exam_id = $1 AND source <> 'appeal' ORDER BY graded_by`,
      [examId],
    );
    const pending = graders.map((g) => g.graded_by).filter((p) => !confirmed.has(p));
    if (!confirmations.some((c) => c.role === 'department_head')) pending.push('department_head');
    return pending;
  }

  /** GET /exams/:id/grade-sheets: the versions without their rows. */
  async list(principal: Principal, examId: string) {
    await this.exam(principal, examId, SHEET_READERS, 'reading the grade sheet');
    const rows = await this.db.query<Omit<SheetRow, 'rows'>[]>(
      `SELECT exam_id, version, sha256, reason, created_by, created_at, reconciled_at
         FROM grade_sheet WHERE exam_id = $1 ORDER BY version`,
      [examId],
    );
    return {
      examId,
      items: rows.map((r) => ({
        version: r.version,
        sha256: r.sha256,
        reason: r.reason,
        createdAt: r.created_at.toISOString(),
        reconciledAt: r.reconciled_at?.toISOString() ?? null,
      })),
    };
  }

  private async full(
    principal: Principal,
    examId: string,
    version: number,
    resource: string,
    roles = SHEET_READERS,
  ) {
    const { exam, departmentId } = await this.exam(
      principal,
      examId,
      roles,
      'reading the grade sheet',
    );
    const sheet = await this.sheet(this.db, examId, version);
    const confirmations = await this.confirmations(this.db, examId, version);
    await auditPersonalDataRead(this.db, principal, {
      resource,
      examId,
      scopeId: departmentId,
      personIds: [...sheet.rows.map((r) => r.studentId), ...confirmations.map((c) => c.person_id)],
    });
    return { exam, departmentId, sheet, confirmations };
  }

  /** GET /exams/:id/grade-sheets/:version: the rows name students (audited read). */
  async get(principal: Principal, examId: string, version: number) {
    const { sheet, confirmations } = await this.full(
      principal,
      examId,
      version,
      'GET /exams/:id/grade-sheets/:version',
    );
    return {
      examId,
      version,
      sha256: sheet.sha256,
      reason: sheet.reason,
      createdAt: sheet.created_at.toISOString(),
      reconciledAt: sheet.reconciled_at?.toISOString() ?? null,
      rows: sheet.rows,
      confirmations: confirmations.map((c) => ({
        personId: c.person_id,
        fullName: c.full_name,
        role: c.role,
        confirmed: c.confirmed,
        disputedCodes: c.disputed_codes,
        comment: c.comment,
        at: c.at.toISOString(),
      })),
      pending: sheet.reconciled_at === null ? await this.pending(this.db, examId, version) : [],
    };
  }

  /** The reconciliation statement (§5.19): printed when the grades match. */
  async statement(
    principal: Principal,
    examId: string,
    version: number,
    language: StatementLanguage,
  ) {
    const { exam, departmentId, sheet, confirmations } = await this.full(
      principal,
      examId,
      version,
      'GET /exams/:id/grade-sheets/:version/statement.pdf',
    );
    const units = await this.db.query<{ name_kk: string; name_ru: string }[]>(
      `SELECT name_kk, name_ru FROM org_unit WHERE id = $1`,
      [departmentId],
    );
    // Row 12: a version an upheld appeal produced is reconciled by the commission's decision.
    const decisions = await this.db.query<
      { case_id: string; members: string[]; decided_at: Date }[]
    >(
      `SELECT o.case_id, o.decided_at,
              array(SELECT p.full_name FROM unnest(o.members) WITH ORDINALITY AS m(id, n)
                      JOIN person p ON p.id = m.id ORDER BY m.n) AS members
         FROM appeal_outcome o WHERE o.exam_id = $1 AND o.grade_sheet_version = $2`,
      [examId, version],
    );
    const pdf = await gradeSheetPdf({
      language,
      exam: {
        id: examId,
        discipline: exam.discipline,
        department:
          units[0] === undefined
            ? departmentId
            : language === 'kk'
              ? units[0].name_kk
              : units[0].name_ru,
        examDate: String(exam.exam_date),
      },
      timeZone: this.policy.timeZone,
      version,
      reason: sheet.reason,
      ...(decisions[0] !== undefined
        ? {
            appealDecision: {
              caseId: decisions[0].case_id,
              members: decisions[0].members,
              decidedAt: decisions[0].decided_at.toISOString(),
            },
          }
        : {}),
      sha256: sheet.sha256,
      reconciledAt: sheet.reconciled_at?.toISOString() ?? null,
      rows: sheet.rows,
      confirmations: confirmations.map((c) => ({
        fullName: c.full_name,
        role: c.role,
        confirmed: c.confirmed,
        at: c.at.toISOString(),
      })),
    });
    return { pdf, filename: `grade-sheet-${examId}-v${version}-${language}.pdf` };
  }

  /** Row 10: the registrar's export of a reconciled version, recorded and audited. */
  async export(principal: Principal, examId: string, version: number, format: 'csv' | 'xlsx') {
    const { departmentId, sheet } = await this.full(
      principal,
      examId,
      version,
      `GET /exams/:id/grade-sheets/:version/export.${format}`,
      SHEET_EXPORTERS,
    );
    if (sheet.reconciled_at === null)
      throw conflict(
        `row 10: version ${version} is not reconciled (§5.19: the head and every examiner who graded confirm it first)`,
        { clauses: ['§5.19', 'row 10'] },
      );
    const data =
      format === 'csv'
        ? Buffer.from(exportCsv(sheet.rows, version), 'utf8')
        : await gradeSheetXlsx(sheet.rows, version);
    const sha256 = createHash('sha256').update(data).digest('hex');
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO grade_sheet_export (exam_id, version, format, sha256, exported_by)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (exam_id, version, format) DO UPDATE SET exported_by = EXCLUDED.exported_by,
           exported_at = now()`,
        [examId, version, format, sha256, principal.personId],
      );
      const at = Date.now();
      await appendAudit(tx, {
        key: `grade-sheet/${examId}/${version}/exported/${format}/${principal.personId}/${at}`,
        at,
        actor: principal.personId,
        actorRole: 'registrar',
        action: 'gradeSheet.exported',
        clauses: ['§5.19', 'row 10'],
        scopeId: departmentId,
        examId,
        after: {
          version,
          format,
          sha256: sheet.sha256,
          students: sheet.rows.length,
          export: sha256,
        },
      });
    });
    return { data, filename: `grade-sheet-${examId}-v${version}.${format}` };
  }
}
