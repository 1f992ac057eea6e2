import { StepSubjects } from '../paperwork/step-subjects';
import type { ExamEventRequest, StepSubject } from '../../workflows/exam.contract';
import { caseOfStep } from '../../workflows/violation-case.contract';
import { auditPersonalDataRead } from '../audit/personal-data';
import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { planExam, PlanInputError, type ExamFacts } from '../../sop/plan';
import { findStep, type Policy, type Role } from '../../sop/policy';
import {
  DecideRefusedError,
  EXAM_EVENTS,
  examWorkflowId,
  type DecideRefusal,
  type ExamEventKind,
  refuseUnlessAllowed,
  type Decision,
  type DecideStepRequest,
  type DecideStepResult,
} from '../../workflows/exam.contract';
import { holdsIn, type Principal } from '../auth/principal';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { dateInZone, isoInZone } from '../common/time';
import { findPerson, findUnit, unitChain } from '../directory/directory.repository';
import type { SopService } from '../plans/sop.service';
import type { StartResult, TemporalGateway } from '../temporal/temporal.gateway';
import type { CreateExamDto, RescheduleExamDto } from './exams.dto';
import { insertExam } from './exams.repository';

/** A workflow's refusal as the HTTP problem it answers with, naming the field where there is one. */
export function refusalProblem(refusal: DecideRefusal, message: string): ProblemException {
  switch (refusal) {
    case 'unknown-step':
      return notFound(message);
    case 'unknown-case':
      return notFound(message);
    case 'missing-actor':
      return badRequest('actor', message);
    case 'missing-reason':
      return badRequest('comment', message);
    case 'missing-assignee':
      return badRequest('personId', message);
    case 'not-allowed':
      return new ProblemException({ status: 403, detail: message });
    case 'not-open':
    case 'case-exists':
    case 'window-closed':
    case 'case-has-open-steps':
      return conflict(message);
  }
}

/** When a registration gives no end of the sitting (E): a product default, said in the README. */
const DEFAULT_SITTING_HOURS = 3;

/** Who may register an exam, in a scope covering its department. */
export const REGISTRARS_OF_EXAMS: Role[] = ['department_head', 'dean', 'testing_centre', 'admin'];
/** Who reads any exam in their scope without owning a step (auditors read everything). */
const READERS: Role[] = [
  'department_head',
  'department_responsible',
  'examiner',
  'programme_committee',
  'dean',
  'deans_office',
  'testing_centre',
  'registrar',
  'distance_learning',
  'vice_rector',
  'auditor',
  'admin',
];

export interface ExamRow {
  id: string;
  discipline: string;
  department: string;
  department_id: string;
  exam_date: string;
  starts_at: Date;
  policy_version: string;
  workflow_id: string;
  created_at: Date;
}

interface StepRow {
  step_id: string;
  clauses: string[];
  status: string;
  due_at: Date;
  reminders: Date[];
  reminders_sent: number;
  opened_at: Date;
  overdue_at: Date | null;
  approved_at: Date | null;
  approved_by: string | null;
  comment: string | null;
  subject: StepSubject | null;
}

export class ExamsService {
  constructor(
    private readonly db: DataSource,
    private readonly temporal: TemporalGateway,
    private readonly sop: SopService,
    private readonly subjects: StepSubjects = new StepSubjects(),
  ) {}

  private get policy(): Policy {
    return this.sop.policy;
  }

  private iso(at: Date | number | null): string | null {
    return at === null ? null : isoInZone(this.policy.timeZone, at);
  }

  /** The exam row and its department's chain of units (department, school, institution); 404 if none. */
  private async loadExam(examId: string): Promise<{ exam: ExamRow; chain: string[] }> {
    const exams = await this.db.query<ExamRow[]>(`SELECT * FROM exam WHERE id = $1`, [examId]);
    const exam = exams[0];
    if (exam === undefined) throw notFound(`exam ${examId} does not exist`);
    return { exam, chain: await this.chain(exam.department_id) };
  }

