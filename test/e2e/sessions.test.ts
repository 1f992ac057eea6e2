import { DateTime } from 'luxon';
import { caughtMail, uniqueId, waitFor } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * Sessions through the API on the drill policy (issue 6): a session with its exams is opened in
 * one request, `session-<id>` starts every exam's workflow, session and exam steps are decided over
 * HTTP, bad input names its field and saves nothing, and a worker killed in the middle of the
 * session loses no decision and sends no email twice.
 */
const ctx = useStack();

const today = () => DateTime.now().setZone('Asia/Almaty').toISODate()!;

function sessionBody(id: string, offsets: number[]) {
  return {
    id,
    title: `Session ${id}`,
    // S today: on the drill, the session steps (S − seconds) are overdue at once.
    startDate: today(),
    scope: ctx.dir.schoolId,
    exams: offsets.map((offset, i) => {
      const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + offset);
      return {
        id: `${id}-e${i + 1}`,
        discipline: `Discipline ${i + 1} ${id}`,
        department: ctx.dir.departmentId,
        examDate,
        startsAt,
        endsAt,
      };
    }),
  };
}

const centre = () => ctx.dir.byRole.testing_centre!;

test('POST /sessions: bad input names the nested field and saves nothing; only the testing centre, a vice-rector or an admin opens one', async () => {
  const id = uniqueId('bad-session');
  const body = sessionBody(id, [3_600_000, 3_700_000]);
  const broken = { ...body, exams: [body.exams[0], { ...body.exams[1], examDate: '2027-02-30' }] };
  const answer = await ctx.stack.http('POST', '/sessions', { body: broken, as: centre() });
  expect(answer.status).toBe(400);
  expect(answer.body.errors).toEqual([
    { path: 'exams.1.examDate', message: 'examDate must be a real calendar date' },
  ]);
  const twice = { ...body, exams: [body.exams[0], { ...body.exams[0], id: `${id}-x` }] };
  const repeated = await ctx.stack.http('POST', '/sessions', { body: twice, as: centre() });
  expect(repeated.status).toBe(400);
  expect(String(repeated.body.detail)).toMatch(/^exams\.1: repeats exams\.0/);
  const outside = { ...body, exams: [{ ...body.exams[0], department: ctx.dir.schoolId }] };
  const notDepartment = await ctx.stack.http('POST', '/sessions', { body: outside, as: centre() });
  expect(notDepartment.status).toBe(400);
  expect(String(notDepartment.body.detail)).toMatch(/^exams\.0\.department: /);
  // The head may register an exam, not open a session.
  expect((await ctx.stack.http('POST', '/sessions', { body, as: ctx.dir.head })).status).toBe(403);
  const saved = await ctx.db.query<{ n: number }[]>(
    `SELECT (SELECT count(*) FROM exam_session WHERE id = $1)::int + (SELECT count(*) FROM exam WHERE session_id = $1 OR id LIKE $2)::int AS n`,
    [id, `${id}%`],
  );
  expect(saved[0].n).toBe(0);
});

