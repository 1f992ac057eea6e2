import { spawn, type ChildProcess } from 'node:child_process';
import {
  createWriteStream,
  mkdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client, Connection } from '@temporalio/client';
import {
  bundleWorkflowCode,
  DefaultLogger,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createApp } from '../api/main';
import { loadConfig } from '../config/config';
import { createDataSource, migrate } from '../migrations/data-source';
import {
  appDatabaseUrl,
  freePorts,
  GiveUp,
  ROOT,
  startPostgres,
  startTemporalDevServer,
  stopProcess,
  waitFor,
  type Service,
} from '../scripts/infra';
import { BenchModule } from './bench.module';
import type { Progress } from './progress';

export const TASK_QUEUE = 'emtihan-bench';
export const BARE_TASK_QUEUE = 'bench-bare';
/** The password every signed-in bench person gets. */
const PASSWORD = 'a long benchmark passphrase';
/** Where the worker looks for a prebuilt bundle (worker/create-worker.ts). */
const BUNDLE_PATH = join(ROOT, 'dist', 'workflow-bundle.js');

export interface Person {
  id: string;
  email: string;
  departmentId?: string;
}

/**
 * Everything `npm run bench` measures, started by itself on free loopback ports under var/bench:
 * PostgreSQL (migrated), the Temporal dev server, the SMTP catcher, the real worker
 * (dist/worker/main.js, a process of its own so its memory can be read), the baselines' worker
 * (bench/bare-worker.ts) and the API in this process (createApp, with the bench's constant route).
 */
export class BenchStack {
  readonly services: Service[] = [];
  readonly children = new Set<ChildProcess>();
  client!: Client;
  connection!: Connection;
  /** The schema owner's connection, for the bench's own reads and clean-up. */
  db!: DataSource;
  app?: INestApplication;
  baseUrl = '';
  worker?: ChildProcess;
  bareWorker?: ChildProcess;
  mailDir = '';
  smtpUrl = '';
  appDatabaseUrl = '';
  /** The prebuilt workflow bundle (production's path; also the replay's). */
  bundle!: WorkflowBundleWithSourceMap;
  workerEnv: NodeJS.ProcessEnv = {};
  departments: string[] = [];
  heads: Person[] = [];
  centre!: Person;
  private tokens = new Map<string, { token: string; at: number }>();
  private stopping = false;

  constructor(
    readonly dir: string,
    readonly progress: Progress,
    readonly maxCachedWorkflows: number,
  ) {}

