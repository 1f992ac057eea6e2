import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { migrate } from '../migrations/data-source';
import {
  appDatabaseUrl,
  freePorts,
  GiveUp,
  ROOT,
  startSmtpCatcher,
  startTemporalDevServer,
  stopProcess,
  waitFor,
  type SmtpCatcher,
  type TemporalService,
} from '../scripts/infra';
import type { PostgresOp, PostgresReply, PostgresRequest } from './postgres-host';

/**
 * The system under test, as `npm run dev` runs it but with every piece the drill's to break: its
 * own embedded PostgreSQL, Temporal dev server (SQLite file, so it survives a restart) and SMTP
 * catcher on free loopback ports under `dir`, the built API and one worker as child processes.
 * A worker or API that exits on its own is started again (and counted): the drill measures what
 * the product loses, not whether a process gave up.
 */
export interface SystemOptions {
  dir: string;
  policyFile: string;
  log: (message: string) => void;
}

interface Supervised {
  name: 'api' | 'worker';
  script: string;
  child?: ChildProcess;
  /** Set while the drill itself stops or kills it: an exit then is expected. */
  expectingExit: boolean;
  unexpectedExits: number;
  starts: number;
  ready?: Promise<void>;
}

export class DrillSystem {
  /** The process that runs PostgreSQL (chaos/postgres-host.ts) and whether it is up. */
  private pgHost?: ChildProcess;
  private pgUp = false;
  private pgRequests = 0;
  private temporal?: TemporalService;
  private smtp?: SmtpCatcher;
  private ports!: { pg: number; smtp: number; temporal: number; temporalHttp: number; api: number };
  private env: NodeJS.ProcessEnv = {};
  private readonly logs = new Map<string, WriteStream>();
  private stopping = false;
  readonly worker: Supervised = {
    name: 'worker',
    script: 'worker/main.js',
    expectingExit: false,
    unexpectedExits: 0,
    starts: 0,
  };
  readonly api: Supervised = {
    name: 'api',
    script: 'api/main.js',
    expectingExit: false,
    unexpectedExits: 0,
    starts: 0,
  };
  /** The schema owner's URL (the drill's checks read everything as it). */
  ownerUrl = '';
  baseUrl = '';
  temporalAddress = '';
  mailDir = '';
  client?: Client;
  private connection?: Connection;

  constructor(private readonly options: SystemOptions) {}

  /** Whatever ends the drill's process (its watchdog included), the API and worker end with it. */
  private readonly orphanGuard = () => {
    for (const p of [this.api, this.worker]) p.child?.kill('SIGKILL');
    // Its IPC channel closes with this process: the host stops PostgreSQL then.
  };

