import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { createActivities } from '../activities';
import { planExam } from '../sop/plan';
import { DEPARTMENT_DISCUSSION, findStep } from '../sop/policy';
import {
  approveStepUpdate,
  checkApprove,
  examStateQuery,
  type ApproveStepRequest,
  type ApproveStepResult,
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
 * The foundation's thin slice of the exam lifecycle: one human step (GP 3, row 1, department
 * discussion) with its due instant from sop/, reminders before it, overdue when it passes, and an
 * approval as an Update. The exam-lifecycle issue replaces it with every SOP step.
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
  };
  const state: ExamWorkflowState = { examId: input.examId, steps: [step] };
  const ref = {
    examId: input.examId,
    stepId: step.stepId,
    clauses: step.clauses,
    workflowId,
    runId,
  };
  const decided = (): boolean => step.status === 'approved';
  /** Applies a transition and returns the snapshot the read model stores (newest version wins). */
  const transition = (change: Partial<StepState>): StepState => {
    Object.assign(step, change, { version: step.version + 1 });
    return { ...step, remindersSent: [...step.remindersSent] };
  };

  setHandler(examStateQuery, () => state);
  setHandler(
    approveStepUpdate,
    async (request): Promise<ApproveStepResult> => {
      const approvedAt = Date.now();
      const before = step.status;
      const snapshot = transition({
        status: 'approved',
        approvedAt,
        approvedBy: request.actor,
        comment: request.comment,
      });
      await acts.recordStepApproved({
        ...ref,
        step: snapshot,
        actor: request.actor,
        at: approvedAt,
        before,
      });
      return {
        examId: input.examId,
        stepId: step.stepId,
        status: 'approved',
        approvedAt,
        approvedBy: request.actor,
        late: approvedAt > step.dueAt,
      };
    },
    { validator: (request: ApproveStepRequest) => checkApprove(state, request) },
  );

  await acts.recordStepOpened({ ...ref, step: { ...step }, at: step.openedAt });

  for (const reminderAt of plan.reminders) {
    if (await waitUntil(reminderAt, decided)) break;
    const snapshot = transition({ remindersSent: [...step.remindersSent, reminderAt] });
    await acts.sendStepReminder({
      ...ref,
      step: snapshot,
      to: input.ownerEmail,
      discipline: input.discipline,
      department: input.department,
      examDate: input.facts.days[0],
      reminderAt,
      timeZone: input.policy.timeZone,
      title: rule.title,
      at: Date.now(),
    });
  }

  if (!(await waitUntil(step.dueAt, decided))) {
    const overdueAt = Date.now();
    await acts.markStepOverdue({
      ...ref,
      step: transition({ status: 'overdue', overdueAt }),
      at: overdueAt,
    });
  }

  await condition(decided);
  await condition(allHandlersFinished);
  return state;
}
