import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { planExam, planSession, PlanInputError, type ExamFacts } from '../../sop/plan';
import type { Policy, Role } from '../../sop/policy';
import { ruleIdOf } from '../../sop/units';
import type { DecideStepRequest, Decision, StepSubject } from '../../workflows/exam.contract';
import { examWorkflowId } from '../../workflows/exam.contract';
import { sessionWorkflowId, type SessionExam } from '../../workflows/session.contract';
import { holdsIn, type Principal } from '../auth/principal';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import { dateInZone, isoInZone } from '../common/time';
import { findUnit, unitChain } from '../directory/directory.repository';
import { proctorAssignmentsSubject } from '../integrity/working-group.service';
import type { SopService } from '../plans/sop.service';
import type { TemporalGateway } from '../temporal/temporal.gateway';
import type { CreateSessionDto } from './exams.dto';
import { insertExam } from './exams.repository';
import type { ExamsService } from './exams.service';

/** Who may open a session, in a scope covering the session's unit. */
export const REGISTRARS_OF_SESSIONS: Role[] = ['testing_centre', 'vice_rector', 'admin'];

interface SessionRow {
  id: string;
  title: string;
  start_date: string;
  summer: boolean;
  scope_id: string;
  policy_version: string;
  workflow_id: string;
  created_by: string;
  created_at: Date;
}

/** A 400 from a nested exam, its field named with the exam's index (`exams.3.examDate`). */
function inExam(index: number, error: unknown): unknown {
  if (error instanceof PlanInputError)
    return badRequest(`exams.${index}.${error.path}`, error.reason);
  if (error instanceof ProblemException) {
    const body = error.getResponse() as { errors?: { path: string; message: string }[] };
    const first = body.errors?.[0];
    if (error.getStatus() === 400 && first !== undefined)
      return badRequest(`exams.${index}.${first.path}`, first.message);
  }
  return error;
}

/**
 * Exam sessions (issue 6): a session with its exams is stored in one transaction and runs as
 * `session-<id>`, which starts each exam's workflow. Read side from the read model; the workflow's
 * query adds whether each exam's workflow started.
 */
export class SessionsService {
  constructor(
    private readonly db: DataSource,
    private readonly temporal: TemporalGateway,
    private readonly sop: SopService,
    private readonly exams: ExamsService,
  ) {}

  private get policy(): Policy {
    return this.sop.policy;
  }

  private iso(at: Date | number | null): string | null {
    return at === null ? null : isoInZone(this.policy.timeZone, at);
  }