  async start(): Promise<void> {
    const { dir } = this.options;
    mkdirSync(join(dir, 'logs'), { recursive: true });
    process.on('exit', this.orphanGuard);
    const [pg, smtp, temporal, temporalHttp, api] = await freePorts(5);
    this.ports = { pg, smtp, temporal, temporalHttp, api };
    this.mailDir = join(dir, 'mail');
    // All three settle before a failure is thrown, so stop() finds whatever did start.
    const started = await Promise.allSettled([
      this.startPostgres(),
      this.startSmtp(),
      this.startTemporal(),
    ]);
    for (const result of started) if (result.status === 'rejected') throw result.reason;
    const appUrl = appDatabaseUrl(this.ownerUrl);
    await migrate(this.ownerUrl, false, appUrl);
    this.baseUrl = `http://127.0.0.1:${api}`;
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(api),
      PUBLIC_URL: this.baseUrl,
      DATABASE_URL: appUrl,
      TEMPORAL_ADDRESS: this.temporalAddress,
      TEMPORAL_TASK_QUEUE: 'emtihan-chaos',
      SMTP_URL: this.smtp!.url,
      POLICY_FILE: this.options.policyFile,
      WORKER_SHUTDOWN_GRACE: '1s',
      EMTIHAN_VAR_DIR: dir,
    };
    this.launch(this.api);
    this.launch(this.worker);
    await Promise.all([
      this.workerReady(),
      waitFor(
        'the API to report healthy',
        async () => (await fetch(`${this.baseUrl}/health`)).ok,
        120_000,
        250,
      ),
    ]);
    this.connection = await Connection.connect({ address: this.temporalAddress });
    this.client = new Client({ connection: this.connection });
  }

  private logStream(name: string): WriteStream {
    let stream = this.logs.get(name);
    if (stream === undefined) {
      stream = createWriteStream(join(this.options.dir, 'logs', `${name}.log`), { flags: 'a' });
      this.logs.set(name, stream);
    }
    return stream;
  }

  /** Starts the process; when it exits without the drill asking, it is started again. */
  private launch(proc: Supervised): void {
    const child = spawn(process.execPath, [join(ROOT, 'dist', proc.script)], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.child = child;
    proc.starts++;
    proc.expectingExit = false;
    const log = this.logStream(proc.name);
    let output = '';
    const collect = (chunk: Buffer) => {
      log.write(chunk);
      if (output.length < 100_000) output += chunk.toString();
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    let exited = false;
    child.once('exit', (code, signal) => {
      exited = true;
      log.write(`--- ${proc.name} exited (${signal ?? code})\n`);
      if (this.stopping || proc.expectingExit) return;
      proc.unexpectedExits++;
      this.options.log(`${proc.name} exited on its own (${signal ?? code}); starting it again`);
      // Not at once: what stopped it (PostgreSQL or Temporal down) may take a while to come back.
      setTimeout(() => {
        if (!this.stopping && proc.child === child) this.launch(proc);
      }, 2_000);
    });
    const ready =
      proc.name === 'worker'
        ? () => Promise.resolve(output.includes('worker: polling'))
        : async () => (await fetch(`${this.baseUrl}/health`)).ok;
    proc.ready = waitFor(
      `the ${proc.name} to be ready`,
      async () => {
        if (exited) throw new GiveUp(`${proc.name} exited while starting`);
        return ready();
      },
      120_000,
      200,
    ).then(
      () => undefined,
      (error: unknown) => {
        // A process that died while starting is started again by its exit handler; one that
        // never got ready is the drill's to notice (workerReady times out).
        if (!(error instanceof GiveUp))
          this.options.log(
            `${proc.name}: ${error instanceof Error ? error.message : String(error)}`,
          );
      },
    );
  }

  /** Waits until the worker polls (the one started after the last exit). */
  async workerReady(timeoutMs = 180_000): Promise<void> {
    await waitFor(
      'a polling worker',
      async () => {
        await this.worker.ready;
        const child = this.worker.child;
        return child !== undefined && child.exitCode === null && child.signalCode === null;
      },
      timeoutMs,
      250,
    );
  }

  /** SIGKILL to the worker, then a new one; resolves once the new one polls. */
  async killWorker(): Promise<void> {
    await this.workerReady();
    const child = this.worker.child!;
    this.worker.expectingExit = true;
    await stopProcess(child, 'SIGKILL');
    this.launch(this.worker);
    await this.workerReady();
  }

  /** Asks the PostgreSQL host process to start or stop the server. */
  private postgres(request: PostgresOp): Promise<string | undefined> {
    if (this.pgHost === undefined) {
      this.pgHost = fork(join(ROOT, 'dist', 'chaos', 'postgres-host.js'), [], {
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      });
      const log = this.logStream('postgres');
      this.pgHost.stdout?.pipe(log);
      this.pgHost.stderr?.pipe(log);
    }
    const host = this.pgHost;
    const id = ++this.pgRequests;
    return new Promise((resolve, reject) => {
      const onReply = (message: PostgresReply) => {
        if (message.id !== id) return;
        host.off('message', onReply);
        if (message.ok) resolve(message.url);
        else reject(new Error(message.error));
      };
      host.on('message', onReply);
      const message: PostgresRequest = { ...request, id };
      host.send(message);
    });
  }

  async startPostgres(): Promise<void> {
    const url = await this.postgres({
      op: 'start',
      dataDir: join(this.options.dir, 'pg'),
      port: this.ports.pg,
    });
    this.ownerUrl = url!;
    this.pgUp = true;
  }

  /** PostgreSQL's fast shutdown: every connection is cut, nothing is accepted until it starts. */
  async stopPostgres(): Promise<void> {
    if (this.pgUp) await this.postgres({ op: 'stop' });
    this.pgUp = false;
  }

  async startSmtp(): Promise<void> {
    this.smtp = await startSmtpCatcher({
      dir: this.mailDir,
      port: this.ports.smtp,
      closeTimeout: 1_000,
    });
  }

  async stopSmtp(): Promise<void> {
    await this.smtp?.stop();
    this.smtp = undefined;
  }

  private async startTemporal(): Promise<void> {
    const options = {
      dbFile: join(this.options.dir, 'temporal', 'temporal.db'),
      logFile: join(this.options.dir, 'logs', 'temporal.log'),
    };
    try {
      this.temporal = await startTemporalDevServer({
        ...options,
        port: this.ports.temporal,
        httpPort: this.ports.temporalHttp,
      });
    } catch (error) {
      // The dev server binds a few ports of its own choosing: on a lost race, new ports.
      if (!(error instanceof GiveUp) || !/address already in use/.test(error.message)) throw error;
      this.options.log('the Temporal dev server lost a port race; trying new ports');
      const [port, httpPort] = await freePorts(2);
      this.ports.temporal = port;
      this.ports.temporalHttp = httpPort;
      this.temporal = await startTemporalDevServer({ ...options, port, httpPort });
    }
    this.temporalAddress = this.temporal.address;
  }

  /** Stops the dev server and starts it again on the same SQLite file and ports. */
  async restartTemporal(): Promise<void> {
    await this.temporal?.stop();
    this.temporal = await startTemporalDevServer({
      dbFile: join(this.options.dir, 'temporal', 'temporal.db'),
      logFile: join(this.options.dir, 'logs', 'temporal.log'),
      port: this.ports.temporal,
      httpPort: this.ports.temporalHttp,
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    process.removeListener('exit', this.orphanGuard);
    await this.connection?.close().catch(() => undefined);
    await Promise.all(
      [this.api, this.worker].map((p) => (p.child ? stopProcess(p.child) : Promise.resolve())),
    );
    await this.temporal?.stop().catch(() => undefined);
    await this.smtp?.stop().catch(() => undefined);
    await this.stopPostgres().catch(() => undefined);
    this.pgHost?.disconnect();
    for (const stream of this.logs.values()) stream.end();
  }
}
