import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import type { ProctoringAdapter } from '../../activities/proctoring/adapter';
import { proctorAccessEnds } from '../../sop/plan';
import type { Role } from '../../sop/policy';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { createValidationPipe } from '../common/validation';
import { isoInZone } from '../common/time';
import { unitChain } from '../directory/directory.repository';
import type { SopService } from '../plans/sop.service';
import { ProctoringEventDto, type ProctoringEventType } from './proctoring.dto';
import { verifySignature } from './signature';
import type { ViolationEvidence, ViolationFlagHandler } from './violation-flag';

/** The proctoring adapter of the API (the local one keeps a stand-in file per ready recording). */
export const PROCTORING_ADAPTER = Symbol('PROCTORING_ADAPTER');

/** Who reads the recordings registry, in a scope covering the exam's department (§5.7). */
export const RECORDING_READERS: Role[] = [
  'proctor',
  'working_group_member',
  'testing_centre',
  'auditor',
];
/** …of whom these at any time; proctors only until E + the proctor-review window (72 hours). */
const READERS_AT_ANY_TIME: Role[] = ['working_group_member', 'testing_centre', 'auditor'];

/** The actor of the proctoring system's records in the audit log. */
const PROCTORING_ACTOR = 'system:proctoring';

/** Each event's record in the audit log and the clauses it carries out. */
const EFFECTS: Record<ProctoringEventType, { action: string; clauses: string[] }> = {
  // §5.4: a remote student starts only with proctoring running; §5.9: the whole exam is recorded.
  'session.started': { action: 'proctoring.session-started', clauses: ['§5.4', '§5.9'] },
  // §5.7: the video is kept on the server (up to 3 months) and reviewed by the proctors.
  'recording.ready': { action: 'proctoring.recording-ready', clauses: ['§5.7', '§5.9'] },
  // §5.7: proctors check compliance; §5.14: the proctoring system records the violation.
  'violation.flagged': { action: 'proctoring.violation-flagged', clauses: ['§5.7', '§5.14'] },
};

interface RecordingRow {
  exam_id: string;
  student_id: string;
  external_id: string;
  link: string | null;
  status: 'started' | 'ready' | 'deleted';
  started_at: Date | null;
  ready_at: Date | null;
  flagged_at: Date | null;
  deleted_at: Date | null;
}

const validation = createValidationPipe();

/**
 * The proctoring system's side of issue 9 (§5.4, §5.7, §5.9): its signed webhook fills the
 * recordings registry, once per event; the registry is read by the exam's proctors until
 * E + 72 hours and by the working group, the testing centre and auditors at any time.
 */
export class ProctoringService {
  constructor(
    private readonly db: DataSource,
    private readonly sop: SopService,
    private readonly adapter: ProctoringAdapter,
    private readonly webhookSecret: string,
    private readonly violationFlagHandler: ViolationFlagHandler | null,
  ) {}

  private iso(at: Date | number | null): string | null {
    return at === null ? null : isoInZone(this.sop.policy.timeZone, at);
  }

