import { CASE_SOURCES, type CaseSource } from './violation-case.contract';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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
  /** The session an exam belongs to (and the session workflow's own id). */
  sessionId: { name: 'EmtihanSessionId', type: 'Keyword' },
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
  sessionId: defineSearchAttributeKey(
    SEARCH_ATTRIBUTES.sessionId.name,
    SearchAttributeType.KEYWORD,
  ),
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

/** The search attributes an exam's workflow starts with (by the API, or as a session's child). */
export function examSearchAttributes(
  exam: { examId: string; departmentId: string; facts: ExamFacts },
  sessionId?: string,
) {
  return [
    { key: SEARCH_ATTRIBUTE_KEYS.examId, value: exam.examId },
    { key: SEARCH_ATTRIBUTE_KEYS.department, value: exam.departmentId },
    {
      key: SEARCH_ATTRIBUTE_KEYS.examDate,
      value: new Date(exam.facts.startsAt ?? exam.facts.endsAt),
    },
    ...(sessionId !== undefined
      ? [{ key: SEARCH_ATTRIBUTE_KEYS.sessionId, value: sessionId }]
      : []),
  ];
}

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

/**
 * open / overdue: a person's step not yet done; approved (= completed) / waived: done. A window
 * (row 12's appeal filing) is `closed` at its end; the automatic video purge is `held` while a
 * case is open and `done` when the recordings are deleted (§5.7).
 */
export type StepStatus = 'open' | 'overdue' | 'approved' | 'waived' | 'closed' | 'held' | 'done';
/** approve = complete; reject = return for changes (new due per policy); waive; reassign/delegate. */
export type Decision = 'approve' | 'reject' | 'waive' | 'reassign';
export const DONE: readonly StepStatus[] = ['approved', 'waived', 'closed', 'done'];

/**
 * Steps approved through a route of their own, which records their document (a case's decision,
 * the act's delivery, the student's answer, Form 3, an appeal's outcome, a Form 4's signature):
 * their emails carry no one-click approve link, only the way to the exam in Emtihan.
 */
export const ROUTED_STEPS: readonly string[] = [
  'caseDecision',
  'actDelivery',
  'violationAcknowledgement',
  'refusalAct',
  'appealDecision',
  'form4Signature',
];

/**
 * The document version a decision approved (issue 8): a question-list version (GP 3), a day's
 * ticket set (§5.1, Form 1), the admission list (§5.1). Recorded in the step and its audit record.
 */
export type StepSubject =
  | { kind: 'questionList'; version: number; sha256: string }
  | { kind: 'ticketSet'; day: number; version: number; sha256: string }
  | { kind: 'admission'; version: number; sha256: string }
  /** §5.17, row 7: every work graded; the SHA-256 of the grades by code. */
  | { kind: 'grades'; count: number; sha256: string }
  /** §5.19, row 9: the reconciled grade-sheet version (the head and every grader confirmed it). */
  | { kind: 'gradeSheet'; version: number; sha256: string }
  /** Row 10: the reconciled version the registrar exported to the transcript. */
  | { kind: 'gradeSheetExport'; version: number; sha256: string }
  /**
   * Row 12: the appeal commission's recorded outcome of case `caseId`; a changed score names the
   * grade-sheet version it produced.
   */
  /** §5.8, §5.15: the commission's decision on a case; a confirmed one names its numbered act. */
  | {
      kind: 'caseDecision';
      caseId: string;
      decision: 'confirmed' | 'dismissed';
      act: { documentId: string; number: number; year: number; sha256: string } | null;
      members: string[];
    }
  /** §5.13, §5.14: every assigned proctor returned their Form 4 (the proctor-review step's subject). */
  | { kind: 'form4'; returned: number; drawn: number; sha256: string }
  /** §5.15: the member signed a proctor's returned Form 4: its numbered PDF. */
  | {
      kind: 'form4Signed';
      proctorId: string;
      documentId: string;
      number: number;
      year: number;
      sha256: string;
      drawn: number;
    }
  /**
   * Row 3, §5.12: the session's proctor assignments the testing centre approved (every exam has
   * its proctors): how many exams and distinct proctors, the working-group orders they come from
   * and the SHA-256 of the assignments (exam, proctor, member, order; sorted).
   */
  | {
      kind: 'proctorAssignments';
      exams: number;
      proctors: number;
      orders: { id: string; number: string }[];
      sha256: string;
    }
  /** §5.16: the act was sent to the student's email and AIS account. */
  | { kind: 'actDelivery'; caseId: string; documentId: string; channels: string[] }
  /** §5.16: the student's answer to the act. */
  | { kind: 'acknowledgement'; caseId: string; answer: 'agree' | 'disagree' | 'refuse' }
  /** §5.16, Form 3: the numbered refusal act. */
  | {
      kind: 'refusalAct';
      caseId: string;
      documentId: string;
      number: number;
      year: number;
      sha256: string;
    }
  | {
      kind: 'appealOutcome';
      caseId: string;
      decision: 'upheld' | 'dismissed';
      gradeSheetVersion: number | null;
      sha256: string;
    };

