import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from '../../migrations/data-source';
import {
  appDatabaseUrl,
  freePorts,
  GiveUp,
  log,
  ROOT,
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

  const [pgPort, smtpPort, ...temporalPorts] = await freePorts(4);
  const [pg, smtp, temporal] = await Promise.all([
    startPostgres({ dataDir: join(dir, 'pg'), port: pgPort }),
    startSmtpCatcher({ dir: join(dir, 'mail'), port: smtpPort }),
    startTemporal(dir, temporalPorts),
  ]);
  state.__emtihanInfra.push(temporal, smtp, pg);
  // Tests and the stacks they start act as the application role, as production does; the
  // owner's URL is for tests that play a database superuser (tampering with the audit log).
  const appUrl = appDatabaseUrl(pg.url);
  await migrate(pg.url, false, appUrl);

  process.env.TEST_VAR_DIR = dir;
  process.env.TEST_DATABASE_URL = appUrl;
  process.env.TEST_OWNER_DATABASE_URL = pg.url;
  process.env.TEST_SMTP_URL = smtp.url;
  process.env.TEST_MAIL_DIR = smtp.dir;
  process.env.TEST_TEMPORAL_ADDRESS = temporal.address;
  log(
    `test servers up in ${Date.now() - started} ms: ${pg.url} ${smtp.url} temporal ${temporal.address}`,
  );
}

/** The dev server picks some internal ports itself: on a bind race, try once more on new ports. */
async function startTemporal(dir: string, [port, httpPort]: number[]) {
  const options = { dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log') };
  try {
    return await startTemporalDevServer({ ...options, port, httpPort });
  } catch (error) {
    if (!(error instanceof GiveUp) || !/address already in use/.test(error.message)) throw error;
    log(`Temporal dev server lost a port race (${error.message.split('\n')[0]}); retrying`);
    const [retryPort, retryHttp] = await freePorts(2);
    return startTemporalDevServer({ ...options, port: retryPort, httpPort: retryHttp });
  }
}
