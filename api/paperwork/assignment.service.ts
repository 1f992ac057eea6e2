import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  admittedStudents,
  committedSeed,
  openTicketSet,
  refusedStudents,
  seedCommitment,
  ticketSetByHash,
  ticketVariants,
} from '../../activities/assignment.activity';
import { appendAuditNow } from '../../activities/audit-log';
import type { DocumentKey } from '../../activities/sealed';
import type { Policy, Role } from '../../sop/policy';
import { assignTickets, variantKey, type TicketAssignment } from '../../sop/rules';
import { auditPersonalDataRead } from '../audit/personal-data';
import { STAFF } from '../auth/access.decorators';
import { holdsAny, holdsIn, type Principal } from '../auth/principal';
import { conflict, notFound, ProblemException } from '../common/problem';
import { isoInZone } from '../common/time';
import type { ExamsService } from '../exams/exams.service';
import { documentHash, type TicketSetContent } from './documents';
import { sittingStartsAt, type ExamFacts } from '../../sop/plan';

/** Who exports the assignment for Moodle (§5.5): the testing centre and the department. */
export const ASSIGNMENT_EXPORTERS: Role[] = [
  'testing_centre',
  'department_head',
  'department_responsible',
  'auditor',
  'admin',
];

/** The Moodle export's columns (GET /exams/:id/assignment.csv), in order. */
export const ASSIGNMENT_CSV_COLUMNS = ['email', 'full_name', 'day', 'variant'] as const;

export interface AssignmentMismatch {
  studentId: string;
  /** The variant (1-based) the revealed seed gives; null when it gives none (not admitted, refused). */
  expected: number | null;
  /** The variant stored; null when none is. */
  stored: number | null;
  reason: string;
}

export interface VerifiedDay {
  day: number;
  setSha256: string;
  commitment: string | null;
  seed: string | null;
  seedMatchesCommitment: boolean;
  /** The set's content (unsealed here, never sent) hashes to the hash the assignment names. */
  setMatchesHash: boolean;
  /** Students the revealed seed gives a variant. */
  students: number;
  /** Students it gives none (§5.3: a retaker who had every variant). */
  refused: string[];
  mismatches: AssignmentMismatch[];
  /** What kept the day from being recomputed (no set, no seed …). */
  problems: string[];
}

export interface ExamAssignmentRow {
  day: number;
  student_id: string;
  set_sha256: string;
  variant: number;
  variant_key: string;
}

/** The instant day k of an exam starts (sop/plan.ts sittingStartsAt: its own sitting, if listed). */
export function examDayStartsAt(
  zone: string,
  startsAt: number,
  days: readonly string[] | undefined,
  day: number,
  sittings?: readonly number[],
): number {
  if (days === undefined) return startsAt;
  return sittingStartsAt(zone, days, startsAt, sittings, day);
}

