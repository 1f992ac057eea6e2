import { Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { StepState } from '../workflows/exam.contract';
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

/**
 * Writes the workflow's snapshot of a step into the read model. Snapshots carry the workflow's
 * transition counter, so an older one arriving late (a retried or slower activity) never
 * overwrites a newer one.
 */
async function upsertStep(tx: EntityManager, examId: string, step: StepState): Promise<void> {
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
  await tx.query(
    `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, reminders, reminders_sent,
                            opened_at, overdue_at, approved_at, approved_by, comment, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
     ON CONFLICT (exam_id, step_id) DO UPDATE SET
       clauses = EXCLUDED.clauses, status = EXCLUDED.status, due_at = EXCLUDED.due_at,
       reminders = EXCLUDED.reminders, reminders_sent = EXCLUDED.reminders_sent,
       opened_at = EXCLUDED.opened_at, overdue_at = EXCLUDED.overdue_at,
       approved_at = EXCLUDED.approved_at, approved_by = EXCLUDED.approved_by,
       comment = EXCLUDED.comment, version = EXCLUDED.version, updated_at = now()
     WHERE exam_step.version < EXCLUDED.version`,
    [
      examId,
      step.stepId,
      step.clauses,
      step.status,
      new Date(step.dueAt),
      step.reminders.map((r) => new Date(r)),
      step.remindersSent.length,
      new Date(step.openedAt),
      at(step.overdueAt),
      at(step.approvedAt),
      step.approvedBy ?? null,
      step.comment ?? null,
      step.version,
    ],
  );
}

/** Every step activity gets the step's reference and the workflow's snapshot after the transition. */
type StepInput = StepRef & { step: StepState; at: number };

export function createExamStepActivities({ db, mailer, publicUrl }: ActivityDeps) {
  return {
    /** Writes the opened step into the read model and audits it. */
    async recordStepOpened(input: StepInput): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input.examId, input.step);
        await audit(tx, input, {
          action: 'step.opened',
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: { status: 'open', dueAt: new Date(input.step.dueAt).toISOString() },
        });
      });
    },

    /**
     * Sends one reminder through the outbox: the row's unique key makes a retry find the row
     * instead of sending again; the Message-ID derives from the key.
     */
    async sendStepReminder(
      input: StepInput & {
        to: string;
        discipline: string;
        department: string;
        examDate: string;
        reminderAt: number;
        timeZone: string;
        title: { kk: string; ru: string; en: string };
      },
    ): Promise<{ messageId: string; alreadySent: boolean }> {
      const key = `reminder/${input.examId}/${input.stepId}/${new Date(input.reminderAt).toISOString()}`;
      const due = new Intl.DateTimeFormat('en-GB', {
        timeZone: input.timeZone,
        dateStyle: 'long',
        timeStyle: 'short',
      }).format(new Date(input.step.dueAt));
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
        await upsertStep(tx, input.examId, input.step);
        await audit(tx, input, {
          action: 'step.reminder-sent',
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: { to: input.to, reminderAt: new Date(input.reminderAt).toISOString(), messageId },
        });
      });
      return { messageId, alreadySent: false };
    },

    async markStepOverdue(input: StepInput): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input.examId, input.step);
        await audit(tx, input, {
          action: 'step.overdue',
          actor: SYSTEM_ACTOR,
          at: input.at,
          before: { status: 'open' },
          after: { status: 'overdue', dueAt: new Date(input.step.dueAt).toISOString() },
        });
      });
    },

    async recordStepApproved(input: StepInput & { actor: string; before: string }): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input.examId, input.step);
        await audit(tx, input, {
          action: 'step.approved',
          actor: input.actor,
          at: input.at,
          before: { status: input.before },
          after: { status: 'approved', comment: input.step.comment ?? null },
        });
      });
    },
  };
}