test('GP 4, rows 3–5 and the exams: a session opened over HTTP; a worker killed mid-session (SIGKILL) loses no decision and sends no email twice', async () => {
  const id = uniqueId('e2e-session');
  const body = sessionBody(id, [70_000, 80_000, 90_000]);
  const created = await ctx.stack.http('POST', '/sessions', { body, as: centre() });
  expect(created.status).toBe(201);
  expect((created.body.steps as { stepId: string }[]).map((s) => s.stepId).sort()).toEqual(
    [
      `commissionComposition@${ctx.dir.departmentId}`,
      'proctorInstructions',
      'proctorsApproval',
      'scheduleApproval',
    ].sort(),
  );

  const read = async () => (await ctx.stack.http('GET', `/sessions/${id}`, { as: centre() })).body;
  const opened = await waitFor(
    'the exams started and the session steps open',
    async () => {
      const session = await read();
      const exams = session.exams as { workflow: string }[];
      const steps = session.steps as { stepId: string }[];
      return exams.every((e) => e.workflow === 'started') && steps.length >= 3
        ? session
        : undefined;
    },
    60_000,
  );
  expect((opened.exams as unknown[]).length).toBe(3);
  const listed = await ctx.stack.http('GET', `/exams?session=${id}`, { as: ctx.dir.head });
  expect((listed.body.items as { id: string }[]).map((e) => e.id).sort()).toEqual(
    body.exams.map((e) => e.id).sort(),
  );

  // Decisions before the crash: the testing centre approves row 4, the head GP 3 of exam 1.
  const key = () => ({ 'Idempotency-Key': uniqueId('k') });
  const schedule = await ctx.stack.http('POST', `/sessions/${id}/steps/scheduleApproval/approve`, {
    body: { comment: 'order No. 5' },
    headers: key(),
    as: centre(),
  });
  expect(schedule.status).toBe(200);
  expect(schedule.body).toMatchObject({ sessionId: id, status: 'approved' });
  const first = body.exams[0].id;
  await waitFor(
    "exam 1's GP 3 step to open",
    async () =>
      (
        (await ctx.stack.http('GET', `/exams/${first}`, { as: ctx.dir.head })).body.steps as {
          stepId: string;
        }[]
      ).some((s) => s.stepId === 'departmentDiscussion'),
    30_000,
  );
  const discussed = await ctx.stack.http(
    'POST',
    `/exams/${first}/steps/departmentDiscussion/approve`,
    { body: {}, headers: key(), as: ctx.dir.head },
  );
  expect(discussed.status).toBe(200);
  // The session step shows in the centre's inbox until decided; GP 4's in the head's.
  const inbox = await ctx.stack.http('GET', '/me/tasks', { as: ctx.dir.head });
  expect(inbox.body.items as { sessionId: string | null; stepId: string }[]).toContainEqual(
    expect.objectContaining({
      sessionId: id,
      stepId: `commissionComposition@${ctx.dir.departmentId}`,
    }),
  );

  expect(await ctx.stack.killWorker('SIGKILL')).toBe('SIGKILL');
  await ctx.stack.startWorker();

  // After the restart the exams run on: exam 2's GP 3 step turns overdue at its due (start − 20 s).
  const second = body.exams[1].id;
  await waitFor(
    "exam 2's GP 3 step to turn overdue",
    async () =>
      (
        (await ctx.stack.http('GET', `/exams/${second}`, { as: ctx.dir.head })).body.steps as {
          stepId: string;
          status: string;
        }[]
      ).some((s) => s.stepId === 'departmentDiscussion' && s.status === 'overdue'),
    90_000,
  );
  const after = await read();
  expect(after.steps as unknown[]).toContainEqual(
    expect.objectContaining({
      stepId: 'scheduleApproval',
      status: 'approved',
      comment: 'order No. 5',
    }),
  );
  const exam1 = (await ctx.stack.http('GET', `/exams/${first}`, { as: ctx.dir.head })).body;
  expect(exam1.steps as unknown[]).toContainEqual(
    expect.objectContaining({ stepId: 'departmentDiscussion', status: 'approved' }),
  );

  // Every email of the session left once: one message per outbox key, and every sent row caught.
  const sent = await ctx.db.query<{ key: string }[]>(
    `SELECT key FROM outbox WHERE status = 'sent' AND (session_id = $1 OR exam_id LIKE $2)`,
    [id, `${id}-%`],
  );
  const mail = await waitFor(
    'the sent emails in the catcher',
    async () => {
      const caught = await caughtMail(id);
      return caught.length >= sent.length ? caught : undefined;
    },
    30_000,
  );
  const keys = mail.map((m) => m.header('x-emtihan-outbox-key'));
  expect(new Set(keys).size).toBe(keys.length);
  expect(sent.length).toBeGreaterThan(10);
  // Each exam's workflow was started once: one "opened" record per exam step, never two.
  const opens = await ctx.db.query<{ exam_id: string; step_id: string; n: number }[]>(
    `SELECT exam_id, step_id, count(*)::int AS n FROM audit_log
      WHERE exam_id LIKE $1 AND action = 'step.opened' GROUP BY exam_id, step_id`,
    [`${id}-%`],
  );
  expect(opens.length).toBeGreaterThanOrEqual(9);
  expect(opens.every((o) => o.n === 1)).toBe(true);
});