/** One CSV field (RFC 4180), with a formula-looking text defused (OWASP CSV injection). */
function csvField(value: string | number): string {
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The ticket assignment as people use it (§5.3, §5.5): the check anyone who reads the exam may run
 * after the seed is revealed, the testing centre's export to Moodle, and a student's own ticket.
 */
export class AssignmentService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
    private readonly key: DocumentKey,
  ) {}

  /**
   * §5.5: recomputes the whole assignment from the revealed seeds, the sets, the admitted students
   * and the retakers' earlier variants, and compares it with what was stored. 409 before the reveal.
   */
  async verify(principal: Principal, examId: string) {
    // As the exam's history: staff who read the exam; students read only their own records.
    if (!holdsAny(principal, STAFF)) throw notFound(`exam ${examId} does not exist`);
    const exam = await this.exams.readable(principal, examId);
    const revealed = await this.db.query<{ n: string }[]>(
      `SELECT count(*) AS n FROM assignment_seed WHERE exam_id = $1 AND revealed_seed IS NOT NULL`,
      [examId],
    );
    if (Number(revealed[0].n) === 0)
      throw conflict(
        `§5.5: the seed is revealed after the exam; the assignment of exam ${examId} can be verified then`,
        { clause: '§5.5' },
      );
    // Which set each day's assignment used: the audit log says it (tamper-evident); rows as a fallback.
    const made = await this.db.query<
      { after: { day: number; setSha256: string; commitment: string } }[]
    >(
      `SELECT after FROM audit_log WHERE exam_id = $1 AND action = 'assignment.made' ORDER BY seq`,
      [examId],
    );
    const madeByDay = new Map(made.map((m) => [Number(m.after.day), m.after]));
    const rows = await this.db.query<ExamAssignmentRow[]>(
      `SELECT day, student_id, set_sha256, variant, variant_key FROM ticket_assignment
        WHERE exam_id = $1 ORDER BY day, student_id`,
      [examId],
    );
    const dayNumbers = [...new Set([...madeByDay.keys(), ...rows.map((r) => r.day)])].sort(
      (a, b) => a - b,
    );
    const days: VerifiedDay[] = [];
    for (const day of dayNumbers) {
      const stored = rows.filter((r) => r.day === day);
      const setSha256 =
        madeByDay.get(day)?.setSha256 ?? mostCommon(stored.map((r) => r.set_sha256));
      days.push(
        await this.verifyDay(examId, day, setSha256, madeByDay.get(day)?.commitment, stored),
      );
    }
    const named = days.flatMap((d) => [...d.refused, ...d.mismatches.map((m) => m.studentId)]);
    if (named.length > 0)
      await auditPersonalDataRead(this.db, principal, {
        resource: 'GET /exams/:id/assignment/verify',
        examId,
        scopeId: exam.department_id,
        personIds: named,
      });
    return {
      examId,
      verified:
        days.length > 0 &&
        days.every(
          (d) =>
            d.seedMatchesCommitment &&
            d.setMatchesHash &&
            d.mismatches.length === 0 &&
            d.problems.length === 0,
        ),
      days,
    };
  }

  private async verifyDay(
    examId: string,
    day: number,
    setSha256: string,
    auditedCommitment: string | undefined,
    stored: ExamAssignmentRow[],
  ): Promise<VerifiedDay> {
    const answer: VerifiedDay = {
      day,
      setSha256,
      commitment: null,
      seed: null,
      seedMatchesCommitment: false,
      setMatchesHash: false,
      students: 0,
      refused: [],
      mismatches: [],
      problems: [],
    };
    const seedRow = await committedSeed(this.db, examId, day, setSha256);
    if (seedRow === undefined) {
      answer.problems.push(`no seed was committed for the ticket set ${setSha256} of day ${day}`);
      return answer;
    }
    if (seedRow.revealed_seed === null)
      throw conflict(
        `§5.5: the seed of day ${day} is revealed after the exam; the assignment can be verified then`,
        { clause: '§5.5' },
      );
    const seed = seedRow.revealed_seed;
    answer.commitment = seedRow.commitment;
    answer.seed = seed;
    answer.seedMatchesCommitment = seedCommitment(seed) === seedRow.commitment;
    if (auditedCommitment !== undefined && auditedCommitment !== seedRow.commitment)
      answer.problems.push(
        `the stored commitment ${seedRow.commitment} is not the one the assignment recorded (${auditedCommitment})`,
      );
    const setRow = await ticketSetByHash(this.db, examId, day, setSha256);
    if (setRow === undefined) {
      answer.problems.push(`the ticket set ${setSha256} of day ${day} is not stored`);
      return answer;
    }
    let content: TicketSetContent;
    try {
      content = openTicketSet(this.key, examId, setRow);
    } catch {
      answer.problems.push(
        `the ticket set of day ${day} does not open with the configured DOCUMENT_KEY`,
      );
      return answer;
    }
    answer.setMatchesHash = documentHash(content) === setSha256;
    const variants = ticketVariants(content);
    const keys = variants.map(variantKey);
    const students = await admittedStudents(this.db, examId, day);
    const result = assignTickets(seed, variants, students);
    answer.students = result.assignments.length;
    answer.refused = refusedStudents(result, students).map((r) => r.studentId);

    answer.mismatches = assignmentMismatches(result, keys, answer.refused, stored, setSha256);
    return answer;
  }

  /** The Moodle export (§5.5): one row per assigned student: email, full name, day, variant. */
  async csv(principal: Principal, examId: string) {
    const exam = await this.exams.readable(principal, examId);
    const chain = await this.exams.chain(exam.department_id);
    if (!holdsIn(principal, ASSIGNMENT_EXPORTERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `the assignment export needs ${ASSIGNMENT_EXPORTERS.join(', ')} in the exam's scope`,
      });
    const rows = await this.db.query<
      { student_id: string; email: string; full_name: string; day: number; variant: number }[]
    >(
      `SELECT ta.student_id, p.email, p.full_name, ta.day, ta.variant
         FROM ticket_assignment ta JOIN person p ON p.id = ta.student_id
        WHERE ta.exam_id = $1 ORDER BY ta.day, p.email`,
      [examId],
    );
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /exams/:id/assignment.csv',
      examId,
      scopeId: exam.department_id,
      personIds: rows.map((r) => r.student_id),
    });
    const lines = rows.map((r) => [r.email, r.full_name, r.day, r.variant].map(csvField).join(','));
    return {
      body: `\uFEFF${[ASSIGNMENT_CSV_COLUMNS.join(','), ...lines].join('\r\n')}\r\n`,
      filename: `assignment-${examId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`,
    };
  }

  /**
   * A student's own ticket (§5.5), once their exam day has started: the variant's number and its
   * items from the sealed set. Anyone else's ticket is never shown: 404 for whoever has none.
   */
  async myTicket(principal: Principal, examId: string, now: number) {
    const rows = await this.db.query<
      (ExamAssignmentRow & {
        discipline: string;
        department_id: string;
        starts_at: Date;
        facts: ExamFacts | null;
      })[]
    >(
      `SELECT ta.day, ta.student_id, ta.set_sha256, ta.variant, ta.variant_key,
              e.discipline, e.department_id, e.starts_at, e.facts
         FROM ticket_assignment ta JOIN exam e ON e.id = ta.exam_id
        WHERE ta.exam_id = $1 AND ta.student_id = $2`,
      [examId, principal.personId],
    );
    const row = rows[0];
    if (row === undefined) throw notFound(`you have no ticket in exam ${examId}`);
    const zone = this.policy.timeZone;
    const startsAt = examDayStartsAt(
      zone,
      row.starts_at.getTime(),
      row.facts?.days,
      row.day,
      row.facts?.sittings,
    );
    if (now < startsAt)
      throw conflict(
        `§5.5: your ticket is shown when day ${row.day} of the exam starts (${isoInZone(zone, startsAt)})`,
        { clause: '§5.5', startsAt: isoInZone(zone, startsAt) },
      );
    const setRow = await ticketSetByHash(this.db, examId, row.day, row.set_sha256);
    const content = setRow === undefined ? undefined : openTicketSet(this.key, examId, setRow);
    const variant = content?.variants[row.variant - 1];
    if (variant === undefined)
      throw conflict(
        `the ticket set of your assignment (day ${row.day}) is not stored; ask the testing centre`,
      );
    await appendAuditNow(this.db, {
      key: `read/${randomUUID()}`,
      at: now,
      actor: principal.personId,
      actorRole: 'student',
      action: 'ticketSet.viewed',
      clauses: ['§5.5'],
      scopeId: row.department_id,
      examId,
      after: { day: row.day, variant: row.variant, setSha256: row.set_sha256 },
    });
    return {
      examId,
      discipline: row.discipline,
      day: row.day,
      date: row.facts?.days[row.day - 1] ?? null,
      startsAt: isoInZone(zone, startsAt),
      variant: row.variant,
      items: variant.items.map((item, i) => ({ number: i + 1, kind: item.kind, text: item.text })),
    };
  }
}

