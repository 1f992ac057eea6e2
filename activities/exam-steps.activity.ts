import { Context } from '@temporalio/activity';
import type { DataSource, EntityManager } from 'typeorm';
import type { DecideStepRequest, StepState } from '../workflows/exam.contract';
import { appendAudit } from './audit-log';
import type { Mailer } from './mailer';
import type { ProctoringAdapter } from './proctoring/adapter';
import { deleteExamRecordings, markRecordingsDeleted, VIDEO_PURGED } from './proctoring/purge';
import type { DocumentKey } from './sealed';

/** What every step activity knows about the step it acts on. */
export interface StepRef {
  /** An exam's step, or (with sessionId) a session-level step. */
  examId?: string;
  sessionId?: string;
  stepId: string;
  clauses: string[];
  workflowId: string;
  runId: string;
  /** The org unit the step belongs to (the exam's department, the session's scope). */
  scopeId?: string;
  /** Added by the workflows' activity proxy: the history event that decided the call. */
  historyEventId?: number;
}

export interface ActivityDeps {
  db: DataSource;
  mailer: Mailer;
  publicUrl: string;
  /** LINK_SECRET: email-link tokens are derived from it at send time, never stored. */
  linkSecret: string;
  /** DOCUMENT_KEY: opens the sealed ticket sets and assignment seeds (issue 8). */
  documentKey: DocumentKey;
  /** The proctoring system (PROCTORING_ADAPTER): deletes the recordings at date(E) + 3 months (§5.7). */
  proctoring: ProctoringAdapter;
}

export const SYSTEM_ACTOR = 'system:workflow';

/**
 * A record in the hash-chained audit log (activities/audit-log.ts), keyed on the activity's
 * identity (workflow, run, activity id), which stays the same across retries: a retried activity
 * never writes a second record. Call it last in the transaction (it holds the chain's lock).
 */
export async function audit(
  tx: EntityManager,
  ref: StepRef,
  record: {
    action: string;
    actor: string;
    actorRole?: string;
    at: number;
    before?: unknown;
    after?: unknown;
    requestId?: string;
  },
): Promise<void> {
  const { activityId } = Context.current().info;
  await appendAudit(tx, {
    key: `${ref.workflowId}/${ref.runId}/${activityId}`,
    at: record.at,
    actor: record.actor,
    actorRole: record.actorRole ?? (record.actor === SYSTEM_ACTOR ? 'system' : null),
    action: record.action,
    clauses: ref.clauses,
    scopeId: ref.scopeId ?? null,
    examId: ref.examId ?? null,
    sessionId: ref.sessionId ?? null,
    stepId: ref.stepId === '' ? null : ref.stepId,
    before: record.before,
    after: record.after,
    requestId: record.requestId ?? null,
    workflowId: ref.workflowId,
    runId: ref.runId,
    historyEventId: ref.historyEventId ?? null,
  });
}

/** The role a decision was taken in: the step's owner role if held, else the first of its chain. */
export function decidingRole(step: StepState, roles: readonly string[]): string | undefined {
  return [step.ownerRole, ...step.escalation].find((r) => roles.includes(r)) ?? roles[0];
}

/**
 * Writes the workflow's snapshot of a step into the read model. Snapshots carry the workflow's
 * transition counter, so an older one arriving late (a retried or slower activity) never
 * overwrites a newer one.
 */
export async function upsertStep(
  tx: EntityManager,
  ref: Pick<StepRef, 'examId' | 'sessionId'>,
  step: StepState,
): Promise<void> {
  const at = (ms: number | undefined) => (ms === undefined ? null : new Date(ms));
  // Two tables of the same shape: an exam's steps, a session's steps.
  const [table, owner] =
    ref.sessionId !== undefined ? ['session_step', 'session_id'] : ['exam_step', 'exam_id'];
  await tx.query(
    `INSERT INTO ${table} (${owner}, step_id, clauses, status, due_at, reminders, reminders_sent,
                            opened_at, overdue_at, approved_at, approved_by, comment, version,
                            assignee_id, waived_at, waived_by, subject)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
     ON CONFLICT (${owner}, step_id) DO UPDATE SET
       clauses = EXCLUDED.clauses, status = EXCLUDED.status, due_at = EXCLUDED.due_at,
       reminders = EXCLUDED.reminders, reminders_sent = EXCLUDED.reminders_sent,
       opened_at = EXCLUDED.opened_at, overdue_at = EXCLUDED.overdue_at,
       approved_at = EXCLUDED.approved_at, approved_by = EXCLUDED.approved_by,
       comment = EXCLUDED.comment, version = EXCLUDED.version, assignee_id = EXCLUDED.assignee_id,
       waived_at = EXCLUDED.waived_at, waived_by = EXCLUDED.waived_by, subject = EXCLUDED.subject,
       updated_at = now()
     WHERE ${table}.version < EXCLUDED.version`,
    [
      ref.sessionId ?? ref.examId,
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
      step.assignee?.personId ?? null,
      at(step.waivedAt),
      step.waivedBy ?? null,
      step.subject === undefined ? null : JSON.stringify(step.subject),
    ],
  );
}

