import { createHmac, randomInt } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EntityManager } from 'typeorm';
import { SEAL_CONTEXT } from '../api/paperwork/documents';
import { appendAudit } from './audit-log';
import { SYSTEM_ACTOR, type ActivityDeps } from './exam-steps.activity';
import { seal, unseal, type DocumentKey } from './sealed';

/**
 * Anonymised grading (§5.6, §5.17, §5.18, rows 6–8). At E every student who sat the exam gets a
 * random work code; who wrote which work is sealed (AES-GCM under DOCUMENT_KEY), so examiners
 * grade codes only. When the grading step is done the workflow opens the mapping (row 8).
 */

type Queryable = Pick<EntityManager, 'query'>;

/** Unambiguous capitals and digits (no 0/O, 1/I/L): a code read aloud or copied stays right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

export function newWorkCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** One work per student and exam, found again by a retry without unsealing anything. */
export function studentTag(key: DocumentKey, examId: string, studentId: string): string {
  return createHmac('sha256', key.key).update(`exam-work/${examId}/${studentId}`).digest('hex');
}

/**
 * Who sat the exam: the students given a ticket (§5.5); when the department keeps its tickets
 * outside Emtihan (no ticket assigned at all), the admitted students of the admission list (§5.1).
 */
export async function examStudents(
  db: Queryable,
  examId: string,
): Promise<{ studentId: string; day: number }[]> {
  const assigned = await db.query<{ student_id: string; day: number }[]>(
    `SELECT student_id, day FROM ticket_assignment WHERE exam_id = $1 ORDER BY student_id`,
    [examId],
  );
  const rows =
    assigned.length > 0
      ? assigned
      : await db.query<{ student_id: string; day: number }[]>(
          `SELECT student_id, day FROM admission WHERE exam_id = $1 AND admitted ORDER BY student_id`,
          [examId],
        );
  return rows.map((r) => ({ studentId: r.student_id, day: r.day }));
}

export interface WorkCodesInput {
  examId: string;
  at: number;
  workflowId: string;
  runId: string;
  historyEventId?: number;
}

export interface WorkCodesResult {
  /** Works of the exam (made now or by an earlier attempt). */
  works: number;
  created: number;
}

export interface OpenWorkCodesResult {
  opened: number;
  works: number;
}

const fail = (message: string, type: string) => ApplicationFailure.nonRetryable(message, type);

export function createGradingActivities({
  db,
  documentKey,
}: Pick<ActivityDeps, 'db' | 'documentKey'>) {
  return {
    /**
     * Rows 6, §5.6: at E, a random code for every student who sat the exam; the code → student
     * mapping sealed. Idempotent: a student already holding a work (by their tag) keeps it.
     */
    async createWorkCodes(input: WorkCodesInput): Promise<WorkCodesResult> {
      const { examId } = input;
      const { activityId } = Context.current().info;
      return db.transaction(async (tx) => {
        const exams = await tx.query<{ department_id: string | null }[]>(
          `SELECT department_id FROM exam WHERE id = $1`,
          [examId],
        );
        await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
        const students = await examStudents(tx, examId);
        // Nobody sat the exam in Emtihan's records (or no exam row): nothing to code or audit.
        if (students.length === 0 || exams.length === 0) return { works: 0, created: 0 };
        let created = 0;
        for (const s of students) {
          const tag = studentTag(documentKey, examId, s.studentId);
          for (let attempt = 0; ; attempt++) {
            const code = newWorkCode();
            const inserted = await tx.query<{ code: string }[]>(
              `INSERT INTO exam_work (exam_id, code, day, student_sealed, key_id, student_tag)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING code`,
              [
                examId,
                code,
                s.day,
                seal(documentKey, s.studentId, SEAL_CONTEXT.workStudent(examId, code)),
                documentKey.id,
                tag,
              ],
            );
            if (inserted.length > 0) {
              created++;
              break;
            }
            const has = await tx.query<unknown[]>(
              `SELECT 1 FROM exam_work WHERE exam_id = $1 AND student_tag = $2`,
              [examId, tag],
            );
            if (has.length > 0) break;
            // A code already taken in this exam: draw again (31^8 codes make this rare).
            if (attempt > 20) throw new Error(`no free work code for exam ${examId}`);
          }
        }
        const works = await tx.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM exam_work WHERE exam_id = $1`,
          [examId],
        );
        await appendAudit(tx, {
          key: `${input.workflowId}/${input.runId}/${activityId}`,
          at: input.at,
          actor: SYSTEM_ACTOR,
          actorRole: 'system',
          action: 'grading.anonymised',
          clauses: ['§5.6', '§5.18', 'row 6'],
          scopeId: exams[0].department_id,
          examId,
          after: { works: works[0].n, created, keyId: documentKey.id },
          workflowId: input.workflowId,
          runId: input.runId,
          historyEventId: input.historyEventId ?? null,
        });
        return { works: works[0].n, created };
      });
    },

    /**
     * Row 8: the grading step is done, the works are de-anonymised: each work's student opened
     * from its seal. Idempotent: opened works are skipped.
     */
    async openWorkCodes(input: WorkCodesInput): Promise<OpenWorkCodesResult> {
      const { examId } = input;
      const { activityId } = Context.current().info;
      return db.transaction(async (tx) => {
        const exams = await tx.query<{ department_id: string | null }[]>(
          `SELECT department_id FROM exam WHERE id = $1`,
          [examId],
        );
        const rows = await tx.query<{ code: string; student_sealed: Buffer; key_id: string }[]>(
          `SELECT code, student_sealed, key_id FROM exam_work
            WHERE exam_id = $1 AND student_id IS NULL ORDER BY code FOR UPDATE`,
          [examId],
        );
        for (const row of rows) {
          let studentId: string;
          try {
            studentId = unseal(
              documentKey,
              row.student_sealed,
              SEAL_CONTEXT.workStudent(examId, row.code),
            ).toString('utf8');
          } catch {
            throw fail(
              `work ${row.code} of exam ${examId} does not open with the configured DOCUMENT_KEY (${documentKey.id}; sealed with ${row.key_id})`,
              'SealedDocumentUnreadable',
            );
          }
          await tx.query(
            `UPDATE exam_work SET student_id = $3, opened_at = $4 WHERE exam_id = $1 AND code = $2`,
            [examId, row.code, studentId, new Date(input.at)],
          );
        }
        const works = await tx.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM exam_work WHERE exam_id = $1`,
          [examId],
        );
        if (rows.length > 0)
          await appendAudit(tx, {
            key: `${input.workflowId}/${input.runId}/${activityId}`,
            at: input.at,
            actor: SYSTEM_ACTOR,
            actorRole: 'system',
            action: 'grading.deanonymised',
            clauses: ['§5.17', 'row 8'],
            scopeId: exams[0]?.department_id ?? null,
            examId,
            after: { opened: rows.length, works: works[0].n },
            workflowId: input.workflowId,
            runId: input.runId,
            historyEventId: input.historyEventId ?? null,
          });
        return { opened: rows.length, works: works[0].n };
      });
    },
  };
}