  async chain(departmentId: string): Promise<string[]> {
    return (await unitChain(this.db, departmentId)).map((u) => u.id);
  }

  /**
   * The sitting of a registration or a reschedule: start (default 09:00 local on the exam date)
   * and E (default 3 hours later, never past that day), each checked, errors naming the field.
   */
  sitting(dto: { examDate: string; startsAt?: string; endsAt?: string }) {
    const zone = this.policy.timeZone;
    const startsAt = dto.startsAt
      ? DateTime.fromISO(dto.startsAt, { setZone: true })
      : DateTime.fromISO(`${dto.examDate}T09:00`, { zone });
    if (!startsAt.isValid) throw badRequest('startsAt', 'is not a valid date-time');
    if (startsAt.setZone(zone).toISODate() !== dto.examDate)
      throw badRequest('startsAt', `must fall on examDate ${dto.examDate} in ${zone}`);
    const endsAt =
      dto.endsAt !== undefined
        ? DateTime.fromISO(dto.endsAt, { setZone: true })
        : DateTime.min(
            startsAt.plus({ hours: DEFAULT_SITTING_HOURS }),
            startsAt.setZone(zone).endOf('day'),
          );
    if (!endsAt.isValid) throw badRequest('endsAt', 'is not a valid date-time');
    if (endsAt < startsAt) throw badRequest('endsAt', 'must not be before startsAt');
    return { startsAt, endsAt };
  }

  /**
   * The sittings of an exam of several days (or sittings): each an instant with its offset, in
   * order, the first on examDate (and equal to startsAt, when given); E defaults to 3 hours after
   * the last, never past its day. Undefined for a one-sitting exam.
   */
  sittings(dto: { examDate: string; startsAt?: string; endsAt?: string; sittings?: string[] }) {
    if (dto.sittings === undefined) return undefined;
    const zone = this.policy.timeZone;
    const starts = dto.sittings.map((text, i) => {
      const at = DateTime.fromISO(text, { setZone: true });
      if (!at.isValid) throw badRequest(`sittings.${i}`, 'is not a valid date-time');
      if (i > 0 && at.toMillis() <= DateTime.fromISO(dto.sittings![i - 1]).toMillis())
        throw badRequest(
          `sittings.${i}`,
          'sittings must start in order, each after the one before',
        );
      return at;
    });
    if (starts[0].setZone(zone).toISODate() !== dto.examDate)
      throw badRequest('sittings.0', `must fall on examDate ${dto.examDate} in ${zone}`);
    if (
      dto.startsAt !== undefined &&
      DateTime.fromISO(dto.startsAt).toMillis() !== starts[0].toMillis()
    )
      throw badRequest('startsAt', 'must equal the first sitting (or leave it out)');
    const last = starts[starts.length - 1];
    const endsAt =
      dto.endsAt !== undefined
        ? DateTime.fromISO(dto.endsAt, { setZone: true })
        : DateTime.min(
            last.plus({ hours: DEFAULT_SITTING_HOURS }),
            last.setZone(zone).endOf('day'),
          );
    if (!endsAt.isValid) throw badRequest('endsAt', 'is not a valid date-time');
    if (endsAt < last) throw badRequest('endsAt', 'must not be before the last sitting starts');
    return {
      startsAt: starts[0],
      endsAt,
      days: starts.map((at) => at.setZone(zone).toISODate()!),
      sittings: starts.map((at) => at.toMillis()),
    };
  }

