import {
  ActivityFailure,
  allHandlersFinished,
  condition,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { localDayOf, localInstant } from '../sop/calendar';
import { parseDay } from '../sop/dates';
import { planAfterEvent, planExam, type ExamPlan, type PlannedStep } from '../sop/plan';
import type { ExamEvent, StepRule } from '../sop/policy';
import { findStep } from '../sop/units';
import {
  checkDecision,
  checkExamEvent,
  checkReschedule,
  decideStepUpdate,
  examStateQuery,
  EXAM_EVENTS,
  recordExamEventUpdate,
  reopenStepsUpdate,
  checkReopen,
  type ReopenStepsRequest,
  rescheduleExamUpdate,
  retentionHoldSignal,
  DONE,
  SEARCH_ATTRIBUTE_KEYS,
  WORKFLOW_ACTOR,
  type DecideStepRequest,
  type DecideStepResult,
  type ExamEventRequest,
  type ExamPhase,
  type ExamWorkflowInput,
  type ExamWorkflowState,
  type RescheduleRequest,
  type RetentionHold,
  type StepState,
} from './exam.contract';
import { acts } from './activities';
import { HumanTask, type TaskContext } from './human-task';
import { violationCaseWorkflowId } from './violation-case.contract';
import { violationCaseWorkflow } from './violation-case.workflow';

/**
 * Keeps the exam's search attributes current (issue 6 "visibility"): the open step due first (or
 * "done"), whether any step is overdue, and the next due. Behind patched(): histories recorded
 * before it replay without these commands.
 */
function publish(steps: StepState[]): void {
  if (!patched('search-attributes-v1')) return;
  const open = steps
    .filter((s) => !DONE.includes(s.status) && s.ownerRole !== 'system')
    .sort((a, b) => a.dueAt - b.dueAt);
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTE_KEYS.currentStep, value: open[0]?.stepId ?? 'done' },
    { key: SEARCH_ATTRIBUTE_KEYS.overdue, value: open.some((s) => s.status === 'overdue') },
    {
      key: SEARCH_ATTRIBUTE_KEYS.nextDueAt,
      value: open[0] === undefined ? null : new Date(open[0].dueAt),
    },
  ]);
}

/** The patch that added ticket assignment and the seeds' reveal (issue 8). */
const TICKET_ASSIGNMENT = 'ticket-assignment-v1';
/** Issue 8: works coded at E, opened when the grading step is done (rows 6–8). */
const ANONYMISED_GRADING = 'anonymised-grading-v1';
/** Issue 9: a violation case recorded with its student runs as a child workflow. */
const VIOLATION_CASES = 'violation-case-v1';
/** Issue 9: at E each proctor is sent their Form 4 (§5.13). */
const FORM4_ROUND_TRIP = 'form4-v1';
/**
 * Issue 9: a returned Form 4 opens its member's signature step (§5.15); once signed, it goes to the
 * integrity commission with copies to the dean's office and the registrar.
 */
const FORM4_SIGNATURE = 'form4-signature-v1';

/**
 * A missed step that is itself an event (DEADLINES.md §5.16): when the student's acknowledgement of
 * the act is overdue, the Form 3 refusal act is due.
 */
const MISSED: Partial<Record<ExamEvent, ExamEvent>> = { violationActSent: 'acknowledgementMissed' };

/**
 * The exam workflow (`exam-<id>`, issue 6): every exam step of the policy as a human task
 * (workflows/human-task.ts), from D − 2 months to the video purge.
 * - D and Dk steps open when the workflow starts, each when its `after` steps are done (GP 3:
 *   discussion → programme committee → Moodle); E steps open at E (grading, proctor review, grade
 *   sheet → export); row 11's handover opens when a violation is reported.
 * - Event steps open when their event happens: a violation act sent (§5.16), its acknowledgement
 *   missed (Form 3), the results published (row 12's appeal window, when the grade sheet is
 *   exported), an appeal filed.
 * - The recordings are deleted at date(E) + 3 months, held while a violation case or appeal is
 *   open (§5.7); the workflow completes when they are deleted and every step is done.
 */
