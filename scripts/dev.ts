import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EMBEDDED_DEFAULTS, loadConfig, ConfigError } from '../config/config';
import { migrate } from '../migrations/data-source';
import {
  appDatabaseUrl,
  log,
  ROOT,
  startPostgres,
  startSmtpCatcher,
  startTemporalDevServer,
  stopProcess,
  waitFor,
  type Service,
} from './infra';

/**
 * `npm run dev`: the whole system on embedded defaults. Starts what is not configured
 * (PostgreSQL when DATABASE_URL is unset, the Temporal dev server with its UI when
 * TEMPORAL_ADDRESS is unset, the SMTP catcher when SMTP_URL is unset), migrates, runs one worker
 * and the API, prints the URLs, and stops everything cleanly on Ctrl-C.
 */
async function main(): Promise<void> {
  const env: Record<string, string | undefined> = { ...process.env };
  const varDir = resolve(ROOT, env.EMTIHAN_VAR_DIR ?? 'var');
  mkdirSync(varDir, { recursive: true });
  const services: Service[] = [];
  const children: ChildProcess[] = [];
  let stopping = false;

  const shutdown = async (code: number): Promise<never> => {
    if (stopping) process.exit(code);
    stopping = true;
    log('stopping…');
    await Promise.all(children.map((child) => stopProcess(child)));
    for (const service of services.reverse())
      await service.stop().catch((e: unknown) => log(String(e)));
    log('stopped');
    process.exit(code);
  };
  process.on('exit', () => children.forEach((child) => child.kill('SIGTERM')));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGTERM', () => void shutdown(0));

  const portOf = (url: string) => Number(new URL(url).port);

  if (!env.DATABASE_URL) {
    const pg = await startPostgres({
      dataDir: join(varDir, 'pg'),
      port: portOf(EMBEDDED_DEFAULTS.DATABASE_URL),
    });
    services.push(pg);
    env.DATABASE_MIGRATION_URL = pg.url;
    env.DATABASE_URL = appDatabaseUrl(pg.url);
    log(`PostgreSQL (embedded) at ${pg.url}`);
  }
  if (!env.SMTP_URL) {
    const smtp = await startSmtpCatcher({
      dir: join(varDir, 'mail'),
      port: portOf(EMBEDDED_DEFAULTS.SMTP_URL),
    });
    services.push(smtp);
    env.SMTP_URL = smtp.url;
    env.DEV_MAIL_DIR = smtp.dir;
    log(`SMTP catcher at ${smtp.url}, keeping mail in ${smtp.dir}`);
  }
  let uiUrl: string | undefined;
  if (!env.TEMPORAL_ADDRESS) {
    const [, temporalPort] = EMBEDDED_DEFAULTS.TEMPORAL_ADDRESS.split(':');
    const temporal = await startTemporalDevServer({
      dbFile: join(varDir, 'temporal', 'temporal.db'),
      port: Number(temporalPort),
      httpPort: Number(temporalPort) + 10,
      uiPort: Number(env.TEMPORAL_UI_PORT ?? EMBEDDED_DEFAULTS.TEMPORAL_UI_PORT),
      namespace: env.TEMPORAL_NAMESPACE ?? 'default',
      logFile: join(varDir, 'temporal', 'server.log'),
    });
    services.push(temporal);
    env.TEMPORAL_ADDRESS = temporal.address;
    uiUrl = temporal.uiUrl;
    log(`Temporal dev server at ${temporal.address}`);
  }

  let config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) process.stderr.write(`${error.message}\n`);
    else throw error;
    return shutdown(78);
  }
  const applied = await migrate(
    config.databaseMigrationUrl,
    config.databaseSsl,
    config.databaseUrl,
  );
  log(applied.length ? `migrations applied: ${applied.join(', ')}` : 'schema is up to date');

  const start = (name: string, script: string): ChildProcess => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', script)], {
      env,
      stdio: 'inherit',
    });
    child.on('exit', (code, signal) => {
      if (!stopping) {
        log(`${name} exited (${signal ?? code}); stopping everything`);
        void shutdown(1);
      }
    });
    children.push(child);
    return child;
  };
  start('worker', 'worker/main.js');
  start('api', 'api/main.js');

  const base = `http://${config.host}:${config.port}`;
  await waitFor(
    'the API to report healthy',
    async () => (await fetch(`${base}/health`)).ok,
    60_000,
    250,
  );
  const lines = [
    '',
    'Emtihan is running:',
    `  API          ${base}`,
    `  OpenAPI      ${base}/docs`,
    `  Health       ${base}/health`,
    ...(uiUrl
      ? [`  Temporal UI  ${uiUrl}`]
      : [`  Temporal     ${config.temporal.address} (${config.temporal.namespace})`]),
    ...(env.DEV_MAIL_DIR ? [`  Caught mail  ${base}/dev/mail`] : []),
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `dev: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