/**
 * Every student whose stored ticket is not the recomputed one: a variant missing, one too many (a
 * student not admitted, or refused under §5.3), another variant, another set, other questions.
 */
export function assignmentMismatches(
  recomputed: Pick<TicketAssignment, 'assignments'>,
  variantKeys: readonly string[],
  refused: readonly string[],
  stored: readonly Pick<
    ExamAssignmentRow,
    'student_id' | 'set_sha256' | 'variant' | 'variant_key'
  >[],
  setSha256: string,
): AssignmentMismatch[] {
  const mismatches: AssignmentMismatch[] = [];
  const expected = new Map(recomputed.assignments.map((a) => [a.studentId, a.variant]));
  const storedBy = new Map(stored.map((r) => [r.student_id, r]));
  const ids = [...new Set([...expected.keys(), ...storedBy.keys()])].sort();
  for (const studentId of ids) {
    const want = expected.get(studentId);
    const got = storedBy.get(studentId);
    const mismatch = (reason: string) =>
      mismatches.push({
        studentId,
        expected: want === undefined ? null : want + 1,
        stored: got === undefined ? null : got.variant,
        reason,
      });
    if (got === undefined) mismatch('the seed gives this student a variant; none is stored');
    else if (want === undefined)
      mismatch(
        refused.includes(studentId)
          ? 'a variant is stored for a student who had every variant before (§5.3)'
          : 'a variant is stored for a student not admitted on this day',
      );
    else if (got.variant !== want + 1) mismatch('the stored variant is not the one the seed gives');
    else if (got.set_sha256 !== setSha256) mismatch('the stored variant names another ticket set');
    else if (got.variant_key !== variantKeys[want])
      mismatch("the stored variant's questions are not the set's");
  }
  return mismatches;
}

function mostCommon(values: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0] ?? '';
}
