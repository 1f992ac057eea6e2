/**
 * npm run bench (issue 10): what Emtihan costs on top of Temporal, nodemailer and NestJS, each
 * figure against its baseline measured in the same run on the same servers, min / median / max
 * over BENCH_RUNS runs, printed as a table and saved under bench/results/ (JSON and Markdown).
 * It starts its own PostgreSQL, Temporal dev server, SMTP catcher, real worker, baselines' worker
 * and API on free loopback ports under var/bench, and stops them at the end, on an error or on
 * Ctrl-C. See README "Benchmarks" for the knobs.
 */
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ROOT } from '../scripts/infra';
import { approvals, bareUpdates } from './approval';
import { load } from './http';
import {
  bareStarts,
  historyEvents,
  IN_FLIGHT,
  launchSession,
  retireSession,
  settled,
  terminateAll,
  writes,
} from './launch';
import { Progress } from './progress';
import {
  rawNodemailer,
  remindersThroughOutbox,
  seedReminderExams,
  ACTIVITY_SLOTS,
} from './reminders';
import { bareBundle, EXAM_HISTORY, loadExamHistory, replays } from './replay';
import { finish, printTable, save, type Report, type Row } from './report';
import { BARE_TASK_QUEUE, BenchStack } from './stack';
import { percentiles, spread } from './stats';

const BENCHES = ['launch', 'memory', 'approval', 'reminders', 'replay', 'http'] as const;
type Bench = (typeof BENCHES)[number];