  /** Stores the exam and starts `exam-<id>` in one unit: if the start fails, nothing is saved. */
  async create(principal: Principal, dto: CreateExamDto, now: number) {
    const department = await findUnit(this.db, dto.department);
    if (department === undefined || department.kind !== 'department')
      throw badRequest('department', `"${dto.department}" is not a department of the directory`);
    if (!holdsIn(principal, REGISTRARS_OF_EXAMS, await this.chain(department.id)))
      throw new ProblemException({
        status: 403,
        detail: `registering an exam of ${department.id} needs ${REGISTRARS_OF_EXAMS.join(', ')} in its scope`,
      });
    const multiple = this.sittings(dto);
    const { startsAt, endsAt } = multiple ?? this.sitting(dto);
    const id = dto.id ?? randomUUID();
    const workflowId = examWorkflowId(id);
    const facts: ExamFacts = {
      examId: id,
      days: multiple?.days ?? [dto.examDate],
      ...(multiple !== undefined && multiple.sittings.length > 1
        ? { sittings: multiple.sittings }
        : {}),
      startsAt: startsAt.toMillis(),
      endsAt: endsAt.toMillis(),
      ...(dto.credits !== undefined ? { credits: dto.credits } : {}),
      expectedWorks: dto.expectedWorks ?? 0,
      summer: dto.summer ?? false,
      retake: dto.retake ?? false,
    };
    const calendar = this.sop.calendarFor(facts.days);
    let planned;
    try {
      planned = planExam(this.policy, calendar, { ...facts, opensAt: now }).steps;
    } catch (error) {
      if (error instanceof PlanInputError) throw badRequest(error.path, error.reason);
      throw error;
    }

    // The row is committed before the workflow starts, so the workflow's first activities find it;
    // if the start fails, the row is removed again: nothing is half-saved.
    try {
      await insertExam(this.db, {
        id,
        discipline: dto.discipline,
        departmentId: department.id,
        examDate: dto.examDate,
        startsAt: startsAt.toJSDate(),
        policyVersion: this.policy.version,
        workflowId,
        facts,
      });
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      const existing = await this.db.query<{ id: string }[]>(
        `SELECT id FROM exam WHERE id = $1 OR (department = $2 AND discipline = $3 AND exam_date = $4)`,
        [id, department.id, dto.discipline, dto.examDate],
      );
      const examId = existing[0]?.id ?? id;
      throw conflict(
        `exam ${examId} already exists for this id or for ${dto.discipline}, ${department.id} on ${dto.examDate}`,
        { examId },
      );
    }
    let started: StartResult;
    try {
      started = await this.temporal.startExam({
        examId: id,
        discipline: dto.discipline,
        departmentId: department.id,
        facts,
        policy: this.policy,
        calendar,
      });
    } catch (error) {
      await this.db.query(`DELETE FROM exam WHERE id = $1`, [id]);
      throw error;
    }
    if (started.kind === 'already-started') {
      // A workflow of that id exists without an exam row (e.g. the row was deleted): never a second one.
      await this.db.query(`DELETE FROM exam WHERE id = $1`, [id]);
      throw conflict(`workflow ${workflowId} already exists`, { examId: id, workflowId });
    }
    // The exam's plan: every step with its due (each opens when its anchor and predecessors allow).
    const steps = planned.map((plan) => ({
      stepId: plan.key,
      clauses: plan.clauses,
      ownerRole: plan.ownerRole,
      dueAt: this.iso(plan.dueAt),
      dueDate: plan.dueDate,
      reminders: plan.reminders.map((r) => this.iso(r)),
    }));
    return {
      id,
      discipline: dto.discipline,
      department: department.id,
      examDate: dto.examDate,
      startsAt: this.iso(startsAt.toMillis()),
      endsAt: this.iso(endsAt.toMillis()),
      workflowId,
      runId: started.runId,
      policyVersion: this.policy.version,
      steps,
    };
  }

