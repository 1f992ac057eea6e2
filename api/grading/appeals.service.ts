import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import { letterOf } from '../../sop/grading';
import type { Policy, Role } from '../../sop/policy';
import type { StepSubject } from '../../workflows/exam.contract';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import { fieldsOf } from '../common/validation';
import { conflict, invalidFields, notFound, ProblemException } from '../common/problem';
import { holdersCovering } from '../directory/directory.repository';
import type { ExamsService } from '../exams/exams.service';
import { documentHash } from '../paperwork/documents';
import { exportCsv, type GradeSheetRow } from './grade-sheet.rows';
import type { GradeSheetService } from './grade-sheet.service';
import { gradeSheetXlsx } from './grade-sheet.xlsx';

type Queryable = Pick<EntityManager, 'query'>;

/** Row 12: a student files their own appeal; the dean's office may file one on their behalf. */
export const APPEAL_FILERS: Role[] = ['student', 'deans_office'];
/** Row 12: the appeal commission decides. */
export const APPEAL_DECIDERS: Role[] = ['appeal_commission'];
/** Who reads an exam's appeals (they name students): the commission, the school, the department. */
export const APPEAL_READERS: Role[] = [
  'appeal_commission',
  'deans_office',
  'dean',
  'department_head',
  'registrar',
  'auditor',
];

type Field = { path: string; message: string };
const invalid = invalidFields;

interface AppealRow {
  exam_id: string;
  case_id: string;
  student_id: string;
  code: string;
  reason: string;
  filed_by: string;
  filed_at: Date;
  status: 'open' | 'upheld' | 'dismissed';
  /** §5.16: the violation case whose act the student disagreed with, if the appeal is about it. */
  violation_case: string | null;
}

interface OutcomeRow {
  case_id: string;
  decision: 'upheld' | 'dismissed';
  old_score: string | null;
  new_score: string | null;
  reason: string;
  members: string[];
  decided_by: string;
  decided_at: Date;
  grade_sheet_version: number | null;
}

/** An appeal with its outcome, if decided (and the student's name). */
type AppealWithOutcome = AppealRow & Partial<OutcomeRow> & { outcome_reason?: string };
const APPEALS = `SELECT a.*, p.full_name, o.decision, o.old_score::text AS old_score,
       o.new_score::text AS new_score, o.reason AS outcome_reason, o.members, o.decided_by,
       o.decided_at, o.grade_sheet_version
  FROM appeal a JOIN person p ON p.id = a.student_id
  LEFT JOIN appeal_outcome o ON o.exam_id = a.exam_id AND o.case_id = a.case_id`;

/** The appealDecision step's key for case `caseId` (a step of a case is keyed `<rule>@<case>`). */
export const appealStepKey = (caseId: string) => `appealDecision@${caseId}`;

/**
 * The subject of `appealDecision@<case>` (row 12): the recorded outcome. An appeal recorded only as
 * an event (on paper, through `POST /exams/:id/events`) has no row here and approves without one.
 */
export async function appealSubject(
  db: Queryable,
  examId: string,
  caseId: string,
): Promise<StepSubject | undefined> {
  const appeals = await db.query<{ status: string }[]>(
    `SELECT status FROM appeal WHERE exam_id = $1 AND case_id = $2`,
    [examId, caseId],
  );
  if (appeals[0] === undefined) return undefined;
  const outcomes = await db.query<OutcomeRow[]>(
    `SELECT * FROM appeal_outcome WHERE exam_id = $1 AND case_id = $2`,
    [examId, caseId],
  );
  if (outcomes[0] === undefined)
    throw new ProblemException({
      status: 422,
      detail: `row 12: appeal ${caseId} has no recorded outcome; the commission records it with POST /exams/${examId}/appeals/${caseId}/outcome`,
      clauses: ['row 12'],
    });
  return outcomeSubject(outcomes[0]);
}

function outcomeSubject(o: OutcomeRow): Extract<StepSubject, { kind: 'appealOutcome' }> {
  return {
    kind: 'appealOutcome',
    caseId: o.case_id,
    decision: o.decision,
    gradeSheetVersion: o.grade_sheet_version,
    sha256: documentHash({
      caseId: o.case_id,
      decision: o.decision,
      oldScore: o.old_score === null ? null : Number(o.old_score),
      newScore: o.new_score === null ? null : Number(o.new_score),
      reason: o.reason,
      members: o.members,
    }),
  };
}

