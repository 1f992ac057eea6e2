import { ApplicationFailure } from '@temporalio/common';
import type { DataSource } from 'typeorm';
import { upsertStep } from '../../activities/exam-steps.activity';
import type { Mailer, MailMessage } from '../../activities/mailer';
import { outboxSender } from '../../activities/notify.activity';
import { insertExam } from '../../api/exams/exams.repository';
import { createDataSource } from '../../migrations/data-source';
import type { StepState } from '../../workflows/exam.contract';
import { seedDirectory } from '../directory-fixture';
import { testInfra, uniqueId } from '../support';

/**
 * The outbox's sending guarantee (activities/notify.activity.ts `outboxSender`, issue 10), fault by
 * fault against the real PostgreSQL; `npm run chaos` shows the same under real outages and kills.
 */
let db: DataSource;
let departmentId: string;

beforeAll(async () => {
  db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2 });
  await db.initialize();
  departmentId = (await seedDirectory(db, uniqueId('outbox'))).departmentId;
});
afterAll(() => db.destroy());

class FakeMailer implements Mailer {
  readonly sent: MailMessage[] = [];
  refuse?: Error;
  send(message: MailMessage): Promise<{ messageId: string }> {
    if (this.refuse !== undefined) return Promise.reject(this.refuse);
    this.sent.push(message);
    return Promise.resolve({ messageId: message.messageId });
  }
  verify(): Promise<void> {
    return Promise.resolve();
  }
  close(): void {}
}

/** An exam with one step in the read model, and one outbox row about it. */
async function row(
  kind: string,
  extra: { status?: string; claimedSecondsAgo?: number; stepStatus?: StepState['status'] } = {},
): Promise<{ key: string; examId: string }> {
  const examId = uniqueId('outbox');
  await insertExam(db, {
    id: examId,
    discipline: `Outbox ${examId}`,
    departmentId,
    examDate: '2027-06-10',
    startsAt: new Date('2027-06-10T04:00:00Z'),
    policyVersion: 'test',
    workflowId: `exam-${examId}`,
    facts: {
      examId,
      days: ['2027-06-10'],
      endsAt: Date.parse('2027-06-10T07:00:00Z'),
      expectedWorks: 0,
      summer: false,
      retake: false,
    },
  });
  const status = extra.stepStatus ?? 'open';
  await upsertStep(
    db.manager,
    { examId },
    {
      stepId: 'departmentDiscussion',
      ruleId: 'departmentDiscussion',
      clauses: ['GP 3'],
      ownerRole: 'department_head',
      escalation: ['dean'],
      status,
      version: 2,
      openedAt: Date.now() - 60_000,
      dueAt: Date.now() + 60_000,
      reminders: [],
      remindersSent: [],
      rejections: 0,
      escalationsSent: [],
      ...(status === 'approved' ? { approvedAt: Date.now() - 1_000, approvedBy: 'someone' } : {}),
    },
  );
  const key = `${kind}/${examId}/departmentDiscussion/p/${new Date().toISOString()}`;
  await db.query(
    `INSERT INTO outbox (key, kind, recipient, subject, body_text, exam_id, step_id, scheduled_for,
                         triggered_at, status, send_attempt, sending_at)
     VALUES ($1, $2, 'head@example.edu.kz', 'Subject', 'Body', $3, 'departmentDiscussion', now(), now(),
             $4, $5, now() - make_interval(secs => $6))`,
    [
      key,
      `step.${kind}`,
      examId,
      extra.status ?? 'pending',
      extra.status === 'sending' ? 'an-attempt-that-died' : null,
      extra.claimedSecondsAgo ?? 0,
    ],
  );
  return { key, examId };
}

const stored = async (key: string) =>
  (
    await db.query<{ status: string; resends: number; message_id: string | null }[]>(
      `SELECT status, resends, message_id FROM outbox WHERE key = $1`,
      [key],
    )
  )[0];