  /**
   * Moves an exam (issue 6): the workflow recomputes every open step's due from sop/ without a
   * restart. Allowed to those who may register exams of the department.
   */
  async reschedule(principal: Principal, examId: string, dto: RescheduleExamDto, updateId: string) {
    const { exam, chain } = await this.loadExam(examId);
    if (!holdsIn(principal, READERS, chain)) throw notFound(`exam ${examId} does not exist`);
    if (!holdsIn(principal, REGISTRARS_OF_EXAMS, chain))
      throw new ProblemException({
        status: 403,
        detail: `moving an exam of ${exam.department_id} needs ${REGISTRARS_OF_EXAMS.join(', ')} in its scope`,
      });
    const clash = await this.db.query<{ id: string }[]>(
      `SELECT id FROM exam WHERE department = $1 AND discipline = $2 AND exam_date = $3 AND id <> $4`,
      [exam.department, exam.discipline, dto.examDate, examId],
    );
    if (clash[0] !== undefined)
      throw conflict(`exam ${clash[0].id} of ${exam.discipline} is already on ${dto.examDate}`, {
        examId: clash[0].id,
      });
    const { startsAt, endsAt } = this.sitting(dto);
    const facts: ExamFacts = {
      examId,
      days: [dto.examDate],
      startsAt: startsAt.toMillis(),
      endsAt: endsAt.toMillis(),
      expectedWorks: 0,
      summer: false,
      retake: false,
    };
    const calendar = this.sop.calendarFor([dto.examDate]);
    try {
      planExam(this.policy, calendar, facts);
    } catch (error) {
      if (error instanceof PlanInputError) throw badRequest(error.path, error.reason);
      throw error;
    }
    const outcome = await this.temporal.reschedule(
      examId,
      {
        facts,
        calendar,
        actor: principal.personId,
        actorName: principal.fullName,
        reason: dto.reason,
      },
      updateId,
    );
    if (outcome.kind === 'workflow-closed' || outcome.kind === 'refused')
      throw conflict(
        outcome.kind === 'refused'
          ? outcome.message.replace(/^[a-z-]+: /, '')
          : `exam ${examId} is finished: its workflow has completed`,
      );
    return this.get(principal, examId);
  }

  /**
   * Exams the caller may read, filtered by department and overdue state, newest exam date first,
   * paginated by an opaque cursor. Served by the read model in PostgreSQL (not Temporal visibility):
   * the scope check needs the directory's tree, which lives there, and it answers in one query.
   */
  async list(
    principal: Principal,
    filter: {
      department?: string;
      overdue?: boolean;
      session?: string;
      limit: number;
      cursor?: string;
    },
  ) {
    const readable = principal.grants
      .filter(
        (g) => READERS.includes(g.role) || this.policy.steps.some((s) => s.ownerRole === g.role),
      )
      .map((g) => g.scopeId);
    const after =
      filter.cursor === undefined
        ? null
        : (JSON.parse(Buffer.from(filter.cursor, 'base64url').toString('utf8')) as [
            string,
            string,
          ]);
    const rows = await this.db.query<
      (ExamRow & { overdue_steps: number; open_steps: number; next_due: Date | null })[]
    >(
      `SELECT e.*,
              count(*) FILTER (WHERE s.status = 'overdue')::int AS overdue_steps,
              count(*) FILTER (WHERE s.status IN ('open', 'overdue'))::int AS open_steps,
              min(s.due_at) FILTER (WHERE s.status IN ('open', 'overdue')) AS next_due
         FROM exam e
         JOIN org_unit d ON d.id = e.department_id
         LEFT JOIN org_unit sc ON sc.id = d.parent_id
         LEFT JOIN exam_step s ON s.exam_id = e.id
        WHERE (d.id = ANY($1) OR sc.id = ANY($1) OR sc.parent_id = ANY($1))
          AND ($2::text IS NULL OR e.department_id = $2)
          AND ($4::text IS NULL OR (e.exam_date::text, e.id) < ($4, $5))
          AND ($7::text IS NULL OR e.session_id = $7)
        GROUP BY e.id
       HAVING ($3::boolean IS NULL OR (count(*) FILTER (WHERE s.status = 'overdue') > 0) = $3)
        ORDER BY e.exam_date DESC, e.id DESC
        LIMIT $6`,
      [
        readable,
        filter.department ?? null,
        filter.overdue ?? null,
        after?.[0] ?? null,
        after?.[1] ?? null,
        filter.limit + 1,
        filter.session ?? null,
      ],
    );
    const page = rows.slice(0, filter.limit);
    const last = page[page.length - 1];
    return {
      items: page.map((e) => ({
        id: e.id,
        discipline: e.discipline,
        department: e.department_id,
        examDate: e.exam_date,
        openSteps: e.open_steps,
        overdueSteps: e.overdue_steps,
        overdue: e.overdue_steps > 0,
        nextDueAt: this.iso(e.next_due),
      })),
      nextCursor:
        rows.length > filter.limit && last !== undefined
          ? Buffer.from(JSON.stringify([last.exam_date, last.id])).toString('base64url')
          : null,
    };
  }

