import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  log,
  ROOT,
  runMigrations,
  startPostgres,
  startSmtpCatcher,
  startTemporalDevServer,
  type Service,
} from '../../scripts/infra';

/**
 * One set of real servers per test run, shared by the workflow and end-to-end tiers: PostgreSQL
 * (migrated), the SMTP catcher and the Temporal dev server, on free loopback ports. Tests learn
 * where they are from TEST_* variables (jest workers inherit this process's environment).
 * Runs once even when both tiers are selected.
 */
export default async function globalSetup(): Promise<void> {
  const state = globalThis as { __emtihanInfra?: Service[] };
  if (state.__emtihanInfra !== undefined) return;
  state.__emtihanInfra = [];
  const started = Date.now();
  const dir = join(ROOT, 'var', `test-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  const [pg, smtp, temporal] = await Promise.all([
    freePort().then((port) => startPostgres({ dataDir: join(dir, 'pg'), port })),
    freePort().then((port) => startSmtpCatcher({ dir: join(dir, 'mail'), port })),
    freePort().then((port) =>
      startTemporalDevServer({
        dbFile: join(dir, 'temporal.db'),
        port,
        logFile: join(dir, 'temporal.log'),
      }),
    ),
  ]);
  state.__emtihanInfra.push(temporal, smtp, pg);
  await runMigrations(pg.url);

  process.env.TEST_VAR_DIR = dir;
  process.env.TEST_DATABASE_URL = pg.url;
  process.env.TEST_SMTP_URL = smtp.url;
  process.env.TEST_MAIL_DIR = smtp.dir;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  log(
    `test servers up in ${Date.now() - started} ms: ${pg.url} ${smtp.url} temporal ${temporal.address}`,
  );
}
