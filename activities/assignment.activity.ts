import { createHash } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { documentHash, SEAL_CONTEXT, type TicketSetContent } from '../api/paperwork/documents';
import {
  assignTickets,
  variantKey,
  type AssignmentStudent,
  type TicketAssignment,
  type TicketVariant,
} from '../sop/rules';
import { appendAudit } from './audit-log';
import { SYSTEM_ACTOR, type ActivityDeps } from './exam-steps.activity';
import { unseal, type DocumentKey } from './sealed';

/**
 * The ticket assignment (§5.3, §5.5). When the head approves a day's ticket set, a random seed is
 * committed (its SHA-256 published in the audit log, the seed itself sealed). At the day's start
 * every admitted student gets a variant drawn from that seed (sop/rules.ts assignTickets); after
 * the exam the seed is revealed, so anyone may recompute the whole assignment and compare it with
 * what was stored (GET /exams/:id/assignment/verify). The loaders below are shared by the
 * activities and that check, so both read the inputs the same way.
 */

type Queryable = Pick<EntityManager, 'query'>;

export const ASSIGNMENT_CLAUSES = ['§5.3', '§5.5'];

/** The commitment to a seed: SHA-256 (hex) of the seed string. */
export function seedCommitment(seed: string): string {
  return createHash('sha256').update(seed, 'utf8').digest('hex');
}

export interface TicketSetRow {
  day: number;
  version: number;
  sha256: string;
  sealed: Buffer;
  key_id: string;
}

export interface SeedRow {
  day: number;
  set_sha256: string;
  commitment: string;
  seed_sealed: Buffer;
  key_id: string;
  revealed_seed: string | null;
  revealed_at: Date | null;
}

/** The head-approved ticket set of a day: its latest approved version (Form 1), or undefined. */
export async function approvedTicketSet(
  db: Queryable,
  examId: string,
  day: number,
): Promise<TicketSetRow | undefined> {
  const rows = await db.query<TicketSetRow[]>(
    `SELECT day, version, sha256, sealed, key_id FROM ticket_set
      WHERE exam_id = $1 AND day = $2 AND approved_at IS NOT NULL
      ORDER BY version DESC LIMIT 1`,
    [examId, day],
  );
  return rows[0];
}

/** A day's set by its hash (the one an assignment names). */
export async function ticketSetByHash(
  db: Queryable,
  examId: string,
  day: number,
  sha256: string,
): Promise<TicketSetRow | undefined> {
  const rows = await db.query<TicketSetRow[]>(
    `SELECT day, version, sha256, sealed, key_id FROM ticket_set
      WHERE exam_id = $1 AND day = $2 AND sha256 = $3
      ORDER BY version DESC LIMIT 1`,
    [examId, day, sha256],
  );
  return rows[0];
}

export async function committedSeed(
  db: Queryable,
  examId: string,
  day: number,
  setSha256: string,
): Promise<SeedRow | undefined> {
  const rows = await db.query<SeedRow[]>(
    `SELECT day, set_sha256, commitment, seed_sealed, key_id, revealed_seed, revealed_at
       FROM assignment_seed WHERE exam_id = $1 AND day = $2 AND set_sha256 = $3`,
    [examId, day, setSha256],
  );
  return rows[0];
}

/** Opens a sealed ticket set; throws when the key, the row or a byte of it is wrong. */
export function openTicketSet(
  key: DocumentKey,
  examId: string,
  row: Pick<TicketSetRow, 'day' | 'version' | 'sealed'>,
): TicketSetContent {
  return JSON.parse(
    unseal(key, row.sealed, SEAL_CONTEXT.ticketSet(examId, row.day, row.version)).toString('utf8'),
  ) as TicketSetContent;
}

export function openSeed(
  key: DocumentKey,
  examId: string,
  row: Pick<SeedRow, 'day' | 'set_sha256' | 'seed_sealed'>,
): string {
  return unseal(
    key,
    row.seed_sealed,
    SEAL_CONTEXT.assignmentSeed(examId, row.day, row.set_sha256),
  ).toString('utf8');
}

/** A set's variants as the SOP's rules see them: each variant's item texts. */
export function ticketVariants(content: TicketSetContent): TicketVariant[] {
  return content.variants.map((v) => ({ questions: v.items.map((i) => i.text) }));
}

/**
 * The admitted students of a day (§5.1: the admission list), each with the variants they had in
 * earlier exams of the same discipline (§5.3: a retaker gets different tickets every time). Only
 * exams that started before this one count, so recomputing an old assignment later gives the same
 * inputs; a student with an earlier ticket is a retaker whatever the list's retake flag says.
 * Sorted by id: the draw does not depend on the order, the refusals' paths do.
 */