  /**
   * An exam the principal may read; 404 (not 403) otherwise, so existence does not leak. The one
   * rule for reading an exam: GET /exams/:id and its history (api/history) both ask it.
   */
  async readable(principal: Principal, id: string): Promise<ExamRow> {
    return (await this.readableScope(principal, id)).exam;
  }

  /** `readable`, with the department's unit chain it checked against (no second lookup). */
  async readableScope(
    principal: Principal,
    id: string,
  ): Promise<{ exam: ExamRow; departmentId: string; chain: string[] }> {
    const { exam, chain } = await this.loadExam(id);
    const owns = this.policy.steps.some((s) => holdsIn(principal, [s.ownerRole], chain));
    if (!holdsIn(principal, READERS, chain) && !owns) throw notFound(`exam ${id} does not exist`);
    return { exam, departmentId: exam.department_id, chain };
  }

  async get(principal: Principal, id: string) {
    const exam = await this.readable(principal, id);
    const steps = await this.db.query<StepRow[]>(
      `SELECT * FROM exam_step WHERE exam_id = $1 ORDER BY due_at`,
      [id],
    );
    const named = steps.flatMap((s) => (s.approved_by === null ? [] : [s.approved_by]));
    if (named.length > 0)
      await auditPersonalDataRead(this.db, principal, {
        resource: 'GET /exams/:id',
        examId: id,
        scopeId: exam.department_id ?? undefined,
        personIds: named,
      });
    return {
      id: exam.id,
      discipline: exam.discipline,
      department: exam.department_id,
      examDate: exam.exam_date,
      startsAt: this.iso(exam.starts_at),
      policyVersion: exam.policy_version,
      workflowId: exam.workflow_id,
      createdAt: this.iso(exam.created_at),
      steps: steps.map((s) => ({
        stepId: s.step_id,
        clauses: s.clauses,
        ownerRole: findStep(this.policy, s.step_id)?.ownerRole ?? null,
        status: s.status,
        dueAt: this.iso(s.due_at),
        dueDate: dateInZone(this.policy.timeZone, s.due_at),
        reminders: s.reminders.map((r) => this.iso(r)),
        remindersSent: s.reminders_sent,
        openedAt: this.iso(s.opened_at),
        overdueAt: this.iso(s.overdue_at),
        approvedAt: this.iso(s.approved_at),
        approvedBy: s.approved_by,
        comment: s.comment,
        /** The document version the approval approved (issue 8), if the step has one. */
        subject: s.subject,
      })),
    };
  }

  async decide(
    principal: Principal,
    examId: string,
    stepId: string,
    decision: Decision,
    comment: string | undefined,
    updateId: string,
    via: DecideStepRequest['via'] = { kind: 'api' },
    assigneeId?: string,
    document: { version?: number } = {},
  ) {
    const { chain } = await this.loadExam(examId);
    return this.act(principal, {
      kind: 'exam',
      id: examId,
      workflowId: await this.stepWorkflowId(examId, stepId),
      chain,
      stepId,
      decision,
      comment,
      updateId,
      via,
      assigneeId,
      document,
    });
  }

