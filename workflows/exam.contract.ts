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
  department: string;
  /** Exam days (D1 … Dn), first-sitting start, E, works, summer, retake: what sop/plan.ts plans from. */
  facts: ExamFacts;
  /** Who is reminded (until the directory issue resolves owners through roles). */
  ownerEmail: string;
  /** The policy snapshot the exam runs on, for its whole life (DEADLINES.md). */
  policy: Policy;
  /**
   * The working-day calendar resolved for the years the exam spans (public holidays, closures,
   * decree transfers): recorded in the history, so an auditor sees which holidays were assumed.
   */
  calendar: WorkingCalendar;
}

export type StepStatus = 'open' | 'overdue' | 'approved';

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
}

export interface ExamWorkflowState {
  examId: string;
  steps: StepState[];
}

export interface ApproveStepRequest {
  stepId: string;
  actor: string;
  comment?: string;
}

export interface ApproveStepResult {
  examId: string;
  stepId: string;
  status: 'approved';
  approvedAt: number;
  approvedBy: string;
  /** Was the approval after the due instant? */
  late: boolean;
}

export const approveStepUpdate = defineUpdate<ApproveStepResult, [ApproveStepRequest]>(
  'approveStep',
);
export const examStateQuery = defineQuery<ExamWorkflowState>('examState');

/** Why an approval is refused; the API maps each to an HTTP status. */
export type ApproveRefusal = 'unknown-step' | 'not-open' | 'missing-actor';

export class ApproveRefusedError extends Error {
  constructor(
    readonly refusal: ApproveRefusal,
    message: string,
  ) {
    super(`${refusal}: ${message}`);
    this.name = 'ApproveRefusedError';
  }
}

/** The synchronous validator of approveStep: pure, so the API can explain refusals the same way. */
export function checkApprove(state: ExamWorkflowState, request: ApproveStepRequest): void {
  const step = state.steps.find((s) => s.stepId === request.stepId);
  if (step === undefined) {
    throw new ApproveRefusedError(
      'unknown-step',
      `step "${request.stepId}" is not part of exam ${state.examId}`,
    );
  }
  if (step.status === 'approved') {
    throw new ApproveRefusedError('not-open', `step "${request.stepId}" is already approved`);
  }
  if (typeof request.actor !== 'string' || request.actor.trim() === '') {
    throw new ApproveRefusedError('missing-actor', 'actor is required');
  }
}