export async function examWorkflow(input: ExamWorkflowInput): Promise<ExamWorkflowState> {
  const { workflowId, runId } = workflowInfo();
  const startedAt = Date.now();
  const { policy } = input;
  const plan = (): ExamPlan =>
    planExam(policy, input.calendar, { ...input.facts, opensAt: startedAt });
  let current = plan();
  // Without a sitting time, the exam begins at the start of its first day (as sop/plan.ts counts).
  const firstSitting = () =>
    input.facts.startsAt ??
    localInstant(input.calendar.timeZone, parseDay(input.facts.days[0]), 0, 0);
  const state: ExamWorkflowState = {
    examId: input.examId,
    phase: 'preparation',
    days: input.facts.days,
    startsAt: firstSitting(),
    endsAt: input.facts.endsAt,
    steps: [],
    holds: [],
    violationFound: false,
  };
  const ctx: TaskContext = {
    kind: 'exam',
    id: input.examId,
    workflowId,
    runId,
    departmentId: input.departmentId,
    discipline: input.discipline,
    examDate: input.facts.days[0],
    policy,
    calendar: input.calendar,
  };
  const tasks = new Map<string, HumanTask>();
  /** Bumped by a reschedule: waits for an anchor (S, E, the purge) start again from the new dates. */
  let epoch = 0;
  const record = (
    action: string,
    clauses: string[],
    extra: {
      phase?: ExamPhase;
      after?: unknown;
      actor?: string;
      actorRole?: string;
      requestId?: string;
    } = {},
  ) =>
    acts.recordExamEvent({
      examId: input.examId,
      workflowId,
      runId,
      scopeId: input.departmentId,
      clauses,
      action,
      actor: extra.actor ?? WORKFLOW_ACTOR,
      ...(extra.actorRole !== undefined ? { actorRole: extra.actorRole } : {}),
      ...(extra.requestId !== undefined ? { requestId: extra.requestId } : {}),
      at: Date.now(),
      ...(extra.phase !== undefined ? { phase: extra.phase } : {}),
      ...(extra.after !== undefined ? { after: extra.after } : {}),
    });

  /** Waits until an instant that a reschedule may move. */
  async function until(instant: () => number): Promise<void> {
    for (;;) {
      const seen = epoch;
      const left = instant() - Date.now();
      if (left <= 0) return;
      await condition(() => epoch !== seen, left);
    }
  }

  const ofRule = (ruleId: string) => [...tasks.values()].filter((t) => t.state.ruleId === ruleId);
  const ruleDone = (ruleId: string) => {
    const own = ofRule(ruleId);
    return own.length > 0 && own.every((t) => t.done);
  };

  function rule(stepId: string): StepRule {
    const found = findStep(policy, stepId);
    if (found === undefined) throw new Error(`policy ${policy.version} has no step ${stepId}`);
    return found;
  }

  /** Opens a planned step as a human task and runs it in the background. */
  function open(
    planned: PlannedStep,
    caseEvent?: { event: ExamEvent; caseId: string },
    assignee?: StepState['assignee'],
  ): HumanTask {
    const stepRule = rule(planned.stepId);
    const missed = caseEvent === undefined ? undefined : MISSED[caseEvent.event];
    const task = new HumanTask(
      ctx,
      planned,
      stepRule.title,
      Date.now(),
      {
        onChange: () => publish(state.steps),
        ...(missed !== undefined && caseEvent !== undefined
          ? {
              // §5.16: the missed step's follow-up opens; once it is done, the missed one closes.
              onOverdue: () => {
                for (const follow of openOnEvent(missed, caseEvent.caseId))
                  void condition(() => follow.done).then(() =>
                    task.close('superseded', `${follow.state.stepId} is done (§5.16)`),
                  );
              },
            }
          : {}),
      },
      stepRule.window ?? false,
    );
    if (assignee !== undefined) task.state.assignee = assignee;
    tasks.set(planned.key, task);
    state.steps.push(task.state);
    publish(state.steps);
    void task.run();
    return task;
  }

  /** The steps anchored on an event (§5.16, row 12), keyed by the case they belong to. */
  function openOnEvent(
    event: ExamEvent,
    caseId?: string,
    assignee?: StepState['assignee'],
  ): HumanTask[] {
    const opened: HumanTask[] = [];
    for (const step of policy.steps) {
      if (step.anchor !== 'event' || step.event !== event) continue;
      const planned = planAfterEvent(policy, ctx.calendar, step.id, Date.now());
      const key = caseId === undefined ? step.id : `${step.id}@${caseId}`;
      if (tasks.has(key)) continue;
      opened.push(
        open({ ...planned, key }, caseId === undefined ? undefined : { event, caseId }, assignee),
      );
    }
    return opened;
  }

  /** Waits until `test` holds (true) or an instant a reschedule may move has passed (false). */
  async function unless(test: () => boolean, instant: () => number): Promise<boolean> {
    for (;;) {
      if (test()) return true;
      const seen = epoch;
      const left = instant() - Date.now();
      if (left <= 0) return test();
      await condition(() => test() || epoch !== seen, left);
    }
  }

  /**
   * A planned D, Dk or E step: opened when its anchor and its predecessors allow. Settled once it
   * is opened, or skipped: its exam day removed, or its condition never held (row 11 without a
   * violation) by the time the recordings are deleted (by its own due when the policy keeps none).
   */
  const launched = new Set<string>();
  const settled = new Set<string>();
  function launch(key: string): void {
    if (launched.has(key)) return;
    launched.add(key);
    void (async () => {
      const planned = () => current.steps.find((s) => s.key === key);
      const first = planned();
      if (first === undefined) return void settled.add(key);
      const stepRule = rule(first.stepId);
      await condition(() => (stepRule.after ?? []).every(ruleDone));
      if (stepRule.anchor === 'E') await until(() => input.facts.endsAt);
      if (stepRule.condition === 'violationFound') {
        const lastChance = () =>
          (current.steps.find((s) => s.automatic) ?? planned() ?? first).dueAt;
        if (!(await unless(() => state.violationFound, lastChance))) return void settled.add(key);
      }
      const now = planned();
      if (now !== undefined && !tasks.has(key)) open(now);
      settled.add(key);
    })();
  }

  /**
   * Day k starts at its own sitting when the exam lists them, else at the first sitting's local
   * time on facts.days[k − 1] (the same rule as the plan: sop/plan.ts sittingStartsAt).
   */
  function dayStart(k: number): number {
    const sitting = input.facts.sittings?.[k - 1];
    if (sitting !== undefined) return sitting;
    const zone = input.calendar.timeZone;
    const first = state.startsAt;
    const sinceMidnight = first - localInstant(zone, localDayOf(zone, first), 0, 0);
    return localInstant(zone, parseDay(state.days[k - 1]), 0, 0) + sinceMidnight;
  }

  async function assignEachDay(): Promise<void> {
    for (let day = 1; day <= state.days.length; day++) {
      await until(() => dayStart(day));
      try {
        await acts.assignTicketsForDay({
          examId: input.examId,
          day,
          at: Date.now(),
          workflowId,
          runId,
        });
      } catch (error) {
        // No approved set or no committed seed (§5.1): recorded for the testing centre; the
        // other days still get theirs.
        if (!(error instanceof ActivityFailure)) throw error;
        await record('assignment.failed', ['§5.1', '§5.5'], {
          after: { day, reason: error.cause?.message ?? error.message },
        });
      }
    }
  }

  async function addHold(hold: Omit<RetentionHold, 'since'>): Promise<void> {
    state.holds.push({ ...hold, since: Date.now() });
    await record('retention.held', ['§5.7'], {
      actor: hold.by,
      after: { caseId: hold.caseId, kind: hold.kind },
    });
  }
  async function releaseHold(caseId: string, by: string): Promise<void> {
    const hold = state.holds.find((h) => h.caseId === caseId && h.closedAt === undefined);
    if (hold === undefined) return;
    hold.closedAt = Date.now();
    hold.closedBy = by;
    await record('retention.released', ['§5.7'], { actor: by, after: { caseId, kind: hold.kind } });
  }
  const holdsOpen = () => state.holds.some((h) => h.closedAt === undefined);

  /**
   * §5.15: a Form 4's signature step until it is done. The member's rejection sends the form back
   * to its proctor (their return is cleared, a new upload link emailed with the comment); the
   * signed Form 4 goes to the integrity commission with copies to the dean's office and the
   * registrar.
   */
  async function form4Signature(task: HumanTask, proctorId: string): Promise<void> {
    const ref = {
      examId: input.examId,
      proctorId,
      departmentId: input.departmentId,
      workflowId,
      runId,
    };
    let rejections = task.state.rejections;
    while (!task.done) {
      await condition(() => task.done || task.state.rejections > rejections);
      if (task.state.rejections > rejections) {
        rejections = task.state.rejections;
        await acts.sendForm4Back({
          ...ref,
          comment: task.state.comment ?? '',
          rejection: rejections,
          at: Date.now(),
        });
      }
    }
    if (task.state.status === 'approved') await acts.distributeForm4({ ...ref, at: Date.now() });
  }

  setHandler(examStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    async (request: DecideStepRequest): Promise<DecideStepResult> => {
      const task = tasks.get(request.stepId);
      if (task === undefined) throw new Error(`step ${request.stepId} is not open`);
      return task.decide(request);
    },
    { validator: (request: DecideStepRequest) => checkDecision(state, request) },
  );

  // Issue 8: a document changed after its approval (a new question-list version): the steps that
  // approved the old version are open again.
  setHandler(
    reopenStepsUpdate,
    async (request: ReopenStepsRequest): Promise<ExamWorkflowState> => {
      for (const stepId of request.stepIds) await tasks.get(stepId)?.reopen(request);
      return state;
    },
    { validator: (request: ReopenStepsRequest) => checkReopen(state, request) },
  );

  setHandler(
    recordExamEventUpdate,
    async (request: ExamEventRequest): Promise<ExamWorkflowState> => {
      const { clauses } = EXAM_EVENTS[request.event];
      await record(`event.${request.event}`, clauses, {
        actor: request.actor,
        actorRole: request.actorRoles.find((r) =>
          (EXAM_EVENTS[request.event].roles as readonly string[]).includes(r),
        ),
        ...(request.requestId !== undefined ? { requestId: request.requestId } : {}),
        after: { caseId: request.caseId, comment: request.comment ?? null },
      });
      switch (request.event) {
        case 'violationFound':
          state.violationFound = true;
          await addHold({ caseId: request.caseId, kind: 'violationCase', by: request.actor });
          // Issue 9 (§5.8, §5.14–§5.16): a case recorded with its student runs in its own
          // workflow, which releases the hold when it closes. Without one (a case kept on paper)
          // the exam's own event steps serve, as before.
          if (request.case !== undefined && patched(VIOLATION_CASES))
            await startChild(violationCaseWorkflow, {
              workflowId: violationCaseWorkflowId(input.examId, request.caseId),
              parentClosePolicy: ParentClosePolicy.ABANDON,
              args: [
                {
                  examId: input.examId,
                  caseId: request.caseId,
                  studentId: request.case.studentId,
                  source: request.case.source,
                  departmentId: input.departmentId,
                  discipline: input.discipline,
                  examDate: input.facts.days[0],
                  policy,
                  calendar: input.calendar,
                  parentWorkflowId: workflowId,
                },
              ],
            });
          break;
        case 'violationActSent':
          openOnEvent('violationActSent', request.caseId);
          break;
        case 'appealFiled': {
          await addHold({ caseId: request.caseId, kind: 'appeal', by: request.actor });
          const [decision] = openOnEvent('appealFiled', request.caseId);
          // Row 12: the appeal ends with its decision, and with it the hold on the recordings.
          if (decision !== undefined)
            void condition(() => decision.done).then(() =>
              releaseHold(request.caseId, WORKFLOW_ACTOR),
            );
          break;
        }
        case 'caseClosed':
          await releaseHold(request.caseId, request.actor);
          break;
        case 'form4Returned': {
          if (!patched(FORM4_SIGNATURE)) break;
          // §5.15: the member answering for the proctor checks and signs (a step of their own);
          // a second return before the signature replaces the first under the same step.
          const [signature] = openOnEvent('form4Returned', request.caseId, request.assignee);
          if (signature !== undefined) void form4Signature(signature, request.caseId);
          break;
        }
      }
      return state;
    },
    { validator: (request: ExamEventRequest) => checkExamEvent(state, request) },
  );

  setHandler(retentionHoldSignal, async (signal) => {
    if (signal.open) {
      if (!state.holds.some((h) => h.caseId === signal.caseId))
        await addHold({ caseId: signal.caseId, kind: signal.kind, by: signal.by });
    } else {
      await releaseHold(signal.caseId, signal.by);
    }
  });

  setHandler(
    rescheduleExamUpdate,
    async (request: RescheduleRequest): Promise<ExamWorkflowState> => {
      // Only the dates move: works, credits, summer and retake stay as registered.
      input.facts = {
        ...input.facts,
        days: request.facts.days,
        startsAt: request.facts.startsAt,
        endsAt: request.facts.endsAt,
        sittings: request.facts.sittings,
      };
      if (request.calendar !== undefined) {
        input.calendar = request.calendar;
        ctx.calendar = request.calendar;
      }
      current = plan();
      state.days = input.facts.days;
      state.startsAt = firstSitting();
      state.endsAt = input.facts.endsAt;
      epoch++;
      for (const [key, task] of tasks) {
        const replanned = current.steps.find((s) => s.key === key);
        if (replanned !== undefined)
          await task.reschedule(replanned, input.calendar, request.actor);
        else if (!key.includes('@') && task.state.ownerRole !== 'system')
          await task.close('dropped', `exam day removed by a reschedule: ${request.reason}`);
      }
      for (const step of current.steps) if (!step.automatic) launch(step.key);
      await acts.recordExamRescheduled({
        examId: input.examId,
        examDate: input.facts.days[0],
        startsAt: input.facts.startsAt ?? input.facts.endsAt,
      });
      return state;
    },
    { validator: (request: RescheduleRequest) => checkReschedule(state, request) },
  );

  publish(state.steps);
  for (const step of current.steps) if (!step.automatic) launch(step.key);

  // The exam day(s): D to E.
  await until(() => state.startsAt);
  state.phase = 'exam';
  await record('exam.started', ['§5.5'], { phase: 'exam' });
  // §5.3, §5.5 (issue 8): each exam day's admitted students get their tickets at its start, drawn
  // with the seed committed when the day's set was approved; the seeds are revealed after E.
  const assigning = patched(TICKET_ASSIGNMENT) ? assignEachDay() : Promise.resolve();
  await until(() => input.facts.endsAt);
  state.phase = 'afterExam';
  await record('exam.ended', ['§5.7', '§5.17'], { phase: 'afterExam' });
  // §5.13 (issue 9): each proctor's Form 4 goes out now, from the working-group member's name.
  if (patched(FORM4_ROUND_TRIP))
    void acts.sendForm4s({
      examId: input.examId,
      workflowId,
      runId,
      scopeId: input.departmentId,
      at: Date.now(),
    });
  if (patched(TICKET_ASSIGNMENT)) {
    await assigning;
    await acts.revealAssignmentSeeds({ examId: input.examId, at: Date.now(), workflowId, runId });
  }
  // §5.6, §5.18, rows 6–8 (issue 8): at E every work gets a random code, examiners grade codes
  // only; once the grading step is done the code → student mapping is opened.
  let deanonymising: Promise<unknown> = Promise.resolve();
  if (patched(ANONYMISED_GRADING)) {
    try {
      await acts.createWorkCodes({ examId: input.examId, at: Date.now(), workflowId, runId });
    } catch (error) {
      // Bad data (no such exam row): recorded; the steps still run, graded outside Emtihan.
      if (!(error instanceof ActivityFailure)) throw error;
      await record('grading.anonymisation-failed', ['§5.6', 'row 6'], {
        after: { reason: error.cause?.message ?? error.message },
      });
    }
    // A policy without the grading step has nothing to open the codes on: they stay sealed.
    if (policy.steps.some((s) => s.id === 'grading'))
      deanonymising = condition(() => ruleDone('grading')).then(() =>
        acts.openWorkCodes({ examId: input.examId, at: Date.now(), workflowId, runId }),
      );
  }

  // Row 12: the results are published when the grade sheet is exported; appeals may be filed.
  void condition(() => ruleDone('gradeSheetExport')).then(() => {
    state.resultsPublishedAt = Date.now();
    openOnEvent('resultsPublished');
  });

  // §5.7: the recordings are kept until date(E) + 3 months, and while any case is open.
  for (const purge of current.steps.filter((s) => s.automatic)) {
    const step: StepState = {
      stepId: purge.key,
      ruleId: purge.stepId,
      clauses: purge.clauses,
      ownerRole: purge.ownerRole,
      escalation: purge.escalation,
      status: 'open',
      version: 1,
      openedAt: Date.now(),
      dueAt: purge.dueAt,
      reminders: [],
      remindersSent: [],
      rejections: 0,
      escalationsSent: [],
    };
    const ref = {
      examId: input.examId,
      stepId: step.stepId,
      clauses: step.clauses,
      workflowId,
      runId,
    };
    const change = (next: Partial<StepState>) => {
      Object.assign(step, next, { version: step.version + 1 });
      return { ...step };
    };
    state.steps.push(step);
    await acts.recordStepOpened({ ...ref, step: { ...step }, at: step.openedAt });
    await until(() => {
      step.dueAt = current.steps.find((s) => s.key === purge.key)?.dueAt ?? step.dueAt;
      return step.dueAt;
    });
    if (holdsOpen()) {
      const held = change({ status: 'held' });
      await acts.recordStepEvent({
        ...ref,
        step: held,
        at: Date.now(),
        action: 'video.held',
        after: { holds: state.holds.filter((h) => h.closedAt === undefined).map((h) => h.caseId) },
      });
      await condition(() => !holdsOpen());
    }
    const done = change({ status: 'done', approvedAt: Date.now(), approvedBy: WORKFLOW_ACTOR });
    await acts.recordStepEvent({
      ...ref,
      step: done,
      at: Date.now(),
      action: 'video.purged',
      before: { status: 'open' },
      after: { status: 'done', dueAt: new Date(step.dueAt).toISOString() },
    });
  }

  await condition(
    () =>
      settled.size === launched.size && [...tasks.values()].every((t) => t.done) && !holdsOpen(),
  );
  await deanonymising;
  state.phase = 'completed';
  await record('exam.completed', [], { phase: 'completed' });
  await condition(allHandlersFinished);
  return state;
}
