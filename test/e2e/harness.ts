import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { createDataSource, migrate } from '../../migrations/data-source';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import { freePort, ROOT, stopProcess } from '../../scripts/infra';
import { seedDirectory, type DirectoryFixture } from '../directory-fixture';
import { testInfra, uniqueId, waitFor } from '../support';

/** The LINK_SECRET of the e2e stacks (tests derive link tokens to check what is stored). */
export const TEST_LINK_SECRET = 'e2e-link-secret-0123456789abcdefghijklmnop';

/**
 * The system as users run it: the built API and worker as separate Node processes
 * (dist/api/main.js, dist/worker/main.js), configured only through environment variables,
 * against the real servers the global setup started. Each test file gets its own task queue.
 */
export interface Stack {
  baseUrl: string;
  taskQueue: string;
  client: Client;
  worker: ChildProcess;
  startWorker(): Promise<ChildProcess>;
  killWorker(signal?: NodeJS.Signals): Promise<NodeJS.Signals | null>;
  http(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string>; as?: Credentials },
  ): Promise<HttpAnswer>;
  /** Signs in (once per person per stack) and returns the access token. */
  login(person: { email: string; password: string }): Promise<string>;
  /** POST …/steps/departmentDiscussion/approve as `person`, with a fresh Idempotency-Key unless given. */
  approve(
    examId: string,
    person: { email: string; password: string },
    key?: string,
    body?: Record<string, unknown>,
  ): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** A person to sign in as, or a raw token / API key. */
export type Credentials = { email: string; password: string } | { token: string };

/**
 * For a test file: its own stack (API + worker on a fresh task queue), a database connection and
 * its own directory (a school, two departments and their people; test/directory-fixture.ts).
 */