function int(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name} must be a whole number ≥ ${min} (got "${raw}")`);
  return value;
}

function selected(): Set<Bench> {
  const raw = process.env.BENCH_ONLY;
  if (raw === undefined || raw.trim() === '') return new Set(BENCHES);
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(BENCHES as readonly string[]).includes(n));
  if (unknown.length > 0)
    throw new Error(`BENCH_ONLY: unknown ${unknown.join(', ')} (known: ${BENCHES.join(', ')})`);
  return new Set(names as Bench[]);
}

const MiB = 1024 * 1024;

async function main(): Promise<void> {
  const sizes = {
    BENCH_EXAMS: int('BENCH_EXAMS', 2000),
    BENCH_RUNS: int('BENCH_RUNS', 3),
    BENCH_EMAILS: int('BENCH_EMAILS', 10_000),
    BENCH_APPROVALS: int('BENCH_APPROVALS', 200),
    BENCH_REPLAYS: int('BENCH_REPLAYS', 20),
    BENCH_HTTP_SECONDS: int('BENCH_HTTP_SECONDS', 10),
    BENCH_HTTP_CONNECTIONS: int('BENCH_HTTP_CONNECTIONS', 50),
    BENCH_DEPARTMENTS: int('BENCH_DEPARTMENTS', 40),
    WORKER_MAX_CACHED_WORKFLOWS: int('WORKER_MAX_CACHED_WORKFLOWS', 2000, 0),
  };
  const only = selected();
  // The replay workers log their every state change at INFO: warnings only.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const has = (b: Bench) => only.has(b);
  const exams = sizes.BENCH_EXAMS;
  const approvalsPerRun = Math.min(sizes.BENCH_APPROVALS, exams);
  const progress = new Progress();
  const stack = new BenchStack(
    join(ROOT, 'var', 'bench'),
    progress,
    sizes.WORKER_MAX_CACHED_WORKFLOWS,
  );
  const stop = async (code: number) => {
    progress.done();
    process.stderr.write('bench: stopping the servers…\n');
    await stack.stop();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130));
  process.on('SIGTERM', () => void stop(143));

  const startedAt = new Date().toISOString();
  const rows: Row[] = [];
  const notes: string[] = [];
  const runs = sizes.BENCH_RUNS;
  const series = {
    launchOurs: [] as number[],
    launchBare: [] as number[],
    startedSeconds: [] as number[],
    firstEmailSeconds: [] as number[],
    postSeconds: [] as number[],
    rssOurs: [] as number[],
    rssBare: [] as number[],
    rssIdle: [] as number[],
    eventsOurs: [] as number[],
    eventsBare: [] as number[],
    approval: { p50: [] as number[], p95: [] as number[], p99: [] as number[] },
    update: { p50: [] as number[], p95: [] as number[], p99: [] as number[] },
    remindOurs: [] as number[],
    remindRaw: [] as number[],
    replayOurs: [] as number[],
    replayBare: [] as number[],
    replaySingleOurs: [] as number[],
    replaySingleBare: [] as number[],
    tasksRps: [] as number[],
    tasksP99: [] as number[],
    constRps: [] as number[],
    constP99: [] as number[],
  };
  let tasksItems = 0;
  let replayEvents = 0;
  let bareReplayEvents = 0;

  try {
    await stack.start(sizes.BENCH_DEPARTMENTS);
    const needSession = has('launch') || has('memory') || has('approval') || has('http');
    const reminderExams = has('reminders')
      ? (progress.update(`reminders: ${sizes.BENCH_EMAILS} exam rows`),
        await seedReminderExams(stack, sizes.BENCH_EMAILS))
      : [];
    const exam = has('replay') ? loadExamHistory() : undefined;
    const bare = has('replay') ? await bareBundle() : undefined;
    let bareHistoryWorkflow: string | undefined;

    for (let run = 1; run <= runs; run++) {
      const tag = `run ${run}/${runs}`;
      let sessionId: string | undefined;
      if (needSession) {
        // A fresh worker per run: its memory is this run's exams alone.
        if (run > 1) {
          progress.update(`${tag}: restarting the worker`);
          await stack.startWorker();
        }
        series.rssIdle.push(BenchStack.rss(stack.worker));
        sessionId = `bench-r${run}`;
        const launch = await launchSession(stack, sessionId, exams, (started, emailed) =>
          progress.update(`${tag} launch: ${started} started, first emails`, emailed, exams),
        );
        series.launchOurs.push(launch.startsPerSecond);
        series.startedSeconds.push(launch.secondsToAllStarted);
        series.firstEmailSeconds.push(launch.secondsToAllFirstEmails);
        series.postSeconds.push(launch.postMs / 1000);
        progress.note(
          `${tag} launch: ${exams} exams, ${launch.startsPerSecond.toFixed(1)} started/s, all started in ${launch.secondsToAllStarted.toFixed(1)} s, every first email in ${launch.secondsToAllFirstEmails.toFixed(1)} s (POST answered in ${launch.postMs} ms)`,
        );
        progress.update(`${tag} memory: waiting for the launch's writes to settle`);
        const settledWrites = await settled(
          'the launch to settle',
          () => writes(stack),
          (a, b) => a === b,
        );
        const rss = BenchStack.rss(stack.worker);
        series.rssOurs.push(rss);
        series.eventsOurs.push(await historyEvents(stack, `exam-${launch.examIds[0]}`));
        progress.note(
          `${tag} memory: worker RSS ${(rss / MiB).toFixed(0)} MiB with ${exams} active exams (idle ${(series.rssIdle.at(-1)! / MiB).toFixed(0)} MiB; ${settledWrites} rows written so far)`,
        );

        if (has('http')) {
          const head = stack.heads[0];
          const token = await stack.token(head.email);
          tasksItems = (await stack.http<{ items: unknown[] }>('GET', '/me/tasks', { token })).items
            .length;
          const options = {
            connections: sizes.BENCH_HTTP_CONNECTIONS,
            seconds: sizes.BENCH_HTTP_SECONDS,
          };
          progress.update(`${tag} http: GET /me/tasks (${tasksItems} tasks), ${options.seconds} s`);
          const tasks = await load(stack, '/me/tasks', { ...options, token });
          progress.update(`${tag} http: GET /bench/constant, ${options.seconds} s`);
          const constant = await load(stack, '/bench/constant', options);
          for (const [name, r] of [
            ['/me/tasks', tasks],
            ['/bench/constant', constant],
          ] as const)
            if (r.non2xx > 0 || r.errors > 0)
              throw new Error(`${name}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
          series.tasksRps.push(tasks.requestsPerSecond);
          series.tasksP99.push(tasks.p99);
          series.constRps.push(constant.requestsPerSecond);
          series.constP99.push(constant.p99);
          progress.note(
            `${tag} http: /me/tasks ${tasks.requestsPerSecond.toFixed(0)} req/s p99 ${tasks.p99} ms; constant ${constant.requestsPerSecond.toFixed(0)} req/s p99 ${constant.p99} ms`,
          );
        }

        if (has('approval')) {
          // The exams started last, still in the worker's cache as the baseline's workflows are.
          const picked = launch.examIds
            .map((examId, i) => ({ examId, departmentId: launch.departments[i] }))
            .slice(-approvalsPerRun);
          const times = await approvals(stack, picked, (done) =>
            progress.update(`${tag} approval: HTTP → Update → read model`, done, approvalsPerRun),
          );
          const p = percentiles(times);
          series.approval.p50.push(p.p50);
          series.approval.p95.push(p.p95);
          series.approval.p99.push(p.p99);
          progress.note(
            `${tag} approval: p50 ${p.p50.toFixed(1)} ms, p95 ${p.p95.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`,
          );
        }
      }

      if (has('launch') || has('memory')) {
        const bareStart = await bareStarts(stack, String(run), exams, (done) =>
          progress.update(`${tag} baseline: bare client.workflow.start`, done, exams),
        );
        series.launchBare.push(bareStart.startsPerSecond);
        progress.note(
          `${tag} baseline: ${exams} bare starts, ${bareStart.startsPerSecond.toFixed(1)}/s (${IN_FLIGHT} in flight)`,
        );
        progress.update(`${tag} baseline memory: waiting for the baselines’ worker to settle`);
        const rss = await settled(
          "the baselines' worker's memory to settle",
          () => Promise.resolve(BenchStack.rss(stack.bareWorker)),
          (a, b) => Math.abs(a - b) < 0.01 * b,
        );
        series.rssBare.push(rss);
        series.eventsBare.push(await historyEvents(stack, `bare-start-${run}-0`));
      }

      if (has('approval') || has('replay')) {
        const count = has('approval') ? approvalsPerRun : 1;
        const { times, workflowId } = await bareUpdates(stack, String(run), count, (done) =>
          progress.update(`${tag} baseline: bare executeUpdate`, done, count),
        );
        bareHistoryWorkflow = workflowId;
        if (has('approval')) {
          const p = percentiles(times);
          series.update.p50.push(p.p50);
          series.update.p95.push(p.p95);
          series.update.p99.push(p.p99);
          progress.note(
            `${tag} baseline: bare executeUpdate p50 ${p.p50.toFixed(1)} ms, p99 ${p.p99.toFixed(1)} ms`,
          );
        }
      }

      if (has('reminders')) {
        const ours = await remindersThroughOutbox(stack, reminderExams, run, (done) =>
          progress.update(
            `${tag} reminders: notifyStep → outbox → SMTP`,
            done,
            reminderExams.length,
          ),
        );
        const raw = await rawNodemailer(stack, run, (done) =>
          progress.update(`${tag} baseline: raw pooled nodemailer`, done, reminderExams.length),
        );
        if (raw.count !== reminderExams.length)
          throw new Error(
            `the outbox holds ${raw.count} reminders of run ${run}, not ${reminderExams.length}`,
          );
        series.remindOurs.push(ours.perSecond);
        series.remindRaw.push(raw.perSecond);
        progress.note(
          `${tag} reminders: ${reminderExams.length} emails, ours ${ours.perSecond.toFixed(0)}/s, raw nodemailer ${raw.perSecond.toFixed(0)}/s`,
        );
      }

      if (exam !== undefined && bare !== undefined && bareHistoryWorkflow !== undefined) {
        replayEvents = exam.events;
        const ours = await replays(
          stack.bundle,
          exam.history,
          'exam-bench',
          sizes.BENCH_REPLAYS,
          (done) =>
            progress.update(
              `${tag} replay: a whole exam (${exam.events} events)`,
              done,
              sizes.BENCH_REPLAYS,
            ),
        );
        const history = await stack.client.workflow.getHandle(bareHistoryWorkflow).fetchHistory();
        bareReplayEvents = history.events?.length ?? 0;
        const base = await replays(
          bare,
          history,
          bareHistoryWorkflow,
          sizes.BENCH_REPLAYS,
          (done) =>
            progress.update(
              `${tag} baseline: replay of a one-update workflow`,
              done,
              sizes.BENCH_REPLAYS,
            ),
        );
        series.replayOurs.push(spread(ours.each).median);
        series.replayBare.push(spread(base.each).median);
        series.replaySingleOurs.push(ours.single);
        series.replaySingleBare.push(base.single);
        progress.note(
          `${tag} replay: median ${spread(ours.each).median.toFixed(1)} ms (${exam.events} events; ${ours.single.toFixed(0)} ms with its own replay worker); baseline ${spread(base.each).median.toFixed(1)} ms (${bareReplayEvents} events; ${base.single.toFixed(0)} ms)`,
        );
      }

      progress.update(`${tag}: retiring this run's workflows`);
      if (sessionId !== undefined) await retireSession(stack, sessionId);
      await terminateAll(stack, `TaskQueue = '${BARE_TASK_QUEUE}'`);
    }
    progress.done();

    if (has('launch')) {
      rows.push(
        {
          bench: 'session launch',
          figure: `exams started per second, ${exams} exams (baseline: bare start of a one-timer, ${IN_FLIGHT} in flight)`,
          unit: '/s',
          ours: series.launchOurs,
          baseline: series.launchBare,
          ratioOf: 'ours/baseline',
          target: { of: 'ratio', op: '>=', value: 0.8 },
        },
        {
          bench: 'session launch',
          figure: 'until every exam workflow started',
          unit: 's',
          ours: series.startedSeconds,
          baseline: [],
        },
        {
          bench: 'session launch',
          figure: "until every exam's first email is in the catcher",
          unit: 's',
          ours: series.firstEmailSeconds,
          baseline: [],
        },
        {
          bench: 'session launch',
          figure: 'history events of one exam once opened (baseline: a one-timer)',
          unit: 'events',
          ours: series.eventsOurs,
          baseline: series.eventsBare,
          ratioOf: 'ours/baseline',
        },
        {
          bench: 'session launch',
          figure: 'POST /sessions answered',
          unit: 's',
          ours: series.postSeconds,
          baseline: [],
        },
      );
    }
    if (has('memory') || has('launch')) {
      rows.push({
        bench: 'worker memory',
        figure: `RSS with ${exams} active exams, maxCachedWorkflows ${sizes.WORKER_MAX_CACHED_WORKFLOWS} (baseline: bare worker with ${exams} one-timers)`,
        unit: 'MiB',
        ours: series.rssOurs.map((b) => b / MiB),
        baseline: series.rssBare.map((b) => b / MiB),
        ratioOf: 'ours/baseline',
        target: { of: 'ours', op: '<=', value: 1024 },
      });
      rows.push({
        bench: 'worker memory',
        figure: 'RSS of the idle worker (before the launch)',
        unit: 'MiB',
        ours: series.rssIdle.map((b) => b / MiB),
        baseline: [],
      });
    }
    if (has('approval')) {
      for (const q of ['p50', 'p95', 'p99'] as const)
        rows.push({
          bench: 'approval round trip',
          figure: `${q} of ${approvalsPerRun} sequential (baseline: bare executeUpdate)`,
          unit: 'ms',
          ours: series.approval[q],
          baseline: series.update[q],
          ratioOf: 'ours/baseline',
          ...(q !== 'p95' ? { target: { of: 'ratio' as const, op: '<=' as const, value: 2 } } : {}),
        });
    }
    if (has('reminders'))
      rows.push({
        bench: 'reminders',
        figure: `${sizes.BENCH_EMAILS} emails per second, ${ACTIVITY_SLOTS} at once (baseline: raw pooled nodemailer)`,
        unit: '/s',
        ours: series.remindOurs,
        baseline: series.remindRaw,
        ratioOf: 'ours/baseline',
        target: { of: 'ratio', op: '>=', value: 0.5 },
      });
    if (has('replay'))
      rows.push(
        {
          bench: 'replay',
          figure: `median of ${sizes.BENCH_REPLAYS} replays of a whole exam, ${replayEvents} events, one replay worker (baseline: one-update workflow, ${bareReplayEvents} events)`,
          unit: 'ms',
          ours: series.replayOurs,
          baseline: series.replayBare,
          ratioOf: 'ours/baseline',
          target: { of: 'ours', op: '<=', value: 200 },
        },
        {
          bench: 'replay',
          figure: 'one Worker.runReplayHistory call (creates its replay worker)',
          unit: 'ms',
          ours: series.replaySingleOurs,
          baseline: series.replaySingleBare,
          ratioOf: 'ours/baseline',
        },
      );
    if (has('http'))
      rows.push(
        {
          bench: 'HTTP',
          figure: `GET /me/tasks (${tasksItems} tasks), ${sizes.BENCH_HTTP_CONNECTIONS} connections, ${sizes.BENCH_HTTP_SECONDS} s (baseline: constant route)`,
          unit: 'req/s',
          ours: series.tasksRps,
          baseline: series.constRps,
          ratioOf: 'ours/baseline',
        },
        {
          bench: 'HTTP',
          figure: 'p99 latency of the same',
          unit: 'ms',
          ours: series.tasksP99,
          baseline: series.constP99,
          ratioOf: 'ours/baseline',
        },
      );

    notes.push(
      'Ratios compare medians (ours / baseline); min / median / max are over the runs.',
      'Launch: POST /sessions as the testing centre, the SOP as written, exams ~15 weeks ahead; "started" counts exam workflows in Temporal visibility, timed to the last start Temporal recorded; "first email" is the first .eml per exam in the catcher (its mtime).',
      `Memory: the real worker (dist/worker/main.js), restarted before each run, read from /proc/<pid>/status once the launch's writes settled.`,
      'Approval: POST …/departmentDiscussion/approve as the department head, on the exams started last (in the worker cache, as the baseline workflows are); timed until the exam_step row reads "approved" (the Update itself waits for the read-model write and the decision email).',
      `Reminders: the real notifyStep activity called directly (MockActivityEnvironment) with the worker's dependencies, ${ACTIVITY_SLOTS} at once; one reminder = one email.`,
      `Replay: a bundle built once (bundleWorkflowCode); the median is per history through one replay worker (Worker.runReplayHistories), the single call is Worker.runReplayHistory with its own worker; history ${EXAM_HISTORY.replace(`${ROOT}/`, '')}.`,
      'HTTP: autocannon in a child process against the API in the bench process; the baseline route sits behind the same guard, pipes and helmet.',
      ...(process.env.BENCH_NOTE ? [process.env.BENCH_NOTE] : []),
    );
    const report: Report = {
      startedAt,
      finishedAt: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        memoryGiB: Math.round(totalmem() / 1024 ** 3),
        node: process.version,
        note: 'Temporal CLI dev server (SQLite, WAL), embedded PostgreSQL (fsync off), all on loopback.',
      },
      sizes: { ...sizes, BENCH_ONLY: [...only].join(',') },
      rows: rows.map(finish),
      notes,
    };
    process.stdout.write(`\n${printTable(report)}\n\n`);
    const files = save(report, join(ROOT, 'bench', 'results'));
    process.stdout.write(`saved ${files.join(' and ')}\n`);
  } catch (error) {
    progress.done();
    process.stderr.write(
      `bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n(logs in ${stack.dir})\n`,
    );
    await stack.stop();
    process.exit(1);
  }
  await stack.stop();
}

void main();
