import { NativeConnection, Worker } from '@temporalio/worker';

/**
 * The baselines' worker (a process of its own, like the real one): bench/workflows.ts on
 * BENCH_BARE_TASK_QUEUE, with the same sticky-cache size as the real worker. No activities.
 */
async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const taskQueue = process.env.BENCH_BARE_TASK_QUEUE ?? 'bench-bare';
  const connection = await NativeConnection.connect({ address });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      maxCachedWorkflows: Number(process.env.WORKER_MAX_CACHED_WORKFLOWS ?? 2000),
      shutdownGraceTime: '1s',
    });
    process.stdout.write(`bare-worker: polling task queue "${taskQueue}" on ${address}\n`);
    await worker.run();
  } finally {
    await connection.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bare-worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
