import { createHash } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import {
  decideStepUpdate,
  examStateQuery,
  rescheduleExamUpdate,
  SEARCH_ATTRIBUTES,
  type DecideStepRequest,
} from '../../workflows/exam.contract';
import { caughtMail, uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import {
  saveHistory,
  skipTo as skipToWith,
  startExam as startExamWith,
  useTimeSkipping,
} from './time-skipping';

/**
 * The slice's step (GP 3, row 1) on Temporal's time-skipping test server, with the real activities
 * writing to the real PostgreSQL and sending through the real SMTP catcher. Months pass in seconds.
 *
 * Exam on Tuesday 16 March 2027: D − 2 months is Saturday 16 January, so the step is due at the end
 * of Friday 15 January, Almaty time (UTC+05:00); reminders go out at 09:00 local on 8, 13, 14 and
 * 15 January (DEADLINES.md: 7, 2, 1 days before and the morning of the due day).
 */
const EXAM_DATE = '2027-03-16';
const DUE = Date.parse('2027-01-15T23:59:59.999+05:00');
const REMINDERS = ['2027-01-08', '2027-01-13', '2027-01-14', '2027-01-15'].map((d) =>
  Date.parse(`${d}T09:00:00+05:00`),
);
const HOUR = 3_600_000;

const ts = useTimeSkipping();
let env: TestWorkflowEnvironment;
let db: DataSource;
beforeEach(() => {
  env = ts.env;
  db = ts.db;
});

/** These tests look at GP 3's discussion alone; lifecycle.test.ts runs every step. */
const GP3_ONLY = onlySteps(['departmentDiscussion']);

async function startExam(examId: string, examDate = EXAM_DATE) {
  const { handle, dir } = await startExamWith(ts, examId, { policy: GP3_ONLY, days: [examDate] });
  return { handle, dir };
}

const skipTo = (at: number) => skipToWith(env, at);

async function auditActions(examId: string) {
  return await db.query<
    {
      action: string;
      actor: string;
      clauses: string[];
      at: Date;
    }[]
  >(
    // The step's records (the exam's own — started, ended, completed — are lifecycle.test.ts's).
    `SELECT action, actor, clauses, at FROM audit_log WHERE exam_id = $1 AND step_id IS NOT NULL ORDER BY seq`,
    [examId],
  );
}

test('GP 3 / row 1: reminders go out at their instants, the step becomes overdue at the due instant, and a late approval completes it once', async () => {
  const examId = uniqueId('wf-overdue');
  const { handle, dir } = await startExam(examId);

  const opened = await waitFor(
    'the step to open',
    async () => {
      const state = await handle.query(examStateQuery);
      return state.steps[0];
    },
    30_000,
  );
  expect(opened.dueAt).toBe(DUE);
  expect(opened.reminders).toEqual(REMINDERS);

  await skipTo(DUE + HOUR);
  const overdue = await waitFor(
    'the step to become overdue',
    async () => {
      const step = (await handle.query(examStateQuery)).steps[0];
      return step.status === 'overdue' ? step : undefined;
    },
    30_000,
  );
  expect(overdue.remindersSent).toEqual(REMINDERS);
  // Visibility: the search attributes follow the step (issue 6).
  const attributes = (await handle.describe()).searchAttributes;
  expect(attributes).toMatchObject({
    [SEARCH_ATTRIBUTES.currentStep.name]: ['departmentDiscussion'],
    [SEARCH_ATTRIBUTES.overdue.name]: [true],
  });
  expect((attributes[SEARCH_ATTRIBUTES.nextDueAt.name] as Date[])[0].getTime()).toBe(DUE);
  // The overdue transition happens at the due instant (timer precision: the test server fires timers exactly).
  expect(overdue.overdueAt! - DUE).toBeGreaterThanOrEqual(0);
  expect(overdue.overdueAt! - DUE).toBeLessThan(1_000);

  // Each reminder left through the outbox at its planned instant, once, to the department head.
  const outbox = await db.query<
    {
      kind: string;
      scheduled_for: Date;
      triggered_at: Date;
      status: string;
      recipient: string;
      body_text: string;
    }[]
  >(
    `SELECT kind, scheduled_for, triggered_at, status, recipient, body_text FROM outbox WHERE exam_id = $1 ORDER BY scheduled_for, kind`,
    [examId],
  );
  const reminders = outbox.filter((r) => r.kind === 'step.reminder');
  expect(reminders.map((r) => r.scheduled_for.getTime())).toEqual(REMINDERS);
  for (const row of reminders) {
    expect(row.triggered_at.getTime() - row.scheduled_for.getTime()).toBeGreaterThanOrEqual(0);
    expect(row.triggered_at.getTime() - row.scheduled_for.getTime()).toBeLessThan(1_000);
    expect(row.status).toBe('sent');
    expect(row.recipient).toBe(dir.head.email);
  }
  // DEADLINES.md: opened, 4 reminders and overdue to the owner; the escalation to the dean (GP 3's chain).
  expect(outbox.map((r) => [r.kind, r.recipient])).toEqual([
    ['step.opened', dir.head.email],
    ...REMINDERS.map(() => ['step.reminder', dir.head.email]),
    ['step.escalation', dir.dean.email],
    ['step.overdue', dir.head.email],
  ]);
  // The outbox keeps link placeholders, never tokens.
  expect(outbox[1].body_text).toMatch(/\/links\/\{\{link:[0-9a-f-]{36}\}\}/);
  const mail = await waitFor(
    '7 emails in the SMTP catcher',
    async () => {
      const caught = await caughtMail(examId);
      return caught.length >= 7 ? caught : undefined;
    },
    30_000,
  );
  expect(mail).toHaveLength(7);
  for (const m of mail) expect(m.header('x-emtihan-clause')).toBe('GP 3, row 1');
  const reminder = mail.find((m) => m.header('x-emtihan-kind') === 'reminder')!;
  expect(reminder.mail.subject).toContain('GP 3, row 1');
  // The head reads Kazakh; the email carries working approve and reject links.
  expect(reminder.mail.text).toContain('Сәрсенбаева');
  const links = [
    ...(reminder.mail.text ?? '').matchAll(/http:\/\/emtihan\.test\/links\/([A-Za-z0-9_-]{43})/g),
  ].map((m) => m[1]);
  expect(links).toHaveLength(2);
  const stored = await db.query<{ action: string; person_id: string }[]>(
    `SELECT action, person_id FROM email_link WHERE token_hash = ANY($1::bytea[]) ORDER BY action`,
    [links.map((t) => createHash('sha256').update(t).digest())],
  );
  expect(stored).toEqual([
    { action: 'approve', person_id: dir.head.id },
    { action: 'reject', person_id: dir.head.id },
  ]);
  const escalation = mail.find((m) => m.header('x-emtihan-kind') === 'escalation')!;
  expect(escalation.mail.to).toMatchObject({ text: dir.dean.email });
  expect(escalation.mail.text ?? '').not.toMatch(/\/links\//);

  const stepRow = await db.query<
    {
      status: string;
      reminders_sent: number;
    }[]
  >(`SELECT status, reminders_sent, overdue_at FROM exam_step WHERE exam_id = $1`, [examId]);
  expect(stepRow[0]).toMatchObject({ status: 'overdue', reminders_sent: 4 });

  const request = {
    stepId: 'departmentDiscussion',
    decision: 'approve' as const,
    actor: dir.head.id,
    actorRoles: ['department_head' as const],
    actorName: dir.head.fullName,
    comment: 'minutes No. 7',
    via: { kind: 'api' as const },
  };
  const first = await handle.executeUpdate(decideStepUpdate, {
    args: [request],
    updateId: 'approve-1',
  });
  const repeat = await handle.executeUpdate(decideStepUpdate, {
    args: [request],
    updateId: 'approve-1',
  });
  expect(first).toMatchObject({ status: 'approved', late: true, decidedBy: request.actor });
  expect(repeat).toEqual(first);

  const final = await handle.result();
  await saveHistory(handle, 'gp3-overdue-escalated-approved-late');
  expect(final.steps[0]).toMatchObject({
    status: 'approved',
    approvedBy: request.actor,
    comment: 'minutes No. 7',
  });

  const { events } = await handle.fetchHistory();
  const accepted = (events ?? []).filter(
    (e) => e.workflowExecutionUpdateAcceptedEventAttributes != null,
  );
  expect(accepted).toHaveLength(1);

  const actions = await auditActions(examId);
  const names = actions.map((a) => a.action);
  expect([...names].sort()).toEqual(
    [
      'step.opened',
      'step.opened-sent',
      'step.reminder-sent',
      'step.reminder-sent',
      'step.reminder-sent',
      'step.reminder-sent',
      'step.overdue',
      'step.overdue-sent',
      'step.escalation-sent',
      'step.approved',
      'step.decided-sent',
    ].sort(),
  );
  // Causal order only: the approval's Update may overtake the overdue emails.
  expect(names.slice(0, 7)).toEqual([
    'step.opened',
    'step.opened-sent',
    'step.reminder-sent',
    'step.reminder-sent',
    'step.reminder-sent',
    'step.reminder-sent',
    'step.overdue',
  ]);
  expect(names.indexOf('step.approved')).toBeLessThan(names.indexOf('step.decided-sent'));
  expect(actions.every((a) => a.clauses.join(',') === 'GP 3,row 1')).toBe(true);
  expect(actions.find((a) => a.action === 'step.approved')?.actor).toBe(request.actor);
});

test('GP 3 / row 1: an approval before the due instant stops the remaining reminders and is not late', async () => {
  // Thursday 16 March 2028: D − 2 months is Sunday 16 January, due Friday 14 January; the first
  // reminder is 09:00 on Friday 7 January.
  const examId = uniqueId('wf-ontime');
  const { handle, dir } = await startExam(examId, '2028-03-16');
  const firstReminder = Date.parse('2028-01-07T09:00:00+05:00');
  expect(
    (
      await waitFor(
        'the step to open',
        async () => (await handle.query(examStateQuery)).steps[0],
        30_000,
      )
    ).dueAt,
  ).toBe(Date.parse('2028-01-14T23:59:59.999+05:00'));

  await skipTo(firstReminder + HOUR);
  await waitFor(
    'the first reminder',
    async () => (await handle.query(examStateQuery)).steps[0].remindersSent.length === 1,
    30_000,
  );

  const result = await handle.executeUpdate(decideStepUpdate, {
    args: [
      {
        stepId: 'departmentDiscussion',
        decision: 'approve',
        actor: dir.head.id,
        actorRoles: ['department_head'],
        actorName: dir.head.fullName,
        via: { kind: 'api' },
      },
    ],
    updateId: 'approve-on-time',
  });
  expect(result.late).toBe(false);
  const final = await handle.result();
  expect(final.steps[0].status).toBe('approved');
  expect(final.steps[0].remindersSent).toEqual([firstReminder]);
  // Opened, one reminder, and the decision: nothing after the approval.
  expect((await caughtMail(examId)).map((m) => m.header('x-emtihan-kind'))).toEqual(
    expect.arrayContaining(['opened', 'reminder', 'decided']),
  );
  expect(await caughtMail(examId)).toHaveLength(3);
  expect((await auditActions(examId)).map((a) => a.action)).toEqual([
    'step.opened',
    'step.opened-sent',
    'step.reminder-sent',
    'step.approved',
    'step.decided-sent',
  ]);
});

test('GP 3 / row 1: the approval validator refuses an unknown step and a missing actor without touching history', async () => {
  const examId = uniqueId('wf-refused');
  const { handle } = await startExam(examId);
  await waitFor(
    'the step to open',
    async () => (await handle.query(examStateQuery)).steps.length === 1,
    30_000,
  );

  const refusal = async (
    request: { stepId: string; actor: string; decision?: 'approve' | 'reject' },
    updateId: string,
  ): Promise<string> => {
    try {
      await handle.executeUpdate(decideStepUpdate, {
        args: [
          {
            decision: 'approve',
            actorName: 'x',
            actorRoles: ['department_head'],
            via: { kind: 'api' },
            ...request,
          },
        ],
        updateId,
      });
    } catch (error) {
      expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
      return (error as WorkflowUpdateFailedError).cause?.message ?? '';
    }
    throw new Error('the update was accepted');
  };
  expect(await refusal({ stepId: 'programmeCommittee', actor: 'x' }, 'bad-step')).toMatch(
    /^unknown-step: /,
  );
  expect(await refusal({ stepId: 'departmentDiscussion', actor: ' ' }, 'bad-actor')).toMatch(
    /^missing-actor: /,
  );
  expect(
    await refusal({ stepId: 'departmentDiscussion', actor: 'x', decision: 'reject' }, 'no-reason'),
  ).toMatch(/^missing-reason: /);

  const { events } = await handle.fetchHistory();
  expect((events ?? []).some((e) => e.workflowExecutionUpdateAcceptedEventAttributes != null)).toBe(
    false,
  );
  expect((await handle.query(examStateQuery)).steps[0].status).toBe('open');
  await handle.terminate('test done');
});

const decide = (
  handle: Awaited<ReturnType<typeof startExam>>['handle'],
  request: Partial<DecideStepRequest> &
    Pick<DecideStepRequest, 'decision' | 'actor' | 'actorRoles'>,
  updateId: string,
) =>
  handle.executeUpdate(decideStepUpdate, {
    args: [{ stepId: 'departmentDiscussion', actorName: 'x', via: { kind: 'api' }, ...request }],
    updateId,
  });

const stepNow = async (handle: Awaited<ReturnType<typeof startExam>>['handle']) =>
  (await handle.query(examStateQuery)).steps[0];

test('GP 3 / row 1: an overdue step is escalated to the dean at the due instant and again every working day (weekends skipped), until waived by the dean', async () => {
  const examId = uniqueId('wf-escalate');
  const { handle, dir } = await startExam(examId);
  await waitFor('the step to open', async () => (await stepNow(handle)) !== undefined, 30_000);
  // Due Friday 15 January 2027 23:59:59.999; escalations then at 09:00 on Monday 18, Tuesday 19, Wednesday 20.
  const expected = [
    DUE,
    ...['2027-01-18', '2027-01-19', '2027-01-20'].map((d) => Date.parse(`${d}T09:00:00+05:00`)),
  ];
  await skipTo(expected[3] + HOUR);
  const escalated = await waitFor(
    'four escalations',
    async () => {
      const step = await stepNow(handle);
      return step.escalationsSent.length >= 4 ? step : undefined;
    },
    30_000,
  );
  expect(escalated.escalationsSent).toEqual(expected);
  const toDean = await db.query<{ scheduled_for: Date }[]>(
    `SELECT scheduled_for FROM outbox WHERE exam_id = $1 AND kind = 'step.escalation' AND recipient = $2 ORDER BY scheduled_for`,
    [examId, dir.dean.email],
  );
  expect(toDean.map((r) => r.scheduled_for.getTime())).toEqual(expected);

  // DEADLINES.md: only a role above the owner waives, with a reason.
  await expect(
    decide(
      handle,
      { decision: 'waive', actor: dir.head.id, actorRoles: ['department_head'], comment: 'no' },
      'w-head',
    ),
  ).rejects.toThrow(WorkflowUpdateFailedError);
  await expect(
    decide(handle, { decision: 'waive', actor: dir.dean.id, actorRoles: ['dean'] }, 'w-no-reason'),
  ).rejects.toThrow(WorkflowUpdateFailedError);
  const waived = await decide(
    handle,
    {
      decision: 'waive',
      actor: dir.dean.id,
      actorRoles: ['dean'],
      comment: 'exam moved to oral form, order No. 12',
    },
    'w-dean',
  );
  expect(waived).toMatchObject({ decision: 'waive', status: 'waived' });
  const final = await handle.result();
  await saveHistory(handle, 'gp3-escalated-every-working-day-waived');
  expect(final.steps[0]).toMatchObject({ status: 'waived', waivedBy: dir.dean.id });
  const audit = await auditActions(examId);
  expect(audit.find((a) => a.action === 'step.waived')?.actor).toBe(dir.dean.id);
  // No escalation after the waiver.
  await skipTo(Date.parse('2027-01-22T10:00:00+05:00'));
  expect(
    (
      await db.query<unknown[]>(
        `SELECT 1 FROM outbox WHERE exam_id = $1 AND kind = 'step.escalation'`,
        [examId],
      )
    ).length,
  ).toBe(4);
});

test('GP 3 / row 1: a step returned for changes after its due is open again with a new due (3 working days) and its own reminders; then approved', async () => {
  const examId = uniqueId('wf-rework');
  const { handle, dir } = await startExam(examId);
  await waitFor('the step to open', async () => (await stepNow(handle)) !== undefined, 30_000);
  const returnedAt = Date.parse('2027-01-18T10:00:00+05:00'); // Monday, after the Friday due
  await skipTo(returnedAt);
  await waitFor('overdue', async () => (await stepNow(handle)).status === 'overdue', 30_000);
  const result = await decide(
    handle,
    {
      decision: 'reject',
      actor: dir.head.id,
      actorRoles: ['department_head'],
      comment: 'questions 12 and 31 repeat',
    },
    'r-1',
  );
  expect(result.status).toBe('open');
  const reopened = await stepNow(handle);
  // Monday 18 + 3 working days = Thursday 21 January, end of day.
  expect(reopened.dueAt).toBe(Date.parse('2027-01-21T23:59:59.999+05:00'));
  expect(reopened.reminders).toEqual(
    ['2027-01-19', '2027-01-20', '2027-01-21'].map((d) => Date.parse(`${d}T09:00:00+05:00`)),
  );
  expect(reopened).toMatchObject({ status: 'open', rejections: 1, remindersSent: [] });
  await skipTo(Date.parse('2027-01-20T12:00:00+05:00'));
  await waitFor(
    'two rework reminders',
    async () => (await stepNow(handle)).remindersSent.length === 2,
    30_000,
  );
  const approved = await decide(
    handle,
    { decision: 'approve', actor: dir.head.id, actorRoles: ['department_head'] },
    'a-1',
  );
  expect(approved).toMatchObject({ status: 'approved', late: false });
  await handle.result();
  await saveHistory(handle, 'gp3-returned-for-changes-then-approved');
  const kinds = (await caughtMail(examId)).map((m) => m.header('x-emtihan-kind'));
  expect(kinds.filter((k) => k === 'reopened')).toHaveLength(1);
});

test('GP 3 / row 1: a step reassigned to a person is decided by that person, who is reminded instead of the owners', async () => {
  const examId = uniqueId('wf-reassign');
  const { handle, dir } = await startExam(examId);
  await waitFor('the step to open', async () => (await stepNow(handle)) !== undefined, 30_000);
  const deputy = dir.otherHead; // any person of the directory
  await expect(
    decide(
      handle,
      {
        decision: 'reassign',
        actor: dir.head.id,
        actorRoles: ['department_head'],
        comment: 'on leave',
      },
      'ra-0',
    ),
  ).rejects.toMatchObject({
    cause: { message: expect.stringMatching(/^missing-assignee: /) as string },
  });
  await decide(
    handle,
    {
      decision: 'reassign',
      actor: dir.head.id,
      actorRoles: ['department_head'],
      comment: 'on leave until 20 January',
      assignee: { personId: deputy.id, name: deputy.fullName },
    },
    'ra-1',
  );
  await skipTo(REMINDERS[0] + HOUR);
  await waitFor(
    'the first reminder',
    async () => (await stepNow(handle)).remindersSent.length === 1,
    30_000,
  );
  const reminder = await db.query<{ recipient: string }[]>(
    `SELECT recipient FROM outbox WHERE exam_id = $1 AND kind = 'step.reminder'`,
    [examId],
  );
  expect(reminder).toEqual([{ recipient: deputy.email }]);
  // The deputy holds no role here but decides as the assignee.
  const approved = await decide(
    handle,
    { decision: 'approve', actor: deputy.id, actorRoles: [] },
    'ra-approve',
  );
  expect(approved.status).toBe('approved');
  await handle.result();
  await saveHistory(handle, 'gp3-reassigned-approved-by-deputy');
});

test('GP 3 / row 1: rescheduling the exam moves the open due and its reminders; moving it earlier makes a past due overdue at once', async () => {
  const examId = uniqueId('wf-reschedule');
  const { handle, dir } = await startExam(examId);
  await waitFor('the step to open', async () => (await stepNow(handle)) !== undefined, 30_000);
  await skipTo(REMINDERS[0] + HOUR); // 8 January, after the first reminder
  await waitFor(
    'the first reminder',
    async () => (await stepNow(handle)).remindersSent.length === 1,
    30_000,
  );
  const facts = (examDate: string) => ({
    examId,
    days: [examDate],
    startsAt: Date.parse(`${examDate}T09:00:00+05:00`),
    endsAt: Date.parse(`${examDate}T12:00:00+05:00`),
    expectedWorks: 100,
    summer: false,
    retake: false,
  });
  const move = (examDate: string, id: string) =>
    handle.executeUpdate(rescheduleExamUpdate, {
      args: [
        {
          facts: facts(examDate),
          actor: dir.head.id,
          actorName: dir.head.fullName,
          reason: 'room unavailable',
        },
      ],
      updateId: id,
    });
  await expect(
    handle.executeUpdate(rescheduleExamUpdate, {
      args: [{ facts: facts('2027-04-20'), actor: dir.head.id, actorName: 'x', reason: ' ' }],
      updateId: 'no-reason',
    }),
  ).rejects.toThrow(WorkflowUpdateFailedError);

  // Later: D = Tuesday 20 April → D − 2 months = Saturday 20 February → Friday 19 February.
  await move('2027-04-20', 'later');
  const later = await stepNow(handle);
  expect(later.dueAt).toBe(Date.parse('2027-02-19T23:59:59.999+05:00'));
  expect(later.reminders).toEqual(
    ['2027-02-12', '2027-02-17', '2027-02-18', '2027-02-19'].map((d) =>
      Date.parse(`${d}T09:00:00+05:00`),
    ),
  );
  expect(later.status).toBe('open');
  const row = await db.query<{ exam_date: string }[]>(`SELECT exam_date FROM exam WHERE id = $1`, [
    examId,
  ]);
  expect(row[0].exam_date).toBe('2027-04-20');

  // Earlier: D = Monday 1 March → D − 2 months = 1 January (holiday) → 31 December 2026: already past.
  await move('2027-03-01', 'earlier');
  const overdue = await waitFor(
    'the step to be overdue at once',
    async () => {
      const step = await stepNow(handle);
      return step.status === 'overdue' ? step : undefined;
    },
    30_000,
  );
  expect(overdue.dueAt).toBe(Date.parse('2026-12-31T23:59:59.999+05:00'));
  await waitFor(
    'the escalation to the dean',
    async () =>
      (
        await db.query<unknown[]>(
          `SELECT 1 FROM outbox WHERE exam_id = $1 AND kind = 'step.escalation' AND recipient = $2`,
          [examId, dir.dean.email],
        )
      ).length === 1,
    30_000,
  );
  expect((await auditActions(examId)).filter((a) => a.action === 'step.rescheduled')).toHaveLength(
    2,
  );
  await handle.terminate('test done');
});
