import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundle } from '@temporalio/worker';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { SmtpMailer } from '../../activities/mailer';
import { LocalProctoringAdapter } from '../../activities/proctoring/local';
import { documentKey } from '../../activities/sealed';
import { insertExam } from '../../api/exams/exams.repository';
import { createDataSource } from '../../migrations/data-source';
import { freePorts, registerSearchAttributes, testServerPath, waitFor } from '../../scripts/infra';
import { calendarYears } from '../../sop/calendar';
import { resolveCalendar } from '../../sop/holidays';
import type { Policy } from '../../sop/policy';
import {
  decideStepUpdate,
  examWorkflowId,
  recordExamEventUpdate,
  type Decision,
  type ExamEventKind,
  type ExamWorkflowInput,
} from '../../workflows/exam.contract';
import type { Role } from '../../sop/policy';
import type { WorkflowHandle } from '@temporalio/client';
import { examWorkflow } from '../../workflows/exam.workflow';
import { sessionWorkflowId, type SessionWorkflowInput } from '../../workflows/session.contract';
import { sessionWorkflow } from '../../workflows/session.workflow';
import { seedDirectory, type DirectoryFixture } from '../directory-fixture';
import { testInfra, uniqueId } from '../support';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  worker: Worker;
  db: DataSource;
  /** The proctoring system's stand-in (§5.7): a folder of this file's own. */
  proctoring: LocalProctoringAdapter;
}

/**
 * Workflow tests on Temporal's time-skipping test server with the real activities, writing to the
 * real PostgreSQL and sending through the real SMTP catcher: months pass in seconds. A test server
 * per test (its clock is global and only moves forward), one workflow bundle per file.
 */
/** True once something listens on the loopback port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The time-skipping test server, started here rather than by the SDK: the SDK gives the JVM a fixed
 * 5 s to listen, which a loaded 2-core machine misses; here it gets a minute. The environment then
 * connects to it as an existing server that supports time skipping.
 */
async function startTimeSkipping(
  path: string,
): Promise<{ env: TestWorkflowEnvironment; stop: () => Promise<void> }> {
  const [port] = await freePorts(1);
  const child = spawn(path, [String(port)], { stdio: 'ignore', detached: true });
  const kill = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  try {
    await waitFor(
      'the time-skipping test server to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`test server exited (${child.exitCode})`);
        return listening(port);
      },
      60_000,
      100,
    );
    // `create` is the SDK's own factory behind createTimeSkipping, pointed at this server.
    const create = (
      TestWorkflowEnvironment as unknown as {
        create(options: object): Promise<TestWorkflowEnvironment>;
      }
    ).create.bind(TestWorkflowEnvironment);
    const env = await create({
      supportsTimeSkipping: true,
      server: { type: 'existing' },
      address: `127.0.0.1:${port}`,
    });
    return {
      env,
      stop: async () => {
        try {
          await env.teardown();
        } finally {
          kill();
        }
      },
    };
  } catch (error) {
    kill();
    throw error;
  }
}

export function useTimeSkipping(): TimeSkipping {
  const ctx = {} as TimeSkipping;
  let running: Promise<void>;
  let stopServer: (() => Promise<void>) | undefined;
  let mailer: SmtpMailer;
  let bundle: WorkflowBundle;

  beforeAll(async () => {
    const infra = testInfra();
    ctx.db = createDataSource({ url: infra.databaseUrl, poolSize: 4 });
    await ctx.db.initialize();
    mailer = new SmtpMailer(infra.smtpUrl, 'Emtihan test <emtihan@localhost>');
    ctx.proctoring = new LocalProctoringAdapter(join(infra.varDir, uniqueId('recordings')));
    bundle = await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: undefined,
    });
  });

  afterAll(async () => {
    mailer?.close();
    await ctx.db?.destroy();
  });

  beforeEach(async () => {
    const path = testServerPath();
    if (path !== undefined) {
      const started = await startTimeSkipping(path);
      ctx.env = started.env;
      stopServer = started.stop;
    } else {
      // No cached binary (TEMPORAL_TEST_SERVER unset, not provisioned): the SDK's own download.
      ctx.env = await TestWorkflowEnvironment.createTimeSkipping();
      stopServer = () => ctx.env.teardown();
    }
    // The workflows' search attributes (registered on the dev server by scripts/infra.ts).
    await registerSearchAttributes(ctx.env.connection);
    ctx.worker = await Worker.create({
      connection: ctx.env.nativeConnection,
      taskQueue: uniqueId('wf-exam'),
      workflowBundle: bundle,
      activities: createActivities({
        db: ctx.db,
        mailer,
        publicUrl: 'http://emtihan.test',
        linkSecret: 'x'.repeat(32),
        documentKey: documentKey(Buffer.alloc(32, 7).toString('base64')),
        proctoring: ctx.proctoring,
      }),
    });
    running = ctx.worker.run();
  });

  afterEach(async () => {
    ctx.worker?.shutdown();
    await running;
    await stopServer?.();
  });

  return ctx;
}

export async function skipTo(env: TestWorkflowEnvironment, at: number): Promise<void> {
  const now = await env.currentTimeMs();
  if (at > now) await env.sleep(at - now);
}

export interface ExamOptions {
  policy: Policy;
  /** D (one day, or the days of a multi-day exam). */
  days: string[];
  expectedWorks?: number;
  /** An existing directory fixture (several exams of one department). */
  dir?: DirectoryFixture;
}