/** Checks a filing body: `reason`, and `studentId` when the dean's office files for a student. */
export function parseFiling(
  body: unknown,
  onBehalf: boolean,
): { reason: string; studentId?: string; violationCase?: string } | { errors: Field[] } {
  const o = fieldsOf(body);
  const errors: Field[] = [];
  const reason = typeof o.reason === 'string' ? o.reason.trim() : '';
  if (reason === '' || reason.length > 2000)
    errors.push({
      path: 'reason',
      message: 'is required: what the student contests (1–2000 characters)',
    });
  let studentId: string | undefined;
  if (onBehalf) {
    if (typeof o.studentId !== 'string' || o.studentId.trim() === '' || o.studentId.length > 100)
      errors.push({
        path: 'studentId',
        message: 'is required when the dean’s office files for a student',
      });
    else studentId = o.studentId.trim();
  } else if (o.studentId !== undefined) {
    errors.push({
      path: 'studentId',
      message: 'a student files their own appeal only; leave it out',
    });
  }
  // §5.16: a disagreement with a violation act goes to the appeal, which names its case.
  let violationCase: string | undefined;
  if (o.violationCase !== undefined) {
    if (typeof o.violationCase !== 'string' || !/^V-\d{1,6}$/.test(o.violationCase))
      errors.push({
        path: 'violationCase',
        message: 'is a violation case id, V-<number>, whose act you disagreed with (§5.16)',
      });
    else violationCase = o.violationCase;
  }
  return errors.length > 0
    ? { errors }
    : {
        reason,
        ...(studentId !== undefined ? { studentId } : {}),
        ...(violationCase !== undefined ? { violationCase } : {}),
      };
}

export interface OutcomeInput {
  decision: 'upheld' | 'dismissed';
  newScore?: number;
  reason: string;
  members: string[];
}

/** Checks an outcome body; errors name their field. */
export function parseOutcome(
  body: unknown,
  /** An appeal against a violation act (§5.16): upheld, it lifts the annulment; a score is optional. */
  caseAppeal = false,
): OutcomeInput | { errors: Field[] } {
  const o = fieldsOf(body);
  const errors: Field[] = [];
  const decision = o.decision;
  if (decision !== 'upheld' && decision !== 'dismissed')
    errors.push({
      path: 'decision',
      message: "must be 'upheld' (the score changes) or 'dismissed'",
    });
  let newScore: number | undefined;
  if (decision === 'upheld' && !(caseAppeal && o.newScore === undefined)) {
    const n = o.newScore;
    if (
      typeof n !== 'number' ||
      !Number.isFinite(n) ||
      n < 0 ||
      n > 100 ||
      Math.round(n * 100) !== n * 100
    )
      errors.push({
        path: 'newScore',
        message: 'is required when upheld: the new score, 0–100 with at most two decimals (§5.17)',
      });
    else newScore = n;
  } else if (o.newScore !== undefined) {
    errors.push({ path: 'newScore', message: 'only an upheld appeal changes the score' });
  }
  const reason = typeof o.reason === 'string' ? o.reason.trim() : '';
  if (reason === '' || reason.length > 2000)
    errors.push({
      path: 'reason',
      message: 'is required: the commission’s reasons (1–2000 characters)',
    });
  const members = o.members;
  if (
    !Array.isArray(members) ||
    members.length === 0 ||
    members.length > 50 ||
    !members.every((m) => typeof m === 'string' && m.trim() !== '' && m.length <= 100)
  )
    errors.push({
      path: 'members',
      message: 'is required: the ids of the commission members who decided',
    });
  else if (new Set(members).size !== members.length)
    errors.push({ path: 'members', message: 'names a member twice' });
  if (errors.length > 0) return { errors };
  return {
    decision: decision as OutcomeInput['decision'],
    ...(newScore !== undefined ? { newScore } : {}),
    reason,
    members: (members as string[]).map((m) => m.trim()),
  };
}

/**
 * Appeals (row 12): after the results are published (the registrar exported the reconciled grade
 * sheet) a student files an appeal within the policy's window, which holds the exam's recordings
 * (§5.7); the appeal commission — at least the policy's number of members — decides within its
 * window. An upheld appeal changes the score: a new grade-sheet version (reconciled by the
 * commission's decision) and its registrar export are produced with the reasons, all in one
 * transaction with the workflow's approval of the decision step.
 */
