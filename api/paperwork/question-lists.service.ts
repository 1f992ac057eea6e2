import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import type { TemporalGateway } from '../temporal/temporal.gateway';
import type { ExamFacts } from '../../sop/plan';
import { findStep, type Localized, type Policy, type Role } from '../../sop/policy';
import { checkQuestionCount, requiredQuestionCount } from '../../sop/rules';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import type { Language } from '../common/language';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { isoInZone } from '../common/time';
import type { ExamsService } from '../exams/exams.service';
import type { SopService } from '../plans/sop.service';
import { documentHash, type QuestionListContent, type StepSubject } from './documents';
import { FILE_COLUMN, parseQuestionListFile, type UploadError } from './question-lists.parse';

/**
 * The question list of an exam (GP 3, row 1): the questions, the evaluation sheet, the technical
 * aids and the reference literature, uploaded by the department as versions 1, 2, … (each with the
 * SHA-256 of its canonical JSON), and the version each approving step decided on.
 */

type Queryable = Pick<EntityManager, 'query'>;

/** GP 3: the department uploads and discusses the list (row 1: the department is responsible). */
export const UPLOADERS_OF_QUESTION_LISTS: Role[] = ['department_head', 'department_responsible'];

/** The steps of GP 3 that decide on a question-list version, in the SOP's order. */
export const QUESTION_LIST_STEPS = [
  'departmentDiscussion',
  'programmeCommitteeApproval',
  'moodleUpload',
] as const;
export type QuestionListStep = (typeof QUESTION_LIST_STEPS)[number];

const CLAUSES = ['GP 3', 'row 1'];

interface VersionRow {
  version: number;
  sha256: string;
  question_count: number;
  source: 'json' | 'xlsx';
  file_name: string | null;
  uploaded_by: string;
  uploaded_by_name: string | null;
  uploaded_at: Date;
}

interface SubjectRow {
  step_id: string;
  status: string;
  subject: StepSubject | null;
}

/** The upload as multer hands it over. */
export interface UploadedList {
  originalname: string;
  mimetype: string;
  buffer: Buffer;
}

/** A 422 naming GP 3 (CONVENTIONS.md: a rule broken, the clause named). */
function gp3(detail: string, extra: Record<string, unknown> = {}): ProblemException {
  return new ProblemException({ status: 422, detail, clause: 'GP 3', clauses: CLAUSES, ...extra });
}

/**
 * GP 3's count for the exam: by its credits (exam.facts), or, registered without credits, by the
 * policy's default entry (the one the SOP is silent on: 2 credits → 20 in the default policy).
 */
export function questionCountCheck(
  policy: Policy,
  credits: number | undefined,
  count: number,
): { ok: boolean; credits: number | null; required: number | null; message: Localized } {
  const rule = policy.rules.questionCount;
  const fallback = rule.byCredits.find((e) => e.bySopSilence) ?? rule.byCredits[0];
  const effective = credits ?? fallback.credits;
  const result = checkQuestionCount(rule, effective, count);
  const required = requiredQuestionCount(rule, effective)?.questions ?? null;
  const message: Localized =
    credits !== undefined
      ? result.message
      : {
          kk: `Емтихан кредиттерсіз тіркелген: саясаттың әдепкі мәні қолданылады. ${result.message.kk}`,
          ru: `Экзамен зарегистрирован без кредитов: применяется значение политики по умолчанию. ${result.message.ru}`,
          en: `The exam was registered without credits: the policy default applies. ${result.message.en}`,
        };
  return { ok: result.ok, credits: credits ?? null, required, message };
}

async function examCredits(db: Queryable, examId: string): Promise<number | undefined> {
  const rows = await db.query<{ facts: ExamFacts | null }[]>(
    `SELECT facts FROM exam WHERE id = $1`,
    [examId],
  );
  if (rows[0] === undefined) throw notFound(`exam ${examId} does not exist`);
  return rows[0].facts?.credits;
}

async function approvedSubjects(db: Queryable, examId: string): Promise<SubjectRow[]> {
  return db.query<SubjectRow[]>(
    `SELECT step_id, status, subject FROM exam_step WHERE exam_id = $1 AND step_id = ANY($2)`,
    [examId, [...QUESTION_LIST_STEPS]],
  );
}

