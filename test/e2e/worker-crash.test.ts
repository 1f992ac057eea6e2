import { caughtMail, uniqueId, waitFor } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * Durability: the worker process is killed with SIGKILL in the middle of the slice, a new one is
 * started, and the slice still completes — the reminder sent once, the step overdue at its due
 * instant, the approval applied, every audit record written once.
 */
// GP 3's discussion alone (the slice); sessions.test.ts runs the whole policy.
const ctx = useStack({ onlySteps: ['departmentDiscussion'] });

test('GP 3 / row 1: a worker killed mid-slice (SIGKILL) and restarted loses nothing', async () => {
  // Reminder at about +15 s, due at +45 s.
  const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + 65_000);
  const exam = {
    id: uniqueId('e2e-crash'),
    discipline: 'Histology',
    department: ctx.dir.departmentId,
    examDate,
    startsAt,
    endsAt,
  };
  const head = ctx.dir.head;
  expect((await ctx.stack.http('POST', '/exams', { body: exam, as: head })).status).toBe(201);

  await waitFor(
    'the step to open in the read model',
    async () => {
      const read = await ctx.stack.http('GET', `/exams/${exam.id}`, { as: head });
      return (read.body.steps as unknown[] | undefined)?.length === 1;
    },
    30_000,
  );
  expect(await ctx.stack.killWorker('SIGKILL')).toBe('SIGKILL');
  // Nothing can act while no worker runs; the reminder is due in about 15 s.
  await ctx.stack.startWorker();

  // An activity the killed worker had started (the "opened" email, say) is retried only after its
  // start-to-close timeout (1 minute): the reminder may wait that long, and is still sent once.
  await waitFor(
    'the reminder email',
    async () => (await caughtMail(exam.id)).some((m) => m.header('x-emtihan-kind') === 'reminder'),
    150_000,
  );
  const overdue = await waitFor(
    'the step to become overdue',
    async () => {
      const read = await ctx.stack.http('GET', `/exams/${exam.id}`, { as: head });
      const step = (read.body.steps as { status: string; overdueAt: string }[])[0];
      return step.status === 'overdue' ? step : undefined;
    },
    60_000,
  );
  expect(Date.parse(overdue.overdueAt)).toBeGreaterThanOrEqual(Date.parse(startsAt) - 20_000);

  // Temporal visibility finds it by the search attributes the workflow keeps current (issue 6).
  await waitFor(
    'the exam listed as overdue in Temporal visibility',
    async () => {
      for await (const wf of ctx.stack.client.workflow.list({
        query: `EmtihanExamId = '${exam.id}' AND EmtihanOverdue = true AND EmtihanCurrentStep = 'departmentDiscussion'`,
      }))
        return wf.workflowId === `exam-${exam.id}`;
      return false;
    },
    30_000,
  );
  // The escalation to the dean follows the overdue mark; approving before it would (rightly) skip it.
  await waitFor(
    'the escalation email',
    async () =>
      (await caughtMail(exam.id)).some((m) => m.header('x-emtihan-kind') === 'escalation'),
    60_000,
  );
  const approved = await ctx.stack.approve(exam.id, head);
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ status: 'approved', late: true });
  await ctx.stack.client.workflow.getHandle(`exam-${exam.id}`).result();

  // Every email once: opened, reminder, overdue (head), escalation (dean), decided (head).
  const kinds = (await caughtMail(exam.id)).map((m) => m.header('x-emtihan-kind')).sort();
  expect(kinds).toEqual(['decided', 'escalation', 'opened', 'overdue', 'reminder']);
  const outbox = await ctx.db.query<{ kind: string; status: string }[]>(
    `SELECT kind, status FROM outbox WHERE exam_id = $1 ORDER BY kind`,
    [exam.id],
  );
  expect(outbox).toEqual(
    ['decided', 'escalation', 'opened', 'overdue', 'reminder'].map((k) => ({
      kind: `step.${k}`,
      status: 'sent',
    })),
  );
  const audit = await ctx.db.query<{ action: string }[]>(
    `SELECT action FROM audit_log WHERE exam_id = $1 ORDER BY seq`,
    [exam.id],
  );
  // Each record once. The approval may overtake the overdue emails (its Update runs beside the
  // main loop), so the order is checked only where it is causal.
  const actions = audit.map((a) => a.action);
  expect([...actions].sort()).toEqual(
    [
      'step.opened',
      'step.opened-sent',
      'step.reminder-sent',
      'step.overdue',
      'step.overdue-sent',
      'step.escalation-sent',
      'step.approved',
      'step.decided-sent',
      // The exam's own records, once each though the worker died (issue 6).
      'exam.started',
      'exam.ended',
      'exam.completed',
    ].sort(),
  );
  expect(actions.filter((a) => a.startsWith('step.')).slice(0, 4)).toEqual([
    'step.opened',
    'step.opened-sent',
    'step.reminder-sent',
    'step.overdue',
  ]);
  expect(actions.indexOf('step.approved')).toBeLessThan(actions.indexOf('step.decided-sent'));
}, 300_000);