/** Registers the exam row and starts its workflow, as the API does. */
export async function startExam(ctx: TimeSkipping, examId: string, options: ExamOptions) {
  const dir = options.dir ?? (await seedDirectory(ctx.db, examId));
  const first = options.days[0];
  const last = options.days[options.days.length - 1];
  const input: ExamWorkflowInput = {
    examId,
    discipline: 'Human anatomy',
    departmentId: dir.departmentId,
    facts: {
      examId,
      days: options.days,
      startsAt: Date.parse(`${first}T09:00:00+05:00`),
      endsAt: Date.parse(`${last}T12:00:00+05:00`),
      expectedWorks: options.expectedWorks ?? 100,
      summer: false,
      retake: false,
    },
    policy: options.policy,
    calendar: resolveCalendar(options.policy, calendarYears(options.days)),
  };
  await insertExam(ctx.db, {
    id: examId,
    discipline: input.discipline,
    departmentId: dir.departmentId,
    examDate: first,
    startsAt: new Date(input.facts.startsAt!),
    policyVersion: options.policy.version,
    workflowId: examWorkflowId(examId),
    facts: input.facts,
  });
  const handle = await ctx.env.client.workflow.start(examWorkflow, {
    taskQueue: ctx.worker.options.taskQueue,
    workflowId: examWorkflowId(examId),
    args: [input],
  });
  return { handle, dir, input };
}

export interface SessionOptions {
  policy: Policy;
  /** S. */
  startDate: string;
  summer?: boolean;
  /** One exam per day (none: the session's own steps alone). */
  examDays?: string[];
}

/** Registers a session (and its exams) and starts `session-<id>`, as the API does. */
export async function startSession(ctx: TimeSkipping, sessionId: string, options: SessionOptions) {
  const dir = await seedDirectory(ctx.db, sessionId);
  const summer = options.summer ?? false;
  const days = options.examDays ?? [];
  const exams = days.map((day, i) => ({
    examId: `${sessionId}-e${i + 1}`,
    discipline: `Discipline ${i + 1}`,
    departmentId: dir.departmentId,
    facts: {
      examId: `${sessionId}-e${i + 1}`,
      days: [day],
      startsAt: Date.parse(`${day}T09:00:00+05:00`),
      endsAt: Date.parse(`${day}T12:00:00+05:00`),
      expectedWorks: 50,
      summer,
      retake: false,
    },
  }));
  await ctx.db.query(
    `INSERT INTO exam_session (id, title, start_date, summer, scope_id, policy_version, workflow_id, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'test')`,
    [
      sessionId,
      'Spring 2027',
      options.startDate,
      summer,
      dir.schoolId,
      options.policy.version,
      sessionWorkflowId(sessionId),
    ],
  );
  for (const exam of exams)
    await insertExam(ctx.db, {
      id: exam.examId,
      discipline: exam.discipline,
      departmentId: dir.departmentId,
      examDate: exam.facts.days[0],
      startsAt: new Date(exam.facts.startsAt),
      policyVersion: options.policy.version,
      workflowId: examWorkflowId(exam.examId),
      sessionId,
      facts: exam.facts,
    });
  const input: SessionWorkflowInput = {
    sessionId,
    title: 'Spring 2027',
    scopeId: dir.schoolId,
    facts: {
      startDate: options.startDate,
      summer,
      departments: [dir.departmentId, dir.otherDepartmentId],
    },
    policy: options.policy,
    calendar: resolveCalendar(options.policy, calendarYears([options.startDate, ...days])),
    exams,
  };
  const handle = await ctx.env.client.workflow.start(sessionWorkflow, {
    taskQueue: ctx.worker.options.taskQueue,
    workflowId: sessionWorkflowId(sessionId),
    args: [input],
  });
  return { handle, dir, sessionId, exams };
}

/**
 * UPDATE_HISTORIES=1 npm run test:workflow writes each main path's event history to
 * test/workflow/histories/, where test/workflow/replay.test.ts replays it against the current
 * workflow code on every run: a change that breaks determinism fails CI (CONVENTIONS.md: patched()).
 */
export async function saveHistory(
  handle: { fetchHistory(): Promise<Parameters<typeof historyToJSON>[0]> },
  name: string,
) {
  if (process.env.UPDATE_HISTORIES !== '1') return;
  const dir = join(__dirname, 'histories');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), historyToJSON(await handle.fetchHistory()));
}

type AnyHandle = WorkflowHandle<typeof examWorkflow> | WorkflowHandle<typeof sessionWorkflow>;

/** A decision on a step by the fixture's holder of `role` (through the API it would be that person). */
export function decideAs(
  handle: AnyHandle,
  dir: DirectoryFixture,
  key: string,
  decision: Decision,
  role: Role,
  comment?: string,
) {
  const person = dir.byRole[role]!;
  return handle.executeUpdate(decideStepUpdate, {
    args: [
      {
        stepId: key,
        decision,
        actor: person.id,
        actorName: person.fullName,
        actorRoles: [role],
        ...(comment !== undefined ? { comment } : {}),
        via: { kind: 'api' },
      },
    ],
  });
}

/** An event of an exam's life recorded by the fixture's holder of `role`. */
export function eventAs(
  handle: AnyHandle,
  dir: DirectoryFixture,
  kind: ExamEventKind,
  caseId: string,
  role: Role,
) {
  const person = dir.byRole[role]!;
  // Exam events go to exam workflows; the union only spares callers a cast.
  return (handle as WorkflowHandle<typeof examWorkflow>).executeUpdate(recordExamEventUpdate, {
    args: [
      { event: kind, caseId, actor: person.id, actorName: person.fullName, actorRoles: [role] },
    ],
  });
}