export interface StepState {
  /** The planned step's key: the rule's id, with `#k` for exam day k or `@x` for a department or case. */
  stepId: string;
  /** The policy rule it runs (its id). */
  ruleId: string;
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
  /** What the approval approved (a document version), for document-backed steps (issue 8). */
  subject?: StepSubject;
}

/** Where the exam is in its life (issue 6). */
export type ExamPhase = 'preparation' | 'exam' | 'afterExam' | 'completed';
/** The actor of the records a workflow makes on its own. */
export const WORKFLOW_ACTOR = 'system:workflow';

/** An open violation case or appeal: the recordings are kept while any is open (§5.7). */
export interface RetentionHold {
  caseId: string;
  kind: 'violationCase' | 'appeal';
  since: number;
  by: string;
  closedAt?: number;
  closedBy?: string;
}

export interface ExamWorkflowState {
  examId: string;
  phase: ExamPhase;
  /** The exam days, the first sitting's start and E, as the workflow plans from them now. */
  days: string[];
  startsAt: number;
  endsAt: number;
  /** Opened steps (a step waiting for its predecessors or its anchor is not listed yet). */
  steps: StepState[];
  holds: RetentionHold[];
  /** Row 11: a violation was reported, so the materials go to the integrity commission. */
  violationFound: boolean;
  /** When the results were published (the grade sheet exported): row 12's appeal window opens. */
  resultsPublishedAt?: number;
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
  /** The request that carried it (the Update id, from the caller's Idempotency-Key), for the audit log. */
  requestId?: string;
  /** approve: the document version approved (the API resolves and checks it). */
  subject?: StepSubject;
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
  if (state.phase === 'completed')
    throw new DecideRefusedError('not-open', 'every step of this exam is done');
  const moves =
    request.facts.days.join() !== state.days.join() ||
    request.facts.endsAt !== state.endsAt ||
    (request.facts.startsAt !== undefined && request.facts.startsAt !== state.startsAt);
  if (moves && state.phase !== 'preparation')
    throw new DecideRefusedError(
      'not-open',
      'the exam has begun: its dates stay (a new calendar still applies)',
    );
}
export const examStateQuery = defineQuery<ExamWorkflowState>('examState');

