/**
 * npm run bench:exam-memory — the worker's memory per open exam (issue 6's closing note): N exam
 * workflows on the default policy, each with its preparation steps open and waiting on their
 * timers, all kept in the worker's sticky cache; RSS and V8 heap after a full GC, against a
 * baseline of the same worker with no exam, measured in the same run. Runs on Temporal's
 * time-skipping test server (the cached binary); activities answer at once (this measures the
 * workflows' state in the worker, not PostgreSQL or SMTP). Issue 10 measures 2,000 exams on the dev
 * server with the real activities.
 */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { registerSearchAttributes, testServerPath } from '../scripts/infra';
import { calendarYears } from '../sop/calendar';
import { DEFAULT_POLICY } from '../sop/default-policy';
import { resolveCalendar } from '../sop/holidays';
import { examStateQuery, examWorkflowId } from '../workflows/exam.contract';

const EXAMS = Number(process.env.BENCH_EXAMS ?? 500);

function gcAndMeasure(): { rss: number; heap: number } {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed };
}

async function main(): Promise<void> {
  const path = testServerPath();
  const env = await TestWorkflowEnvironment.createTimeSkipping(
    path ? { server: { executable: { type: 'existing-path', path } } } : undefined,
  );
  await registerSearchAttributes(env.connection);
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../workflows'),
    logger: undefined,
  });
  const noop = new Proxy({}, { get: () => () => Promise.resolve({ recipients: [] }) });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'bench-memory',
    workflowBundle,
    activities: noop,
    maxCachedWorkflows: EXAMS + 10,
  });
  const running = worker.run();
  const day = '2027-03-16';
  const calendar = resolveCalendar(DEFAULT_POLICY, calendarYears([day]));
  // A warm-up exam, so the bundle's first VM context is in the baseline.
  const start = async (id: string) => {
    const handle = await env.client.workflow.start('examWorkflow', {
      taskQueue: 'bench-memory',
      workflowId: examWorkflowId(id),
      args: [
        {
          examId: id,
          discipline: `Discipline ${id}`,
          departmentId: 'dept',
          facts: {
            examId: id,
            days: [day],
            startsAt: Date.parse(`${day}T09:00:00+05:00`),
            endsAt: Date.parse(`${day}T12:00:00+05:00`),
            expectedWorks: 100,
            summer: false,
            retake: false,
          },
          policy: DEFAULT_POLICY,
          calendar,
        },
      ],
    });
    for (;;) {
      const state = await handle.query(examStateQuery);
      if (state.steps.length >= 3) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await start('warm-up');
  const baseline = gcAndMeasure();
  const t0 = Date.now();
  for (let i = 0; i < EXAMS; i += 50)
    await Promise.all(
      Array.from({ length: Math.min(50, EXAMS - i) }, (_, k) => start(`bench-${i + k}`)),
    );
  const loaded = gcAndMeasure();
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  const kb = (n: number) => (n / 1024).toFixed(0);
  console.log(`exams open: ${EXAMS} (started in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  console.log(`| measure | baseline (1 exam) | with ${EXAMS} exams | per open exam |`);
  console.log('|---|---|---|---|');
  console.log(
    `| RSS | ${mb(baseline.rss)} MB | ${mb(loaded.rss)} MB | ${kb((loaded.rss - baseline.rss) / EXAMS)} KB |`,
  );
  console.log(
    `| V8 heap used | ${mb(baseline.heap)} MB | ${mb(loaded.heap)} MB | ${kb((loaded.heap - baseline.heap) / EXAMS)} KB |`,
  );
  console.log(
    `ratio RSS with ${EXAMS} exams / baseline: ${(loaded.rss / baseline.rss).toFixed(2)}`,
  );
  worker.shutdown();
  await running;
  await env.teardown();
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
