import type { WorkflowHandle } from '@temporalio/client';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import type { Role } from '../../sop/policy';
import {
  decideStepUpdate,
  examStateQuery,
  SEARCH_ATTRIBUTES,
  type StepState,
} from '../../workflows/exam.contract';
import { sessionStateQuery } from '../../workflows/session.contract';
import { type sessionWorkflow } from '../../workflows/session.workflow';
import type { DirectoryFixture } from '../directory-fixture';
import { uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { saveHistory, startSession, useTimeSkipping } from './time-skipping';

/**
 * The session workflow (issue 6): the session-level steps of GP 4 and rows 3–5 as human tasks, and
 * one exam workflow per exam, started as children that outlive the session's workflow. Session
 * start S = Monday 1 March 2027, Almaty.
 */

const ctx = useTimeSkipping();
const api = useApiOver(ctx, Buffer.alloc(32, 7).toString('base64'));
const endOf = (date: string) => Date.parse(`${date}T23:59:59.999+05:00`);

const startWith = (summer: boolean) =>
  startSession(ctx, uniqueId(summer ? 'summer' : 'winter'), {
    policy: DEFAULT_POLICY,
    startDate: '2027-03-01',
    summer,
    examDays: ['2027-03-16', '2027-03-18'],
  });

const steps = async (handle: WorkflowHandle<typeof sessionWorkflow>) =>
  (await handle.query(sessionStateQuery)).steps;

async function approve(
  handle: WorkflowHandle<typeof sessionWorkflow>,
  dir: DirectoryFixture,
  key: string,
  role: Role,
) {
  await waitFor(
    `${key} to open`,
    async () => (await steps(handle)).find((s) => s.stepId === key),
    30_000,
  );
  const person = dir.byRole[role]!;
  return handle.executeUpdate(decideStepUpdate, {
    args: [
      {
        stepId: key,
        decision: 'approve',
        actor: person.id,
        actorName: person.fullName,
        actorRoles: [role],
        via: { kind: 'api' },
      },
    ],
  });
}

test('GP 4, rows 2–5: the session steps run with their dues (GP 4 per department), the exams start as children that outlive the session', async () => {
  const { handle, dir, sessionId, exams } = await startWith(false);
  const opened = await waitFor(
    'the session steps to open',
    async () => {
      const now = await steps(handle);
      return now.length === 4 ? now : undefined;
    },
    30_000,
  );
  const due = Object.fromEntries(opened.map((s: StepState) => [s.stepId, s.dueAt]));
  expect(due).toEqual({
    // GP 4, row 2: S − 2 months = Friday 1 January (New Year) → Thursday 31 December 2026.
    [`commissionComposition@${dir.departmentId}`]: endOf('2026-12-31'),
    [`commissionComposition@${dir.otherDepartmentId}`]: endOf('2026-12-31'),
    // Row 4: S − 2 weeks.
    scheduleApproval: endOf('2027-02-15'),
    // Row 3: S − 1 week.
    proctorsApproval: endOf('2027-02-22'),
  });

  // Every exam runs its own workflow, tagged with the session.
  const state = await handle.query(sessionStateQuery);
  expect(state.exams.map((e) => e.start)).toEqual(['started', 'started']);
  for (const exam of exams) {
    const child = ctx.env.client.workflow.getHandle(`exam-${exam.examId}`);
    const description = await child.describe();
    expect(description.searchAttributes[SEARCH_ATTRIBUTES.sessionId.name]).toEqual([sessionId]);
    expect((await child.query(examStateQuery)).phase).toBe('preparation');
  }

  await approve(handle, dir, `commissionComposition@${dir.departmentId}`, 'department_head');
  // A dean is above the department head: may waive GP 4's step, not complete it.
  await expect(
    approve(handle, dir, `commissionComposition@${dir.otherDepartmentId}`, 'dean'),
  ).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/only department_head/) as string },
  });
  await approve(handle, dir, `commissionComposition@${dir.otherDepartmentId}`, 'department_head');
  await approve(handle, dir, 'scheduleApproval', 'testing_centre');
  expect((await steps(handle)).some((s) => s.stepId === 'proctorInstructions')).toBe(false);
  await approve(handle, dir, 'proctorsApproval', 'testing_centre');
  // Row 5 after row 3: S − 1 day = Sunday 28 February → Friday 26 February.
  const instructions = await waitFor(
    'the proctor instructions to open',
    async () => (await steps(handle)).find((s) => s.stepId === 'proctorInstructions'),
    30_000,
  );
  expect(instructions.dueAt).toBe(endOf('2027-02-26'));
  await approve(handle, dir, 'proctorInstructions', 'testing_centre');

  const final = await handle.result();
  await saveHistory(handle, 'session-all-steps-approved');
  expect(final.completed).toBe(true);
  // ParentClosePolicy ABANDON: the exams go on after the session's workflow has ended.
  for (const exam of exams) {
    const child = await ctx.env.client.workflow.getHandle(`exam-${exam.examId}`).describe();
    expect(child.status.name).toBe('RUNNING');
  }
  // The read model and the audit log have the session's steps, with their clauses.
  const rows = await ctx.db.query<{ step_id: string; status: string; clauses: string[] }[]>(
    `SELECT step_id, status, clauses FROM session_step WHERE session_id = $1 ORDER BY step_id`,
    [sessionId],
  );
  expect(rows.map((r) => r.status)).toEqual([
    'approved',
    'approved',
    'approved',
    'approved',
    'approved',
  ]);
  expect(rows.find((r) => r.step_id === 'scheduleApproval')!.clauses).toEqual(['row 4']);
  const mail = await ctx.db.query<{ kind: string; body_text: string }[]>(
    `SELECT kind, body_text FROM outbox WHERE session_id = $1 AND step_id = 'scheduleApproval'`,
    [sessionId],
  );
  expect(mail.map((m) => m.kind)).toContain('step.opened');
  // Session steps are decided in the app: their emails link to the session, with no one-click links.
  for (const m of mail) {
    expect(m.body_text).toContain(`/sessions/${sessionId}`);
    expect(m.body_text).not.toMatch(/\/links\//);
  }
});