  /**
   * The workflow that owns an exam's step: a violation case's steps (`<step>@V-n`) run in the
   * case's own workflow (issue 9), every other in the exam's.
   */
  async stepWorkflowId(examId: string, stepId: string): Promise<string> {
    const caseId = caseOfStep(stepId);
    if (caseId !== undefined) {
      const rows = await this.db.query<{ workflow_id: string }[]>(
        `SELECT workflow_id FROM violation_case WHERE exam_id = $1 AND case_id = $2`,
        [examId, caseId],
      );
      if (rows[0] !== undefined) return rows[0].workflow_id;
    }
    return examWorkflowId(examId);
  }

  /**
   * Approves an exam step with a subject its caller resolved inside its own transaction (row 12:
   * the appeal commission's recorded outcome); a refusal throws, so that transaction rolls back.
   */
  async approveWith(
    principal: Principal,
    examId: string,
    stepId: string,
    subject: StepSubject,
    comment: string,
    updateId: string,
  ) {
    const { chain } = await this.loadExam(examId);
    return this.act(principal, {
      kind: 'exam',
      id: examId,
      workflowId: await this.stepWorkflowId(examId, stepId),
      chain,
      stepId,
      decision: 'approve',
      comment,
      updateId,
      via: { kind: 'api' },
      subject,
    });
  }

  /**
   * A decision on a step of an exam or a session, once its unit chain is known: the caller's roles
   * over that chain go to the workflow, whose validator decides what they allow (owner: approve,
   * reject, reassign; a role above it: waive, reassign); the same check runs here first, since a
   * closed workflow cannot be asked.
   */
  async act(
    principal: Principal,
    target: {
      kind: 'exam' | 'session';
      id: string;
      workflowId: string;
      chain: string[];
      stepId: string;
      decision: Decision;
      comment: string | undefined;
      updateId: string;
      via: DecideStepRequest['via'];
      assigneeId?: string;
      /** The document version an approval names (issue 8), if the caller chose one. */
      document?: { version?: number };
      /** The subject, when the caller resolved it in its own transaction (row 12's outcome). */
      subject?: StepSubject;
      /**
       * An approval's subject resolved by the caller once the decision is known to be allowed (a
       * session step: row 3's proctor assignments); it throws a problem when there is nothing to
       * approve yet.
       */
      resolveSubject?: () => Promise<StepSubject | undefined>;
    },
  ) {
    const { kind, id, chain, stepId, decision, comment, updateId, via, assigneeId } = target;
    const actorRoles = [
      ...new Set(principal.grants.filter((g) => chain.includes(g.scopeId)).map((g) => g.role)),
    ];
    // The step's current assignee (a reassigned step is visible to, and decided by, that person).
    const current = await this.db.query<
      { assignee_id: string | null; assignee_name: string | null }[]
    >(
      kind === 'exam'
        ? `SELECT s.assignee_id, p.full_name AS assignee_name FROM exam_step s
             LEFT JOIN person p ON p.id = s.assignee_id WHERE s.exam_id = $1 AND s.step_id = $2`
        : `SELECT s.assignee_id, p.full_name AS assignee_name FROM session_step s
             LEFT JOIN person p ON p.id = s.assignee_id WHERE s.session_id = $1 AND s.step_id = $2`,
      [id, stepId],
    );
    const visible =
      holdsIn(principal, READERS, chain) ||
      this.policy.steps.some((s) => holdsIn(principal, [s.ownerRole, ...s.escalation], chain)) ||
      current[0]?.assignee_id === principal.personId;
    if (!visible) throw notFound(`${kind} ${id} does not exist`);
    const rule = findStep(this.policy, stepId);
    if (rule === undefined) throw notFound(`step ${stepId} does not exist`);
    const assigneeNow = current[0]?.assignee_id;
    try {
      refuseUnlessAllowed(
        {
          stepId,
          ownerRole: rule.ownerRole,
          escalation: rule.escalation,
          ...(assigneeNow != null
            ? { assignee: { personId: assigneeNow, name: current[0]?.assignee_name ?? '' } }
            : {}),
        },
        { decision, actor: principal.personId, actorRoles },
      );
    } catch (error) {
      if (error instanceof DecideRefusedError)
        throw new ProblemException({
          status: 403,
          detail: error.message.replace(/^not-allowed: /, ''),
        });
      throw error;
    }
    let assignee: DecideStepRequest['assignee'];
    if (decision === 'reassign') {
      const person = assigneeId === undefined ? undefined : await findPerson(this.db, assigneeId);
      if (person === undefined || !person.active)
        throw badRequest('personId', `no active person ${assigneeId ?? ''} in the directory`);
      assignee = { personId: person.id, name: person.fullName };
    }
    // Document-backed steps approve a specific, checked version (issue 8; 4xx when there is none).
    const subject =
      target.subject ??
      (decision !== 'approve'
        ? undefined
        : target.resolveSubject !== undefined
          ? await target.resolveSubject()
          : kind === 'exam'
            ? await this.subjects.resolve(id, stepId, target.document ?? {})
            : undefined);
    const outcome = await this.temporal.decide(
      id,
      {
        ...(subject !== undefined ? { subject } : {}),
        stepId,
        decision,
        actor: principal.personId,
        actorName: principal.fullName,
        actorRoles,
        comment,
        ...(assignee !== undefined ? { assignee } : {}),
        via,
      },
      updateId,
      target.workflowId,
    );
    if (outcome.kind === 'decided') return this.decisionBody(outcome.result, kind);
    if (outcome.kind === 'refused') throw refusalProblem(outcome.refusal, outcome.message);
    throw conflict(`${kind} ${id} has no open step ${stepId}: its workflow has completed`);
  }

