import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit, appendAuditNow, canonicalJson } from '../../activities/audit-log';
import { type DocumentKey, seal, unseal } from '../../activities/sealed';
import { checkTicketItemKinds } from '../../sop/form1';
import type { ExamFacts } from '../../sop/plan';
import type { Localized, Policy, Role } from '../../sop/policy';
import { checkTicketSets, type Finding, variantKey } from '../../sop/rules';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import type { Language } from '../common/language';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { isoInZone } from '../common/time';
import type { ExamsService } from '../exams/exams.service';
import {
  documentHash,
  type Question,
  type QuestionListContent,
  SEAL_CONTEXT,
  type StepSubject,
  type TicketSetContent,
} from './documents';
import { type Form1Language, form1Pdf } from './form1.pdf';
import { parseTicketSet } from './tickets.parse';
import { uploadProblem, type UploadedDocument } from './upload-table';

type Queryable = Pick<EntityManager, 'query'>;

/** §5.2: the department's responsible person uploads and forms the tickets; the head may too. */
export const TICKET_UPLOADERS: Role[] = ['department_responsible', 'department_head'];
/** Form 1: "Approved: head of department". */
export const TICKET_APPROVERS: Role[] = ['department_head'];
/**
 * §5.2: the head and the responsible person answer for the tickets' confidentiality, and the
 * testing centre gives the access: until the exam starts, only they see a ticket's content.
 */
export const TICKET_KEEPERS: Role[] = [
  'department_head',
  'department_responsible',
  'testing_centre',
];

interface TicketSetRow {
  exam_id: string;
  day: number;
  version: number;
  sha256: string;
  question_list_version: number;
  variant_count: number;
  sealed: Buffer;
  key_id: string;
  uploaded_by: string;
  uploaded_at: Date;
  approved_by: string | null;
  approved_at: Date | null;
}

interface ExamPaperRow {
  id: string;
  discipline: string;
  department_id: string;
  exam_date: string;
  starts_at: Date;
  facts: ExamFacts | null;
}

/** A ticket-set version's content, opened and checked against the hash it was stored with. */
function openSet(key: DocumentKey, row: TicketSetRow): TicketSetContent {
  const plain = unseal(key, row.sealed, SEAL_CONTEXT.ticketSet(row.exam_id, row.day, row.version));
  const content = JSON.parse(plain.toString('utf8')) as TicketSetContent;
  if (documentHash(content) !== row.sha256)
    throw new Error(
      `ticket set ${row.exam_id}/${row.day}/${row.version}: content does not match its sha256`,
    );
  return content;
}

async function latestSet(
  db: Queryable,
  examId: string,
  day: number,
): Promise<TicketSetRow | undefined> {
  const rows = await db.query<TicketSetRow[]>(
    `SELECT * FROM ticket_set WHERE exam_id = $1 AND day = $2 ORDER BY version DESC LIMIT 1`,
    [examId, day],
  );
  return rows[0];
}

/**
 * The ticketUpload#k step's subject: the latest version of that day's set, which the head must
 * have approved (Form 1). 422 naming §5.1 and Form 1 when there is none or it is not approved.
 */
export async function ticketSetSubject(
  db: Queryable,
  examId: string,
  day: number,
): Promise<StepSubject> {
  const row = await latestSet(db, examId, day);
  if (row === undefined)
    throw new ProblemException({
      status: 422,
      detail: `exam ${examId} has no ticket set for day ${day} (§5.1, Form 1)`,
      clauses: ['§5.1', 'Form 1'],
    });
  if (row.approved_by === null)
    throw new ProblemException({
      status: 422,
      detail: `version ${row.version} of the ticket set for day ${day} is not approved by the head of department (§5.1, Form 1)`,
      clauses: ['§5.1', 'Form 1'],
    });
  return { kind: 'ticketSet', day, version: row.version, sha256: row.sha256 };
}

/**
 * The set a day's assignment uses (§5.5): the latest version, when the head has approved it,
 * opened and checked against its hash; undefined when there is none or it is not approved.
 */
export async function loadApprovedTicketSet(
  db: Queryable,
  key: DocumentKey,
  examId: string,
  day: number,
): Promise<{ version: number; sha256: string; content: TicketSetContent } | undefined> {
  const row = await latestSet(db, examId, day);
  if (row === undefined || row.approved_by === null) return undefined;
  return { version: row.version, sha256: row.sha256, content: openSet(key, row) };
}

