import { NativeConnection } from '@temporalio/worker';
import { loadConfigOrExit } from '../config/config';
import { loadPolicy } from '../config/policy-file';
import { temporalConnectionOptions } from '../config/temporal';
import { SmtpMailer } from '../activities/mailer';
import { createProctoringAdapter } from '../activities/proctoring/create-adapter';
import { documentKey } from '../activities/sealed';
import { createDataSource } from '../migrations/data-source';
import { createWorker } from './create-worker';

/** The worker process: `npm run worker` (or started by `npm run dev`). Several may run at once. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  // The same policy as the API, validated at boot: a bad POLICY_FILE stops both with its path and reason.
  const policy = loadPolicy(config.policyFile);
  const db = createDataSource({ url: config.databaseUrl, ssl: config.databaseSsl });
  await db.initialize();
  const mailer = new SmtpMailer(config.smtpUrl, config.mailFrom);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config));
  try {
    const worker = await createWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      db,
      mailer,
      publicUrl: config.publicUrl,
      linkSecret: config.linkSecret,
      documentKey: documentKey(config.documentKey),
      proctoring: createProctoringAdapter(config.proctoring),
      shutdownGraceTime: config.workerShutdownGrace,
      maxCachedWorkflows: config.workerMaxCachedWorkflows,
    });
    process.stdout.write(
      `worker: polling task queue "${config.temporal.taskQueue}" on ${config.temporal.address} (policy ${policy.version}, maxCachedWorkflows ${config.workerMaxCachedWorkflows})\n`,
    );
    // Worker.run() resolves after SIGINT/SIGTERM (the SDK's runtime installs those handlers).
    await worker.run();
  } finally {
    await connection.close();
    mailer.close();
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