/** The question-list version a step approved (status approved, subject of kind questionList). */
function approvedVersion(
  rows: SubjectRow[],
  stepId: QuestionListStep,
): { version: number; sha256: string } | undefined {
  const row = rows.find((r) => r.step_id === stepId);
  if (row === undefined || row.status !== 'approved' || row.subject?.kind !== 'questionList')
    return undefined;
  return { version: row.subject.version, sha256: row.subject.sha256 };
}

/**
 * The subject of a GP 3 decision (issue 8): which question-list version `stepRuleId` approves.
 * - departmentDiscussion: `requestedVersion`, by default the latest; it must exist and have GP 3's
 *   count for the exam's credits.
 * - programmeCommitteeApproval: the same, and it must be the version the department discussed
 *   (when the policy has that step).
 * - moodleUpload: records what was uploaded, the version the committee approved (or, when the
 *   policy has no committee step, the one the department discussed).
 * Refusals are 422 ProblemExceptions naming GP 3.
 */
export async function questionListSubject(
  db: Queryable,
  policy: Policy,
  examId: string,
  stepRuleId: string,
  requestedVersion?: number,
): Promise<StepSubject> {
  if (!(QUESTION_LIST_STEPS as readonly string[]).includes(stepRuleId))
    throw new Error(`step ${stepRuleId} decides on no question list (GP 3)`);
  const step = stepRuleId as QuestionListStep;
  const credits = await examCredits(db, examId);
  const versions = await db.query<{ version: number; sha256: string; question_count: number }[]>(
    `SELECT version, sha256, question_count FROM question_list WHERE exam_id = $1 ORDER BY version`,
    [examId],
  );
  const subjects = await approvedSubjects(db, examId);
  const has = (id: QuestionListStep) => findStep(policy, id) !== undefined;

  if (step === 'moodleUpload') {
    const source = has('programmeCommitteeApproval')
      ? 'programmeCommitteeApproval'
      : has('departmentDiscussion')
        ? 'departmentDiscussion'
        : undefined;
    const approved = source === undefined ? undefined : approvedVersion(subjects, source);
    const latest = versions[versions.length - 1];
    const chosen =
      approved ??
      (source === undefined && latest !== undefined
        ? { version: latest.version, sha256: latest.sha256 }
        : undefined);
    if (chosen === undefined)
      throw gp3(
        source === 'programmeCommitteeApproval'
          ? 'the programme committee has not approved a question list yet: Moodle gets the approved version (GP 3)'
          : 'no approved question list to upload to Moodle (GP 3)',
      );
    if (requestedVersion !== undefined && requestedVersion !== chosen.version)
      throw gp3(
        `Moodle gets the approved question list (v${chosen.version}), not v${requestedVersion} (GP 3)`,
        { version: chosen.version },
      );
    return { kind: 'questionList', version: chosen.version, sha256: chosen.sha256 };
  }

  if (versions.length === 0)
    throw gp3(`no question list has been uploaded for exam ${examId} (GP 3)`);
  const row =
    requestedVersion === undefined
      ? versions[versions.length - 1]
      : versions.find((v) => v.version === requestedVersion);
  if (row === undefined)
    throw gp3(
      `question list v${requestedVersion} does not exist; the latest is v${versions[versions.length - 1].version} (GP 3)`,
    );
  const count = questionCountCheck(policy, credits, row.question_count);
  if (!count.ok)
    throw gp3(`question list v${row.version}: ${count.message.en}`, {
      version: row.version,
      required: count.required,
      questionCount: row.question_count,
    });
  if (step === 'programmeCommitteeApproval' && has('departmentDiscussion')) {
    const discussed = approvedVersion(subjects, 'departmentDiscussion');
    if (discussed === undefined)
      throw gp3(
        'the department has not discussed a question list yet: the programme committee approves the version the department discussed (GP 3)',
      );
    if (discussed.version !== row.version || discussed.sha256 !== row.sha256)
      throw gp3(
        `the programme committee approves the version the department discussed (v${discussed.version}), not v${row.version} (GP 3)`,
        { version: discussed.version },
      );
  }
  return { kind: 'questionList', version: row.version, sha256: row.sha256 };
}

/**
 * "A change after approval reopens the approval": the GP 3 steps whose approved subject is an
 * older question-list version than `newVersion`, in the SOP's order.
 */
