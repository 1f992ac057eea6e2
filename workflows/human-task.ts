import { condition } from '@temporalio/workflow';
import { CalendarRangeError, type WorkingCalendar } from '../sop/calendar';
import {
  linkExpiry,
  nextEscalation,
  reminderInstants,
  reworkDue,
  type PlannedStep,
} from '../sop/plan';
import type { Localized, Policy } from '../sop/policy';
import { isCalendarUnit } from '../sop/units';
import {
  DONE,
  ROUTED_STEPS,
  type DecideStepRequest,
  type ReopenStepsRequest,
  type DecideStepResult,
  type StepState,
} from './exam.contract';
import { acts } from './activities';

/** What a task needs to know about the exam (or session) it belongs to. */
export interface TaskContext {
  /** An exam's step, or a session-level step (GP 4, rows 3–5). */
  kind: 'exam' | 'session';
  /** The exam's or the session's id. */
  id: string;
  workflowId: string;
  runId: string;
  /** The org unit whose role holders own the step (the exam's department, or the session's scope). */
  departmentId: string;
  /** What the emails name: the discipline, or the session's title. */
  discipline: string;
  /** The exam's first day, or the session's. */
  examDate: string;
  policy: Policy;
  calendar: WorkingCalendar;
}

/** Hooks the owning workflow gives a task. */
export interface TaskHooks {
  /** After every transition (the workflow keeps its search attributes current). */
  onChange?: () => void;
  /** When the step turns overdue (§5.16: a missed acknowledgement makes a Form 3 act due). */
  onOverdue?: () => void;
}

/**
 * The human-task primitive (issue 6), reused by every SOP step: it opens the step for its owner
 * role (people resolved by the directory activity), reminds at the plan's instants, turns overdue
 * at the due instant and then escalates to the next role of the chain at once and again every
 * working day, until the step is approved or waived. Decisions arrive through `decide` (the
 * workflow's Update, validated by checkDecision): approve, reject (= return for changes, with a
 * new due per policy), waive (a role above the owner, with a reason), reassign (to a person, with
 * a reason). Every transition is written by an activity to the read model and the audit log.
 */
export class HumanTask {
  readonly state: StepState;
  /** Bumped when the due changes (rework, reschedule): waits restart from the new plan. */
  private epoch = 0;

  constructor(
    private readonly ctx: TaskContext,
    private readonly plan: PlannedStep,
    private readonly title: Localized,
    now: number,
    private readonly hooks: TaskHooks = {},
    /** A window (row 12's appeal filing) closes at its due: no overdue, no escalation. */
    private readonly window = false,
  ) {
    this.state = {
      stepId: plan.key,
      ruleId: plan.stepId,
      clauses: plan.clauses,
      ownerRole: plan.ownerRole,
      escalation: plan.escalation,
      status: 'open',
      version: 1,
      openedAt: now,
      dueAt: plan.dueAt,
      // A step opened after its predecessors may have missed some reminders: those are skipped.
      reminders: plan.reminders.filter((at) => at > now),
      remindersSent: [],
      rejections: 0,
      escalationsSent: [],
    };
  }

  get done(): boolean {
    return DONE.includes(this.state.status);
  }

  private get ref() {
    return {
      ...(this.ctx.kind === 'exam' ? { examId: this.ctx.id } : { sessionId: this.ctx.id }),
      stepId: this.state.stepId,
      clauses: this.state.clauses,
      workflowId: this.ctx.workflowId,
      runId: this.ctx.runId,
      scopeId: this.ctx.departmentId,
    };
  }

  /** Applies a transition and returns the snapshot the read model stores (newest version wins). */
  private transition(change: Partial<StepState>): StepState {
    Object.assign(this.state, change, { version: this.state.version + 1 });
    this.hooks.onChange?.();
    return this.snapshot();
  }

  private snapshot(): StepState {
    return {
      ...this.state,
      remindersSent: [...this.state.remindersSent],
      escalationsSent: [...this.state.escalationsSent],
    };
  }

