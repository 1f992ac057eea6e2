import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { linkExpiry, planExam } from '../sop/plan';
import { DEPARTMENT_DISCUSSION, findStep, isCalendarUnit } from '../sop/policy';
import {
  checkDecision,
  decideStepUpdate,
  examStateQuery,
  type DecideStepRequest,
  type DecideStepResult,
  type ExamWorkflowInput,
  type ExamWorkflowState,
  type StepState,
} from './exam.contract';

const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/** Waits until `at` (epoch ms) or until `done()` holds; true when done() held first. */
async function waitUntil(at: number, done: () => boolean): Promise<boolean> {
  const remaining = at - Date.now();
  if (remaining <= 0) return done();
  return condition(done, remaining);
}

/**
 * The thin slice of the exam lifecycle: one human step (GP 3, row 1, department discussion) with
 * its due instant from sop/, an "opened" email and reminders to the step's owners (resolved from
 * the directory in the department's scope), overdue at the due with an email to the owners and an
 * escalation to the first role of the step's chain, and decisions (approve, or reject = return
 * for changes) as an Update. The exam-lifecycle issue replaces it with every SOP step.
 */
export async function examWorkflow(input: ExamWorkflowInput): Promise<ExamWorkflowState> {
  const { workflowId, runId } = workflowInfo();
  const rule = findStep(input.policy, DEPARTMENT_DISCUSSION);
  if (rule === undefined)
    throw new Error(`policy ${input.policy.version} has no step ${DEPARTMENT_DISCUSSION}`);

  const plan = planExam(input.policy, input.calendar, {
    ...input.facts,
    opensAt: Date.now(),
  }).steps.find((s) => s.key === DEPARTMENT_DISCUSSION);
  if (plan === undefined) throw new Error(`the plan has no step ${DEPARTMENT_DISCUSSION}`);

  const step: StepState = {
    stepId: rule.id,
    clauses: rule.clauses,
    status: 'open',
    version: 1,
    openedAt: Date.now(),
    dueAt: plan.dueAt,
    reminders: plan.reminders,
    remindersSent: [],
    rejections: 0,
  };
  const state: ExamWorkflowState = { examId: input.examId, steps: [step] };
  const ref = {
    examId: input.examId,
    stepId: step.stepId,
    clauses: step.clauses,
    workflowId,
    runId,
  };
  const notice = {
    stepKey: plan.key,
    departmentId: input.departmentId,
    title: rule.title,
    discipline: input.discipline,
    examDate: input.facts.days[0],
    endOfDayDue: isCalendarUnit(plan.offset.unit),
    timeZone: input.calendar.timeZone,
    linkExpiresAt: linkExpiry(input.policy, input.calendar, plan.dueAt),
  };
  const decided = (): boolean => step.status === 'approved';
  /** Applies a transition and returns the snapshot the read model stores (newest version wins). */
  const transition = (change: Partial<StepState>): StepState => {
    Object.assign(step, change, { version: step.version + 1 });
    return { ...step, remindersSent: [...step.remindersSent] };
  };

  setHandler(examStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    async (request: DecideStepRequest): Promise<DecideStepResult> => {
      const at = Date.now();
      const before = step.status;
      const snapshot =
        request.decision === 'approve'
          ? transition({
              status: 'approved',
              approvedAt: at,
              approvedBy: request.actor,
              comment: request.comment,
            })
          : transition({
              rejectedAt: at,
              rejectedBy: request.actor,
              comment: request.comment,
              rejections: step.rejections + 1,
            });
      await acts.recordStepDecision({ ...ref, step: snapshot, request, at, before });
      await acts.notifyStep({
        ...ref,
        ...notice,
        step: snapshot,
        at,
        kind: request.decision === 'approve' ? 'decided' : 'reopened',
        role: rule.ownerRole,
        scheduledFor: at,
        decidable: request.decision === 'reject',
        decision: {
          action: request.decision === 'approve' ? 'approved' : 'rejected',
          actorName: request.actorName,
          at,
          comment: request.comment,
        },
      });
      return {
        examId: input.examId,
        stepId: step.stepId,
        decision: request.decision,
        status: step.status,
        decidedAt: at,
        decidedBy: request.actor,
        late: at > step.dueAt,
      };
    },
    { validator: (request: DecideStepRequest) => checkDecision(state, request) },
  );

  await acts.recordStepOpened({ ...ref, step: { ...step }, at: step.openedAt });
  await acts.notifyStep({
    ...ref,
    ...notice,
    step: { ...step },
    at: step.openedAt,
    kind: 'opened',
    role: rule.ownerRole,
    scheduledFor: step.openedAt,
    decidable: true,
  });

  for (const reminderAt of plan.reminders) {
    if (await waitUntil(reminderAt, decided)) break;
    const snapshot = transition({ remindersSent: [...step.remindersSent, reminderAt] });
    await acts.notifyStep({
      ...ref,
      ...notice,
      step: snapshot,
      at: Date.now(),
      kind: 'reminder',
      role: rule.ownerRole,
      scheduledFor: reminderAt,
      decidable: true,
    });
  }

  if (!(await waitUntil(step.dueAt, decided))) {
    const overdueAt = Date.now();
    const snapshot = transition({ status: 'overdue', overdueAt });
    await acts.markStepOverdue({ ...ref, step: snapshot, at: overdueAt });
    await acts.notifyStep({
      ...ref,
      ...notice,
      step: snapshot,
      at: overdueAt,
      kind: 'overdue',
      role: rule.ownerRole,
      scheduledFor: overdueAt,
      decidable: true,
      overdueSince: step.dueAt,
    });
    // DEADLINES.md: the owner's supervisor is notified (the next role of the step's chain).
    const supervisor = rule.escalation[0];
    if (supervisor !== undefined) {
      await acts.notifyStep({
        ...ref,
        ...notice,
        step: snapshot,
        at: overdueAt,
        kind: 'escalation',
        role: supervisor,
        scheduledFor: overdueAt,
        decidable: false,
        overdueSince: step.dueAt,
      });
    }
  }

  await condition(decided);
  await condition(allHandlersFinished);
  return state;
}
