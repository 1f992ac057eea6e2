import {
  allHandlersFinished,
  condition,
  continueAsNew,
  ParentClosePolicy,
  patched,
  setHandler,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { TypedSearchAttributes, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { planSession, type SessionPlan } from '../sop/plan';
import { findStep } from '../sop/units';
import {
  checkDecision,
  decideStepUpdate,
  examSearchAttributes,
  examWorkflowId,
  type DecideStepRequest,
  type DecideStepResult,
} from './exam.contract';
import { examWorkflow } from './exam.workflow';
import { HumanTask } from './human-task';
import {
  checkSessionReschedule,
  rescheduleSessionUpdate,
  sessionStateQuery,
  type RescheduleSessionRequest,
  type SessionWorkflowInput,
  type SessionWorkflowState,
} from './session.contract';

/** Children are started in batches: one workflow task carries at most this many start commands. */
const START_BATCH = 100;
/**
 * Exams started per run of the session workflow (issue 10). Each start records the exam's whole
 * input, the policy and calendar snapshot included (about 28 KB), in this workflow's history,
 * which Temporal caps at 50 MB (and warns from 10 MB): a session of 2,000 exams would pass the cap.
 * After this many starts the workflow continues as new, carrying its input and how far it got.
 */
const STARTS_PER_RUN = 250;
/** The patch that starts the exams over several runs (histories before it start them in one). */
const FAN_OUT_IN_RUNS = 'session-fan-out-runs-v1';

/**
 * The session workflow (`session-<id>`, issue 6). It starts one exam workflow per exam (each lives
 * on when the session's workflow ends: ParentClosePolicy ABANDON) and runs the session-level
 * steps as human tasks: commission composition S − 2 months for each department (GP 4, row 2), the
 * written-exam schedule S − 2 weeks, or S − 1 week for a summer session (row 4), proctors and
 * responsible staff S − 1 week (row 3), proctor instructions S − 1 day, after the proctors (row 5).
 * It completes when every session step is done; its query keeps answering the summary.
 */
export async function sessionWorkflow(input: SessionWorkflowInput): Promise<SessionWorkflowState> {
  const { workflowId, runId } = workflowInfo();
  // A continued run keeps the instant the session opened (its plan counts from it).
  const startedAt = input.fanOut?.startedAt ?? Date.now();
  const startedBefore = input.fanOut?.next ?? 0;
  const existing = new Set(input.fanOut?.existing ?? []);
  const { policy } = input;
  const plan = (): SessionPlan =>
    planSession(policy, input.calendar, { ...input.facts, opensAt: startedAt });
  let current = plan();
  const state: SessionWorkflowState = {
    sessionId: input.sessionId,
    title: input.title,
    startDate: input.facts.startDate,
    summer: input.facts.summer,
    steps: [],
    exams: input.exams.map((e, i) => ({
      examId: e.examId,
      workflowId: examWorkflowId(e.examId),
      departmentId: e.departmentId,
      start: i >= startedBefore ? 'pending' : existing.has(e.examId) ? 'existing' : 'started',
    })),
    completed: false,
  };
  const tasks = new Map<string, HumanTask>();
  const ruleDone = (ruleId: string) => {
    const own = [...tasks.values()].filter((t) => t.state.ruleId === ruleId);
    return own.length > 0 && own.every((t) => t.done);
  };

  setHandler(sessionStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    async (request: DecideStepRequest): Promise<DecideStepResult> => {
      const task = tasks.get(request.stepId);
      if (task === undefined) throw new Error(`step ${request.stepId} is not open`);
      return task.decide(request);
    },
    {
      validator: (request: DecideStepRequest) =>
        checkDecision({ steps: state.steps, sessionId: input.sessionId }, request),
    },
  );
  setHandler(
    rescheduleSessionUpdate,
    async (request: RescheduleSessionRequest): Promise<SessionWorkflowState> => {
      input.facts = { ...input.facts, startDate: request.startDate };
      if (request.calendar !== undefined) input.calendar = request.calendar;
      current = plan();
      state.startDate = request.startDate;
      for (const [key, task] of tasks) {
        const replanned = current.steps.find((s) => s.key === key);
        if (replanned !== undefined)
          await task.reschedule(replanned, input.calendar, request.actor);
      }
      return state;
    },
    { validator: (request: RescheduleSessionRequest) => checkSessionReschedule(state, request) },
  );

  // The exams: each its own workflow, started with the session's policy snapshot and calendar,
  // at most STARTS_PER_RUN of them in this run.
  const startUntil = patched(FAN_OUT_IN_RUNS)
    ? Math.min(input.exams.length, startedBefore + STARTS_PER_RUN)
    : input.exams.length;
  for (let i = startedBefore; i < startUntil; i += START_BATCH) {
    await Promise.all(
      input.exams.slice(i, Math.min(i + START_BATCH, startUntil)).map(async (exam, k) => {
        const entry = state.exams[i + k];
        try {
          await startChild(examWorkflow, {
            workflowId: entry.workflowId,
            args: [{ ...exam, policy, calendar: input.calendar }],
            parentClosePolicy: ParentClosePolicy.ABANDON,
            typedSearchAttributes: new TypedSearchAttributes(
              examSearchAttributes(exam, input.sessionId),
            ),
          });
          entry.start = 'started';
        } catch (error) {
          if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
          entry.start = 'existing';
        }
      }),
    );
  }
  if (startUntil < input.exams.length) {
    // A reschedule accepted meanwhile has changed `input`: the next run gets it as it is now.
    await condition(allHandlersFinished);
    await continueAsNew<typeof sessionWorkflow>({
      ...input,
      fanOut: {
        next: startUntil,
        existing: state.exams.filter((e) => e.start === 'existing').map((e) => e.examId),
        startedAt,
      },
    });
  }

  // The session's own steps, each when its `after` steps are done (row 5 after row 3).
  const ctx = {
    kind: 'session' as const,
    id: input.sessionId,
    workflowId,
    runId,
    discipline: input.title,
    examDate: input.facts.startDate,
    policy,
    calendar: input.calendar,
  };
  const launches = current.steps.map(async (first) => {
    const rule = findStep(policy, first.stepId);
    if (rule === undefined) return;
    await condition(() => (rule.after ?? []).every(ruleDone));
    const planned = current.steps.find((s) => s.key === first.key) ?? first;
    const task = new HumanTask(
      { ...ctx, departmentId: planned.department ?? input.scopeId, calendar: input.calendar },
      planned,
      rule.title,
      Date.now(),
    );
    tasks.set(planned.key, task);
    state.steps.push(task.state);
    await task.run();
  });
  await Promise.all(launches);
  state.completed = true;
  await condition(allHandlersFinished);
  return state;
}
