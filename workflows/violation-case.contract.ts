import { defineQuery } from '@temporalio/workflow';
import type { WorkingCalendar } from '../sop/calendar';
import type { Policy } from '../sop/policy';
import type { StepState } from './exam.contract';

/**
 * A violation case (issue 9; §5.8, §5.14–§5.16, row 11) runs as a child workflow of its exam:
 * the integrity commission confirms or dismisses it (`caseDecision@V-n`); a confirmed act goes to
 * the student through the dean's office (`actDelivery@V-n`, §5.16); the student acknowledges it,
 * agreeing or disagreeing (`violationAcknowledgement@V-n`); a refusal or silence makes the Form 3
 * refusal act due (`refusalAct@V-n`). While the case is open the exam's recordings are held (§5.7):
 * the exam holds them from the case's opening, and the case releases them when it closes.
 */

/** How a case came to be: a "drawn" Form 4 row, the proctoring system's flag, an act on the spot. */
export const CASE_SOURCES = ['form4', 'flag', 'form2', 'impostor'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];

/** The student's answer to a confirmed act (§5.16): "refuse" (to sign) makes Form 3 due. */
export const ACKNOWLEDGEMENTS = ['agree', 'disagree', 'refuse'] as const;
export type Acknowledgement = (typeof ACKNOWLEDGEMENTS)[number];

export const violationCaseWorkflowId = (examId: string, caseId: string) =>
  `violation-${examId}-${caseId}`;

/** The case id of a case step's key (`caseDecision@V-3` → `V-3`), if it is one. */
export function caseOfStep(stepKey: string): string | undefined {
  return /@(V-\d{1,6})$/.exec(stepKey)?.[1];
}

export interface ViolationCaseInput {
  examId: string;
  caseId: string;
  studentId: string;
  source: CaseSource;
  departmentId: string;
  discipline: string;
  examDate: string;
  policy: Policy;
  calendar: WorkingCalendar;
  /** The exam's workflow: told (a signal) to release the recordings when the case closes. */
  parentWorkflowId: string;
}

export type CaseStatus = 'open' | 'confirmed' | 'dismissed';

export interface ViolationCaseState {
  examId: string;
  caseId: string;
  status: CaseStatus;
  closed: boolean;
  steps: StepState[];
}

export const caseStateQuery = defineQuery<ViolationCaseState>('caseState');