export async function admittedStudents(
  db: Queryable,
  examId: string,
  day: number,
): Promise<AssignmentStudent[]> {
  const rows = await db.query<{ student_id: string; keys: string[] | null }[]>(
    `SELECT a.student_id,
            array_agg(DISTINCT ta.variant_key) FILTER (WHERE ta.variant_key IS NOT NULL) AS keys
       FROM admission a
       JOIN exam e ON e.id = a.exam_id
       LEFT JOIN exam p ON p.discipline = e.discipline AND p.id <> e.id AND p.starts_at < e.starts_at
       LEFT JOIN ticket_assignment ta ON ta.exam_id = p.id AND ta.student_id = a.student_id
      WHERE a.exam_id = $1 AND a.day = $2 AND a.admitted
      GROUP BY a.student_id`,
    [examId, day],
  );
  return rows
    .map((r) => ({ id: r.student_id, previousVariants: [...(r.keys ?? [])].sort() }))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** A refusal of assignTickets as the student it names (its path is `students.<index>`). */
export function refusedStudents(
  result: TicketAssignment,
  students: readonly AssignmentStudent[],
): { studentId: string; clause: string; message: string }[] {
  return result.refused.map((f) => ({
    studentId: students[Number(f.path.split('.')[1])].id,
    clause: f.clause,
    message: f.message.en,
  }));
}

export interface AssignTicketsInput {
  examId: string;
  /** The exam day, 1-based (D1 … Dn). */
  day: number;
  /** When the assignment is made (the day's start, as the workflow saw it). */
  at: number;
  workflowId: string;
  runId: string;
  historyEventId?: number;
}

/** Nothing to assign: the exam's tickets are kept outside Emtihan (no set uploaded at all). */
export interface AssignTicketsSkipped {
  day: number;
  skipped: 'no-ticket-sets';
}

export interface AssignTicketsResult {
  day: number;
  setVersion: number;
  setSha256: string;
  commitment: string;
  /** Students given a variant (stored now or by an earlier attempt). */
  students: number;
  /** Students no variant could be given (§5.3): recorded, not assigned. */
  refused: string[];
}

export interface RevealSeedsInput {
  examId: string;
  at: number;
  workflowId: string;
  runId: string;
  historyEventId?: number;
}

export interface RevealSeedsResult {
  revealed: { day: number; setSha256: string; commitment: string; matchesCommitment: boolean }[];
}

/** Bad data, not a transient fault: the workflow decides what follows (no retry helps). */
const fail = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export function createAssignmentActivities({
  db,
  documentKey,
}: Pick<ActivityDeps, 'db' | 'documentKey'>) {
  return {
    /**
     * §5.5: at the day's start, every admitted student gets a variant of the head-approved set,
     * drawn from the committed seed; §5.3: never one they had before. Idempotent: the rows are
     * keyed on exam and student, the audit record on the activity's identity.
     */
    async assignTicketsForDay(
      input: AssignTicketsInput,
    ): Promise<AssignTicketsResult | AssignTicketsSkipped> {
      const { examId, day } = input;
      const exams = await db.query<{ department_id: string | null }[]>(
        `SELECT department_id FROM exam WHERE id = $1`,
        [examId],
      );
      if (exams.length === 0) throw fail(`exam ${examId} does not exist`, 'UnknownExam');
      // The department keeps its tickets outside Emtihan (README: choices): nothing to assign.
      const anySet = await db.query<unknown[]>(
        `SELECT 1 FROM ticket_set WHERE exam_id = $1 LIMIT 1`,
        [examId],
      );
      if (anySet.length === 0) return { day, skipped: 'no-ticket-sets' };
      const set = await approvedTicketSet(db, examId, day);
      if (set === undefined)
        throw fail(
          `§5.1: exam ${examId} has no ticket set for day ${day} approved by the head of department: tickets cannot be assigned`,
          'NoApprovedTicketSet',
        );
      const seedRow = await committedSeed(db, examId, day, set.sha256);
      if (seedRow === undefined)
        throw fail(
          `§5.1: no seed was committed for the approved ticket set of day ${day} (version ${set.version}, ${set.sha256}) of exam ${examId}`,
          'NoCommittedSeed',
        );
      let content: TicketSetContent;
      let seed: string;
      try {
        content = openTicketSet(documentKey, examId, set);
        seed = openSeed(documentKey, examId, seedRow);
      } catch {
        throw fail(
          `the ticket set or the seed of day ${day} of exam ${examId} does not open with the configured DOCUMENT_KEY (${documentKey.id}; sealed with ${set.key_id}, ${seedRow.key_id})`,
          'SealedDocumentUnreadable',
        );
      }
      if (documentHash(content) !== set.sha256)
        throw fail(
          `§5.1: the ticket set of day ${day} (version ${set.version}) does not match its hash ${set.sha256}`,
          'TicketSetHashMismatch',
        );
      // §5.5: a seed that is not the committed one would make the published check meaningless.
      if (seedCommitment(seed) !== seedRow.commitment)
        throw fail(
          `§5.5: the sealed seed of day ${day} does not match its commitment ${seedRow.commitment}`,
          'SeedCommitmentMismatch',
        );

      const variants = ticketVariants(content);
      const keys = variants.map(variantKey);
      const students = await admittedStudents(db, examId, day);
      const result = assignTickets(seed, variants, students);
      const refused = refusedStudents(result, students);
      const { activityId } = Context.current().info;
      await db.transaction(async (tx) => {
        for (const a of result.assignments) {
          // Variant numbers are 1-based, as Form 1 numbers them.
          await tx.query(
            `INSERT INTO ticket_assignment (exam_id, day, student_id, set_sha256, variant, variant_key, assigned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)
             ON CONFLICT (exam_id, student_id) DO NOTHING`,
            [
              examId,
              day,
              a.studentId,
              set.sha256,
              a.variant + 1,
              keys[a.variant],
              new Date(input.at),
            ],
          );
        }
        await appendAudit(tx, {
          key: `${input.workflowId}/${input.runId}/${activityId}`,
          at: input.at,
          actor: SYSTEM_ACTOR,
          actorRole: 'system',
          action: 'assignment.made',
          clauses: ASSIGNMENT_CLAUSES,
          scopeId: exams[0].department_id,
          examId,
          after: {
            day,
            setVersion: set.version,
            setSha256: set.sha256,
            commitment: seedRow.commitment,
            students: result.assignments.length,
            refused,
          },
          workflowId: input.workflowId,
          runId: input.runId,
          historyEventId: input.historyEventId ?? null,
        });
      });
      return {
        day,
        setVersion: set.version,
        setSha256: set.sha256,
        commitment: seedRow.commitment,
        students: result.assignments.length,
        refused: refused.map((r) => r.studentId),
      };
    },

    /**
     * §5.5: after the exam, every committed seed of the exam is revealed (beside its commitment),
     * so the assignment can be recomputed by anyone who may read the exam. One transaction: a
     * retry finds the seeds revealed and writes nothing.
     */
    async revealAssignmentSeeds(input: RevealSeedsInput): Promise<RevealSeedsResult> {
      const { examId } = input;
      const { activityId } = Context.current().info;
      return db.transaction(async (tx) => {
        const exams = await tx.query<{ department_id: string | null }[]>(
          `SELECT department_id FROM exam WHERE id = $1`,
          [examId],
        );
        const rows = await tx.query<SeedRow[]>(
          `SELECT day, set_sha256, commitment, seed_sealed, key_id, revealed_seed, revealed_at
             FROM assignment_seed WHERE exam_id = $1 AND revealed_seed IS NULL
            ORDER BY day, committed_at, set_sha256 FOR UPDATE`,
          [examId],
        );
        const revealed: (RevealSeedsResult['revealed'][number] & { seed: string })[] = [];
        for (const row of rows) {
          let seed: string;
          try {
            seed = openSeed(documentKey, examId, row);
          } catch {
            throw fail(
              `the seed of day ${row.day} of exam ${examId} does not open with the configured DOCUMENT_KEY (${documentKey.id}; sealed with ${row.key_id})`,
              'SealedDocumentUnreadable',
            );
          }
          await tx.query(
            `UPDATE assignment_seed SET revealed_seed = $4, revealed_at = $5
              WHERE exam_id = $1 AND day = $2 AND set_sha256 = $3`,
            [examId, row.day, row.set_sha256, seed, new Date(input.at)],
          );
          revealed.push({
            day: row.day,
            setSha256: row.set_sha256,
            commitment: row.commitment,
            matchesCommitment: seedCommitment(seed) === row.commitment,
            seed,
          });
        }
        // The audit records last: appendAudit holds the chain's lock until the transaction ends.
        for (const r of revealed) {
          await appendAudit(tx, {
            key: `${input.workflowId}/${input.runId}/${activityId}/${r.day}/${r.setSha256}`,
            at: input.at,
            actor: SYSTEM_ACTOR,
            actorRole: 'system',
            action: 'assignment.seed-revealed',
            clauses: ['§5.5'],
            scopeId: exams[0]?.department_id ?? null,
            examId,
            after: { day: r.day, setSha256: r.setSha256, commitment: r.commitment, seed: r.seed },
            workflowId: input.workflowId,
            runId: input.runId,
            historyEventId: input.historyEventId ?? null,
          });
        }
        return {
          revealed: revealed.map((r) => ({
            day: r.day,
            setSha256: r.setSha256,
            commitment: r.commitment,
            matchesCommitment: r.matchesCommitment,
          })),
        };
      });
    },
  };
}