  private notify(
    kind: 'opened' | 'reminder' | 'overdue' | 'escalation' | 'decided' | 'reopened',
    at: number,
    scheduledFor: number,
    extra: Partial<Parameters<typeof acts.notifyStep>[0]> = {},
  ) {
    const toOwners = kind !== 'escalation';
    return acts.notifyStep({
      ...this.ref,
      stepKey: this.plan.key,
      departmentId: this.ctx.departmentId,
      title: this.title,
      discipline: this.ctx.discipline,
      examDate: this.ctx.examDate,
      endOfDayDue: isCalendarUnit(this.plan.offset.unit),
      timeZone: this.ctx.calendar.timeZone,
      linkExpiresAt: linkExpiry(this.ctx.policy, this.ctx.calendar, this.state.dueAt),
      step: this.snapshot(),
      at,
      kind,
      // The next role of the chain is told; the owners (or the person it was reassigned to) get the rest.
      role: toOwners ? this.state.ownerRole : (this.state.escalation[0] ?? this.state.ownerRole),
      ...(toOwners && this.state.assignee !== undefined
        ? { personIds: [this.state.assignee.personId] }
        : {}),
      scheduledFor,
      // One-click links decide exam steps; session steps are decided in the app (README).
      decidable:
        toOwners &&
        kind !== 'decided' &&
        this.ctx.kind === 'exam' &&
        !ROUTED_STEPS.includes(this.state.ruleId),
      ...extra,
    });
  }

  /** Waits until `at` or until the step is done or its due changed; true when it should stop waiting. */
  private async waitUntil(at: number, epoch: number): Promise<boolean> {
    const stop = () => this.done || this.epoch !== epoch;
    const remaining = at - Date.now();
    if (remaining <= 0) return stop();
    return condition(stop, remaining);
  }

  /** Runs the step until it is approved or waived. */
  async run(): Promise<void> {
    await acts.recordStepOpened({ ...this.ref, step: this.snapshot(), at: this.state.openedAt });
    await this.notify('opened', this.state.openedAt, this.state.openedAt);
    await this.untilDone();
  }

  /** Reminders, the due, overdue and daily escalation, until the step is done. */
  private async untilDone(): Promise<void> {
    while (!this.done) {
      const epoch = this.epoch;
      let interrupted = false;
      for (const reminderAt of this.state.reminders) {
        if (this.state.remindersSent.includes(reminderAt)) continue;
        if (await this.waitUntil(reminderAt, epoch)) {
          interrupted = true;
          break;
        }
        this.transition({ remindersSent: [...this.state.remindersSent, reminderAt] });
        await this.notify('reminder', Date.now(), reminderAt);
      }
      if (interrupted || (await this.waitUntil(this.state.dueAt, epoch))) continue;
      if (this.window) {
        await this.close('window.closed', 'the window ended');
        break;
      }
      // Due: overdue now, the owners told and the next role of the chain notified at once.
      const overdueAt = Date.now();
      const snapshot = this.transition({ status: 'overdue', overdueAt });
      await acts.markStepOverdue({ ...this.ref, step: snapshot, at: overdueAt });
      await this.notify('overdue', overdueAt, overdueAt, { overdueSince: this.state.dueAt });
      this.hooks.onOverdue?.();
      // The first escalation belongs to the due instant itself (its outbox key is stable).
      let escalateAt = this.state.dueAt;
      // …and again every working day until done, waived or given a new due.
      while (!this.done && this.epoch === epoch) {
        this.transition({ escalationsSent: [...this.state.escalationsSent, escalateAt] });
        if (this.state.escalation.length > 0)
          await this.notify('escalation', Date.now(), escalateAt, {
            overdueSince: this.state.dueAt,
          });
        let next: number;
        try {
          // The working day after this one; when that has passed too (the worker was down, or the
          // due was moved into the past), the one just sent stood for the missed days: the next is
          // the working day after now, not one email per missed day.
          next = nextEscalation(this.ctx.policy, this.ctx.calendar, escalateAt);
          if (next <= Date.now())
            next = nextEscalation(this.ctx.policy, this.ctx.calendar, Date.now());
        } catch (error) {
          if (!(error instanceof CalendarRangeError)) throw error;
          // Past the years the calendar was resolved for: escalation pauses (audited) until the
          // step is done or a calendar update (the reschedule Update) gives the workflow more years.
          await acts.recordStepEvent({
            ...this.ref,
            step: this.snapshot(),
            at: Date.now(),
            action: 'step.escalation-paused',
            after: { reason: error.message },
          });
          await condition(() => this.done || this.epoch !== epoch);
          break;
        }
        escalateAt = next;
        if (await this.waitUntil(escalateAt, epoch)) break;
      }
    }
  }

  /**
   * Closed by the workflow, not decided by a person: a window that ended (row 12), or a student's
   * acknowledgement superseded by the Form 3 refusal act (§5.16).
   */
  async close(action: string, reason: string): Promise<void> {
    if (this.done) return;
    const at = Date.now();
    const before = this.state.status;
    const snapshot = this.transition({ status: 'closed', comment: reason });
    await acts.recordStepEvent({
      ...this.ref,
      step: snapshot,
      at,
      action: `step.${action}`,
      before: { status: before },
      after: { status: 'closed', reason },
    });
  }