/** The approved question list (GP 3): the version programmeCommitteeApproval's decision names. */
async function approvedQuestionList(
  db: Queryable,
  examId: string,
): Promise<{ version: number; questions: Question[] }> {
  const steps = await db.query<{ subject: StepSubject | null }[]>(
    `SELECT subject FROM exam_step WHERE exam_id = $1 AND step_id = 'programmeCommitteeApproval'`,
    [examId],
  );
  const subject = steps[0]?.subject;
  const refuse = (why: string) =>
    new ProblemException({
      status: 422,
      detail: `${why}: tickets are made from the question list the programme committee approved (GP 3)`,
      clauses: ['GP 3'],
    });
  if (subject === null || subject === undefined || subject.kind !== 'questionList')
    throw refuse(`exam ${examId} has no approved question list`);
  const lists = await db.query<{ sha256: string; content: QuestionListContent }[]>(
    `SELECT sha256, content FROM question_list WHERE exam_id = $1 AND version = $2`,
    [examId, subject.version],
  );
  const list = lists[0];
  if (list === undefined || list.sha256 !== subject.sha256)
    throw refuse(`the approved question list version ${subject.version} is not stored as approved`);
  return { version: subject.version, questions: list.content.questions };
}

export class TicketsService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
    private readonly key: DocumentKey,
  ) {}

  private iso(at: Date | null): string | null {
    return at === null ? null : isoInZone(this.policy.timeZone, at);
  }

  /** The exam (404 unless the caller may read it), its unit chain and its days. */
  private async exam(principal: Principal, examId: string) {
    await this.exams.readable(principal, examId);
    const rows = await this.db.query<ExamPaperRow[]>(
      `SELECT id, discipline, department_id, exam_date::text AS exam_date, starts_at, facts FROM exam WHERE id = $1`,
      [examId],
    );
    const exam = rows[0];
    if (exam === undefined) throw notFound(`exam ${examId} does not exist`);
    const days = exam.facts?.days ?? [exam.exam_date];
    return { exam, chain: await this.exams.chain(exam.department_id), days };
  }

  private day(raw: string, days: string[]): number {
    const day = Number(raw);
    if (!/^\d{1,3}$/.test(raw) || !Number.isInteger(day) || day < 1 || day > days.length)
      throw badRequest(
        'day',
        `must be an exam day from 1 to ${days.length} (the exam has ${days.length} day(s))`,
      );
    return day;
  }

  private roleIn(principal: Principal, roles: Role[], chain: string[]): Role | undefined {
    return principal.grants.find((g) => roles.includes(g.role) && chain.includes(g.scopeId))?.role;
  }

  /** §5.2: the keepers always; after the start, whoever may read the exam (already checked). */
  private async confidential(principal: Principal, examId: string) {
    const found = await this.exam(principal, examId);
    if (
      !holdsIn(principal, TICKET_KEEPERS, found.chain) &&
      Date.now() < found.exam.starts_at.getTime()
    )
      throw notFound(`exam ${examId} does not exist`);
    return found;
  }

  private metadata(row: TicketSetRow) {
    return {
      day: row.day,
      version: row.version,
      sha256: row.sha256,
      questionListVersion: row.question_list_version,
      variantCount: row.variant_count,
      uploadedBy: row.uploaded_by,
      uploadedAt: this.iso(row.uploaded_at),
      approvedBy: row.approved_by,
      approvedAt: this.iso(row.approved_at),
    };
  }

  /** §5.1, Form 1: a day's set, checked against the SOP; stored sealed as a new version. */
  async upload(
    principal: Principal,
    examId: string,
    rawDay: string,
    file: UploadedDocument | undefined,
  ) {
    const { exam, chain, days } = await this.exam(principal, examId);
    const role = this.roleIn(principal, TICKET_UPLOADERS, chain);
    if (role === undefined)
      throw new ProblemException({
        status: 403,
        detail: `uploading tickets of ${exam.department_id} needs ${TICKET_UPLOADERS.join(' or ')} in its scope (§5.2)`,
      });
    const day = this.day(rawDay, days);
    await this.refuseAfterAssignment(examId, day);
    if (file === undefined)
      throw new ProblemException({
        status: 400,
        detail: 'file: upload the ticket set as .xlsx or .json in the "file" field',
        errors: [{ path: 'file', message: 'is required' }],
      });
    const approved = await approvedQuestionList(this.db, examId);
    const parsed = await parseTicketSet({
      filename: file.originalname,
      contentType: file.mimetype,
      data: file.buffer,
    });
    if ('errors' in parsed) throw uploadProblem(parsed.errors);
    const set = parsed.set;
    if (set.questionListVersion !== undefined && set.questionListVersion !== approved.version)
      throw new ProblemException({
        status: 422,
        detail: `the tickets name question list version ${set.questionListVersion}, but version ${approved.version} is the approved one (GP 3)`,
        clauses: ['GP 3'],
        errors: [{ path: 'questionListVersion', message: `must be ${approved.version} (GP 3)` }],
      });
    const content: TicketSetContent = {
      day,
      questionListVersion: approved.version,
      variants: set.variants,
    };

    // §5.1: checked with the other days' latest sets (no variant repeats across the exam's days).
    const others = await this.db.query<TicketSetRow[]>(
      `SELECT DISTINCT ON (day) * FROM ticket_set WHERE exam_id = $1 AND day <> $2
        ORDER BY day, version DESC`,
      [examId, day],
    );
    const ticketDays = [
      ...others.map((row) => ({
        date: days[row.day - 1] ?? `day ${row.day}`,
        variants: openSet(this.key, row).variants.map((v) => ({
          questions: v.items.map((i) => i.text),
        })),
      })),
      {
        date: days[day - 1],
        variants: content.variants.map((v) => ({ questions: v.items.map((i) => i.text) })),
      },
    ];
    const current = `days.${ticketDays.length - 1}.`;
    const sets = checkTicketSets(
      this.policy.rules.tickets,
      ticketDays,
      approved.questions.map((q) => q.text),
    );
    const listKind = new Map(
      approved.questions.map((q) => [variantKey({ questions: [q.text] }), q.kind]),
    );
    const kinds = checkTicketItemKinds(
      days[day - 1],
      content.variants.map((v) => ({
        items: v.items.map((i) => ({
          kind: i.kind,
          listKind: listKind.get(variantKey({ questions: [i.text] })),
        })),
      })),
    );
    const findings: Finding[] = [
      ...sets.findings
        .filter((f) => f.path.startsWith(current))
        .map((f) => ({ ...f, path: f.path.slice(current.length) })),
      ...kinds.findings,
    ];
    if (findings.length > 0) throw this.ruleProblem(principal.language, findings, set);

    const sha256 = documentHash(content);
    const stored = await this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ticket-set/${examId}/${day}`]);
      const latest = await latestSet(tx, examId, day);
      // The same content as the latest version (a retried upload): that version, nothing new.
      if (latest !== undefined && latest.sha256 === sha256) return { row: latest, created: false };
      const version = (latest?.version ?? 0) + 1;
      const sealed = seal(
        this.key,
        canonicalJson(content),
        SEAL_CONTEXT.ticketSet(examId, day, version),
      );
      const rows = await tx.query<TicketSetRow[]>(
        `INSERT INTO ticket_set (exam_id, day, version, sha256, question_list_version, variant_count,
           sealed, key_id, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
        [
          examId,
          day,
          version,
          sha256,
          approved.version,
          content.variants.length,
          sealed,
          this.key.id,
          principal.personId,
        ],
      );
      await appendAudit(tx, {
        key: `ticket-set/${examId}/${day}/${version}/uploaded`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: role,
        action: 'ticketSet.uploaded',
        clauses: ['§5.1', 'Form 1'],
        scopeId: exam.department_id,
        examId,
        after: {
          day,
          version,
          sha256,
          variantCount: content.variants.length,
          questionListVersion: approved.version,
          source: set.source,
          previousVersion: latest?.version ?? null,
        },
      });
      return { row: rows[0], created: true };
    });
    return { created: stored.created, body: this.metadata(stored.row) };
  }

  /** 422 naming the clauses; with XLSX rows where a finding is about a variant. */
  private ruleProblem(
    language: Language,
    findings: Finding[],
    set: { source: 'json' | 'xlsx'; rows: number[] },
  ): ProblemException {
    const clauses = [...new Set(findings.map((f) => f.clause))];
    const say = (m: Localized) => m[language];
    return new ProblemException({
      status: 422,
      detail: `nothing saved: the ticket set breaks ${clauses.join(', ')}: ${say(findings[0].message)}`,
      clauses,
      errors: findings.map((f) => {
        const match = /^variants\.(\d+)(?:\.questions\.(\d+))?/.exec(f.path);
        const v = match === null ? undefined : Number(match[1]);
        const item = match?.[2] === undefined ? undefined : Number(match[2]) + 1;
        return {
          path: f.path,
          message: say(f.message),
          clause: f.clause,
          ...(v !== undefined ? { row: set.rows[v] } : {}),
          ...(item !== undefined
            ? {
                column:
                  set.source === 'xlsx' ? `item ${item}` : `variants[${v}].items[${item - 1}]`,
              }
            : {}),
        };
      }),
    });
  }

  /**
   * Form 1: the head of department approves a version (the latest unless named), and the day's
   * assignment seed is committed (§5.3, §5.5): 32 random bytes, sealed, their SHA-256 recorded
   * in the audit chain before any ticket is assigned. One transaction; repeating it changes nothing.
   */
  /** §5.5: once a day's tickets are assigned, its set is what the students drew: it stays. */
  private async refuseAfterAssignment(examId: string, day: number): Promise<void> {
    const assigned = await this.db.query<unknown[]>(
      `SELECT 1 FROM ticket_assignment WHERE exam_id = $1 AND day = $2 LIMIT 1`,
      [examId, day],
    );
    if (assigned.length > 0)
      throw conflict(
        `the tickets of day ${day} are already assigned (§5.5): its set can no longer change`,
        { clause: '§5.5' },
      );
  }

  async approve(principal: Principal, examId: string, rawDay: string, version: number | undefined) {
    const { exam, chain, days } = await this.exam(principal, examId);
    if (!holdsIn(principal, TICKET_APPROVERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `approving tickets of ${exam.department_id} needs department_head in its scope (Form 1)`,
      });
    const day = this.day(rawDay, days);
    await this.refuseAfterAssignment(examId, day);
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`ticket-set/${examId}/${day}`]);
      const latest = await latestSet(tx, examId, day);
      if (latest === undefined) throw notFound(`exam ${examId} has no ticket set for day ${day}`);
      if (version !== undefined && version !== latest.version)
        throw conflict(
          `version ${version} is not the latest version (${latest.version}) of the ticket set for day ${day}: approve the latest`,
          { latestVersion: latest.version },
        );
      let row = latest;
      if (row.approved_by === null) {
        const updated = await tx.query<[TicketSetRow[], number]>(
          `UPDATE ticket_set SET approved_by = $4, approved_at = now()
            WHERE exam_id = $1 AND day = $2 AND version = $3 RETURNING *`,
          [examId, day, row.version, principal.personId],
        );
        row = updated[0][0];
      }
      const seeds = await tx.query<{ commitment: string; committed_at: Date }[]>(
        `SELECT commitment, committed_at FROM assignment_seed WHERE exam_id = $1 AND day = $2 AND set_sha256 = $3`,
        [examId, day, row.sha256],
      );
      let seed = seeds[0];
      if (seed === undefined) {
        const secret = randomBytes(32).toString('hex');
        const commitment = createHash('sha256').update(secret).digest('hex');
        const inserted = await tx.query<{ commitment: string; committed_at: Date }[]>(
          `INSERT INTO assignment_seed (exam_id, day, set_sha256, commitment, seed_sealed, key_id)
           VALUES ($1, $2, $3, $4, $5, $6) RETURNING commitment, committed_at`,
          [
            examId,
            day,
            row.sha256,
            commitment,
            seal(this.key, secret, SEAL_CONTEXT.assignmentSeed(examId, day, row.sha256)),
            this.key.id,
          ],
        );
        seed = inserted[0];
      }
      const at = row.approved_at ?? new Date();
      await appendAudit(tx, {
        key: `ticket-set/${examId}/${day}/${row.version}/approved`,
        at,
        actor: row.approved_by ?? principal.personId,
        actorRole: 'department_head',
        action: 'ticketSet.approved',
        clauses: ['Form 1'],
        scopeId: exam.department_id,
        examId,
        after: { day, version: row.version, sha256: row.sha256 },
      });
      await appendAudit(tx, {
        key: `assignment-seed/${examId}/${day}/${row.sha256}`,
        at: seed.committed_at,
        actor: principal.personId,
        actorRole: 'department_head',
        action: 'assignment.seed-committed',
        clauses: ['§5.3', '§5.5'],
        scopeId: exam.department_id,
        examId,
        after: { day, setSha256: row.sha256, commitment: seed.commitment },
      });
      return {
        ...this.metadata(row),
        seed: { commitment: seed.commitment, committedAt: this.iso(seed.committed_at) },
      };
    });
  }

  /** Every version's metadata (no content), for whoever may read the exam. */
  async list(principal: Principal, examId: string) {
    const { exam } = await this.exam(principal, examId);
    const rows = await this.db.query<TicketSetRow[]>(
      `SELECT * FROM ticket_set WHERE exam_id = $1 ORDER BY day, version`,
      [examId],
    );
    const people = rows.flatMap((r) => [
      r.uploaded_by,
      ...(r.approved_by === null ? [] : [r.approved_by]),
    ]);
    if (people.length > 0)
      await auditPersonalDataRead(this.db, principal, {
        resource: 'GET /exams/:id/ticket-sets',
        examId,
        scopeId: exam.department_id,
        personIds: people,
      });
    return { items: rows.map((r) => this.metadata(r)), nextCursor: null };
  }

  private async version(examId: string, day: number, raw: string | undefined) {
    if (raw !== undefined && !/^[1-9]\d{0,5}$/.test(raw))
      throw badRequest('version', 'must be a positive whole number');
    const rows = await this.db.query<TicketSetRow[]>(
      raw === undefined
        ? `SELECT * FROM ticket_set WHERE exam_id = $1 AND day = $2 ORDER BY version DESC LIMIT 1`
        : `SELECT * FROM ticket_set WHERE exam_id = $1 AND day = $2 AND version = $3`,
      raw === undefined ? [examId, day] : [examId, day, Number(raw)],
    );
    const row = rows[0];
    if (row === undefined)
      throw notFound(
        `exam ${examId} has no ticket set for day ${day}${raw === undefined ? '' : ` in version ${raw}`}`,
      );
    return row;
  }

  private async audited(
    principal: Principal,
    action: 'ticketSet.viewed' | 'ticketSet.downloaded',
    row: TicketSetRow,
    scopeId: string,
    extra: Record<string, unknown> = {},
  ) {
    const chain = await this.exams.chain(scopeId);
    await appendAuditNow(this.db, {
      key: `${action}/${randomUUID()}`,
      at: Date.now(),
      actor: principal.personId,
      // The role the set was read in: a keeper's (§5.2) when the reader holds one here.
      actorRole:
        this.roleIn(principal, TICKET_KEEPERS, chain) ??
        principal.grants.find((g) => chain.includes(g.scopeId))?.role ??
        null,
      action,
      clauses: ['§5.2'],
      scopeId,
      examId: row.exam_id,
      after: { day: row.day, version: row.version, sha256: row.sha256, ...extra },
    });
  }

  /** §5.2: a version's content, for the keepers (anyone reading the exam once it started). */
  async content(principal: Principal, examId: string, rawDay: string, rawVersion?: string) {
    const { exam, days } = await this.confidential(principal, examId);
    const row = await this.version(examId, this.day(rawDay, days), rawVersion);
    const content = openSet(this.key, row);
    await this.audited(principal, 'ticketSet.viewed', row, exam.department_id);
    return { ...this.metadata(row), variants: content.variants };
  }

  /** Form 1 as PDF (kk or ru), for the same readers as the content; the download is audited. */
  async form1(
    principal: Principal,
    examId: string,
    rawDay: string,
    language: Form1Language,
    rawVersion?: string,
  ) {
    const { exam, days } = await this.confidential(principal, examId);
    const day = this.day(rawDay, days);
    const row = await this.version(examId, day, rawVersion);
    const content = openSet(this.key, row);
    const units = await this.db.query<{ name_kk: string; name_ru: string }[]>(
      `SELECT name_kk, name_ru FROM org_unit WHERE id = $1`,
      [exam.department_id],
    );
    const unit = units[0];
    const body = await form1Pdf({
      language,
      discipline: exam.discipline,
      department:
        unit === undefined ? exam.department_id : language === 'kk' ? unit.name_kk : unit.name_ru,
      day,
      date: days[day - 1],
      version: row.version,
      sha256: row.sha256,
      content,
    });
    await this.audited(principal, 'ticketSet.downloaded', row, exam.department_id, {
      format: 'form1.pdf',
      language,
    });
    return { body, filename: `exam-${examId}-day-${day}-v${row.version}-form1-${language}.pdf` };
  }
}