  async create(principal: Principal, dto: CreateSessionDto, now: number) {
    const scope = await findUnit(this.db, dto.scope);
    if (scope === undefined || scope.kind === 'department')
      throw badRequest(
        'scope',
        `"${dto.scope}" is not the institution or a school of the directory`,
      );
    if (!holdsIn(principal, REGISTRARS_OF_SESSIONS, await this.exams.chain(scope.id)))
      throw new ProblemException({
        status: 403,
        detail: `opening a session of ${scope.id} needs ${REGISTRARS_OF_SESSIONS.join(', ')} in its scope`,
      });
    const summer = dto.summer ?? false;
    const sessionId = dto.id ?? randomUUID();
    const seen = new Map<string, number>();
    const exams: (SessionExam & { examDate: string; startsAt: number })[] = [];
    for (const [i, item] of dto.exams.entries()) {
      const department = await findUnit(this.db, item.department);
      if (department === undefined || department.kind !== 'department')
        throw badRequest(`exams.${i}.department`, `"${item.department}" is not a department`);
      if (!(await this.exams.chain(department.id)).includes(scope.id))
        throw badRequest(`exams.${i}.department`, `${department.id} is outside ${scope.id}`);
      const examId = item.id ?? randomUUID();
      for (const key of [`id:${examId}`, `${department.id}|${item.discipline}|${item.examDate}`]) {
        const other = seen.get(key);
        if (other !== undefined)
          throw badRequest(
            `exams.${i}`,
            `repeats exams.${other} (same id, or same discipline, department and day)`,
          );
        seen.set(key, i);
      }
      let facts: ExamFacts;
      try {
        const multiple = this.exams.sittings(item);
        const { startsAt, endsAt } = multiple ?? this.exams.sitting(item);
        facts = {
          examId,
          days: multiple?.days ?? [item.examDate],
          ...(multiple !== undefined && multiple.sittings.length > 1
            ? { sittings: multiple.sittings }
            : {}),
          startsAt: startsAt.toMillis(),
          endsAt: endsAt.toMillis(),
          ...(item.credits !== undefined ? { credits: item.credits } : {}),
          expectedWorks: item.expectedWorks ?? 0,
          summer,
          retake: item.retake ?? false,
        };
      } catch (error) {
        throw inExam(i, error);
      }
      exams.push({
        examId,
        discipline: item.discipline,
        departmentId: department.id,
        facts,
        examDate: item.examDate,
        startsAt: facts.startsAt!,
      });
    }
    const departments = [...new Set(exams.map((e) => e.departmentId))];
    const calendar = this.sop.calendarFor([dto.startDate, ...exams.flatMap((e) => e.facts.days)]);
    let sessionPlan;
    try {
      sessionPlan = planSession(this.policy, calendar, {
        startDate: dto.startDate,
        summer,
        departments,
        opensAt: now,
      });
    } catch (error) {
      if (error instanceof PlanInputError) throw badRequest(error.path, error.reason);
      throw error;
    }
    exams.forEach((exam, i) => {
      try {
        planExam(this.policy, calendar, exam.facts);
      } catch (error) {
        throw inExam(i, error);
      }
    });

    const workflowId = sessionWorkflowId(sessionId);
    try {
      await this.db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO exam_session (id, title, start_date, summer, scope_id, policy_version, workflow_id, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [
            sessionId,
            dto.title,
            dto.startDate,
            summer,
            scope.id,
            this.policy.version,
            workflowId,
            principal.personId,
          ],
        );
        for (const exam of exams)
          await insertExam(tx, {
            id: exam.examId,
            discipline: exam.discipline,
            departmentId: exam.departmentId,
            examDate: exam.examDate,
            startsAt: new Date(exam.startsAt),
            policyVersion: this.policy.version,
            workflowId: examWorkflowId(exam.examId),
            sessionId,
            facts: exam.facts,
          });
      });
    } catch (error) {
      const detail =
        (error as { detail?: string; code?: string }).code === '23505'
          ? ((error as { detail?: string }).detail ?? '')
          : undefined;
      if (detail === undefined) throw error;
      throw conflict(`the session or one of its exams already exists: ${detail}`);
    }
    const remove = async () => {
      await this.db.transaction(async (tx) => {
        await tx.query(`DELETE FROM exam WHERE session_id = $1`, [sessionId]);
        await tx.query(`DELETE FROM exam_session WHERE id = $1`, [sessionId]);
      });
    };
    let started;
    try {
      started = await this.temporal.startSession({
        sessionId,
        title: dto.title,
        scopeId: scope.id,
        facts: { startDate: dto.startDate, summer, departments },
        policy: this.policy,
        calendar,
        exams: exams.map(({ examId, discipline, departmentId, facts }) => ({
          examId,
          discipline,
          departmentId,
          facts,
        })),
      });
    } catch (error) {
      await remove();
      throw error;
    }
    if (started.kind === 'already-started') {
      await remove();
      throw conflict(`workflow ${workflowId} already exists`, { sessionId, workflowId });
    }
    return {
      id: sessionId,
      title: dto.title,
      startDate: dto.startDate,
      summer,
      scope: scope.id,
      workflowId,
      runId: started.runId,
      policyVersion: this.policy.version,
      steps: sessionPlan.steps.map((plan) => ({
        stepId: plan.key,
        clauses: plan.clauses,
        ownerRole: plan.ownerRole,
        department: plan.department ?? null,
        dueAt: this.iso(plan.dueAt),
        dueDate: plan.dueDate,
      })),
      exams: exams.map((e) => ({
        id: e.examId,
        discipline: e.discipline,
        department: e.departmentId,
        examDate: e.examDate,
        workflowId: examWorkflowId(e.examId),
      })),
    };
  }

  /** The session, if the caller works inside its scope; 404 (not 403) otherwise. */
  private async readable(principal: Principal, id: string): Promise<SessionRow> {
    const rows = await this.db.query<SessionRow[]>(`SELECT * FROM exam_session WHERE id = $1`, [
      id,
    ]);
    const session = rows[0];
    if (session === undefined) throw notFound(`session ${id} does not exist`);
    for (const grant of principal.grants) {
      const chain = (await unitChain(this.db, grant.scopeId)).map((u) => u.id);
      // Anyone working in the session's scope (or above it) sees the session.
      if (
        chain.includes(session.scope_id) ||
        (await this.exams.chain(session.scope_id)).includes(grant.scopeId)
      )
        return session;
    }
    throw notFound(`session ${id} does not exist`);
  }

  async list(principal: Principal) {
    const rows = await this.db.query<SessionRow[]>(
      `SELECT * FROM exam_session ORDER BY start_date DESC, id DESC LIMIT 200`,
    );
    const items = [];
    for (const row of rows) {
      try {
        await this.readable(principal, row.id);
      } catch {
        continue;
      }
      items.push({
        id: row.id,
        title: row.title,
        startDate: row.start_date,
        summer: row.summer,
        scope: row.scope_id,
      });
    }
    return { items };
  }

  async get(principal: Principal, id: string) {
    const session = await this.readable(principal, id);
    const steps = await this.db.query<
      {
        step_id: string;
        clauses: string[];
        status: string;
        due_at: Date;
        opened_at: Date;
        overdue_at: Date | null;
        approved_at: Date | null;
        approved_by: string | null;
        comment: string | null;
        subject: StepSubject | null;
      }[]
    >(`SELECT * FROM session_step WHERE session_id = $1 ORDER BY due_at, step_id`, [id]);
    const exams = await this.db.query<
      {
        id: string;
        discipline: string;
        department_id: string;
        exam_date: string;
        phase: string;
        open_steps: number;
        overdue_steps: number;
      }[]
    >(
      `SELECT e.id, e.discipline, e.department_id, e.exam_date, e.phase,
              count(*) FILTER (WHERE s.status IN ('open', 'overdue'))::int AS open_steps,
              count(*) FILTER (WHERE s.status = 'overdue')::int AS overdue_steps
         FROM exam e LEFT JOIN exam_step s ON s.exam_id = e.id
        WHERE e.session_id = $1 GROUP BY e.id ORDER BY e.exam_date, e.id`,
      [id],
    );
    const workflow = await this.temporal.sessionState(id);
    const starts = new Map((workflow?.exams ?? []).map((e) => [e.examId, e.start]));
    return {
      id: session.id,
      title: session.title,
      startDate: session.start_date,
      summer: session.summer,
      scope: session.scope_id,
      policyVersion: session.policy_version,
      workflowId: session.workflow_id,
      completed: workflow?.completed ?? false,
      steps: steps.map((s) => ({
        stepId: s.step_id,
        clauses: s.clauses,
        status: s.status,
        dueAt: this.iso(s.due_at),
        dueDate: dateInZone(this.policy.timeZone, s.due_at),
        openedAt: this.iso(s.opened_at),
        overdueAt: this.iso(s.overdue_at),
        approvedAt: this.iso(s.approved_at),
        approvedBy: s.approved_by,
        comment: s.comment,
        /** What the approval approved (row 3: the proctor assignments), if the step has one. */
        subject: s.subject,
      })),
      summary: {
        exams: exams.length,
        examsWithOverdueSteps: exams.filter((e) => e.overdue_steps > 0).length,
        openSteps:
          exams.reduce((n, e) => n + e.open_steps, 0) +
          steps.filter((s) => s.status === 'open' || s.status === 'overdue').length,
        overdueSteps:
          exams.reduce((n, e) => n + e.overdue_steps, 0) +
          steps.filter((s) => s.status === 'overdue').length,
      },
      exams: exams.map((e) => ({
        id: e.id,
        discipline: e.discipline,
        department: e.department_id,
        examDate: e.exam_date,
        phase: e.phase,
        // From the session workflow's query; "unknown" when no worker answered in time.
        workflow: workflow === undefined ? 'unknown' : (starts.get(e.id) ?? 'pending'),
        openSteps: e.open_steps,
        overdueSteps: e.overdue_steps,
      })),
    };
  }

  /** A decision on a session step: GP 4's in its department's chain, the others in the session's scope. */
  async decide(
    principal: Principal,
    sessionId: string,
    stepId: string,
    decision: Decision,
    comment: string | undefined,
    updateId: string,
    assigneeId?: string,
  ) {
    const session = await this.readable(principal, sessionId);
    const unit = stepId.includes('@') ? stepId.slice(stepId.indexOf('@') + 1) : session.scope_id;
    const chain = await this.exams.chain(unit);
    const via: DecideStepRequest['via'] = { kind: 'api' };
    return this.exams.act(principal, {
      // Row 3, §5.12: approved on the working group's assignments, every exam with its proctors
      // (a role above the owner may still waive it, with a reason).
      ...(ruleIdOf(stepId) === 'proctorsApproval'
        ? { resolveSubject: () => proctorAssignmentsSubject(this.db, sessionId) }
        : {}),
      kind: 'session',
      id: sessionId,
      workflowId: session.workflow_id,
      chain,
      stepId,
      decision,
      comment,
      updateId,
      via,
      ...(assigneeId !== undefined ? { assigneeId } : {}),
    });
  }
}
