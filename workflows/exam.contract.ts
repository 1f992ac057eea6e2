import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WorkingCalendar } from '../sop/calendar';
import type { ExamFacts } from '../sop/plan';
import type { Policy } from '../sop/policy';

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
} as const;

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

export type StepStatus = 'open' | 'overdue' | 'approved';
export type Decision = 'approve' | 'reject';

export interface StepState {
  stepId: string;
  clauses: string[];
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
}

export interface ExamWorkflowState {
  examId: string;
  steps: StepState[];
}

export interface DecideStepRequest {
  stepId: string;
  decision: Decision;
  /** The person deciding (directory id); the API has checked their role and scope. */
  actor: string;
  actorName: string;
  comment?: string;
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
export const examStateQuery = defineQuery<ExamWorkflowState>('examState');

/** Why a decision is refused; the API maps each to an HTTP status. */
export type DecideRefusal = 'unknown-step' | 'not-open' | 'missing-actor' | 'missing-reason';

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
  if (step.status === 'approved') {
    throw new DecideRefusedError('not-open', `step "${request.stepId}" is already approved`);
  }
  if (typeof request.actor !== 'string' || request.actor.trim() === '') {
    throw new DecideRefusedError('missing-actor', 'actor is required');
  }
  if (request.decision === 'reject' && (request.comment ?? '').trim() === '') {
    throw new DecideRefusedError(
      'missing-reason',
      'a rejection needs a comment saying what to change',
    );
  }
}
