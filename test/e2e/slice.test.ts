import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { examWorkflow } from '../../workflows/exam.workflow';
import { caughtMail, uniqueId, waitFor } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * The thin slice through every real part: HTTP → NestJS → PostgreSQL + Temporal dev server →
 * worker process → activities → PostgreSQL read model and SMTP catcher. The drill policy counts
 * the step's offsets in seconds (D − 20 s, reminder 10 s before), so it runs in real time.
 */
// GP 3's discussion alone (the slice); sessions.test.ts runs the whole policy.
const ctx = useStack({ onlySteps: ['departmentDiscussion'] });

test('GET /health reports PostgreSQL and Temporal up', async () => {
  const answer = await ctx.stack.http('GET', '/health');
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    status: 'ok',
    info: { postgres: { status: 'up' }, temporal: { status: 'up' } },
  });
});

test('OpenAPI is served at /docs, generated from the code', async () => {
  const doc = await ctx.stack.http('GET', '/docs-json');
  expect(doc.status).toBe(200);
  expect(Object.keys(doc.body.paths as object)).toEqual(
    expect.arrayContaining([
      '/exams',
      '/exams/{id}',
      '/exams/{id}/steps/{step}/approve',
      '/plans/preview',
      '/plans/preview/{file}',
      '/health',
    ]),
  );
  expect((await fetch(`${ctx.stack.baseUrl}/docs`)).status).toBe(200);
});

test('POST /exams rejects bad input with a 400 naming each field, and saves nothing', async () => {
  const discipline = uniqueId('bad-input');
  const answer = await ctx.stack.http('POST', '/exams', {
    body: {
      discipline,
      department: '',
      examDate: '2027-02-30',
      expectedWorks: -1,
      extra: 1,
    },
    as: ctx.dir.head,
  });
  expect(answer.status).toBe(400);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
  expect(paths).toEqual(
    expect.arrayContaining(['department', 'examDate', 'expectedWorks', 'extra']),
  );
  expect(JSON.stringify(answer.body)).not.toMatch(/at .*\.js:\d+/); // never a stack trace
  expect(await ctx.db.query(`SELECT 1 FROM exam WHERE discipline = $1`, [discipline])).toHaveLength(
    0,
  );

  const malformed = await ctx.stack.http('POST', '/exams', {
    body: '{"discipline": ',
    as: ctx.dir.head,
  });
  expect(malformed.status).toBe(400);
  expect(malformed.body).toMatchObject({ status: 400, title: 'Bad request' });
});