export class AppealsService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly sheets: GradeSheetService,
    private readonly policy: Policy,
  ) {}

  private context(principal: Principal, examId: string) {
    return this.exams.readableScope(principal, examId);
  }

  /** POST /exams/:id/appeals (row 12). */
  async file(principal: Principal, examId: string, body: unknown, updateId: string) {
    const { departmentId, chain } = await this.context(principal, examId);
    const onBehalf = holdsIn(principal, ['deans_office'], chain);
    if (!onBehalf && !holdsIn(principal, ['student'], chain))
      throw new ProblemException({
        status: 403,
        detail: `row 12: an appeal is filed by the student, or by the dean's office on their behalf`,
      });
    const parsed = parseFiling(body, onBehalf);
    if ('errors' in parsed) throw invalid(parsed.errors);
    const studentId = parsed.studentId ?? principal.personId;
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
      const works = await tx.query<{ code: string }[]>(
        `SELECT code FROM exam_work WHERE exam_id = $1 AND student_id = $2`,
        [examId, studentId],
      );
      if (works[0] === undefined)
        throw onBehalf
          ? invalid([
              { path: 'studentId', message: `${studentId} has no opened work in exam ${examId}` },
            ])
          : notFound(`you have no graded work in exam ${examId}`);
      const existing = await tx.query<{ case_id: string }[]>(
        `SELECT case_id FROM appeal WHERE exam_id = $1 AND student_id = $2`,
        [examId, studentId],
      );
      if (existing[0] !== undefined)
        throw conflict(
          `row 12: ${studentId} already appealed exam ${examId} (${existing[0].case_id})`,
          {
            clauses: ['row 12'],
          },
        );
      const next = await tx.query<{ n: number }[]>(
        `SELECT count(*)::int + 1 AS n FROM appeal WHERE exam_id = $1`,
        [examId],
      );
      const caseId = `AP-${next[0].n}`;
      if (parsed.violationCase !== undefined) {
        // §5.16: only the student's own confirmed act, answered "disagree", goes to an appeal.
        const cases = await tx.query<
          { student_id: string; act_document: string | null; acknowledgement: string | null }[]
        >(
          `SELECT student_id, act_document, acknowledgement FROM violation_case
            WHERE exam_id = $1 AND case_id = $2`,
          [examId, parsed.violationCase],
        );
        const c = cases[0];
        const problem =
          c === undefined || c.student_id !== studentId
            ? `${studentId} has no violation case ${parsed.violationCase} in exam ${examId}`
            : c.act_document === null
              ? `case ${parsed.violationCase} has no confirmed act to contest (§5.8)`
              : c.acknowledgement !== 'disagree'
                ? `the student has not disagreed with the act of case ${parsed.violationCase} (§5.16)`
                : undefined;
        if (problem !== undefined) throw invalid([{ path: 'violationCase', message: problem }]);
      }
      await tx.query(
        `INSERT INTO appeal (exam_id, case_id, student_id, code, reason, filed_by, violation_case)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [
          examId,
          caseId,
          studentId,
          works[0].code,
          parsed.reason,
          principal.personId,
          parsed.violationCase ?? null,
        ],
      );
      const at = Date.now();
      // The workflow checks the window (row 12) and opens the decision step; a refusal rolls the
      // filing back, so nothing is half-saved. The Update comes before this transaction appends to
      // the audit chain: the workflow's own record must not wait for the chain's lock held here.
      const event = await this.exams.recordEvent(
        principal,
        examId,
        { event: 'appealFiled', caseId, comment: parsed.reason },
        updateId,
      );
      await appendAudit(tx, {
        key: `appeal/${examId}/${caseId}/filed`,
        at,
        actor: principal.personId,
        actorRole: onBehalf ? 'deans_office' : 'student',
        action: 'appeal.filed',
        clauses: ['row 12'],
        scopeId: departmentId,
        examId,
        stepId: appealStepKey(caseId),
        after: {
          caseId,
          studentId,
          code: works[0].code,
          reason: parsed.reason,
          violationCase: parsed.violationCase ?? null,
        },
      });
      return {
        examId,
        caseId,
        studentId,
        code: works[0].code,
        violationCase: parsed.violationCase ?? null,
        status: 'open' as const,
        filedAt: new Date(at).toISOString(),
        decisionStep: appealStepKey(caseId),
        holds: event.holds,
      };
    });
  }

  /** POST /exams/:id/appeals/:caseId/outcome (row 12): the commission's decision. */
  async decide(
    principal: Principal,
    examId: string,
    caseId: string,
    body: unknown,
    updateId: string,
  ) {
    const { departmentId, chain } = await this.context(principal, examId);
    if (!holdsIn(principal, APPEAL_DECIDERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `row 12: an appeal is decided by the appeal commission (appeal_commission over ${departmentId})`,
      });
    const contested = await this.db.query<{ violation_case: string | null }[]>(
      `SELECT violation_case FROM appeal WHERE exam_id = $1 AND case_id = $2`,
      [examId, caseId],
    );
    const parsed = parseOutcome(body, contested[0]?.violation_case != null);
    if ('errors' in parsed) throw invalid(parsed.errors);
    const { minMembers } = this.policy.rules.appeal.commission;
    const holders = new Set(
      (await holdersCovering(this.db, 'appeal_commission', departmentId)).map((p) => p.id),
    );
    const problems: Field[] = [];
    parsed.members.forEach((m, i) => {
      if (!holders.has(m))
        problems.push({
          path: `members[${i}]`,
          message: `${m} is not an active member of the appeal commission over ${departmentId}`,
        });
    });
    if (parsed.members.length < minMembers)
      problems.push({
        path: 'members',
        message: `row 12: the appeal commission decides with at least ${minMembers} members (policy rules.appeal.commission.minMembers); ${parsed.members.length} named`,
      });
    if (!parsed.members.includes(principal.personId))
      problems.push({
        path: 'members',
        message: 'must include you, the member recording the decision',
      });
    if (problems.length > 0) throw invalid(problems);

    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
      const appeals = await tx.query<AppealRow[]>(
        `SELECT * FROM appeal WHERE exam_id = $1 AND case_id = $2`,
        [examId, caseId],
      );
      const appeal = appeals[0];
      if (appeal === undefined) throw notFound(`exam ${examId} has no appeal ${caseId}`);
      if (appeal.status !== 'open')
        throw conflict(`row 12: appeal ${caseId} is already decided (${appeal.status})`, {
          clauses: ['row 12'],
        });
      const grades = await tx.query<{ score: string }[]>(
        `SELECT score::text AS score FROM grade WHERE exam_id = $1 AND code = $2`,
        [examId, appeal.code],
      );
      const oldScore = grades[0] === undefined ? null : Number(grades[0].score);
      if (parsed.decision === 'upheld' && parsed.newScore === oldScore)
        throw invalid([
          {
            path: 'newScore',
            message: `equals the current score ${oldScore}; an appeal that changes nothing is dismissed`,
          },
        ]);
      const at = Date.now();
      const actor = { personId: principal.personId, role: 'appeal_commission' };
      // An upheld appeal produces the next grade-sheet version (the exam's work lock is held).
      const latest = await tx.query<{ v: number | null }[]>(
        `SELECT max(version)::int AS v FROM grade_sheet WHERE exam_id = $1`,
        [examId],
      );
      const nextVersion = parsed.decision === 'upheld' ? (latest[0].v ?? 0) + 1 : null;
      await tx.query(
        `INSERT INTO appeal_outcome (exam_id, case_id, student_id, old_score, new_score, reason,
                                     decided_by, decision, members, grade_sheet_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          examId,
          caseId,
          appeal.student_id,
          oldScore,
          parsed.newScore ?? null,
          parsed.reason,
          principal.personId,
          parsed.decision,
          parsed.members,
          nextVersion,
        ],
      );
      await tx.query(`UPDATE appeal SET status = $3 WHERE exam_id = $1 AND case_id = $2`, [
        examId,
        caseId,
        parsed.decision,
      ]);
      const outcome = (
        await tx.query<OutcomeRow[]>(
          `SELECT * FROM appeal_outcome WHERE exam_id = $1 AND case_id = $2`,
          [examId, caseId],
        )
      )[0];
      const subject = outcomeSubject(outcome);
      // Row 12's decision step, approved with the outcome inside this transaction: a refusal (the
      // step is not open: waived, or the case unknown to the workflow) rolls everything back. It
      // comes before this transaction appends to the audit chain, whose lock the workflow's own
      // record of the approval needs.
      const step = await this.exams.approveWith(
        principal,
        examId,
        appealStepKey(caseId),
        subject,
        `${parsed.decision}: ${parsed.reason}`,
        updateId,
      );
      let produced: { version: number; sha256: string; exports: Record<string, string> } | null =
        null;
      if (parsed.decision === 'upheld' && appeal.violation_case !== null)
        // §5.16, row 12: the act is overturned: its annulment is lifted on the next version.
        await tx.query(
          `UPDATE violation_case SET overturned_by = $3 WHERE exam_id = $1 AND case_id = $2`,
          [examId, appeal.violation_case, caseId],
        );
      if (parsed.decision === 'upheld' && parsed.newScore !== undefined) {
        const graded = letterOf(this.policy.rules.gradingScale.bands, parsed.newScore);
        await tx.query(
          `UPDATE grade SET score = $3, letter = $4, gpa = $5, source = 'appeal', graded_by = $6,
                  graded_at = now(), version = version + 1
            WHERE exam_id = $1 AND code = $2`,
          [examId, appeal.code, parsed.newScore, graded.letter, graded.gpa, principal.personId],
        );
      }
      if (parsed.decision === 'upheld') {
        produced = await this.newVersion(tx, examId, departmentId, caseId, parsed.reason, actor);
        if (produced.version !== nextVersion)
          throw new Error(
            `appeal ${caseId}: formed version ${produced.version}, expected ${nextVersion}`,
          );
      }
      await appendAudit(tx, {
        key: `appeal/${examId}/${caseId}/decided`,
        at,
        actor: principal.personId,
        actorRole: 'appeal_commission',
        action: 'appeal.decided',
        clauses: ['row 12'],
        scopeId: departmentId,
        examId,
        stepId: appealStepKey(caseId),
        after: {
          caseId,
          studentId: appeal.student_id,
          decision: parsed.decision,
          oldScore,
          newScore: parsed.newScore ?? null,
          reason: parsed.reason,
          members: parsed.members,
          gradeSheetVersion: produced?.version ?? null,
          sha256: subject.sha256,
          violationCase: appeal.violation_case,
        },
      });
      return {
        examId,
        caseId,
        studentId: appeal.student_id,
        decision: parsed.decision,
        oldScore,
        newScore: parsed.newScore ?? null,
        reason: parsed.reason,
        members: parsed.members,
        gradeSheet: produced,
        step,
      };
    });
  }

  /**
   * An upheld appeal's new grade-sheet version (row 12, §5.19): formed from the grades with the
   * reason, reconciled by the commission's decision (it overrides the examiners' reconciliation for
   * the changed score), and exported for the registrar in both layouts, each audited.
   */
  private async newVersion(
    tx: Queryable,
    examId: string,
    departmentId: string,
    caseId: string,
    reason: string,
    actor: { personId: string; role: string },
  ) {
    const formed = await this.sheets.formIn(
      tx,
      examId,
      departmentId,
      actor,
      `appeal ${caseId}: ${reason}`,
      [],
      ['row 12', '§5.19'],
    );
    await tx.query(
      `UPDATE grade_sheet SET reconciled_at = now() WHERE exam_id = $1 AND version = $2`,
      [examId, formed.version],
    );
    const at = Date.now();
    await appendAudit(tx, {
      key: `grade-sheet/${examId}/${formed.version}/reconciled`,
      at,
      actor: actor.personId,
      actorRole: actor.role,
      action: 'gradeSheet.reconciled',
      clauses: ['row 12', '§5.19'],
      scopeId: departmentId,
      examId,
      after: { version: formed.version, sha256: formed.sha256, by: `appeal ${caseId}` },
    });
    const rows = (
      await tx.query<{ rows: GradeSheetRow[] }[]>(
        `SELECT rows FROM grade_sheet WHERE exam_id = $1 AND version = $2`,
        [examId, formed.version],
      )
    )[0].rows;
    const exports: Record<string, string> = {};
    for (const format of ['csv', 'xlsx'] as const) {
      const data =
        format === 'csv'
          ? Buffer.from(exportCsv(rows, formed.version), 'utf8')
          : await gradeSheetXlsx(rows, formed.version);
      const sha256 = createHash('sha256').update(data).digest('hex');
      exports[format] = sha256;
      await tx.query(
        `INSERT INTO grade_sheet_export (exam_id, version, format, sha256, exported_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [examId, formed.version, format, sha256, actor.personId],
      );
      await appendAudit(tx, {
        key: `grade-sheet/${examId}/${formed.version}/exported/${format}/appeal/${caseId}`,
        at,
        actor: actor.personId,
        actorRole: actor.role,
        action: 'gradeSheet.exported',
        clauses: ['row 12', 'row 10'],
        scopeId: departmentId,
        examId,
        after: {
          version: formed.version,
          format,
          sha256: formed.sha256,
          students: rows.length,
          export: sha256,
          reason: `appeal ${caseId}: ${reason}`,
        },
      });
    }
    return { version: formed.version, sha256: formed.sha256, exports };
  }

  /** GET /exams/:id/appeals: the exam's appeals and outcomes (they name students: audited). */
  async list(principal: Principal, examId: string) {
    const { departmentId, chain } = await this.context(principal, examId);
    if (!holdsIn(principal, APPEAL_READERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `reading the appeals of ${departmentId} needs ${APPEAL_READERS.join(', ')} in its scope (row 12)`,
      });
    const rows = await this.db.query<(AppealWithOutcome & { full_name: string })[]>(
      `${APPEALS} WHERE a.exam_id = $1 ORDER BY a.filed_at, a.case_id`,
      [examId],
    );
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /exams/:id/appeals',
      examId,
      scopeId: departmentId,
      personIds: rows.map((r) => r.student_id),
    });
    return { examId, items: rows.map((r) => this.item(r)) };
  }

  private item(
    r: AppealRow & Partial<OutcomeRow> & { full_name?: string; outcome_reason?: string },
  ) {
    return {
      caseId: r.case_id,
      studentId: r.student_id,
      ...(r.full_name !== undefined ? { fullName: r.full_name } : {}),
      code: r.code,
      reason: r.reason,
      filedBy: r.filed_by,
      filedAt: r.filed_at.toISOString(),
      status: r.status,
      outcome:
        r.decision == null
          ? null
          : {
              decision: r.decision,
              oldScore: r.old_score == null ? null : Number(r.old_score),
              newScore: r.new_score == null ? null : Number(r.new_score),
              reason: r.outcome_reason ?? null,
              members: r.members ?? [],
              decidedBy: r.decided_by ?? null,
              decidedAt: r.decided_at?.toISOString() ?? null,
              gradeSheetVersion: r.grade_sheet_version ?? null,
            },
    };
  }

  /**
   * GET /exams/:id/my-grade: a student's own result once published (row 12: the registrar
   * exported a reconciled version), with their appeal if any. Anyone else's row is never shown.
   */
  async myGrade(principal: Principal, examId: string) {
    const sheets = await this.db.query<{ version: number; rows: GradeSheetRow[] }[]>(
      `SELECT s.version, s.rows FROM grade_sheet s
        WHERE s.exam_id = $1
          AND EXISTS (SELECT 1 FROM grade_sheet_export e WHERE e.exam_id = s.exam_id AND e.version = s.version)
        ORDER BY s.version DESC LIMIT 1`,
      [examId],
    );
    const own = sheets[0]?.rows.find((r) => r.studentId === principal.personId);
    if (own === undefined) {
      const admitted = await this.db.query<unknown[]>(
        `SELECT 1 FROM admission WHERE exam_id = $1 AND student_id = $2 AND admitted`,
        [examId, principal.personId],
      );
      if (sheets[0] === undefined && admitted.length > 0)
        throw conflict(
          `row 12: the results of exam ${examId} are not published yet (the registrar exports the reconciled grade sheet, row 10)`,
          { clauses: ['row 10', 'row 12'] },
        );
      throw notFound(`you have no result in exam ${examId}`);
    }
    const appeals = await this.db.query<AppealWithOutcome[]>(
      `${APPEALS} WHERE a.exam_id = $1 AND a.student_id = $2`,
      [examId, principal.personId],
    );
    return {
      examId,
      version: sheets[0].version,
      code: own.code,
      score: own.score,
      letter: own.letter,
      gpa: own.gpa,
      annulled: own.annulled,
      appeal: appeals[0] === undefined ? null : this.item({ ...appeals[0], full_name: undefined }),
    };
  }
}