export function useStack(options: StackOptions = {}): {
  stack: Stack;
  db: DataSource;
  dir: DirectoryFixture;
  /** With `ownDatabase`: the database's URLs (application role, owner). */
  database: { appUrl: string; ownerUrl: string };
} {
  const context = {
    stack: undefined as unknown as Stack,
    db: undefined as unknown as DataSource,
    dir: undefined as unknown as DirectoryFixture,
    database: { appUrl: testInfra().databaseUrl, ownerUrl: testInfra().ownerDatabaseUrl },
  };
  beforeAll(async () => {
    if (options.ownDatabase === true) context.database = await createDatabase(uniqueId('e2e'));
    context.db = createDataSource({ url: context.database.appUrl, poolSize: 2 });
    await context.db.initialize();
    context.dir = await seedDirectory(context.db, uniqueId('e2e'));
    const env = options.env;
    context.stack = await startStack({
      ...options,
      env: () => ({
        ...(options.ownDatabase === true ? { DATABASE_URL: context.database.appUrl } : {}),
        ...env?.(),
      }),
    });
  });
  afterAll(async () => {
    await context.stack?.stop();
    await context.db.destroy();
  });
  return context;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

function dist(script: string): string {
  const path = join(ROOT, 'dist', script);
  if (!existsSync(path))
    throw new Error(`${path} is missing: run \`npm run build\` first (npm test does)`);
  return path;
}

/** `policyFile: null` runs the SOP as written; the default is the drill policy (seconds). */
export interface StackOptions {
  policyFile?: string | null;
  /** More environment for the API and worker, read when the stack starts (e.g. OIDC_*). */
  env?: () => Record<string, string>;
  /** The API's port, when something must know it in advance (an OIDC redirect URI). */
  port?: () => number;
  /**
   * Keep only these steps of the policy (an institution can drop steps the same way: `null` for a
   * step in its policy file): tests of one step's slice run it alone, on the drill's seconds.
   */
  onlySteps?: string[];
  /**
   * A database of its own (created and migrated for the file): for tests that must own the whole
   * audit chain, e.g. tampering with it as a superuser would break every other file's chain.
   */
  ownDatabase?: boolean;
}

/** Creates a fresh database on the test server, migrated, with the application role's access. */
export async function createDatabase(name: string): Promise<{ appUrl: string; ownerUrl: string }> {
  const infra = testInfra();
  const database = name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const admin = createDataSource({ url: infra.ownerDatabaseUrl, poolSize: 1 });
  await admin.initialize();
  try {
    await admin.query(`CREATE DATABASE "${database}"`);
  } finally {
    await admin.destroy();
  }
  const withDatabase = (url: string) => {
    const u = new URL(url);
    u.pathname = `/${database}`;
    return u.toString();
  };
  const ownerUrl = withDatabase(infra.ownerDatabaseUrl);
  const appUrl = withDatabase(infra.databaseUrl);
  await migrate(ownerUrl, false, appUrl);
  return { appUrl, ownerUrl };
}

/** The drill policy with every other step removed, written next to the test run's files. */
function policyWithOnly(steps: string[], base: string): string {
  const drill = JSON.parse(readFileSync(base, 'utf8')) as { version: string; steps?: object };
  const removed = Object.fromEntries(
    DEFAULT_POLICY.steps.filter((s) => !steps.includes(s.id)).map((s) => [s.id, null]),
  );
  const file = join(testInfra().varDir, `policy-only-${steps.join('-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      ...drill,
      version: `${drill.version}+only:${steps.join(',')}`,
      steps: {
        ...removed,
        ...Object.fromEntries(
          Object.entries(drill.steps ?? {}).filter(([id]) => steps.includes(id)),
        ),
      },
    }),
  );
  return file;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const infra = testInfra();
  const port = options.port?.() ?? (await freePort());
  const taskQueue = uniqueId('e2e');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: String(port),
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    DATABASE_URL: infra.databaseUrl,
    TEMPORAL_ADDRESS: infra.temporalAddress,
    TEMPORAL_TASK_QUEUE: taskQueue,
    SMTP_URL: infra.smtpUrl,
    DEV_MAIL_DIR: infra.mailDir,
    ...(options.policyFile === null
      ? {}
      : {
          POLICY_FILE:
            options.onlySteps !== undefined
              ? policyWithOnly(
                  options.onlySteps,
                  options.policyFile ?? join(ROOT, 'policies', 'drill.policy.json'),
                )
              : (options.policyFile ?? join(ROOT, 'policies', 'drill.policy.json')),
        }),
    WORKER_SHUTDOWN_GRACE: '1s',
    LINK_SECRET: TEST_LINK_SECRET,
    ...options.env?.(),
  };
  const children: ChildProcess[] = [];
  const launch = (name: string, script: string): ChildProcess => {
    const log = createWriteStream(join(infra.varDir, `${taskQueue}-${name}.log`), { flags: 'a' });
    const child = spawn(process.execPath, [dist(script)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
    children.push(child);
    return child;
  };

  const startWorker = async (): Promise<ChildProcess> => {
    const child = launch('worker', 'worker/main.js');
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    await waitFor(
      'the worker to poll',
      () => {
        if (child.exitCode !== null) throw new Error(`worker exited ${child.exitCode}: ${out}`);
        return Promise.resolve(out.includes('worker: polling'));
      },
      60_000,
    );
    return child;
  };

  const api = launch('api', 'api/main.js');
  const worker = await startWorker();
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor(
    'the API to report healthy',
    async () => {
      if (api.exitCode !== null) throw new Error(`api exited ${api.exitCode}`);
      return (await fetch(`${baseUrl}/health`)).ok;
    },
    60_000,
  );
  const connection = await Connection.connect({ address: infra.temporalAddress });
  const client = new Client({ connection });

  const tokens = new Map<string, string>();
  const stack: Stack = {
    baseUrl,
    taskQueue,
    client,
    worker,
    startWorker: async () => (stack.worker = await startWorker()),
    killWorker: (signal = 'SIGKILL') =>
      new Promise((resolve) => {
        stack.worker.once('exit', (_code, sig) => resolve(sig));
        stack.worker.kill(signal);
      }),
    async login(person) {
      const cached = tokens.get(person.email);
      if (cached !== undefined) return cached;
      const response = await fetch(`${baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: person.email, password: person.password }),
      });
      if (response.status !== 200) throw new Error(`login of ${person.email}: ${response.status}`);
      const { accessToken } = (await response.json()) as { accessToken: string };
      tokens.set(person.email, accessToken);
      return accessToken;
    },
    async http(method, path, { body, headers = {}, as } = {}) {
      const token = as === undefined ? undefined : 'token' in as ? as.token : await stack.login(as);
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
          ...headers,
        },
        body:
          body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { text };
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    approve(examId, person, key = uniqueId('k'), body = {}) {
      return stack.http('POST', `/exams/${examId}/steps/departmentDiscussion/approve`, {
        body,
        headers: { 'Idempotency-Key': key },
        as: person,
      });
    },
    async stop() {
      await connection.close();
      await Promise.all(children.map((child) => stopProcess(child)));
    },
  };
  return stack;
}

/** The exam date and start, in the policy's zone, of an exam starting at `at` (drill exams start seconds from now). */
export function examStartingAt(
  at: number,
  zone = 'Asia/Almaty',
): { examDate: string; startsAt: string; endsAt: string } {
  const local = DateTime.fromMillis(at, { zone });
  // A drill sitting of 5 seconds: the exam's life after E runs on the drill's seconds too.
  const end = DateTime.min(local.plus({ seconds: 5 }), local.endOf('day'));
  return {
    examDate: local.toISODate()!,
    startsAt: local.toISO({ suppressMilliseconds: false })!,
    endsAt: end.toISO({ suppressMilliseconds: false })!,
  };
}