test('GP 3 / row 1: the slice runs end to end — reminder by email, approval over HTTP acting once, workflow completed', async () => {
  // Due 20 s before the start (at +40 s), reminded 30 s before the due (at +10 s).
  const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + 60_000);
  const exam = {
    id: uniqueId('e2e-slice'),
    discipline: 'Human anatomy',
    department: ctx.dir.departmentId,
    examDate,
    startsAt,
    endsAt,
  };
  const head = ctx.dir.head;

  const created = await ctx.stack.http('POST', '/exams', { body: exam, as: head });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({ id: exam.id, workflowId: `exam-${exam.id}` });
  const [planned] = created.body.steps as {
    stepId: string;
    dueAt: string;
    reminders: string[];
    clauses: string[];
  }[];
  expect(planned).toMatchObject({ stepId: 'departmentDiscussion', clauses: ['GP 3', 'row 1'] });
  expect(Date.parse(planned.dueAt)).toBe(Date.parse(startsAt) - 20_000);
  expect(planned.reminders.map(Date.parse)).toEqual([Date.parse(startsAt) - 50_000]);

  // Starting the same exam twice is a conflict, not a second workflow.
  const again = await ctx.stack.http('POST', '/exams', { body: exam, as: head });
  expect(again.status).toBe(409);
  expect(again.body.examId).toBe(exam.id);

  // The reminder reaches the SMTP catcher, addressed to the department head from the directory.
  const reminder = await waitFor(
    'the reminder email',
    async () => (await caughtMail(exam.id)).find((m) => m.header('x-emtihan-kind') === 'reminder'),
    60_000,
  );
  expect(reminder.mail.subject).toContain('GP 3, row 1');
  expect(reminder.header('x-emtihan-clause')).toBe('GP 3, row 1');
  expect(JSON.stringify(reminder.mail.to)).toContain(head.email);

  const path = `/exams/${exam.id}/steps/departmentDiscussion/approve`;
  const noKey = await ctx.stack.http('POST', path, { body: {}, as: head });
  expect(noKey.status).toBe(400);
  expect(noKey.body.errors).toEqual([
    { path: 'Idempotency-Key', message: 'header is required for this action' },
  ]);
  const anonymous = await ctx.stack.http('POST', path, {
    body: {},
    headers: { 'Idempotency-Key': uniqueId('k') },
  });
  expect(anonymous.status).toBe(401);
  const otherDepartment = await ctx.stack.approve(exam.id, ctx.dir.otherHead);
  expect(otherDepartment.status).toBe(404);
  const dean = await ctx.stack.approve(exam.id, ctx.dir.dean);
  expect(dean.status).toBe(403);

  const key = uniqueId('approve');
  const first = await ctx.stack.http('POST', path, {
    body: { comment: 'minutes No. 7' },
    headers: { 'Idempotency-Key': key },
    as: head,
  });
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject({
    decision: 'approve',
    status: 'approved',
    decidedBy: head.id,
    late: false,
  });
  const repeat = await ctx.stack.http('POST', path, {
    body: { comment: 'minutes No. 7' },
    headers: { 'Idempotency-Key': key },
    as: head,
  });
  expect(repeat.status).toBe(200);
  expect(repeat.headers.get('idempotent-replayed')).toBe('true');
  expect(repeat.body).toEqual(first.body);
  const otherBody = await ctx.stack.http('POST', path, {
    body: { comment: 'something else' },
    headers: { 'Idempotency-Key': key },
    as: head,
  });
  expect(otherBody.status).toBe(409);
  const secondApproval = await ctx.stack.approve(exam.id, head);
  expect(secondApproval.status).toBe(409);

  // The read model in PostgreSQL shows the approval.
  const read = await ctx.stack.http('GET', `/exams/${exam.id}`, { as: ctx.dir.auditor });
  expect(read.status).toBe(200);
  expect((read.body.steps as unknown[])[0]).toMatchObject({
    stepId: 'departmentDiscussion',
    status: 'approved',
    approvedBy: head.id,
    comment: 'minutes No. 7',
    remindersSent: 1,
  });

  // Temporal: the workflow completed, the approval was accepted exactly once, the exam is searchable.
  const handle = ctx.stack.client.workflow.getHandle<typeof examWorkflow>(`exam-${exam.id}`);
  const result = await handle.result();
  expect(result.steps[0].status).toBe('approved');
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  const history = await handle.fetchHistory();
  const { events } = history;
  // The history exports as JSON and reads back (needs the single protobufjs copy the SDK pins).
  const exported = historyToJSON(history);
  expect(historyFromJSON(JSON.parse(exported)).events).toHaveLength(events?.length ?? -1);
  expect(
    (events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes != null),
  ).toHaveLength(1);
  const listed = await waitFor(
    'the exam in Temporal visibility',
    async () => {
      const found: string[] = [];
      for await (const wf of ctx.stack.client.workflow.list({
        query: `EmtihanExamId = '${exam.id}'`,
      }))
        found.push(wf.workflowId);
      return found.length > 0 ? found : undefined;
    },
    30_000,
  );
  expect(listed).toEqual([`exam-${exam.id}`]);
});

test('GP 3 / row 1: an approval racing the opening of the step leaves the read model approved', async () => {
  // Due 20 s before the start: the approval right after registering is well before it.
  const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + 40_000);
  const exam = {
    id: uniqueId('e2e-race'),
    discipline: 'Physiology',
    department: ctx.dir.departmentId,
    examDate,
    startsAt,
    endsAt,
  };
  const key = uniqueId('register');
  const registered = await ctx.stack.http('POST', '/exams', {
    body: exam,
    headers: { 'Idempotency-Key': key },
    as: ctx.dir.head,
  });
  expect(registered.status).toBe(201);
  // The same key again returns the first answer (not a 409), and starts nothing new.
  const replayed = await ctx.stack.http('POST', '/exams', {
    body: exam,
    headers: { 'Idempotency-Key': key },
    as: ctx.dir.head,
  });
  expect(replayed.status).toBe(201);
  expect(replayed.headers.get('idempotent-replayed')).toBe('true');
  expect(replayed.body).toEqual(registered.body);
  // No wait: the approval may reach the workflow before the step's opening is written.
  const approved = await ctx.stack.approve(exam.id, ctx.dir.head);
  expect(approved.status).toBe(200);
  await ctx.stack.client.workflow.getHandle(`exam-${exam.id}`).result();
  // Every activity of the workflow has finished: the newest snapshot is the one that stays.
  const read = await ctx.stack.http('GET', `/exams/${exam.id}`, { as: ctx.dir.head });
  expect((read.body.steps as unknown[])[0]).toMatchObject({
    status: 'approved',
    approvedBy: ctx.dir.head.id,
  });
});

test('GET /exams/:id of an unknown exam is a 404 problem', async () => {
  const answer = await ctx.stack.http('GET', `/exams/${uniqueId('missing')}`, {
    as: ctx.dir.head,
  });
  expect(answer.status).toBe(404);
  expect(answer.body).toMatchObject({ status: 404, title: 'Not found' });
});