  /**
   * Records an event of the exam's life (issue 6; the proctoring and appeal issues build on it):
   * a violation found (§5.7, row 11), its act sent (§5.16), an appeal filed (row 12), a case
   * closed (§5.7). The workflow's validator checks the role and the case.
   */
  async recordEvent(
    principal: Principal,
    examId: string,
    dto: {
      event: ExamEventKind;
      caseId: string;
      comment?: string;
      case?: ExamEventRequest['case'];
      assignee?: ExamEventRequest['assignee'];
    },
    updateId: string,
  ) {
    const { chain } = await this.loadExam(examId);
    const actorRoles = [
      ...new Set(principal.grants.filter((g) => chain.includes(g.scopeId)).map((g) => g.role)),
    ];
    const allowed = EXAM_EVENTS[dto.event].roles as readonly Role[];
    if (!holdsIn(principal, READERS, chain) && !actorRoles.some((r) => allowed.includes(r)))
      throw notFound(`exam ${examId} does not exist`);
    const outcome = await this.temporal.recordEvent(
      examId,
      {
        event: dto.event,
        caseId: dto.caseId,
        actor: principal.personId,
        actorName: principal.fullName,
        actorRoles,
        ...(dto.comment !== undefined ? { comment: dto.comment } : {}),
        ...(dto.case !== undefined ? { case: dto.case } : {}),
        ...(dto.assignee !== undefined ? { assignee: dto.assignee } : {}),
      },
      updateId,
    );
    if (outcome.kind === 'refused') throw refusalProblem(outcome.refusal, outcome.message);
    if (outcome.kind === 'workflow-closed')
      throw conflict(`exam ${examId} is finished: its workflow has completed`);
    return {
      examId,
      event: dto.event,
      caseId: dto.caseId,
      phase: outcome.result.phase,
      holds: outcome.result.holds.map((h) => ({
        caseId: h.caseId,
        kind: h.kind,
        since: this.iso(h.since),
        closedAt: h.closedAt === undefined ? null : this.iso(h.closedAt),
      })),
    };
  }

  private decisionBody(result: DecideStepResult, kind: 'exam' | 'session') {
    return {
      [kind === 'exam' ? 'examId' : 'sessionId']: result.examId,
      stepId: result.stepId,
      decision: result.decision,
      status: result.status,
      decidedAt: this.iso(result.decidedAt),
      decidedBy: result.decidedBy,
      late: result.late,
    };
  }

