import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import type { History } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
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
 * Replays of `history` over a prebuilt bundle (bundled once, as production's worker image does).
 * `single`: one Worker.runReplayHistory call, which creates its replay worker (milliseconds).
 * `each`: `times` replays through one replay worker (Worker.runReplayHistories), the time between
 * consecutive results, after a first one that pays for the worker (milliseconds each).
 */
export async function replays(
  bundle: WorkflowBundleWithSourceMap,
  history: History,
  workflowId: string,
  times: number,
  onProgress: (done: number) => void,
): Promise<{ single: number; each: number[] }> {
  const t0 = process.hrtime.bigint();
  await Worker.runReplayHistory({ workflowBundle: bundle }, history, workflowId);
  const single = msSince(t0);
  async function* histories() {
    for (let i = 0; i <= times; i++) {
      yield { workflowId: `${workflowId}-${i}`, history };
      await Promise.resolve();
    }
  }
  const each: number[] = [];
  let last = process.hrtime.bigint();
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories())) {
    if (result.error !== undefined) throw result.error;
    const now = process.hrtime.bigint();
    each.push(Number(now - last) / 1e6);
    last = now;
    onProgress(each.length - 1);
  }
  each.shift();
  return { single, each };
}

/** The baselines' workflows bundled once (their replay is the replay baseline). */
export function bareBundle(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('./workflows'),
    logger: new DefaultLogger('WARN'),
  });
}