  /**
   * An approved step open again because what it approved changed (issue 8: a new question-list
   * version after GP 3's approvals): due per the policy's rework rule from now, its owners told,
   * reminders and escalation as for any open step.
   */
  async reopen(request: ReopenStepsRequest): Promise<void> {
    if (this.state.status !== 'approved') return;
    const at = Date.now();
    const dueAt = reworkDue(this.ctx.policy, this.ctx.calendar, this.state.dueAt, at);
    const before = { status: this.state.status, subject: this.state.subject ?? null };
    // Open again; a due already past is made overdue (and escalated) by the loop at once.
    const snapshot = this.transition({
      status: 'open',
      approvedAt: undefined,
      approvedBy: undefined,
      subject: undefined,
      comment: request.reason,
      dueAt,
      reminders: reminderInstants(this.ctx.policy, this.ctx.calendar, dueAt, at),
      remindersSent: [],
      escalationsSent: [],
      overdueAt: undefined,
    });
    this.epoch++;
    await acts.recordStepEvent({
      ...this.ref,
      step: snapshot,
      at,
      action: 'step.reopened',
      actor: request.actor,
      before,
      after: {
        status: snapshot.status,
        dueAt: new Date(dueAt).toISOString(),
        reason: request.reason,
        subject: request.subject ?? null,
      },
    });
    await this.notify('reopened', at, at, {
      decision: { action: 'rejected', actorName: request.actorName, at, comment: request.reason },
    });
    void this.untilDone();
  }

  /**
   * A new plan for this step (the exam moved, or the calendar changed): new due and reminders,
   * already-sent reminders are not sent again; a due already past makes it overdue at once.
   */
  async reschedule(plan: PlannedStep, calendar: WorkingCalendar, actor: string): Promise<void> {
    if (this.done) return;
    const at = Date.now();
    this.ctx.calendar = calendar;
    const reminders = reminderInstants(this.ctx.policy, calendar, plan.dueAt, at);
    const before = { dueAt: new Date(this.state.dueAt).toISOString(), status: this.state.status };
    const snapshot = this.transition({
      dueAt: plan.dueAt,
      reminders,
      status: plan.dueAt > at ? 'open' : this.state.status,
    });
    this.epoch++;
    await acts.recordStepRescheduled({ ...this.ref, step: snapshot, at, actor, before });
  }

  /** Applies a validated decision (the Update handler calls it). */
  async decide(request: DecideStepRequest): Promise<DecideStepResult> {
    const at = Date.now();
    const before = this.state.status;
    let snapshot: StepState;
    switch (request.decision) {
      case 'approve':
        snapshot = this.transition({
          status: 'approved',
          approvedAt: at,
          approvedBy: request.actor,
          comment: request.comment,
          ...(request.subject !== undefined ? { subject: request.subject } : {}),
        });
        break;
      case 'waive':
        snapshot = this.transition({
          status: 'waived',
          waivedAt: at,
          waivedBy: request.actor,
          comment: request.comment,
        });
        break;
      case 'reject': {
        // Return for changes: open again with a new due per policy, reminders for it.
        const dueAt = reworkDue(this.ctx.policy, this.ctx.calendar, this.state.dueAt, at);
        snapshot = this.transition({
          status: dueAt > at ? 'open' : this.state.status,
          rejectedAt: at,
          rejectedBy: request.actor,
          comment: request.comment,
          rejections: this.state.rejections + 1,
          dueAt,
          reminders: reminderInstants(this.ctx.policy, this.ctx.calendar, dueAt, at),
          remindersSent: [],
        });
        this.epoch++;
        break;
      }
      case 'reassign':
        snapshot = this.transition({ assignee: request.assignee, comment: request.comment });
        break;
    }
    await acts.recordStepDecision({ ...this.ref, step: snapshot, request, at, before });
    const action =
      request.decision === 'approve'
        ? 'approved'
        : request.decision === 'waive'
          ? 'approved'
          : 'rejected';
    if (request.decision === 'reassign') {
      await this.notify('opened', at, at);
    } else {
      await this.notify(request.decision === 'reject' ? 'reopened' : 'decided', at, at, {
        decision: { action, actorName: request.actorName, at, comment: request.comment },
      });
    }
    return {
      examId: this.ctx.id,
      stepId: this.state.stepId,
      decision: request.decision,
      status: this.state.status,
      decidedAt: at,
      decidedBy: request.actor,
      late: at > this.state.dueAt,
    };
  }
}
