import { Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { Mailer } from './mailer';

/** What every step activity knows about the step it acts on. */
export interface StepRef {
  examId: string;
  stepId: string;
  clauses: string[];
  workflowId: string;
  runId: string;
}

export interface ActivityDeps {
  db: DataSource;
  mailer: Mailer;
  publicUrl: string;
}

export const SYSTEM_ACTOR = 'system:workflow';

/**
 * An audit record keyed on the activity's identity (workflow, run, activity id), which stays the
 * same across retries: a retried activity never writes a second record. The hash-chained log of
 * the auditors' issue builds on this table.
 */
async function audit(
  tx: EntityManager,
  ref: StepRef,
  record: { action: string; actor: string; at: number; before?: unknown; after?: unknown },
): Promise<void> {
  const { activityId } = Context.current().info;
  await tx.query(
    `INSERT INTO audit_log (key, at, actor, action, clauses, exam_id, step_id, before, after, workflow_id, run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (key) DO NOTHING`,
    [
      `${ref.workflowId}/${ref.runId}/${activityId}`,
      new Date(record.at),
      record.actor,
      record.action,
      ref.clauses,
      ref.examId,
      ref.stepId,
      record.before === undefined ? null : JSON.stringify(record.before),
      record.after === undefined ? null : JSON.stringify(record.after),
      ref.workflowId,
      ref.runId,
    ],
  );
}

export function createExamStepActivities({ db, mailer, publicUrl }: ActivityDeps) {
  return {
    /** Writes the step into the read model as open (idempotent upsert) and audits it. */
    async recordStepOpened(
      input: StepRef & { dueAt: number; reminders: number[]; at: number },
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, reminders, opened_at)
           VALUES ($1, $2, $3, 'open', $4, $5, $6)
           ON CONFLICT (exam_id, step_id) DO NOTHING`,
          [
            input.examId,
            input.stepId,
            input.clauses,
            new Date(input.dueAt),
            input.reminders.map((r) => new Date(r)),
            new Date(input.at),
          ],
        );
        await audit(tx, input, {
          action: 'step.opened',
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: { status: 'open', dueAt: new Date(input.dueAt).toISOString() },
        });
      });
    },

    /**
     * Sends one reminder through the outbox: the row's unique key makes a retry find the row
     * instead of sending again; the Message-ID derives from the key.
     */
    async sendStepReminder(
      input: StepRef & {
        to: string;
        discipline: string;
        department: string;
        examDate: string;
        dueAt: number;
        reminderAt: number;
        timeZone: string;
        title: { kk: string; ru: string; en: string };
        at: number;
      },
    ): Promise<{ messageId: string; alreadySent: boolean }> {
      const key = `reminder/${input.examId}/${input.stepId}/${new Date(input.reminderAt).toISOString()}`;
      const due = new Intl.DateTimeFormat('en-GB', {
        timeZone: input.timeZone,
        dateStyle: 'long',
        timeStyle: 'short',
      }).format(new Date(input.dueAt));
      const clause = input.clauses.join(', ');
      const subject = `Reminder (${clause}): ${input.title.en} — ${input.discipline}, due ${due}`;
      const text = [
        `${input.title.en} (${clause})`,
        `${input.title.ru}`,
        `${input.title.kk}`,
        '',
        `Discipline: ${input.discipline}`,
        `Department: ${input.department}`,
        `Exam date (D): ${input.examDate}`,
        `Due: ${due} (${input.timeZone})`,
        '',
        `Open the exam: ${publicUrl}/exams/${encodeURIComponent(input.examId)}`,
      ].join('\n');

      const row = await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO outbox (key, kind, recipient, subject, body_text, exam_id, step_id, clauses, scheduled_for, triggered_at)
           VALUES ($1, 'step.reminder', $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (key) DO NOTHING`,
          [
            key,
            input.to,
            subject,
            text,
            input.examId,
            input.stepId,
            input.clauses,
            new Date(input.reminderAt),
            new Date(input.at),
          ],
        );
        const rows = await tx.query<
          [{ id: string; status: 'pending' | 'sent'; message_id: string | null }[], number]
        >(
          `UPDATE outbox SET attempts = attempts + 1 WHERE key = $1 RETURNING id, status, message_id`,
          [key],
        );
        return rows[0][0];
      });
      if (row.status === 'sent' && row.message_id !== null)
        return { messageId: row.message_id, alreadySent: true };

      const messageId = `<outbox-${row.id}.${input.examId}@emtihan>`;
      await mailer.send({
        to: input.to,
        subject,
        text,
        messageId,
        headers: { 'X-Emtihan-Outbox-Key': key, 'X-Emtihan-Clause': clause },
      });
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE outbox SET status = 'sent', sent_at = now(), message_id = $2 WHERE key = $1`,
          [key, messageId],
        );
        await tx.query(
          `UPDATE exam_step SET reminders_sent = reminders_sent + 1, updated_at = now()
           WHERE exam_id = $1 AND step_id = $2`,
          [input.examId, input.stepId],
        );
        await audit(tx, input, {
          action: 'step.reminder-sent',
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: { to: input.to, reminderAt: new Date(input.reminderAt).toISOString(), messageId },
        });
      });
      return { messageId, alreadySent: false };
    },

    async markStepOverdue(input: StepRef & { dueAt: number; at: number }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE exam_step SET status = 'overdue', overdue_at = $3, updated_at = now()
           WHERE exam_id = $1 AND step_id = $2 AND status = 'open'`,
          [input.examId, input.stepId, new Date(input.at)],
        );
        await audit(tx, input, {
          action: 'step.overdue',
          actor: SYSTEM_ACTOR,
          at: input.at,
          before: { status: 'open' },
          after: { status: 'overdue', dueAt: new Date(input.dueAt).toISOString() },
        });
      });
    },

    async recordStepApproved(
      input: StepRef & { actor: string; comment?: string; at: number; before: string },
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          `UPDATE exam_step SET status = 'approved', approved_at = $3, approved_by = $4, comment = $5, updated_at = now()
           WHERE exam_id = $1 AND step_id = $2`,
          [input.examId, input.stepId, new Date(input.at), input.actor, input.comment ?? null],
        );
        await audit(tx, input, {
          action: 'step.approved',
          actor: input.actor,
          at: input.at,
          before: { status: input.before },
          after: { status: 'approved', comment: input.comment ?? null },
        });
      });
    },
  };
}
