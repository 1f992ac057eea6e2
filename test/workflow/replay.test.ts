import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';

/**
 * Versioning (issue 6, CONVENTIONS.md): the saved histories of the main paths replay against the
 * current workflow code. A change that would make a running exam's history nondeterministic fails
 * here; such changes go behind patched(). Histories are written by
 * `UPDATE_HISTORIES=1 npm run test:workflow` (test/workflow/exam.workflow.test.ts).
 */
const dir = join(__dirname, 'histories');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the saved histories exist (main paths of the exam workflow)', () => {
  expect(files.length).toBeGreaterThanOrEqual(4);
});

test('every saved history replays against the current workflow code without nondeterminism', async () => {
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: undefined,
  });
  const histories = files.map((file) => ({
    workflowId: file.replace(/\.json$/, ''),
    history: historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8'))),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle: bundle }, histories)) {
    replayed++;
    if (result.error !== undefined) failures.push(`${result.workflowId}: ${String(result.error)}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(files.length);
});