test("DEADLINES.md reminders: the database down right after SMTP accepted the email — 'sent' is recorded when it is back, the email goes once", async () => {
  const { key } = await row('opened');
  const mailer = new FakeMailer();
  let failures = 0;
  // PostgreSQL refuses the 'sent' UPDATE twice, then accepts it (an outage of about a second).
  const flaky = {
    query: (sql: string, params?: unknown[]) => {
      if (sql.includes(`status = 'sent'`) && failures < 2) {
        failures++;
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
      }
      return db.query(sql, params);
    },
  } as unknown as DataSource;
  const result = await outboxSender({ db: flaky, mailer, linkSecret: 'x'.repeat(32) })(key);
  expect(failures).toBe(2);
  expect(mailer.sent).toHaveLength(1);
  expect(result).toMatchObject({ alreadySent: false, cancelled: false });
  expect(await stored(key)).toMatchObject({ status: 'sent', resends: 0 });
  // A retried activity finds it sent: nothing goes out again.
  const again = await outboxSender({ db, mailer, linkSecret: 'x'.repeat(32) })(key);
  expect(again).toMatchObject({ alreadySent: true, messageId: result.messageId });
  expect(mailer.sent).toHaveLength(1);
});

test('issue 10: a row left "sending" by an attempt that died is sent again under the same Message-ID and counted as a resend', async () => {
  const { key } = await row('opened', { status: 'sending', claimedSecondsAgo: 120 });
  const mailer = new FakeMailer();
  const result = await outboxSender({ db, mailer, linkSecret: 'x'.repeat(32) })(key);
  expect(mailer.sent).toHaveLength(1);
  expect(mailer.sent[0].headers?.['X-Emtihan-Outbox-Key']).toBe(key);
  expect(await stored(key)).toMatchObject({
    status: 'sent',
    resends: 1,
    message_id: result.messageId,
  });
});

test('issue 10: a claim made moments ago may belong to an attempt still sending — retried later, not doubled', async () => {
  const { key } = await row('opened', { status: 'sending', claimedSecondsAgo: 2 });
  const mailer = new FakeMailer();
  const attempt = outboxSender({ db, mailer, linkSecret: 'x'.repeat(32) })(key);
  await expect(attempt).rejects.toBeInstanceOf(ApplicationFailure);
  await expect(attempt).rejects.toMatchObject({ type: 'OutboxBusy', nonRetryable: false });
  expect(mailer.sent).toHaveLength(0);
  expect(await stored(key)).toMatchObject({ status: 'sending' });
});

test('DEADLINES.md reminders and escalation: a reminder or escalation held back until its step was approved is cancelled, not sent', async () => {
  const mailer = new FakeMailer();
  const send = outboxSender({ db, mailer, linkSecret: 'x'.repeat(32) });
  for (const kind of ['reminder', 'escalation', 'overdue']) {
    const { key } = await row(kind, { stepStatus: 'approved' });
    expect(await send(key)).toMatchObject({ cancelled: true, messageId: null });
    expect(await stored(key)).toMatchObject({ status: 'cancelled' });
  }
  // The decision's own email is not a nag: it goes.
  const decided = await row('decided', { stepStatus: 'approved' });
  expect(await send(decided.key)).toMatchObject({ cancelled: false });
  expect(mailer.sent.map((m) => m.headers?.['X-Emtihan-Outbox-Key'])).toEqual([decided.key]);
});

test('issue 10: the SMTP server refusing (421) releases the claim — the next attempt sends it, not counted as a resend', async () => {
  const { key } = await row('reminder');
  const mailer = new FakeMailer();
  mailer.refuse = Object.assign(new Error('421 Server shutting down'), { responseCode: 421 });
  const send = outboxSender({ db, mailer, linkSecret: 'x'.repeat(32) });
  await expect(send(key)).rejects.toThrow('421');
  expect(await stored(key)).toMatchObject({ status: 'pending' });
  mailer.refuse = undefined;
  await send(key);
  expect(mailer.sent).toHaveLength(1);
  expect(await stored(key)).toMatchObject({ status: 'sent', resends: 0 });
});
