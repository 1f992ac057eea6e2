import { createDataSource } from '../../migrations/data-source';
import { caughtMail, testInfra, uniqueId, waitFor } from '../support';
import { examStartingAt, startStack, type Stack } from './harness';

/**
 * Durability: the worker process is killed with SIGKILL in the middle of the slice, a new one is
 * started, and the slice still completes — the reminder sent once, the step overdue at its due
 * instant, the approval applied, every audit record written once.
 */
let stack: Stack;
const db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2 });

beforeAll(async () => {
  await db.initialize();
  stack = await startStack();
});
afterAll(async () => {
  await stack?.stop();
  await db.destroy();
});

test('GP 3 / row 1: a worker killed mid-slice (SIGKILL) and restarted loses nothing', async () => {
  const { examDate, startsAt } = examStartingAt(Date.now() + 45_000);
  const exam = {
    id: uniqueId('e2e-crash'),
    discipline: 'Histology',
    department: 'Department of Histology',
    examDate,
    startsAt,
    ownerEmail: 'head.histology@example.edu.kz',
  };
  expect((await stack.http('POST', '/exams', { body: exam })).status).toBe(201);

  await waitFor(
    'the step to open in the read model',
    async () => {
      const read = await stack.http('GET', `/exams/${exam.id}`);
      return (read.body.steps as unknown[] | undefined)?.length === 1;
    },
    30_000,
  );
  expect(await stack.killWorker('SIGKILL')).toBe('SIGKILL');
  // Nothing can act while no worker runs; the reminder is due in about 15 s.
  await stack.startWorker();

  await waitFor('the reminder email', async () => (await caughtMail(exam.id)).length > 0, 60_000);
  const overdue = await waitFor(
    'the step to become overdue',
    async () => {
      const read = await stack.http('GET', `/exams/${exam.id}`);
      const step = (read.body.steps as { status: string; overdueAt: string }[])[0];
      return step.status === 'overdue' ? step : undefined;
    },
    60_000,
  );
  expect(Date.parse(overdue.overdueAt)).toBeGreaterThanOrEqual(Date.parse(startsAt) - 20_000);

  const approved = await stack.http(
    'POST',
    `/exams/${exam.id}/steps/departmentDiscussion/approve`,
    {
      body: { actor: exam.ownerEmail },
      headers: { 'Idempotency-Key': uniqueId('k') },
    },
  );
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ status: 'approved', late: true });
  await stack.client.workflow.getHandle(`exam-${exam.id}`).result();

  expect(await caughtMail(exam.id)).toHaveLength(1);
  const outbox = await db.query<
    {
      status: string;
    }[]
  >(`SELECT status FROM outbox WHERE exam_id = $1`, [exam.id]);
  expect(outbox).toEqual([{ status: 'sent' }]);
  const audit = await db.query<{ action: string }[]>(
    `SELECT action FROM audit_log WHERE exam_id = $1 ORDER BY seq`,
    [exam.id],
  );
  expect(audit.map((a) => a.action)).toEqual([
    'step.opened',
    'step.reminder-sent',
    'step.overdue',
    'step.approved',
  ]);
});
