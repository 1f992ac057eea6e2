import { DateTime } from 'luxon';
import { waitFor } from '../scripts/infra';
import { MailWatch } from './mail';
import { BARE_TASK_QUEUE, type BenchStack } from './stack';
import { inParallel, msSince } from './stats';

/** How many starts the baseline keeps in flight (the "≈50 in flight"). */
export const IN_FLIGHT = 50;
/** A launch gives up after this long (the bench stops by itself). */
const LAUNCH_TIMEOUT_MS = 30 * 60_000;

export interface LaunchResult {
  sessionId: string;
  examIds: string[];
  /** Each exam's department, in the order of examIds. */
  departments: string[];
  /** Exams whose workflow started, per second from the POST to the last start. */
  startsPerSecond: number;
  secondsToAllStarted: number;
  /** From the POST until every exam's first email was in the catcher. */
  secondsToAllFirstEmails: number;
  postMs: number;
}

/**
 * A session of `count` exams through the API (POST /sessions as the testing centre, the SOP as
 * written, exams about 15 weeks ahead so every exam's first steps open at once and then wait for
 * weeks), measured until every exam's workflow has started and its first email is in the catcher.
 */
export async function launchSession(
  stack: BenchStack,
  sessionId: string,
  count: number,
  onProgress: (started: number, emailed: number) => void,
): Promise<LaunchResult> {
  const zone = 'Asia/Almaty';
  // S: a Monday about 15 weeks ahead; exams on its working days over two weeks.
  const monday = DateTime.now().setZone(zone).plus({ weeks: 15 }).startOf('week');
  const examIds = Array.from({ length: count }, (_, i) => `${sessionId}-e${i}`);
  const body = {
    id: sessionId,
    title: `Bench session ${sessionId}`,
    startDate: monday.toISODate(),
    scope: 'bench-school',
    exams: examIds.map((id, i) => {
      const day = monday.plus({ days: (i % 5) + 7 * (Math.floor(i / 5) % 2) });
      return {
        id,
        discipline: `Discipline ${i} of ${sessionId}`,
        department: stack.departments[i % stack.departments.length],
        examDate: day.toISODate(),
        startsAt: day.set({ hour: 9 }).toISO({ suppressMilliseconds: true }),
        expectedWorks: 100 + (i % 300),
      };
    }),
  };
  const watch = new MailWatch(stack.mailDir);
  await watch.skipExisting();
  const token = await stack.token(stack.centre.email);
  const t0 = Date.now();
  await stack.http('POST', '/sessions', { token, body, expect: 201 });
  const postMs = Date.now() - t0;

  const query = `EmtihanSessionId = '${sessionId}' AND WorkflowType = 'examWorkflow'`;
  const firstEmail = new Map<string, number>();
  const mine = new Set(examIds);
  let started = 0;
  await waitFor(
    `${count} exams started with their first emails`,
    async () => {
      if (started < count) started = (await stack.client.workflow.count(query)).count;
      for (const mail of await watch.scan())
        if (mail.examId !== undefined && mine.has(mail.examId) && !firstEmail.has(mail.examId))
          firstEmail.set(mail.examId, mail.at);
      onProgress(started, firstEmail.size);
      return started >= count && firstEmail.size >= count;
    },
    LAUNCH_TIMEOUT_MS,
    500,
  );
  // The start instants as Temporal recorded them (the same machine's clock).
  let lastStart = 0;
  for await (const execution of stack.client.workflow.list({ query }))
    lastStart = Math.max(lastStart, execution.startTime.getTime());
  const lastEmail = Math.max(...firstEmail.values());
  return {
    sessionId,
    examIds,
    departments: body.exams.map((e) => e.department),
    startsPerSecond: count / ((lastStart - t0) / 1000),
    secondsToAllStarted: (lastStart - t0) / 1000,
    secondsToAllFirstEmails: (lastEmail - t0) / 1000,
    postMs,
  };
}

/** The baseline: `count` bare client.workflow.start of a one-timer workflow, IN_FLIGHT at a time. */
export async function bareStarts(
  stack: BenchStack,
  runId: string,
  count: number,
  onProgress: (done: number) => void,
): Promise<{ startsPerSecond: number; seconds: number }> {
  let done = 0;
  const t0 = process.hrtime.bigint();
  await inParallel(
    Array.from({ length: count }, (_, i) => i),
    IN_FLIGHT,
    async (i) => {
      await stack.client.workflow.start('oneTimerWorkflow', {
        taskQueue: BARE_TASK_QUEUE,
        workflowId: `bare-start-${runId}-${i}`,
        args: [24 * 120],
      });
      if (++done % 50 === 0) onProgress(done);
    },
  );
  const ms = msSince(t0);
  return { startsPerSecond: count / (ms / 1000), seconds: ms / 1000 };
}

/**
 * Waits until `sample` has stopped changing: the same value `times` polls in a row, a second
 * apart (bounded), then returns it.
 */
export async function settled<T>(
  what: string,
  sample: () => Promise<T>,
  same: (a: T, b: T) => boolean,
  times = 3,
): Promise<T> {
  let last: T | undefined;
  let streak = 0;
  return waitFor(
    what,
    async () => {
      const now = await sample();
      streak = last !== undefined && same(last, now) ? streak + 1 : 0;
      last = now;
      return streak >= times ? { value: now } : undefined;
    },
    10 * 60_000,
    1_000,
  ).then((r) => r.value);
}

/** The read model's count of what the workers wrote: settles when the launch's work is done. */
export async function writes(stack: BenchStack): Promise<number> {
  const [{ n }] = await stack.db.query<{ n: string }[]>(
    `SELECT (SELECT count(*) FROM audit_log) + (SELECT count(*) FROM outbox WHERE status = 'sent') AS n`,
  );
  return Number(n);
}

/** How many events a workflow's history has now (an exam after its opening, a bare one-timer). */
export async function historyEvents(stack: BenchStack, workflowId: string): Promise<number> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  return history.events?.length ?? 0;
}

/** Terminates the running workflows a query finds (a round's exams, the baselines' workflows). */
export async function terminateAll(stack: BenchStack, query: string): Promise<number> {
  const ids: string[] = [];
  for await (const execution of stack.client.workflow.list({
    query: `${query} AND ExecutionStatus = 'Running'`,
  }))
    ids.push(execution.workflowId);
  await inParallel(ids, 20, async (id) => {
    await stack.client.workflow
      .getHandle(id)
      .terminate('bench round over')
      .catch(() => undefined);
  });
  return ids.length;
}

/**
 * Retires a round's session: its workflows terminated and its open steps closed in the read model,
 * so the next round (and GET /me/tasks) starts from the same state.
 */
export async function retireSession(stack: BenchStack, sessionId: string): Promise<void> {
  await terminateAll(stack, `EmtihanSessionId = '${sessionId}'`);
  await stack.db.query(
    `UPDATE exam_step SET status = 'closed', version = version + 1000000
      WHERE status IN ('open', 'overdue') AND exam_id IN (SELECT id FROM exam WHERE session_id = $1)`,
    [sessionId],
  );
  await stack.db.query(
    `UPDATE session_step SET status = 'closed', version = version + 1000000
      WHERE status IN ('open', 'overdue') AND session_id = $1`,
    [sessionId],
  );
}
