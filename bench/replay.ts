import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { ROOT } from '../scripts/infra';
import { msSince } from './stats';

/** The saved history of a whole exam (question list to video purge, a violation and an appeal). */
export const EXAM_HISTORY = join(
  ROOT,
  'test',
  'workflow',
  'histories',
  'whole-exam-violation-hold-appeal.json',
);

export function loadExamHistory(): { history: History; events: number } {
  const history = historyFromJSON(JSON.parse(readFileSync(EXAM_HISTORY, 'utf8')));
  return { history, events: history.events?.length ?? 0 };
}

/**
 * `times` replays of `history` with Worker.runReplayHistory over a prebuilt bundle (bundled once,
 * as production's worker image does), after one warm-up replay. Milliseconds each.
 */
export async function replays(
  bundle: WorkflowBundleWithSourceMap,
  history: History,
  workflowId: string,
  times: number,
  onProgress: (done: number) => void,
): Promise<number[]> {
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t0 = process.hrtime.bigint();
    await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
    out.push(msSince(t0));
    onProgress(i + 1);
  }
  return out;
}

/** The baselines' workflows bundled once (their replay is the replay baseline). */
export function bareBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath: require.resolve('./workflows'), logger: undefined });
}
