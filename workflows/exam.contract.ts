import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WorkingCalendar } from '../sop/calendar';
import type { ExamFacts } from '../sop/plan';
import type { Policy, Role } from '../sop/policy';

/**
 * Contract of the exam workflow: what the API and tests may use without importing the body.
 * The foundation's thin slice runs one human step (GP 3, row 1); the exam-lifecycle issue adds
 * the rest on the same contract.
 */

export const examWorkflowId = (examId: string): string => `exam-${examId}`;
export const EXAM_WORKFLOW_TYPE = 'examWorkflow';

/** Search attributes registered on the dev server by scripts/infra.ts (and in production). */
export const SEARCH_ATTRIBUTES = {
  examId: { name: 'EmtihanExamId', type: 'Keyword' },
  department: { name: 'EmtihanDepartment', type: 'Keyword' },
  examDate: { name: 'EmtihanExamDate', type: 'Datetime' },
  /** Kept current by the workflow: the open step due first (or "done"), overdue, and its due. */
  currentStep: { name: 'EmtihanCurrentStep', type: 'Keyword' },
  overdue: { name: 'EmtihanOverdue', type: 'Bool' },
  nextDueAt: { name: 'EmtihanNextDueAt', type: 'Datetime' },
} as const;

/** The same attributes as typed keys, for the client (start) and the workflow (upsert). */
export const SEARCH_ATTRIBUTE_KEYS = {
  examId: defineSearchAttributeKey(SEARCH_ATTRIBUTES.examId.name, SearchAttributeType.KEYWORD),
  department: defineSearchAttributeKey(
    SEARCH_ATTRIBUTES.department.name,
    SearchAttributeType.KEYWORD,
  ),
  examDate: defineSearchAttributeKey(SEARCH_ATTRIBUTES.examDate.name, SearchAttributeType.DATETIME),
  currentStep: defineSearchAttributeKey(
    SEARCH_ATTRIBUTES.currentStep.name,
    SearchAttributeType.KEYWORD,
  ),
  overdue: defineSearchAttributeKey(SEARCH_ATTRIBUTES.overdue.name, SearchAttributeType.BOOL),
  nextDueAt: defineSearchAttributeKey(
    SEARCH_ATTRIBUTES.nextDueAt.name,
    SearchAttributeType.DATETIME,
  ),
};

export interface ExamWorkflowInput {
  examId: string;
  discipline: string;
  /** The department (an org unit id): owners and supervisors are resolved in its scope. */
  departmentId: string;
  /** Exam days (D1 … Dn), first-sitting start, E, works, summer, retake: what sop/plan.ts plans from. */
  facts: ExamFacts;
  /** The policy snapshot the exam runs on, for its whole life (DEADLINES.md). */
  policy: Policy;
  /**
   * The working-day calendar resolved for the years the exam spans (public holidays, closures,
   * decree transfers): recorded in the history, so an auditor sees which holidays were assumed.
   */
  calendar: WorkingCalendar;
}

export type StepStatus = 'open' | 'overdue' | 'approved' | 'waived';
/** approve = complete; reject = return for changes (new due per policy); waive; reassign/delegate. */
export type Decision = 'approve' | 'reject' | 'waive' | 'reassign';
export const DONE: readonly StepStatus[] = ['approved', 'waived'];

export interface StepState {
  stepId: string;
  clauses: string[];
  /** Who decides it, and who is told when it is late (in order); from the policy. */
  ownerRole: Role;
  escalation: Role[];
  status: StepStatus;
  /** Transition counter: the read model keeps the newest snapshot whatever order writes land in. */
  version: number;
  openedAt: number;
  dueAt: number;
  reminders: number[];
  remindersSent: number[];
  overdueAt?: number;
  approvedAt?: number;
  approvedBy?: string;
  comment?: string;
  /** The last rejection (return for changes): the step stays open, with the reason. */
  rejectedAt?: number;
  rejectedBy?: string;
  rejections: number;
  waivedAt?: number;
  waivedBy?: string;
  /** A person the step was reassigned (delegated) to: they decide and are reminded instead. */
  assignee?: { personId: string; name: string };
  /** Escalation notices sent while overdue (the due instant, then every working day). */
  escalationsSent: number[];
}

export interface ExamWorkflowState {
  examId: string;
  steps: StepState[];
}

export interface DecideStepRequest {
  stepId: string;
  decision: Decision;
  /** The person deciding (directory id). */
  actor: string;
  actorName: string;
  /** The roles the actor holds over the exam's department (the API resolves them). */
  actorRoles: Role[];
  /** A reason: required to reject, waive or reassign. */
  comment?: string;
  /** reassign: the person who takes the step over. */
  assignee?: { personId: string; name: string };
  /** How the decision came: the API, or a one-click email link (with the link's id). */
  via: { kind: 'api' } | { kind: 'email-link'; linkId: string };
}

