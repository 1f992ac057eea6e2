import { join } from 'node:path';
import { formatReport } from '../../chaos/report';
import { drillSizes, runDrill } from '../../chaos/run-drill';
import { testInfra } from '../support';

/**
 * Issue 10's acceptance: the chaos drill, small, in the test command. It starts servers of its
 * own (PostgreSQL, Temporal dev server, SMTP catcher, API, worker) and breaks those, never the
 * shared ones of test/setup. About 3–4 minutes; the full drill is `npm run chaos`.
 */
test(
  'DEADLINES.md reminders and escalation, GP 3, §5.7, audit log (issue 7): a small chaos drill ' +
    '(20 exams, a worker kill, a 10 s PostgreSQL stop, a 10 s SMTP stop) loses and doubles nothing',
  async () => {
    const sizes = drillSizes({
      exams: 20,
      kills: 1,
      pgStopSeconds: 10,
      smtpStopSeconds: 10,
      temporalRestart: false,
      seed: 7,
      spreadSeconds: 30,
      leadSeconds: 60,
    });
    const lines: string[] = [];
    const result = await runDrill({
      ...sizes,
      dir: join(testInfra().varDir, 'chaos'),
      deadlineSeconds: 560,
      log: (m) => lines.push(m),
    });
    process.stdout.write(formatReport(result));
    // The faults happened…
    expect(result.faults.kills).toBe(1);
    expect(result.faults.events.map((e) => e.what)).toEqual(
      expect.arrayContaining(['PostgreSQL stopped', 'SMTP catcher stopped']),
    );
    // …and nothing was lost or doubled.
    expect(result.problems).toEqual([]);
    const { checks } = result;
    expect(result.exams.created).toBe(20);
    expect(checks.workflows.unexpected).toBe(0);
    expect(checks.workflows.completed + checks.workflows.waitingAsPlanned).toBe(20);
    expect(checks.decisions.planned).toBeGreaterThan(100);
    expect(checks.decisions).toMatchObject({
      inWorkflow: checks.decisions.planned,
      inReadModel: checks.decisions.plannedApprovals,
      inAudit: checks.decisions.planned,
      missing: 0,
      duplicated: 0,
    });
    expect(checks.outbox.sent).toBeGreaterThan(200);
    expect(checks.outbox).toMatchObject({
      notSent: 0,
      lost: 0,
      duplicateKeys: 0,
      unknown: 0,
      distinctKeys: checks.outbox.sent,
      caught: checks.outbox.sent,
    });
    expect(checks.reminders.afterStepClosed).toBe(0);
    expect(checks.audit.intact).toBe(true);
    expect(result.ok).toBe(true);
  },
  600_000,
);