  async start(departments: number): Promise<void> {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    this.progress.update('starting PostgreSQL, Temporal dev server, SMTP catcher');
    const [pgPort, smtpPort, temporalPort, temporalHttp, apiPort] = await freePorts(5);
    const [pg, temporal] = await Promise.all([
      startPostgres({ dataDir: join(this.dir, 'pg'), port: pgPort }),
      startTemporalDevServer({
        dbFile: join(this.dir, 'temporal', 'temporal.db'),
        port: temporalPort,
        httpPort: temporalHttp,
        logFile: join(this.dir, 'temporal.log'),
      }),
    ]);
    this.services.push(pg, temporal);
    this.mailDir = join(this.dir, 'mail');
    this.smtpUrl = `smtp://127.0.0.1:${smtpPort}`;
    const catcher = this.spawnLogged(
      'smtp-catcher',
      'bench/smtp-catcher.js',
      [this.mailDir, String(smtpPort)],
      process.env,
    );
    await this.waitPolling('SMTP catcher', catcher, 'catcher: listening');
    this.appDatabaseUrl = appDatabaseUrl(pg.url);
    this.progress.update('migrating PostgreSQL');
    await migrate(pg.url, false, this.appDatabaseUrl);
    this.db = createDataSource({ url: pg.url, poolSize: 4 });
    await this.db.initialize();
    this.connection = await Connection.connect({ address: temporal.address });
    this.client = new Client({ connection: this.connection });

    this.progress.update('bundling the workflows once (dist/workflow-bundle.js)');
    this.bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      logger: new DefaultLogger('WARN'),
    });
    writeFileSync(BUNDLE_PATH, this.bundle.code);

    this.workerEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      PUBLIC_URL: `http://127.0.0.1:${apiPort}`,
      DATABASE_URL: this.appDatabaseUrl,
      DATABASE_MIGRATION_URL: pg.url,
      TEMPORAL_ADDRESS: temporal.address,
      TEMPORAL_TASK_QUEUE: TASK_QUEUE,
      SMTP_URL: this.smtpUrl,
      EMTIHAN_VAR_DIR: this.dir,
      WORKER_SHUTDOWN_GRACE: '2s',
      WORKER_MAX_CACHED_WORKFLOWS: String(this.maxCachedWorkflows),
      BENCH_BARE_TASK_QUEUE: BARE_TASK_QUEUE,
      // The SOP as written (no POLICY_FILE): launched exams wait weeks for their dues.
    };
    this.progress.update('starting the worker and the baselines’ worker');
    await Promise.all([this.startWorker(), this.startBareWorker()]);

    this.progress.update('starting the API in this process');
    const config = loadConfig(this.workerEnv);
    const app = await createApp(config, undefined, ['error', 'warn'], [BenchModule]);
    await app.listen(apiPort, '127.0.0.1');
    this.app = app;
    this.baseUrl = `http://127.0.0.1:${apiPort}`;
    await this.seedDirectory(departments);
  }

  private spawnLogged(
    name: string,
    script: string,
    args: string[] = [],
    env: NodeJS.ProcessEnv = this.workerEnv,
    nodeArgs: string[] = [],
  ): ChildProcess {
    const log = createWriteStream(join(this.dir, `${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [...nodeArgs, join(ROOT, 'dist', script), ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  private async waitPolling(name: string, child: ChildProcess, marker: string): Promise<void> {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(
      `the ${name} to poll`,
      () => {
        if (child.exitCode !== null) throw new GiveUp(`${name} exited ${child.exitCode}: ${out}`);
        return Promise.resolve(out.includes(marker));
      },
      120_000,
    );
  }

  /** (Re)starts the real worker: a fresh process, so its memory is this round's alone. */
  async startWorker(): Promise<void> {
    if (this.worker !== undefined) await stopProcess(this.worker);
    // BENCH_WORKER_NODE_ARGS: flags for the worker's node, e.g. "--cpu-prof --cpu-prof-dir=var/prof".
    const nodeArgs = (process.env.BENCH_WORKER_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const worker = this.spawnLogged('worker', 'worker/main.js', [], this.workerEnv, nodeArgs);
    this.worker = worker;
    await this.waitPolling('worker', worker, 'worker: polling');
  }

  private async startBareWorker(): Promise<void> {
    const worker = this.spawnLogged('bare-worker', 'bench/bare-worker.js');
    this.bareWorker = worker;
    await this.waitPolling('baselines’ worker', worker, 'bare-worker: polling');
  }

  /** A process's resident set (VmRSS), in bytes. */
  static rss(child: ChildProcess | undefined): number {
    if (child?.pid === undefined) return NaN;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kb === null ? NaN : Number(kb[1]) * 1024;
  }

  /** JSON to the API; throws unless the status is `expect`. */
  async http<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; form?: FormData; expect?: number } = {},
  ): Promise<T> {
    const headers: Record<string, string> = {};
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    if (method !== 'GET')
      headers['idempotency-key'] = `bench-${Math.random().toString(36).slice(2)}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: options.form ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    const expect = options.expect ?? (method === 'POST' ? 0 : 200);
    if (expect !== 0 ? response.status !== expect : response.status >= 300)
      throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 500)}`);
    return (text ? JSON.parse(text) : {}) as T;
  }

  /** An access token for `email` (signed in again after 10 minutes; they last 15). */
  async token(email: string, password = PASSWORD): Promise<string> {
    const cached = this.tokens.get(email);
    if (cached !== undefined && Date.now() - cached.at < 10 * 60_000) return cached.token;
    const { accessToken } = await this.http<{ accessToken: string }>('POST', '/auth/login', {
      body: { email, password },
      expect: 200,
    });
    this.tokens.set(email, { token: accessToken, at: Date.now() });
    return accessToken;
  }

  /**
   * The directory, through the API as an admin would set it up (scripts/demo-session.sh): a school
   * of `count` departments, each with its head, responsible person and programme committee, and
   * the testing centre; the heads and the centre get passwords.
   */
  private async seedDirectory(count: number): Promise<void> {
    this.progress.update('directory: units, people import, passwords');
    const admin = await this.token('admin@emtihan.local', 'emtihan-dev-admin');
    this.departments = Array.from(
      { length: count },
      (_, i) => `bench-d${String(i + 1).padStart(3, '0')}`,
    );
    const name = (en: string) => ({ kk: en, ru: en, en });
    await this.http('PUT', '/directory/units', {
      token: admin,
      expect: 200,
      body: {
        units: [
          { id: 'bench-school', kind: 'school', parentId: 'institution', name: name('School') },
          ...this.departments.map((id) => ({
            id,
            kind: 'department',
            parentId: 'bench-school',
            name: name(`Department ${id}`),
          })),
        ],
      },
    });
    const rows = [
      'email,full_name,language,role,scope',
      'centre@bench.test,Testing Centre,en,testing_centre,institution',
    ];
    for (const d of this.departments)
      rows.push(
        `head-${d}@bench.test,Head ${d},en,department_head,${d}`,
        `resp-${d}@bench.test,Responsible ${d},en,department_responsible,${d}`,
        `committee-${d}@bench.test,Committee ${d},en,programme_committee,${d}`,
      );
    const form = new FormData();
    form.append('file', new Blob([`${rows.join('\n')}\n`], { type: 'text/csv' }), 'people.csv');
    await this.http('POST', '/directory/people/import', { token: admin, form, expect: 200 });
    const people: { id: string; email: string }[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string; email: string }[]; nextCursor: string | null } =
        await this.http('GET', `/directory/people?limit=500${cursor ? `&cursor=${cursor}` : ''}`, {
          token: admin,
        });
      people.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor !== null);
    const byEmail = new Map(people.map((p) => [p.email, p.id]));
    const person = (email: string, departmentId?: string): Person => {
      const id = byEmail.get(email);
      if (id === undefined) throw new Error(`${email} was not imported`);
      return { id, email, ...(departmentId !== undefined ? { departmentId } : {}) };
    };
    this.centre = person('centre@bench.test');
    this.heads = this.departments.map((d) => person(`head-${d}@bench.test`, d));
    for (const p of [this.centre, ...this.heads])
      await this.http('POST', `/directory/people/${p.id}/password`, {
        token: admin,
        body: { password: PASSWORD },
        expect: 204,
      });
  }

  /** Stops everything this stack started, in order; safe to call twice. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    await Promise.all([...this.children].map((child) => stopProcess(child)));
    await this.app?.close().catch(() => undefined);
    await this.connection?.close().catch(() => undefined);
    if (this.db?.isInitialized) await this.db.destroy().catch(() => undefined);
    for (const service of [...this.services].reverse()) await service.stop().catch(() => undefined);
    try {
      unlinkSync(BUNDLE_PATH);
    } catch {
      // never written
    }
  }
}
