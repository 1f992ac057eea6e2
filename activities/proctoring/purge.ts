import { ApplicationFailure } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { ProctoringAdapter, RecordingRef } from './adapter';

/** The exam workflow's record of the §5.7 deletion (workflows/exam.workflow.ts, step videoPurge). */
export const VIDEO_PURGED = 'video.purged';

/**
 * §5.7, first half of the purge (outside the audit transaction): asks the proctoring system to
 * delete every recording of the exam the registry does not yet mark deleted, and returns them.
 * Safe to retry: the adapter's deletion is idempotent, and rows already marked are not asked for
 * again. A recording the system still holds fails the attempt, so the activity retries.
 */
export async function deleteExamRecordings(
  db: DataSource,
  adapter: ProctoringAdapter,
  examId: string,
): Promise<RecordingRef[]> {
  const rows = await db.query<{ student_id: string; external_id: string }[]>(
    `SELECT student_id, external_id FROM recording
      WHERE exam_id = $1 AND status <> 'deleted' ORDER BY student_id`,
    [examId],
  );
  if (rows.length === 0) return [];
  const recordings = rows.map((r) => ({ studentId: r.student_id, externalId: r.external_id }));
  const { deleted } = await adapter.deleteRecordings(examId, recordings);
  const gone = new Set(deleted);
  const kept = recordings.filter((r) => !gone.has(r.externalId));
  if (kept.length > 0)
    throw ApplicationFailure.retryable(
      `the proctoring system still holds ${kept.length} recording(s) of exam ${examId}: ${kept
        .map((r) => r.externalId)
        .join(', ')}`,
      'RecordingsKept',
    );
  return recordings;
}

/** Second half, inside the transaction that audits the purge: the registry says they are gone. */
export async function markRecordingsDeleted(
  tx: Pick<EntityManager, 'query'>,
  examId: string,
  recordings: RecordingRef[],
  at: number,
): Promise<void> {
  if (recordings.length === 0) return;
  await tx.query(
    `UPDATE recording SET status = 'deleted', deleted_at = $3
      WHERE exam_id = $1 AND external_id = ANY($2) AND status <> 'deleted'`,
    [examId, recordings.map((r) => r.externalId), new Date(at)],
  );
}
