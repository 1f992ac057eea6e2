import { MockActivityEnvironment } from '@temporalio/testing';
import nodemailer from 'nodemailer';
import { createActivities } from '../activities';
import { SmtpMailer } from '../activities/mailer';
import type { NotifyInput } from '../activities/notify.activity';
import { createProctoringAdapter } from '../activities/proctoring/create-adapter';
import { documentKey } from '../activities/sealed';
import { insertExam } from '../api/exams/exams.repository';
import { EMBEDDED_DEFAULTS, loadConfig } from '../config/config';
import { createDataSource } from '../migrations/data-source';
import { DEFAULT_POLICY } from '../sop/default-policy';
import { findStep } from '../sop/units';
import { examWorkflowId } from '../workflows/exam.contract';
import type { BenchStack } from './stack';
import { inParallel, msSince } from './stats';

/** What the worker runs at once by default (the SDK's maxConcurrentActivityTaskExecutions). */
export const ACTIVITY_SLOTS = 100;
const DAY = 86_400_000;

/**
 * Exam rows for the reminders (no workflows: the activity is called directly), one per reminder,
 * spread over the departments, each with one head: one reminder, one email.
 */
export async function seedReminderExams(stack: BenchStack, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `remind-e${i}`);
  const day = new Date(Date.now() + 120 * DAY).toISOString().slice(0, 10);
  await stack.db.transaction(async (tx) => {
    for (const [i, id] of ids.entries())
      await insertExam(tx, {
        id,
        discipline: `Reminded discipline ${i}`,
        departmentId: stack.departments[i % stack.departments.length],
        examDate: day,
        startsAt: new Date(`${day}T04:00:00Z`),
        policyVersion: DEFAULT_POLICY.version,
        workflowId: examWorkflowId(id),
        facts: {
          examId: id,
          days: [day],
          endsAt: Date.parse(`${day}T07:00:00Z`),
          expectedWorks: 100,
          summer: false,
          retake: false,
        },
      });
  });
  return ids;
}

/**
 * Ours: one GP 3 reminder per exam (the department discussion, to its head) through the real
 * `notifyStep` activity — recipients from the directory, the email rendered, the outbox row and
 * its one-click links written, the email sent by the outbox sender over our SmtpMailer, the read
 * model and the audit log written — called directly in the activity's context (no workflow) with
 * the worker's dependencies (createActivities, a pool of 10 connections), ACTIVITY_SLOTS at once.
 */
export async function remindersThroughOutbox(
  stack: BenchStack,
  examIds: string[],
  run: number,
  onProgress: (done: number) => void,
): Promise<{ perSecond: number; keyPrefix: string }> {
  const config = loadConfig(stack.workerEnv);
  const db = createDataSource({ url: stack.appDatabaseUrl });
  await db.initialize();
  const mailer = new SmtpMailer(stack.smtpUrl, EMBEDDED_DEFAULTS.MAIL_FROM);
  const activities = createActivities({
    db,
    mailer,
    publicUrl: config.publicUrl,
    linkSecret: config.linkSecret,
    documentKey: documentKey(config.documentKey),
    proctoring: createProctoringAdapter(config.proctoring),
  });
  const notifyStep = (input: NotifyInput) => activities.notifyStep(input);
  const rule = findStep(DEFAULT_POLICY, 'departmentDiscussion')!;
  // Each run reminds for its own instant, so its outbox keys (and audit keys) are new.
  const scheduledFor = Date.UTC(2030, 0, 1) + run * 60_000;
  const dueAt = Date.now() + 60 * DAY;
  let done = 0;
  try {
    const t0 = process.hrtime.bigint();
    await inParallel(examIds, ACTIVITY_SLOTS, async (examId, i) => {
      const departmentId = stack.departments[i % stack.departments.length];
      const input: NotifyInput = {
        examId,
        stepId: rule.id,
        clauses: rule.clauses,
        workflowId: examWorkflowId(examId),
        runId: `bench-run-${run}`,
        scopeId: departmentId,
        step: {
          stepId: rule.id,
          ruleId: rule.id,
          clauses: rule.clauses,
          ownerRole: rule.ownerRole,
          escalation: rule.escalation,
          status: 'open',
          version: run + 2,
          openedAt: scheduledFor - 30 * DAY,
          dueAt,
          reminders: [scheduledFor],
          remindersSent: [scheduledFor],
          rejections: 0,
          escalationsSent: [],
        },
        at: scheduledFor,
        stepKey: rule.id,
        kind: 'reminder',
        role: rule.ownerRole,
        departmentId,
        title: rule.title,
        discipline: `Reminded discipline ${i}`,
        examDate: new Date(dueAt + 60 * DAY).toISOString().slice(0, 10),
        endOfDayDue: true,
        timeZone: DEFAULT_POLICY.timeZone,
        scheduledFor,
        decidable: true,
        linkExpiresAt: dueAt + 7 * DAY,
      };
      const env = new MockActivityEnvironment({ activityId: `remind-${run}-${i}` });
      const { recipients } = await env.run<
        [NotifyInput],
        { recipients: string[] },
        typeof notifyStep
      >(notifyStep, input);
      if (recipients.length !== 1) throw new Error(`${examId}: ${recipients.length} recipients`);
      if (++done % 100 === 0) onProgress(done);
    });
    const ms = msSince(t0);
    return {
      perSecond: examIds.length / (ms / 1000),
      keyPrefix: `reminder/remind-e`,
    };
  } finally {
    mailer.close();
    await db.destroy();
  }
}

/**
 * The baseline: the same messages (the outbox rows ours just sent: recipient, subject, text, HTML,
 * headers) through raw pooled nodemailer (`pool: true, maxMessages: Infinity`, its default five
 * connections) to the same catcher, ACTIVITY_SLOTS at once.
 */
export async function rawNodemailer(
  stack: BenchStack,
  run: number,
  onProgress: (done: number) => void,
): Promise<{ perSecond: number; count: number }> {
  const scheduledFor = new Date(Date.UTC(2030, 0, 1) + run * 60_000);
  const rows = await stack.db.query<
    {
      recipient: string;
      subject: string;
      body_text: string;
      body_html: string | null;
      headers: Record<string, string>;
    }[]
  >(
    `SELECT recipient, subject, body_text, body_html, headers FROM outbox
      WHERE kind = 'step.reminder' AND scheduled_for = $1 AND exam_id LIKE 'remind-e%'`,
    [scheduledFor],
  );
  const url = new URL(stack.smtpUrl);
  const transport = nodemailer.createTransport({
    pool: true,
    maxMessages: Infinity,
    host: url.hostname,
    port: Number(url.port),
    secure: false,
    ignoreTLS: true,
  });
  let done = 0;
  try {
    const t0 = process.hrtime.bigint();
    await inParallel(rows, ACTIVITY_SLOTS, async (row, i) => {
      await transport.sendMail({
        from: EMBEDDED_DEFAULTS.MAIL_FROM,
        to: row.recipient,
        subject: row.subject,
        text: row.body_text,
        html: row.body_html ?? undefined,
        headers: row.headers,
        messageId: `<raw-${run}-${i}@bench>`,
      });
      if (++done % 100 === 0) onProgress(done);
    });
    const ms = msSince(t0);
    return { perSecond: rows.length / (ms / 1000), count: rows.length };
  } finally {
    transport.close();
  }
}