export interface DecideStepResult {
  examId: string;
  stepId: string;
  decision: Decision;
  status: StepStatus;
  decidedAt: number;
  decidedBy: string;
  /** Was the decision after the due instant? */
  late: boolean;
}

export const decideStepUpdate = defineUpdate<DecideStepResult, [DecideStepRequest]>('decideStep');

/**
 * Moves the exam (new days, sitting times) and/or gives it a new resolved calendar (a government
 * decree moved a working day): every open step's due and reminders are recomputed from sop/ without
 * restarting; done steps stay done; a step whose new due has passed is overdue at once.
 */
export interface RescheduleRequest {
  facts: ExamFacts;
  calendar?: WorkingCalendar;
  actor: string;
  actorName: string;
  reason: string;
}
export const rescheduleExamUpdate = defineUpdate<ExamWorkflowState, [RescheduleRequest]>(
  'rescheduleExam',
);

export function checkReschedule(state: ExamWorkflowState, request: RescheduleRequest): void {
  if (typeof request.actor !== 'string' || request.actor.trim() === '')
    throw new DecideRefusedError('missing-actor', 'actor is required');
  if ((request.reason ?? '').trim() === '')
    throw new DecideRefusedError('missing-reason', 'a reschedule needs a reason');
  if (request.facts.examId !== state.examId)
    throw new DecideRefusedError(
      'unknown-step',
      `these facts are for exam ${request.facts.examId}`,
    );
  if (state.steps.every((s) => DONE.includes(s.status)))
    throw new DecideRefusedError('not-open', 'every step of this exam is done');
}
export const examStateQuery = defineQuery<ExamWorkflowState>('examState');

/** Why a decision is refused; the API maps each to an HTTP status. */
export type DecideRefusal =
  | 'unknown-step'
  | 'not-open'
  | 'missing-actor'
  | 'missing-reason'
  | 'missing-assignee'
  | 'not-allowed';

export class DecideRefusedError extends Error {
  constructor(
    readonly refusal: DecideRefusal,
    message: string,
  ) {
    super(`${refusal}: ${message}`);
    this.name = 'DecideRefusedError';
  }
}

/** The synchronous validator of decideStep: pure, so the API can explain refusals the same way. */
export function checkDecision(state: ExamWorkflowState, request: DecideStepRequest): void {
  const step = state.steps.find((s) => s.stepId === request.stepId);
  if (step === undefined) {
    throw new DecideRefusedError(
      'unknown-step',
      `step "${request.stepId}" is not part of exam ${state.examId}`,
    );
  }
  if (typeof request.actor !== 'string' || request.actor.trim() === '') {
    throw new DecideRefusedError('missing-actor', 'actor is required');
  }
  // Who may act is checked before the step's state, so the state is not told to whoever may not act.
  refuseUnlessAllowed(step, request);
  const reason = (request.comment ?? '').trim() !== '';
  if (DONE.includes(step.status)) {
    throw new DecideRefusedError('not-open', `step "${request.stepId}" is already ${step.status}`);
  }
  switch (request.decision) {
    case 'approve':
      return;
    case 'reject':
      if (!reason)
        throw new DecideRefusedError(
          'missing-reason',
          'a rejection needs a comment saying what to change',
        );
      return;
    case 'waive':
      if (!reason) throw new DecideRefusedError('missing-reason', 'a waiver needs a reason');
      return;
    case 'reassign':
      if (!reason) throw new DecideRefusedError('missing-reason', 'a reassignment needs a reason');
      if (request.assignee === undefined || request.assignee.personId.trim() === '')
        throw new DecideRefusedError('missing-assignee', 'say who takes the step over');
      return;
  }
}

/**
 * Who may take a decision (issue 6; DEADLINES.md "waived only by the role above its owner"): the
 * owner role or the person the step was reassigned to approves, rejects and reassigns; a role of
 * the escalation chain waives and reassigns. Checked before the step's state, so the state is not
 * told to whoever may not act; the API runs the same check when the workflow has already closed.
 */
export function refuseUnlessAllowed(
  step: Pick<StepState, 'stepId' | 'ownerRole' | 'escalation' | 'assignee'>,
  request: Pick<DecideStepRequest, 'decision' | 'actor' | 'actorRoles'>,
): void {
  const roles = request.actorRoles ?? [];
  const owns = roles.includes(step.ownerRole) || step.assignee?.personId === request.actor;
  const above = roles.some((r) => step.escalation.includes(r));
  const allowed =
    request.decision === 'waive' ? above : request.decision === 'reassign' ? owns || above : owns;
  if (allowed) return;
  const who =
    request.decision === 'waive'
      ? `only ${step.escalation.join(' or ') || 'a role above the owner'} may waive`
      : request.decision === 'reassign'
        ? `only ${step.ownerRole} or a role above it may reassign`
        : `only ${step.ownerRole}${step.assignee ? ` or ${step.assignee.name}` : ''} may ${request.decision}`;
  throw new DecideRefusedError('not-allowed', `${who} step "${step.stepId}"`);
}
