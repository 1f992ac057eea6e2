import {
  condition,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { planAfterEvent } from '../sop/plan';
import { findStep } from '../sop/units';
import { acts } from './activities';
import {
  checkDecision,
  decideStepUpdate,
  retentionHoldSignal,
  WORKFLOW_ACTOR,
  type DecideStepRequest,
  type DecideStepResult,
} from './exam.contract';
import { HumanTask, type TaskContext } from './human-task';
import {
  caseStateQuery,
  type ViolationCaseInput,
  type ViolationCaseState,
} from './violation-case.contract';

/**
 * A violation case (§5.8, §5.14–§5.16, row 11; workflows/violation-case.contract.ts). Its steps
 * are human tasks of the exam (the read model and inbox show them with the exam's), decided
 * through the API, which records the documents (the act, Form 3) and passes their numbers and
 * hashes as the approvals' subjects.
 */
export async function violationCaseWorkflow(
  input: ViolationCaseInput,
): Promise<ViolationCaseState> {
  const { workflowId, runId } = workflowInfo();
  const ctx: TaskContext = {
    kind: 'exam',
    id: input.examId,
    workflowId,
    runId,
    departmentId: input.departmentId,
    discipline: input.discipline,
    examDate: input.examDate,
    policy: input.policy,
    calendar: input.calendar,
  };
  const state: ViolationCaseState = {
    examId: input.examId,
    caseId: input.caseId,
    status: 'open',
    closed: false,
    steps: [],
  };
  const tasks = new Map<string, HumanTask>();
  setHandler(caseStateQuery, () => state);
  setHandler(
    decideStepUpdate,
    async (request: DecideStepRequest): Promise<DecideStepResult> => {
      const task = tasks.get(request.stepId);
      if (task === undefined) throw new Error(`step ${request.stepId} is not open`);
      return task.decide(request);
    },
    { validator: (request: DecideStepRequest) => checkDecision(state, request) },
  );

  /** Opens the policy's step `stepId` for this case (`<step>@<case>`), due from now. */
  function open(stepId: string, onOverdue?: () => void): HumanTask {
    const rule = findStep(input.policy, stepId);
    if (rule === undefined) throw new Error(`policy ${input.policy.version} has no step ${stepId}`);
    const planned = planAfterEvent(input.policy, input.calendar, stepId, Date.now());
    const key = `${stepId}@${input.caseId}`;
    const task = new HumanTask(
      ctx,
      { ...planned, key },
      rule.title,
      Date.now(),
      onOverdue !== undefined ? { onOverdue } : {},
    );
    tasks.set(key, task);
    state.steps.push(task.state);
    void task.run();
    return task;
  }
  const record = (status: 'confirmed' | 'dismissed' | 'closed', clauses: string[], after: object) =>
    acts.recordCaseStatus({
      examId: input.examId,
      caseId: input.caseId,
      status,
      clauses,
      workflowId,
      runId,
      scopeId: input.departmentId,
      at: Date.now(),
      after,
    });

  // §5.8, §5.15: the commission confirms (a numbered act) or dismisses.
  const decision = open('caseDecision');
  await condition(() => decision.done);
  const subject = decision.state.subject;
  const confirmed =
    decision.state.status === 'approved' &&
    subject?.kind === 'caseDecision' &&
    subject.decision === 'confirmed';
  state.status = confirmed ? 'confirmed' : 'dismissed';
  await record(state.status, ['§5.8', '§5.15'], { step: decision.state.status, subject });

  if (confirmed) {
    // §5.16: the dean's office sends the act; the student answers it within the policy's days.
    const delivery = open('actDelivery');
    await condition(() => delivery.done);
    if (delivery.state.status === 'approved') {
      await acts.deliverAct({
        examId: input.examId,
        caseId: input.caseId,
        workflowId,
        runId,
        scopeId: input.departmentId,
        acknowledgement: input.policy.rules.violation.acknowledgement,
        at: Date.now(),
      });
      let refusal: HumanTask | undefined;
      // Silence: the acknowledgement turns overdue and the Form 3 refusal act falls due.
      const acknowledgement = open('violationAcknowledgement', () => {
        refusal ??= open('refusalAct');
      });
      await condition(() => acknowledgement.done || (refusal?.done ?? false));
      const answer = acknowledgement.state.subject;
      if (
        acknowledgement.state.status === 'approved' &&
        answer?.kind === 'acknowledgement' &&
        answer.answer === 'refuse'
      )
        refusal ??= open('refusalAct');
      if (refusal !== undefined) {
        await condition(() => refusal!.done);
        if (!acknowledgement.done)
          await acknowledgement.close('superseded', `${refusal.state.stepId} is done (§5.16)`);
      }
    }
  }

  state.closed = true;
  await record('closed', ['§5.7', '§5.16'], { status: state.status });
  // §5.7: the case no longer holds the exam's recordings.
  await getExternalWorkflowHandle(input.parentWorkflowId).signal(retentionHoldSignal, {
    caseId: input.caseId,
    kind: 'violationCase',
    open: false,
    by: WORKFLOW_ACTOR,
  });
  return state;
}