/** Every step activity gets the step's reference and the workflow's snapshot after the transition. */
export type StepInput = StepRef & { step: StepState; at: number };

export function createExamStepActivities({
  db,
  proctoring,
}: Pick<ActivityDeps, 'db' | 'proctoring'>) {
  return {
    /** Writes the opened step into the read model and audits it. */
    async recordStepOpened(input: StepInput): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action: 'step.opened',
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: { status: 'open', dueAt: new Date(input.step.dueAt).toISOString() },
        });
      });
    },

    async markStepOverdue(input: StepInput): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action: 'step.overdue',
          actor: SYSTEM_ACTOR,
          at: input.at,
          before: { status: 'open' },
          after: { status: 'overdue', dueAt: new Date(input.step.dueAt).toISOString() },
        });
      });
    },

    /** A step's new due after a reschedule or a calendar change (issue 6). */
    async recordStepRescheduled(
      input: StepInput & { actor: string; before: { dueAt: string; status: string } },
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action: 'step.rescheduled',
          actor: input.actor,
          at: input.at,
          before: input.before,
          after: { dueAt: new Date(input.step.dueAt).toISOString(), status: input.step.status },
        });
      });
    },

    /** The exam's new first day in its row (the natural key moves with it). */
    async recordExamRescheduled(input: {
      examId: string;
      examDate: string;
      startsAt: number;
    }): Promise<void> {
      await db.query(`UPDATE exam SET exam_date = $2, starts_at = $3 WHERE id = $1`, [
        input.examId,
        input.examDate,
        new Date(input.startsAt),
      ]);
    },

    /** A transition the workflow makes on its own (a window closed, the recordings held …). */
    async recordStepEvent(
      input: StepInput & { action: string; actor?: string; before?: unknown; after?: unknown },
    ): Promise<void> {
      // §5.7: the purge (video.purged) has the proctoring system delete the exam's recordings
      // first; the registry marks them and the audit record names them in the same transaction.
      const purged =
        input.action === VIDEO_PURGED && input.examId !== undefined
          ? await deleteExamRecordings(db, proctoring, input.examId)
          : undefined;
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        if (purged !== undefined) await markRecordingsDeleted(tx, input.examId!, purged, input.at);
        await audit(tx, input, {
          action: input.action,
          actor: input.actor ?? SYSTEM_ACTOR,
          at: input.at,
          before: input.before,
          after:
            purged === undefined
              ? input.after
              : { ...(input.after as object | undefined), recordings: { deleted: purged } },
        });
      });
    },

    /**
     * Exam-level records without a step: its phase (the exam began, ended, retention began), a
     * case opened or closed, an event recorded; the exam row's phase follows.
     */
    async recordExamEvent(input: {
      examId: string;
      workflowId: string;
      runId: string;
      scopeId?: string;
      historyEventId?: number;
      clauses: string[];
      action: string;
      actor: string;
      actorRole?: string;
      requestId?: string;
      at: number;
      phase?: string;
      after?: unknown;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        if (input.phase !== undefined)
          await tx.query(`UPDATE exam SET phase = $2 WHERE id = $1`, [input.examId, input.phase]);
        await audit(tx, { ...input, stepId: '' }, input);
      });
    },

    /** A decision (approve, or reject = return for changes) in the read model and the audit log. */
    async recordStepDecision(
      input: StepInput & { request: DecideStepRequest; before: string },
    ): Promise<void> {
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action: {
            approve: 'step.approved',
            reject: 'step.rejected',
            waive: 'step.waived',
            reassign: 'step.reassigned',
          }[input.request.decision],
          actor: input.request.actor,
          actorRole: decidingRole(input.step, input.request.actorRoles),
          requestId: input.request.requestId,
          at: input.at,
          before: { status: input.before },
          after: {
            status: input.step.status,
            comment: input.step.comment ?? null,
            dueAt: new Date(input.step.dueAt).toISOString(),
            assignee: input.step.assignee ?? null,
            via: input.request.via,
            ...(input.request.subject !== undefined ? { subject: input.request.subject } : {}),
          },
        });
      });
    },
  };
}
