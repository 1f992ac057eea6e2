import { existsSync } from 'node:fs';
import { examStateQuery, retentionHoldSignal } from '../../workflows/exam.contract';
import { insertStudents } from '../assignment-fixture';
import { uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * §5.7 and DEADLINES.md "video recordings deleted" with the proctoring adapter (issue 9): at the end
 * of date(E) + 3 months the exam's purge has the proctoring system delete every recording of the
 * exam — through the local adapter here, whose stand-in files must go — and the registry and the
 * audit log say which; an open case holds it until released. Exam: Tuesday 16 March 2027, E 12:00.
 */
const ctx = useTimeSkipping();
const PURGE_DUE = Date.parse('2027-06-16T23:59:59.999+05:00');
const DAY = 86_400_000;

interface RecordingState {
  external_id: string;
  status: string;
  deleted_at: Date | null;
}

/** The exam's recordings, ready (as the webhook leaves them), with the local adapter's files. */
async function recordingsOf(examId: string, departmentId: string) {
  const students = await insertStudents(ctx.db, examId, departmentId, 2);
  const refs = students.map((s, i) => ({ studentId: s.id, externalId: `${examId}-rec-${i}` }));
  for (const ref of refs) {
    const link = `https://proctoring.example/${ref.externalId}`;
    await ctx.db.query(
      `INSERT INTO recording (exam_id, student_id, external_id, link, status, started_at, ready_at)
       VALUES ($1, $2, $3, $4, 'ready', $5, $5)`,
      [examId, ref.studentId, ref.externalId, link, new Date('2027-03-16T12:05:00+05:00')],
    );
    await ctx.proctoring.recordingReady(examId, { ...ref, link });
    expect(existsSync(ctx.proctoring.fileOf(examId, ref.externalId))).toBe(true);
  }
  return refs;
}

const registry = (examId: string) =>
  ctx.db.query<RecordingState[]>(
    `SELECT external_id, status, deleted_at FROM recording WHERE exam_id = $1 ORDER BY external_id`,
    [examId],
  );

/** An exam of 16 March 2027 with only its purge step, and its recordings. */
async function examWithRecordings(prefix: string) {
  const examId = uniqueId(prefix);
  const { handle, dir } = await startExam(ctx, examId, {
    policy: onlySteps(['videoPurge']),
    days: ['2027-03-16'],
  });
  return { examId, handle, dir, refs: await recordingsOf(examId, dir.departmentId) };
}

async function purgeRecord(examId: string) {
  const rows = await ctx.db.query<{ clauses: string[]; after: { recordings?: unknown } }[]>(
    `SELECT clauses, after FROM audit_log WHERE exam_id = $1 AND action = 'video.purged'`,
    [examId],
  );
  expect(rows).toHaveLength(1);
  return rows[0];
}

test('§5.7: at the end of date(E) + 3 months the purge deletes the recordings through the proctoring adapter — status deleted, files gone, named in the audit record', async () => {
  const { examId, handle, dir, refs } = await examWithRecordings('rec-purge');
  // Another exam's recording is not touched.
  const other = uniqueId('rec-other');
  await startExam(ctx, other, { policy: onlySteps(['videoPurge']), days: ['2027-09-14'], dir });
  const [kept] = await recordingsOf(other, dir.departmentId);

  const final = await handle.result();
  expect(final.steps.find((s) => s.stepId === 'videoPurge')?.status).toBe('done');
  const rows = await registry(examId);
  expect(rows.map((r) => r.status)).toEqual(['deleted', 'deleted']);
  for (const row of rows) {
    expect(row.deleted_at!.getTime()).toBeGreaterThanOrEqual(PURGE_DUE);
    expect(row.deleted_at!.getTime()).toBeLessThan(PURGE_DUE + 1_000);
  }
  for (const ref of refs)
    expect(existsSync(ctx.proctoring.fileOf(examId, ref.externalId))).toBe(false);
  const record = await purgeRecord(examId);
  expect(record.clauses).toContain('§5.7');
  const { deleted } = record.after.recordings as { deleted: unknown[] };
  expect(deleted).toHaveLength(refs.length);
  expect(deleted).toEqual(expect.arrayContaining(refs));

  expect((await registry(other)).map((r) => r.status)).toEqual(['ready', 'ready']);
  expect(existsSync(ctx.proctoring.fileOf(other, kept.externalId))).toBe(true);
});

test('§5.7, DEADLINES.md: an open violation case holds the recordings past date(E) + 3 months; they are deleted when it is released', async () => {
  const { examId, handle, dir, refs } = await examWithRecordings('rec-hold');
  // What a violation case's workflow sends while it is open, and when it closes.
  const hold = (open: boolean) =>
    handle.signal(retentionHoldSignal, {
      caseId: 'V-7',
      kind: 'violationCase',
      open,
      by: dir.byRole.violation_commission!.id,
    });
  await hold(true);

  await skipTo(ctx.env, PURGE_DUE + DAY);
  await waitFor(
    'the purge to be held',
    async () =>
      (await handle.query(examStateQuery)).steps.find((s) => s.stepId === 'videoPurge')?.status ===
      'held',
    30_000,
  );
  // Held: nothing deleted, in the registry or in the proctoring system.
  expect((await registry(examId)).map((r) => r.status)).toEqual(['ready', 'ready']);
  for (const ref of refs)
    expect(existsSync(ctx.proctoring.fileOf(examId, ref.externalId))).toBe(true);

  await hold(false);
  await handle.result();
  const rows = await registry(examId);
  expect(rows.map((r) => r.status)).toEqual(['deleted', 'deleted']);
  for (const row of rows) expect(row.deleted_at!.getTime()).toBeGreaterThan(PURGE_DUE + DAY);
  for (const ref of refs)
    expect(existsSync(ctx.proctoring.fileOf(examId, ref.externalId))).toBe(false);
  expect((await purgeRecord(examId)).after.recordings).toMatchObject({
    deleted: expect.arrayContaining(refs) as unknown,
  });
});
