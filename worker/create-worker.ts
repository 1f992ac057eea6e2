import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../activities';
import type { Mailer } from '../activities/mailer';
import type { ProctoringAdapter } from '../activities/proctoring/adapter';
import type { DocumentKey } from '../activities/sealed';

export interface WorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  db: DataSource;
  mailer: Mailer;
  publicUrl: string;
  linkSecret: string;
  documentKey: DocumentKey;
  /** PROCTORING_ADAPTER: deletes the recordings at date(E) + 3 months (§5.7). */
  proctoring: ProctoringAdapter;
  shutdownGraceTime?: string;
  /** WORKER_MAX_CACHED_WORKFLOWS: set explicitly, since the SDK's default follows the heap limit. */
  maxCachedWorkflows?: number;
}

/**
 * Builds the Worker. A prebuilt bundle (dist/workflow-bundle.js, made by
 * scripts/build-workflow-bundle.ts for production images) is used when present; otherwise the
 * workflows are bundled from source at start-up.
 */
export async function createWorker(
  deps: WorkerDeps,
  extra: Partial<WorkerOptions> = {},
): Promise<Worker> {
  const bundlePath = join(__dirname, '..', 'workflow-bundle.js');
  const workflowSource = existsSync(bundlePath)
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: require.resolve('../workflows') };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...workflowSource,
    activities: createActivities({
      db: deps.db,
      mailer: deps.mailer,
      publicUrl: deps.publicUrl,
      linkSecret: deps.linkSecret,
      documentKey: deps.documentKey,
      proctoring: deps.proctoring,
    }),
    shutdownGraceTime: (deps.shutdownGraceTime ?? '10s') as WorkerOptions['shutdownGraceTime'],
    ...(deps.maxCachedWorkflows !== undefined
      ? { maxCachedWorkflows: deps.maxCachedWorkflows }
      : {}),
    ...extra,
  });
}