  /**
   * One webhook event: the signature first (401 naming the reason), then the body (400 naming the
   * field), the exam and the student (422), then the event stored once with its effect and audit
   * record in one transaction (409 for an id already received).
   */
  async receive(
    rawBody: Buffer | undefined,
    body: unknown,
    signature: string | undefined,
    now: number,
  ) {
    const check = verifySignature(signature, rawBody ?? Buffer.alloc(0), this.webhookSecret, now);
    // No body was read (not sent as application/json): say so rather than "does not match".
    if (!check.ok && check.reason === 'mismatch' && rawBody === undefined)
      throw new ProblemException({
        status: 415,
        detail: 'send the event as a JSON body with Content-Type: application/json',
      });
    if (!check.ok)
      throw new ProblemException({ status: 401, detail: check.detail, reason: check.reason });
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('body', 'must be a JSON object');
    const event = (await validation.transform(body, {
      type: 'body',
      metatype: ProctoringEventDto,
    })) as ProctoringEventDto;
    this.checkShape(event);

    const exams = await this.db.query<{ id: string; department_id: string }[]>(
      `SELECT id, department_id FROM exam WHERE id = $1`,
      [event.examId],
    );
    const exam = exams[0];
    if (exam === undefined) throw unprocessable('examId', `exam ${event.examId} does not exist`);
    const studentId = await this.student(event);

    try {
      return await this.db.transaction(async (tx) => {
        // Stored once: a second delivery of the id waits for the first's transaction, then finds it.
        const stored = await tx.query<unknown[]>(
          `INSERT INTO proctoring_event (event_id, kind, exam_id, sent_at, payload)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
          [event.id, event.type, exam.id, new Date(event.sentAt), JSON.stringify(body)],
        );
        if (stored.length === 0) {
          const first = await tx.query<{ received_at: Date }[]>(
            `SELECT received_at FROM proctoring_event WHERE event_id = $1`,
            [event.id],
          );
          throw conflict(
            `event ${event.id} was already received at ${this.iso(first[0]?.received_at ?? null)}; each event is applied once`,
            { eventId: event.id },
          );
        }
        const row = await this.apply(tx, event, exam.id, studentId);
        if (event.type === 'violation.flagged' && this.violationFlagHandler !== null)
          await this.violationFlagHandler.onViolationFlagged(
            exam.id,
            studentId,
            evidenceOf(event),
            tx,
          );
        if (event.type === 'recording.ready')
          await this.adapter.recordingReady?.(exam.id, {
            studentId,
            externalId: row.external_id,
            link: row.link ?? '',
          });
        const effect = EFFECTS[event.type];
        await appendAudit(tx, {
          key: `proctoring/${event.id}`,
          at: now,
          actor: PROCTORING_ACTOR,
          actorRole: 'system',
          action: effect.action,
          clauses: effect.clauses,
          scopeId: exam.department_id,
          examId: exam.id,
          after: {
            eventId: event.id,
            type: event.type,
            sentAt: event.sentAt,
            studentId,
            recording: { externalId: row.external_id, status: row.status, link: row.link },
            ...(event.violation !== undefined ? { violation: evidenceOf(event) } : {}),
          },
        });
        return {
          eventId: event.id,
          type: event.type,
          examId: exam.id,
          studentId,
          recording: this.recordingBody(row),
        };
      });
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '23505' && constraint === 'recording_external_id_key')
        throw conflict(
          `recording.externalId ${event.recording.externalId} is another student's or exam's recording`,
        );
      throw error;
    }
  }

  /** The rules between fields that the DTO alone does not say. */
  private checkShape(event: ProctoringEventDto): void {
    if ((event.studentId === undefined) === (event.studentEmail === undefined))
      throw badRequest(
        'studentId',
        'give the student by studentId or by studentEmail (one of them)',
      );
    if (event.type === 'recording.ready' && event.recording.link === undefined)
      throw badRequest('recording.link', 'is required with recording.ready');
    if (event.type === 'violation.flagged' && event.violation === undefined)
      throw badRequest('violation', 'is required with violation.flagged');
    if (event.type !== 'violation.flagged' && event.violation !== undefined)
      throw badRequest('violation', `goes with violation.flagged only, not ${event.type}`);
  }

  /** The student's directory id, by id or email; 422 naming the field when there is none. */
  private async student(event: ProctoringEventDto): Promise<string> {
    const byId = event.studentId !== undefined;
    const rows = await this.db.query<{ id: string }[]>(
      byId
        ? `SELECT id FROM person WHERE id = $1 AND active`
        : `SELECT id FROM person WHERE lower(email) = lower($1) AND active`,
      [byId ? event.studentId : event.studentEmail],
    );
    if (rows[0] === undefined)
      throw unprocessable(
        byId ? 'studentId' : 'studentEmail',
        `no active person ${byId ? event.studentId : event.studentEmail} in the directory`,
      );
    return rows[0].id;
  }

  /**
   * The event's effect on the student's recording (one per exam and student, keyed by the
   * proctoring system's id): session.started records the start, recording.ready the link,
   * violation.flagged the first flag. Events may arrive in any order; none brings back a deleted
   * recording, and none replaces a recording by another.
   */
  private async apply(
    tx: EntityManager,
    event: ProctoringEventDto,
    examId: string,
    studentId: string,
  ): Promise<RecordingRow> {
    const { externalId } = event.recording;
    await tx.query(
      `INSERT INTO recording (exam_id, student_id, external_id) VALUES ($1, $2, $3)
       ON CONFLICT (exam_id, student_id) DO NOTHING`,
      [examId, studentId, externalId],
    );
    const current = (
      await tx.query<RecordingRow[]>(
        `SELECT * FROM recording WHERE exam_id = $1 AND student_id = $2 FOR UPDATE`,
        [examId, studentId],
      )
    )[0];
    if (current.status === 'deleted')
      throw conflict(
        `the recording of student ${studentId} in exam ${examId} was deleted (§5.7: kept up to 3 months)`,
      );
    if (current.external_id !== externalId)
      throw conflict(
        `student ${studentId} already has recording ${current.external_id} in exam ${examId}, not ${externalId}`,
      );
    const sentAt = new Date(event.sentAt);
    const updated = await tx.query<[RecordingRow[], number]>(
      event.type === 'session.started'
        ? `UPDATE recording SET started_at = COALESCE(started_at, $3)
            WHERE exam_id = $1 AND student_id = $2 RETURNING *`
        : event.type === 'recording.ready'
          ? `UPDATE recording SET status = 'ready', link = $4, ready_at = $3,
                    started_at = COALESCE(started_at, $3)
              WHERE exam_id = $1 AND student_id = $2 RETURNING *`
          : `UPDATE recording SET flagged_at = LEAST(flagged_at, $3)
              WHERE exam_id = $1 AND student_id = $2 RETURNING *`,
      [
        examId,
        studentId,
        event.type === 'violation.flagged' ? new Date(event.violation!.at) : sentAt,
        ...(event.type === 'recording.ready' ? [event.recording.link] : []),
      ],
    );
    return updated[0][0];
  }

  /**
   * GET /exams/:id/recordings: the registry of the exam's recordings with their links (§5.7).
   * The exam's proctors read it until E + the proctor-review window (403 naming §5.7 after); the
   * working group, the testing centre and auditors at any time; anyone else is answered 404.
   * Every answer is audited as a read of personal data.
   */
  async recordings(
    principal: Principal,
    examId: string,
    page: { limit: number; cursor?: string },
    now: number,
  ) {
    const exams = await this.db.query<
      { id: string; department_id: string; facts: { endsAt?: number } | null; starts_at: Date }[]
    >(`SELECT id, department_id, facts, starts_at FROM exam WHERE id = $1`, [examId]);
    const exam = exams[0];
    if (exam === undefined) throw notFound(`exam ${examId} does not exist`);
    const chain = (await unitChain(this.db, exam.department_id)).map((u) => u.id);
    const always = holdsIn(principal, READERS_AT_ANY_TIME, chain);
    if (!always && !holdsIn(principal, ['proctor'], chain))
      throw notFound(`exam ${examId} does not exist`);
    let accessUntil: number | null = null;
    if (!always) {
      // E as registered; an exam registered before its facts were kept falls back to its start.
      const endsAt = exam.facts?.endsAt ?? exam.starts_at.getTime();
      const policy = this.sop.policy;
      accessUntil = proctorAccessEnds(policy, this.sop.calendarFor([isoDay(endsAt)]), endsAt);
      if (now > accessUntil) {
        const { value, unit } = policy.rules.proctorReview.window;
        throw new ProblemException({
          status: 403,
          detail: `§5.7: the proctors' access to the recordings of exam ${examId} ended at ${this.iso(accessUntil)} (E + ${value} ${unit})`,
          clause: '§5.7',
          accessEndedAt: this.iso(accessUntil),
        });
      }
    }
    const rows = await this.db.query<(RecordingRow & { full_name: string })[]>(
      `SELECT r.*, p.full_name FROM recording r JOIN person p ON p.id = r.student_id
        WHERE r.exam_id = $1 AND ($2::text IS NULL OR r.student_id > $2)
        ORDER BY r.student_id LIMIT $3`,
      [examId, page.cursor ?? null, page.limit + 1],
    );
    const items = rows.slice(0, page.limit);
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /exams/:id/recordings',
      examId,
      scopeId: exam.department_id,
      personIds: items.map((r) => r.student_id),
      query: {
        links: items.filter((r) => r.link !== null && r.status !== 'deleted').length,
        ...(page.cursor !== undefined ? { cursor: page.cursor } : {}),
      },
    });
    const last = items[items.length - 1];
    return {
      examId,
      accessUntil: this.iso(accessUntil),
      items: items.map((r) => ({
        studentId: r.student_id,
        fullName: r.full_name,
        ...this.recordingBody(r),
      })),
      nextCursor:
        rows.length > page.limit && last !== undefined
          ? Buffer.from(last.student_id).toString('base64url')
          : null,
    };
  }

  private recordingBody(r: RecordingRow) {
    return {
      externalId: r.external_id,
      status: r.status,
      // A deleted recording has no link left to follow.
      link: r.status === 'deleted' ? null : r.link,
      startedAt: this.iso(r.started_at),
      readyAt: this.iso(r.ready_at),
      flaggedAt: this.iso(r.flagged_at),
      deletedAt: this.iso(r.deleted_at),
    };
  }
}

function unprocessable(path: string, message: string): ProblemException {
  return new ProblemException({
    status: 422,
    detail: `${path}: ${message}`,
    errors: [{ path, message }],
  });
}

function evidenceOf(event: ProctoringEventDto): ViolationEvidence {
  return {
    eventId: event.id,
    kind: event.violation!.kind,
    at: event.violation!.at,
    note: event.violation!.note ?? null,
    recording: { externalId: event.recording.externalId, link: event.recording.link ?? null },
    sentAt: event.sentAt,
  };
}

const isoDay = (at: number) => new Date(at).toISOString().slice(0, 10);
