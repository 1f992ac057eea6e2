import {
  allHandlersFinished,
  condition,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { planExam } from '../sop/plan';
import { DEPARTMENT_DISCUSSION, findStep } from '../sop/units';
import {
  checkDecision,
  checkReschedule,
  decideStepUpdate,
  examStateQuery,
  rescheduleExamUpdate,
  DONE,
  SEARCH_ATTRIBUTE_KEYS,
  type RescheduleRequest,
  type StepState,
  type DecideStepRequest,
  type DecideStepResult,
  type ExamWorkflowInput,
  type ExamWorkflowState,
} from './exam.contract';
import { acts } from './activities';
import { HumanTask } from './human-task';

/**
 * Keeps the exam's search attributes current (issue 6 "visibility"): the open step due first (or
 * "done"), whether any step is overdue, and the next due. Behind patched(): histories recorded
 * before it replay without these commands.
 */
function publish(steps: StepState[]): void {
  if (!patched('search-attributes-v1')) return;
  const open = steps.filter((s) => !DONE.includes(s.status)).sort((a, b) => a.dueAt - b.dueAt);
  upsertSearchAttributes([
    { key: SEARCH_ATTRIBUTE_KEYS.currentStep, value: open[0]?.stepId ?? 'done' },
    { key: SEARCH_ATTRIBUTE_KEYS.overdue, value: open.some((s) => s.status === 'overdue') },
    {
      key: SEARCH_ATTRIBUTE_KEYS.nextDueAt,
      value: open[0] === undefined ? null : new Date(open[0].dueAt),
    },
  ]);
}

/**
 * The exam workflow. Today it runs GP 3's department discussion (row 1) as a human task — the
 * primitive every SOP step will use (workflows/human-task.ts): opened for the owners from the
 * directory, reminders, overdue at the due, escalation at once and every working day, decisions
 * (approve, return for changes, waive, reassign) as one Update. The rest of the lifecycle follows
 * on the same primitive.
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

  const task = new HumanTask(
    {
      examId: input.examId,
      workflowId,
      runId,
      departmentId: input.departmentId,
      discipline: input.discipline,
      examDate: input.facts.days[0],
      policy: input.policy,
      calendar: input.calendar,
    },
    plan,
    rule.title,
    Date.now(),
    () => publish(state.steps),
  );
  const state: ExamWorkflowState = { examId: input.examId, steps: [task.state] };
  publish(state.steps);

  setHandler(examStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    (request: DecideStepRequest): Promise<DecideStepResult> => task.decide(request),
    { validator: (request: DecideStepRequest) => checkDecision(state, request) },
  );

  setHandler(
    rescheduleExamUpdate,
    async (request: RescheduleRequest): Promise<ExamWorkflowState> => {
      // Only the dates move: works, credits, summer and retake stay as registered.
      input.facts = {
        ...input.facts,
        days: request.facts.days,
        startsAt: request.facts.startsAt,
        endsAt: request.facts.endsAt,
      };
      if (request.calendar !== undefined) input.calendar = request.calendar;
      const replanned = planExam(input.policy, input.calendar, {
        ...input.facts,
        opensAt: Date.now(),
      }).steps.find((s) => s.key === DEPARTMENT_DISCUSSION);
      if (replanned !== undefined) await task.reschedule(replanned, input.calendar, request.actor);
      await acts.recordExamRescheduled({
        examId: input.examId,
        examDate: input.facts.days[0],
        startsAt: input.facts.startsAt ?? input.facts.endsAt,
      });
      return state;
    },
    { validator: (request: RescheduleRequest) => checkReschedule(state, request) },
  );

  await task.run();
  await condition(allHandlersFinished);
  return state;
}