/** Why a decision is refused; the API maps each to an HTTP status. */
export const DECIDE_REFUSALS = [
  'unknown-step',
  'not-open',
  'missing-actor',
  'missing-reason',
  'missing-assignee',
  'not-allowed',
  'unknown-case',
  'case-exists',
  'window-closed',
  'case-has-open-steps',
] as const;
export type DecideRefusal = (typeof DECIDE_REFUSALS)[number];

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
export function checkDecision(
  state: { steps: StepState[]; examId?: string; sessionId?: string },
  request: DecideStepRequest,
): void {
  const step = state.steps.find((s) => s.stepId === request.stepId);
  if (step === undefined) {
    throw new DecideRefusedError(
      'unknown-step',
      `step "${request.stepId}" is not open in ${state.examId !== undefined ? `exam ${state.examId}` : `session ${state.sessionId}`}`,
    );
  }
  if (step.ownerRole === 'system')
    throw new DecideRefusedError('not-allowed', `step "${step.stepId}" is done by the system`);
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

/**
 * Events of an exam's life that open steps or hold the recordings (issue 6; the proctoring and
 * appeal issues send them): who may report each, and the clause it serves.
 * - violationFound (§5.7, row 11): a case is opened; the materials are handed to the integrity
 *   commission (row 11's step opens once per exam) and the recordings are held.
 * - violationActSent (§5.16, Form 2): the student has the act; acknowledging it is due, and a
 *   Form 3 refusal act is due when that is missed.
 * - appealFiled (row 12): within the appeal window; the appeal's decision is due, recordings held.
 * - caseClosed (§5.7): a violation case ends (its steps done): its hold on the recordings ends.
 * - form4Returned (§5.14, §5.15): a proctor's Form 4 is back (case id = the proctor); the member
 *   answering for that proctor is given `form4Signature@<proctor>` to check and sign it.
 */
export const EXAM_EVENTS = {
  violationFound: {
    clauses: ['§5.7', 'row 11'],
    roles: ['proctor', 'working_group_member', 'testing_centre', 'distance_learning'],
  },
  violationActSent: {
    clauses: ['§5.16', 'Form 2'],
    roles: ['violation_commission', 'working_group_member', 'deans_office'],
  },
  appealFiled: { clauses: ['row 12'], roles: ['student', 'deans_office', 'appeal_commission'] },
  caseClosed: { clauses: ['§5.7'], roles: ['violation_commission', 'dean'] },
  form4Returned: {
    clauses: ['§5.14', '§5.15', 'Form 4'],
    roles: ['proctor', 'working_group_member'],
  },
} as const satisfies Record<string, { clauses: string[]; roles: Role[] }>;
export type ExamEventKind = keyof typeof EXAM_EVENTS;

export interface ExamEventRequest {
  event: ExamEventKind;
  /** The violation case or appeal (its number): steps of a case are keyed `<step>@<caseId>`. */
  caseId: string;
  actor: string;
  actorName: string;
  actorRoles: Role[];
  comment?: string;
  /** The request that carried it (the Update id), for the audit log. */
  requestId?: string;
  /**
   * Issue 9: a violation case recorded with its student (`POST /exams/:id/cases`, case id V-n):
   * it runs as a child workflow (workflows/violation-case.workflow.ts).
   */
  case?: { studentId: string; source: CaseSource };
  /** form4Returned (§5.15): the working-group member the signature step is given to. */
  assignee?: { personId: string; name: string };
}

export const recordExamEventUpdate = defineUpdate<ExamWorkflowState, [ExamEventRequest]>(
  'recordExamEvent',
);

/**
 * For workflows of the later issues (a violation case, an appeal), which cannot send Updates: hold
 * the recordings while a case is open, release when it closes (§5.7).
 */
export interface RetentionHoldSignal {
  caseId: string;
  kind: RetentionHold['kind'];
  open: boolean;
  by: string;
}
export const retentionHoldSignal = defineSignal<[RetentionHoldSignal]>('retentionHold');

const CASE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The validator of recordExamEvent: pure, shared with the API. */
export function checkExamEvent(state: ExamWorkflowState, request: ExamEventRequest): void {
  const rule = EXAM_EVENTS[request.event];
  if (rule === undefined)
    throw new DecideRefusedError('unknown-step', `"${request.event}" is not an exam event`);
  if (typeof request.actor !== 'string' || request.actor.trim() === '')
    throw new DecideRefusedError('missing-actor', 'actor is required');
  if (!(request.actorRoles ?? []).some((r) => (rule.roles as readonly Role[]).includes(r)))
    throw new DecideRefusedError(
      'not-allowed',
      `only ${rule.roles.join(', ')} may record ${request.event} (${rule.clauses.join(', ')})`,
    );
  if (typeof request.caseId !== 'string' || !CASE_ID.test(request.caseId))
    throw new DecideRefusedError(
      'unknown-case',
      'caseId must be 1–64 letters, digits, ".", "_" or "-"',
    );
  if (request.case !== undefined) {
    if (request.event !== 'violationFound')
      throw new DecideRefusedError('unknown-case', 'a case record comes with violationFound only');
    if (!/^V-\d{1,6}$/.test(request.caseId))
      throw new DecideRefusedError('unknown-case', 'a violation case id is V-<number>');
    if (!(CASE_SOURCES as readonly string[]).includes(request.case.source))
      throw new DecideRefusedError(
        'unknown-case',
        `case source must be ${CASE_SOURCES.join(', ')}`,
      );
    if (typeof request.case.studentId !== 'string' || request.case.studentId.trim() === '')
      throw new DecideRefusedError('unknown-case', 'a case names its student');
  }
  const hold = state.holds.find((h) => h.caseId === request.caseId);
  const stepsOf = (caseId: string) => state.steps.filter((s) => s.stepId.endsWith(`@${caseId}`));
  switch (request.event) {
    case 'violationFound':
    case 'appealFiled':
      if (hold !== undefined)
        throw new DecideRefusedError('case-exists', `case ${request.caseId} already exists`);
      if (state.steps.some((s) => s.status === 'done' && s.ownerRole === 'system'))
        throw new DecideRefusedError('not-open', 'the recordings were already deleted (§5.7)');
      if (request.event === 'violationFound' && state.phase === 'preparation')
        throw new DecideRefusedError('not-open', 'a violation is reported once the exam has begun');
      if (request.event === 'appealFiled') {
        const window = state.steps.find((s) => s.ruleId === 'appealFiling');
        if (window === undefined)
          throw new DecideRefusedError(
            'window-closed',
            'appeals open when the results are published (row 12)',
          );
        if (window.status !== 'open')
          throw new DecideRefusedError(
            'window-closed',
            `the appeal window closed at ${new Date(window.dueAt).toISOString()} (row 12)`,
          );
      }
      return;
    case 'violationActSent':
      if (hold === undefined || hold.kind !== 'violationCase')
        throw new DecideRefusedError('unknown-case', `no violation case ${request.caseId}`);
      if (hold.closedAt !== undefined)
        throw new DecideRefusedError('not-open', `case ${request.caseId} is closed`);
      if (stepsOf(request.caseId).length > 0)
        throw new DecideRefusedError(
          'case-exists',
          `the act of case ${request.caseId} was already sent`,
        );
      return;
    case 'form4Returned':
      if (state.phase === 'preparation')
        throw new DecideRefusedError('not-open', 'a Form 4 is returned after the exam (§5.14)');
      if (request.assignee === undefined || request.assignee.personId.trim() === '')
        throw new DecideRefusedError('missing-assignee', 'name the member who signs (§5.15)');
      if (
        state.steps.some(
          (s) => s.stepId === `form4Signature@${request.caseId}` && DONE.includes(s.status),
        )
      )
        throw new DecideRefusedError('not-open', `the Form 4 of ${request.caseId} is signed`);
      return;
    case 'caseClosed': {
      if (hold === undefined || hold.kind !== 'violationCase')
        throw new DecideRefusedError('unknown-case', `no violation case ${request.caseId}`);
      if (hold.closedAt !== undefined)
        throw new DecideRefusedError('not-open', `case ${request.caseId} is already closed`);
      const open = stepsOf(request.caseId).filter((s) => !DONE.includes(s.status));
      if (open.length > 0)
        throw new DecideRefusedError(
          'case-has-open-steps',
          `close or waive ${open.map((s) => s.stepId).join(', ')} first`,
        );
      return;
    }
  }
}

/**
 * A document changed after its approval (issue 8: a new question-list version, GP 3): the steps
 * that approved an older version are open again, due per the policy's rework rule.
 */
export interface ReopenStepsRequest {
  stepIds: string[];
  reason: string;
  clauses: string[];
  actor: string;
  actorName: string;
  /** The new document version the steps now have to approve. */
  subject?: StepSubject;
  requestId?: string;
}

export const reopenStepsUpdate = defineUpdate<ExamWorkflowState, [ReopenStepsRequest]>(
  'reopenSteps',
);

/** The validator: every step exists, is a person's step, and is approved. */
export function checkReopen(state: ExamWorkflowState, request: ReopenStepsRequest): void {
  if (!request.actor) throw new DecideRefusedError('missing-actor', 'actor is required');
  if (!request.reason) throw new DecideRefusedError('missing-reason', 'a reopening needs a reason');
  if (request.stepIds.length === 0)
    throw new DecideRefusedError('unknown-step', 'no step to reopen');
  for (const stepId of request.stepIds) {
    const step = state.steps.find((s) => s.stepId === stepId);
    if (step === undefined || step.ownerRole === 'system')
      throw new DecideRefusedError('unknown-step', `exam ${state.examId} has no step ${stepId}`);
    if (step.status !== 'approved')
      throw new DecideRefusedError(
        'not-open',
        `step "${stepId}" is ${step.status}, not approved: nothing to reopen`,
      );
  }
}