test('row 4: a summer session has its schedule approved S − 1 week', async () => {
  const { handle } = await startWith(true);
  const schedule = await waitFor(
    'the schedule step',
    async () => (await steps(handle)).find((s) => s.stepId === 'scheduleApproval'),
    30_000,
  );
  expect(schedule.dueAt).toBe(endOf('2027-02-22'));
});

test('row 3, §5.12: proctors and responsible staff are approved only when every exam of the session has its proctors assigned', async () => {
  const { handle, dir, sessionId, exams } = await startWith(false);
  await waitFor(
    'row 3 to open',
    async () => (await steps(handle)).find((s) => s.stepId === 'proctorsApproval'),
    30_000,
  );
  const [centre, rector, member, proctor] = [
    dir.byRole.testing_centre!,
    dir.byRole.vice_rector!,
    dir.byRole.working_group_member!,
    dir.byRole.proctor!,
  ];
  const order = await api.http('POST', '/working-group/orders', {
    as: centre,
    body: {
      number: `ВР-${sessionId}`,
      signedOn: '2027-02-01',
      signedBy: rector.id,
      scope: dir.schoolId,
      members: [member.id],
    },
  });
  expect(order.status === 201 ? 201 : order.text).toBe(201);
  const orderId = order.body.id as string;
  const assign = (examId: string) =>
    api.http('PUT', `/exams/${examId}/proctors`, {
      as: centre,
      body: { orderId, assignments: [{ proctorId: proctor.id, memberId: member.id }] },
    });
  const approve = () =>
    api.http('POST', `/sessions/${sessionId}/steps/proctorsApproval/approve`, {
      as: centre,
      body: { comment: `order ВР-${sessionId}` },
    });

  // Exam 1 has its proctor, exam 2 none: refused, naming exam 2 and the clauses.
  expect((await assign(exams[0].examId)).status).toBe(200);
  const refused = await approve();
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({
    clauses: ['row 3', '§5.12'],
    examsWithoutProctors: [exams[1].examId],
    unassigned: 1,
  });
  expect(String(refused.body.detail)).toMatch(/^row 3, §5\.12: /);
  expect(String(refused.body.detail)).toContain(exams[1].examId);
  expect(String(refused.body.detail)).not.toContain(exams[0].examId);
  expect((await steps(handle)).find((s) => s.stepId === 'proctorsApproval')?.status).toBe('open');

  // Every exam with its proctor: approved, the assignments recorded as the step's subject.
  expect((await assign(exams[1].examId)).status).toBe(200);
  const approved = await approve();
  expect(approved.status === 200 ? 200 : approved.text).toBe(200);
  expect(approved.body).toMatchObject({
    sessionId,
    stepId: 'proctorsApproval',
    status: 'approved',
  });
  const subject = {
    kind: 'proctorAssignments',
    exams: 2,
    proctors: 1,
    orders: [{ id: orderId, number: `ВР-${sessionId}` }],
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
  };
  expect((await steps(handle)).find((s) => s.stepId === 'proctorsApproval')?.subject).toEqual(
    subject,
  );
  const read = await waitFor(
    'the read model to have the approval',
    async () => {
      const session = await api.http('GET', `/sessions/${sessionId}`, { as: centre });
      const step = (session.body.steps as { stepId: string; status: string }[]).find(
        (s) => s.stepId === 'proctorsApproval',
      );
      return step?.status === 'approved' ? step : undefined;
    },
    30_000,
  );
  expect(read).toMatchObject({ clauses: ['row 3', '§5.12'], subject });
  const audit = await ctx.db.query<{ after: { subject?: unknown } }[]>(
    `SELECT after FROM audit_log WHERE session_id = $1 AND step_id = 'proctorsApproval' AND action = 'step.approved'`,
    [sessionId],
  );
  expect(audit.map((a) => a.after.subject)).toEqual([subject]);
});

test('row 3, §5.12: with an exam still without proctors, a vice-rector (the escalation) may waive the step with a reason', async () => {
  const { handle, dir, sessionId } = await startWith(false);
  await waitFor(
    'row 3 to open',
    async () => (await steps(handle)).find((s) => s.stepId === 'proctorsApproval'),
    30_000,
  );
  const path = `/sessions/${sessionId}/steps/proctorsApproval`;
  const refused = await api.http('POST', `${path}/approve`, {
    as: dir.byRole.testing_centre!,
    body: {},
  });
  expect(refused.status).toBe(409);
  expect((refused.body.examsWithoutProctors as string[]).length).toBe(2);
  const waived = await api.http('POST', `${path}/waive`, {
    as: dir.byRole.vice_rector!,
    body: { comment: 'proctors assigned on paper (order ВР-7)' },
  });
  expect(waived.status === 200 ? 200 : waived.text).toBe(200);
  expect(waived.body).toMatchObject({ status: 'waived' });
});
