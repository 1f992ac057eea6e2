import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../migrations/data-source';
import { freePort, ROOT, stopProcess } from '../../scripts/infra';
import { testInfra, uniqueId, waitFor } from '../support';

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
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<HttpAnswer>;
  /** POST …/steps/departmentDiscussion/approve as `actor`, with a fresh Idempotency-Key unless given. */
  approve(examId: string, actor: string, key?: string): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** For a test file: its own stack (API + worker on a fresh task queue) and a database connection. */
export function useStack(options: StackOptions = {}): { stack: Stack; db: DataSource } {
  const context = {
    stack: undefined as unknown as Stack,
    db: createDataSource({ url: testInfra().databaseUrl, poolSize: 2 }),
  };
  beforeAll(async () => {
    await context.db.initialize();
    context.stack = await startStack(options);
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
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const infra = testInfra();
  const port = await freePort();
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
      : { POLICY_FILE: options.policyFile ?? join(ROOT, 'policies', 'drill.policy.json') }),
    WORKER_SHUTDOWN_GRACE: '1s',
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
    async http(method, path, { body, headers = {} } = {}) {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
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
    approve(examId, actor, key = uniqueId('k')) {
      return stack.http('POST', `/exams/${examId}/steps/departmentDiscussion/approve`, {
        body: { actor },
        headers: { 'Idempotency-Key': key },
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
): { examDate: string; startsAt: string } {
  const local = DateTime.fromMillis(at, { zone });
  return { examDate: local.toISODate()!, startsAt: local.toISO({ suppressMilliseconds: false })! };
}
