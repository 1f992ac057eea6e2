import { waitFor } from '../scripts/infra';
import { BARE_TASK_QUEUE, type BenchStack } from './stack';
import { inParallel, msSince } from './stats';

/**
 * Approval round trips, one after another: POST /exams/:id/steps/departmentDiscussion/approve as
 * the exam's department head (GP 3) → the exam's Update completes → the read model (the exam_step
 * row) shows it approved. Milliseconds each, from the request to the row read back.
 */
export async function approvals(
  stack: BenchStack,
  exams: { examId: string; departmentId: string }[],
  onProgress: (done: number) => void,
): Promise<number[]> {
  const heads = exams.map(({ departmentId }) => {
    const head = stack.heads.find((h) => h.departmentId === departmentId);
    if (head === undefined) throw new Error(`no head of ${departmentId}`);
    return head;
  });
  const tokens = new Map<string, string>();
  for (const head of new Set(heads)) tokens.set(head.email, await stack.token(head.email));
  const times: number[] = [];
  for (const [i, { examId }] of exams.entries()) {
    const t0 = process.hrtime.bigint();
    await stack.http('POST', `/exams/${examId}/steps/departmentDiscussion/approve`, {
      token: tokens.get(heads[i].email),
      body: { comment: 'discussed at the department meeting' },
      expect: 200,
    });
    await waitFor(
      `${examId}'s approval in the read model`,
      async () => {
        const rows = await stack.db.query<{ status: string }[]>(
          `SELECT status FROM exam_step WHERE exam_id = $1 AND step_id = 'departmentDiscussion'`,
          [examId],
        );
        return rows[0]?.status === 'approved';
      },
      60_000,
      2,
    );
    times.push(msSince(t0));
    onProgress(i + 1);
  }
  return times;
}

/**
 * The baseline: `count` one-update workflows started and idle in the baselines' worker's cache,
 * then a bare executeUpdate on each, one after another. Milliseconds each.
 */
export async function bareUpdates(
  stack: BenchStack,
  runId: string,
  count: number,
  onProgress: (done: number) => void,
): Promise<{ times: number[]; workflowId: string }> {
  const ids = Array.from({ length: count }, (_, i) => `bare-update-${runId}-${i}`);
  await inParallel(ids, 20, async (workflowId) => {
    const handle = await stack.client.workflow.start('oneUpdateWorkflow', {
      taskQueue: BARE_TASK_QUEUE,
      workflowId,
    });
    // A query is answered once the first workflow task has run: the workflow is then idle.
    await handle.query('__stack_trace');
  });
  const times: number[] = [];
  for (const [i, workflowId] of ids.entries()) {
    const t0 = process.hrtime.bigint();
    await stack.client.workflow
      .getHandle(workflowId)
      .executeUpdate('approve', { args: ['bench'], updateId: `approve-${workflowId}` });
    times.push(msSince(t0));
    onProgress(i + 1);
  }
  return { times, workflowId: ids[0] };
}
