import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { WorkingCalendar } from '../sop/calendar';
import type { ExamFacts, SessionFacts } from '../sop/plan';
import type { Policy } from '../sop/policy';
import { DecideRefusedError, type StepState } from './exam.contract';

/**
 * Contract of the session workflow (`session-<id>`, issue 6): the session-level steps (GP 4 per
 * department, rows 4, 3 and 5) and one child exam workflow per exam.
 */
export const sessionWorkflowId = (sessionId: string): string => `session-${sessionId}`;
export const SESSION_WORKFLOW_TYPE = 'sessionWorkflow';

export interface SessionExam {
  examId: string;
  discipline: string;
  departmentId: string;
  facts: ExamFacts;
}

export interface SessionWorkflowInput {
  sessionId: string;
  title: string;
  /** The org unit the session covers (the institution or a school): its steps' owners come from there. */
  scopeId: string;
  /** S, summer (row 4), the departments taking part (GP 4 once per department). */
  facts: SessionFacts;
  /** One snapshot for the session and every exam in it (DEADLINES.md: kept for life). */
  policy: Policy;
  calendar: WorkingCalendar;
  exams: SessionExam[];
  /**
   * Set when a run continued as new while starting the exams (issue 10): the exams before `next`
   * have their workflows (those in `existing` had one already), and when the session first opened.
   */
  fanOut?: { next: number; existing: string[]; startedAt: number };
}

export interface SessionExamState {
  examId: string;
  workflowId: string;
  departmentId: string;
  /** started: its workflow runs; existing: a workflow of that id was already there. */
  start: 'pending' | 'started' | 'existing';
}

export interface SessionWorkflowState {
  sessionId: string;
  title: string;
  startDate: string;
  summer: boolean;
  steps: StepState[];
  exams: SessionExamState[];
  completed: boolean;
}

export const sessionStateQuery = defineQuery<SessionWorkflowState>('sessionState');

/** Moves the session's start (S) or gives it a new calendar: open session steps get new dues. */
export interface RescheduleSessionRequest {
  startDate: string;
  calendar?: WorkingCalendar;
  actor: string;
  actorName: string;
  reason: string;
}
export const rescheduleSessionUpdate = defineUpdate<
  SessionWorkflowState,
  [RescheduleSessionRequest]
>('rescheduleSession');

export function checkSessionReschedule(
  state: SessionWorkflowState,
  request: RescheduleSessionRequest,
): void {
  if (typeof request.actor !== 'string' || request.actor.trim() === '')
    throw new DecideRefusedError('missing-actor', 'actor is required');
  if ((request.reason ?? '').trim() === '')
    throw new DecideRefusedError('missing-reason', 'a reschedule needs a reason');
  if (!/^\d{4}-\d{2}-\d{2}$/.test(request.startDate ?? ''))
    throw new DecideRefusedError('unknown-step', 'startDate must be a date YYYY-MM-DD');
  if (state.completed)
    throw new DecideRefusedError('not-open', 'every step of this session is done');
}