export async function stepsToReopen(
  db: Queryable,
  examId: string,
  newVersion: number,
): Promise<string[]> {
  const rows = await approvedSubjects(db, examId);
  return QUESTION_LIST_STEPS.filter((step) => {
    const approved = approvedVersion(rows, step);
    return approved !== undefined && approved.version < newVersion;
  });
}

export class QuestionListsService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly sop: SopService,
    private readonly temporal: TemporalGateway,
  ) {}

  private get policy(): Policy {
    return this.sop.policy;
  }

  /**
   * A new version of the exam's question list: the department's head or responsible person only;
   * the file is read and checked whole (400 with row and column, 422 for GP 3's count), and only a
   * good list is stored, with its audit record, in one transaction.
   */
  async upload(
    principal: Principal,
    examId: string,
    file: UploadedList | undefined,
    language: Language,
  ) {
    const exam = await this.exams.readable(principal, examId);
    const chain = await this.exams.chain(exam.department_id);
    if (!holdsIn(principal, UPLOADERS_OF_QUESTION_LISTS, chain))
      throw new ProblemException({
        status: 403,
        detail: `uploading the question list of ${exam.department_id} needs ${UPLOADERS_OF_QUESTION_LISTS.join(' or ')} in its scope (GP 3, row 1)`,
      });
    if (file === undefined)
      throw uploadProblem([
        {
          path: 'file',
          row: 0,
          column: FILE_COLUMN,
          message: 'upload an .xlsx or .json file in the "file" field',
        },
      ]);
    const parsed = await parseQuestionListFile({
      filename: file.originalname,
      contentType: file.mimetype,
      data: file.buffer,
    });
    if (!parsed.ok) throw uploadProblem(parsed.errors);
    const content = parsed.content;
    const count = questionCountCheck(
      this.policy,
      await examCredits(this.db, examId),
      content.questions.length,
    );
    if (!count.ok)
      throw new ProblemException({
        status: 422,
        detail: `nothing saved: ${count.message[language]}`,
        clause: 'GP 3',
        clauses: CLAUSES,
        credits: count.credits,
        required: count.required,
        questionCount: content.questions.length,
        errors: [{ path: 'questions', message: count.message[language] }],
      });
    const sha256 = documentHash(content);
    const role =
      principal.grants.find(
        (g) => UPLOADERS_OF_QUESTION_LISTS.includes(g.role) && chain.includes(g.scopeId),
      )?.role ?? null;
    const fileName = file.originalname.slice(0, 255);

    const stored = await this.db.transaction(async (tx) => {
      // One upload at a time per exam: the row lock orders the versions.
      await tx.query(`SELECT 1 FROM exam WHERE id = $1 FOR UPDATE`, [examId]);
      const latest = await tx.query<{ version: number; sha256: string }[]>(
        `SELECT version, sha256 FROM question_list WHERE exam_id = $1 ORDER BY version DESC LIMIT 1`,
        [examId],
      );
      if (latest[0]?.sha256 === sha256)
        throw conflict(
          `the list is the same as version ${latest[0].version} (sha256 ${sha256}): nothing saved`,
          { version: latest[0].version, sha256 },
        );
      const version = (latest[0]?.version ?? 0) + 1;
      const rows = await tx.query<{ uploaded_at: Date }[]>(
        `INSERT INTO question_list (exam_id, version, sha256, content, question_count, source, file_name, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING uploaded_at`,
        [
          examId,
          version,
          sha256,
          JSON.stringify(content),
          content.questions.length,
          parsed.source,
          fileName,
          principal.personId,
        ],
      );
      const uploadedAt = rows[0].uploaded_at;
      await appendAudit(tx, {
        key: `questionList/${examId}/v${version}`,
        at: uploadedAt,
        actor: principal.personId,
        actorRole: role,
        action: 'questionList.uploaded',
        clauses: CLAUSES,
        scopeId: exam.department_id,
        examId,
        after: {
          version,
          sha256,
          questionCount: content.questions.length,
          credits: count.credits,
          required: count.required,
          source: parsed.source,
          fileName,
        },
      });
      return { version, uploadedAt };
    });
    // GP 3: a change after approval reopens the approvals of the older version.
    const reopen = await stepsToReopen(this.db, examId, stored.version);
    const subject = { kind: 'questionList' as const, version: stored.version, sha256 };
    const outcome =
      reopen.length === 0
        ? undefined
        : await this.temporal.reopenSteps(
            examId,
            {
              stepIds: reopen,
              reason: `question list version ${stored.version} uploaded: approve it again (GP 3)`,
              clauses: CLAUSES,
              actor: principal.personId,
              actorName: principal.fullName,
              subject,
            },
            `reopen/questionList/${examId}/v${stored.version}`,
          );
    return {
      examId,
      version: stored.version,
      sha256,
      questionCount: content.questions.length,
      required: count.required,
      credits: count.credits,
      source: parsed.source,
      fileName,
      uploadedBy: { personId: principal.personId, fullName: principal.fullName },
      uploadedAt: isoInZone(this.policy.timeZone, stored.uploadedAt),
      /** The approvals of an older version that are open again (GP 3). */
      reopened: outcome?.kind === 'done' ? reopen : [],
    };
  }

  /** The versions, oldest first, with the steps that approved each (exam_step.subject). */
  async list(principal: Principal, examId: string) {
    const exam = await this.exams.readable(principal, examId);
    const rows = await this.versions(examId);
    const subjects = await approvedSubjects(this.db, examId);
    await this.auditRead(
      principal,
      exam.department_id,
      examId,
      rows,
      'GET /exams/:id/question-lists',
    );
    return {
      items: rows.map((r) => ({
        ...this.summary(r),
        approvedBy: QUESTION_LIST_STEPS.filter(
          (step) => approvedVersion(subjects, step)?.version === r.version,
        ),
      })),
      nextCursor: null,
    };
  }

  async get(principal: Principal, examId: string, version: string) {
    const exam = await this.exams.readable(principal, examId);
    if (!/^[1-9]\d{0,8}$/.test(version))
      throw badRequest('version', 'must be a whole number from 1');
    const rows = await this.versions(examId, Number(version));
    const row = rows[0];
    if (row === undefined) throw notFound(`exam ${examId} has no question list version ${version}`);
    const content = await this.db.query<{ content: QuestionListContent }[]>(
      `SELECT content FROM question_list WHERE exam_id = $1 AND version = $2`,
      [examId, row.version],
    );
    await this.auditRead(
      principal,
      exam.department_id,
      examId,
      rows,
      'GET /exams/:id/question-lists/:version',
    );
    return { ...this.summary(row), content: content[0].content };
  }

  private versions(examId: string, version?: number): Promise<VersionRow[]> {
    return this.db.query<VersionRow[]>(
      `SELECT q.version, q.sha256, q.question_count, q.source, q.file_name, q.uploaded_by,
              p.full_name AS uploaded_by_name, q.uploaded_at
         FROM question_list q LEFT JOIN person p ON p.id = q.uploaded_by
        WHERE q.exam_id = $1 AND ($2::int IS NULL OR q.version = $2)
        ORDER BY q.version`,
      [examId, version ?? null],
    );
  }

  private summary(r: VersionRow) {
    return {
      version: r.version,
      sha256: r.sha256,
      questionCount: r.question_count,
      source: r.source,
      fileName: r.file_name,
      uploadedBy: { personId: r.uploaded_by, fullName: r.uploaded_by_name },
      uploadedAt: isoInZone(this.policy.timeZone, r.uploaded_at),
    };
  }

  /** The uploaders' names are personal data: who saw them is recorded (issue 7). */
  private async auditRead(
    principal: Principal,
    scopeId: string,
    examId: string,
    rows: VersionRow[],
    resource: string,
  ): Promise<void> {
    if (rows.length === 0) return;
    await auditPersonalDataRead(this.db, principal, {
      resource,
      examId,
      scopeId,
      personIds: rows.map((r) => r.uploaded_by),
    });
  }
}

/** 400 for an upload that cannot be read: every problem with its row and column, nothing saved. */
function uploadProblem(errors: UploadError[]): ProblemException {
  const first = errors[0];
  return new ProblemException({
    status: 400,
    detail: `nothing saved: ${errors.length} problem(s); first: ${first.path}: ${first.message}`,
    errors: errors.map((e) => ({ path: e.path, row: e.row, column: e.column, message: e.message })),
  });
}
