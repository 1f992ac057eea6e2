import { condition, defineUpdate, setHandler, sleep } from '@temporalio/workflow';

/**
 * The bare-Temporal baselines of `npm run bench` (issue 10): the least a workflow can be, run by a
 * worker of their own (bench/bare-worker.ts) on their own task queue.
 */

/** Waits on one timer, as an exam waits on its first due. */
export async function oneTimerWorkflow(hours: number): Promise<void> {
  await sleep(`${hours} hours`);
}

export const approveUpdate = defineUpdate<{ at: number }, [string]>('approve');

/** Accepts one Update and completes: the bare form of a step's approval. */
export async function oneUpdateWorkflow(): Promise<string> {
  let approvedBy: string | undefined;
  setHandler(approveUpdate, (actor: string) => {
    approvedBy = actor;
    return { at: Date.now() };
  });
  await condition(() => approvedBy !== undefined);
  return approvedBy!;
}