  /**
   * The caller's inbox: open and overdue steps of exams and sessions whose owner role they hold in
   * a scope covering the step's unit (the exam's department; a session step's department or the
   * session's scope; then its school and the institution), or that were reassigned to them, by due.
   */
  async tasks(principal: Principal, now: number) {
    const owners = this.policy.steps.map((s) => [s.id, s.ownerRole] as const);
    const rows = await this.db.query<
      {
        exam_id: string | null;
        session_id: string | null;
        step_id: string;
        clauses: string[];
        status: string;
        due_at: Date;
        label: string;
        unit_id: string;
        on_date: string;
      }[]
    >(
      `WITH owned AS (
         -- The (unit, rule) pairs the caller owns: a role held in the unit, its school or the institution.
         SELECT DISTINCT u.id AS unit_id, o.rule_id
           FROM role_assignment r
           JOIN unnest($2::text[], $3::text[]) AS o(rule_id, role) ON o.role = r.role
           JOIN org_unit u ON true
           LEFT JOIN org_unit p ON p.id = u.parent_id
          WHERE r.person_id = $1 AND r.scope_id IN (u.id, u.parent_id, p.parent_id)),
       steps AS (
         -- Only the covered departments' exams and the steps reassigned to the caller (issue 10:
         -- reading every open step of the institution made the inbox slow down as sessions grew).
         SELECT s.exam_id, NULL::text AS session_id, s.step_id, s.clauses, s.status, s.due_at,
                s.assignee_id, e.discipline AS label, e.department_id AS unit_id, e.exam_date AS on_date
           FROM exam e JOIN exam_step s ON s.exam_id = e.id
          WHERE s.status IN ('open', 'overdue') AND e.department_id IN (SELECT unit_id FROM owned)
         UNION
         SELECT s.exam_id, NULL::text, s.step_id, s.clauses, s.status, s.due_at, s.assignee_id,
                e.discipline, e.department_id, e.exam_date
           FROM exam_step s JOIN exam e ON e.id = s.exam_id
          WHERE s.status IN ('open', 'overdue') AND s.assignee_id = $1
         UNION ALL
         SELECT NULL, s.session_id, s.step_id, s.clauses, s.status, s.due_at, s.assignee_id, ss.title,
                COALESCE(NULLIF(split_part(s.step_id, '@', 2), ''), ss.scope_id), ss.start_date
           FROM session_step s JOIN exam_session ss ON ss.id = s.session_id
          WHERE s.status IN ('open', 'overdue'))
       SELECT t.exam_id, t.session_id, t.step_id, t.clauses, t.status, t.due_at, t.label, t.unit_id, t.on_date
         FROM steps t
        WHERE regexp_replace(t.step_id, '[#@].*$', '') = ANY($2::text[])
          AND EXISTS (SELECT 1 FROM org_unit u WHERE u.id = t.unit_id)
          AND (t.assignee_id = $1
               OR (t.assignee_id IS NULL
                   AND (t.unit_id, regexp_replace(t.step_id, '[#@].*$', ''))
                       IN (SELECT unit_id, rule_id FROM owned)))
        ORDER BY t.due_at, t.exam_id, t.session_id, t.step_id`,
      [principal.personId, owners.map((o) => o[0]), owners.map((o) => o[1])],
    );
    return {
      items: rows.map((r) => {
        const rule = findStep(this.policy, r.step_id);
        return {
          examId: r.exam_id,
          sessionId: r.session_id,
          discipline: r.label,
          department: r.unit_id,
          examDate: r.on_date,
          stepId: r.step_id,
          title: rule?.title[principal.language] ?? r.step_id,
          clauses: r.clauses,
          status: r.status,
          overdue: r.status === 'overdue' || r.due_at.getTime() < now,
          dueAt: this.iso(r.due_at),
          dueDate: dateInZone(this.policy.timeZone, r.due_at),
          actions: ['approve', 'reject'],
        };
      }),
      nextCursor: null,
    };
  }
}
