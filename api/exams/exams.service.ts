import { randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { DEPARTMENT_DISCUSSION } from '../../sop/default-policy';
import { planExam, PlanInputError, type ExamFacts } from '../../sop/plan';
import { findStep, type Policy } from '../../sop/policy';
import { dateInZone, isoInZone } from '../common/time';
import type { SopService } from '../plans/sop.service';
import { examWorkflowId, type ApproveStepResult } from '../../workflows/exam.contract';
import { badRequest, conflict, notFound, ProblemException } from '../common/problem';
import type { StartResult, TemporalGateway } from '../temporal/temporal.gateway';
import type { ApproveStepDto, CreateExamDto } from './exams.dto';
import { insertExam } from './exams.repository';

/** When a registration gives no end of the sitting (E): a product default, said in the README. */
const DEFAULT_SITTING_HOURS = 3;

interface ExamRow {
  id: string;
  discipline: string;
  department: string;
  exam_date: string;
  starts_at: Date;
  owner_email: string;
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
}

export class ExamsService {
  constructor(
    private readonly db: DataSource,
    private readonly temporal: TemporalGateway,
    private readonly sop: SopService,
  ) {}

  private get policy(): Policy {
    return this.sop.policy;
  }

  private iso(at: Date | number | null): string | null {
    return at === null ? null : isoInZone(this.policy.timeZone, at);
  }

  /** Stores the exam and starts `exam-<id>` in one unit: if the start fails, nothing is saved. */
  async create(dto: CreateExamDto, now: number) {
    const zone = this.policy.timeZone;
    const startsAt = dto.startsAt
      ? DateTime.fromISO(dto.startsAt, { setZone: true })
      : DateTime.fromISO(`${dto.examDate}T09:00`, { zone });
    if (!startsAt.isValid) throw badRequest('startsAt', 'is not a valid date-time');
    if (startsAt.setZone(zone).toISODate() !== dto.examDate) {
      throw badRequest('startsAt', `must fall on examDate ${dto.examDate} in ${zone}`);
    }
    const endsAt =
      dto.endsAt !== undefined
        ? DateTime.fromISO(dto.endsAt, { setZone: true })
        : DateTime.min(
            startsAt.plus({ hours: DEFAULT_SITTING_HOURS }),
            startsAt.setZone(zone).endOf('day'),
          );
    if (!endsAt.isValid) throw badRequest('endsAt', 'is not a valid date-time');
    if (endsAt < startsAt) throw badRequest('endsAt', 'must not be before startsAt');
    const id = dto.id ?? randomUUID();
    const workflowId = examWorkflowId(id);
    const facts: ExamFacts = {
      examId: id,
      days: [dto.examDate],
      startsAt: startsAt.toMillis(),
      endsAt: endsAt.toMillis(),
      ...(dto.credits !== undefined ? { credits: dto.credits } : {}),
      expectedWorks: dto.expectedWorks ?? 0,
      summer: dto.summer ?? false,
      retake: dto.retake ?? false,
    };
    const calendar = this.sop.calendarFor([dto.examDate]);
    let planned;
    try {
      planned = planExam(this.policy, calendar, { ...facts, opensAt: now }).steps.filter(
        (step) => step.key === DEPARTMENT_DISCUSSION,
      );
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
        department: dto.department,
        examDate: dto.examDate,
        startsAt: startsAt.toJSDate(),
        ownerEmail: dto.ownerEmail,
        policyVersion: this.policy.version,
        workflowId,
      });
    } catch (error) {
      if ((error as { code?: string }).code !== '23505') throw error;
      const existing = await this.db.query<{ id: string }[]>(
        `SELECT id FROM exam WHERE id = $1 OR (department = $2 AND discipline = $3 AND exam_date = $4)`,
        [id, dto.department, dto.discipline, dto.examDate],
      );
      const examId = existing[0]?.id ?? id;
      throw conflict(
        `exam ${examId} already exists for this id or for ${dto.discipline}, ${dto.department} on ${dto.examDate}`,
        { examId },
      );
    }
    let started: StartResult;
    try {
      started = await this.temporal.startExam({
        examId: id,
        discipline: dto.discipline,
        department: dto.department,
        facts,
        ownerEmail: dto.ownerEmail,
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
    // The steps the workflow runs now (the thin slice runs GP 3's department discussion).
    const steps = planned.map((plan) => ({
      stepId: plan.stepId,
      clauses: plan.clauses,
      dueAt: this.iso(plan.dueAt),
      dueDate: plan.dueDate,
      reminders: plan.reminders.map((r) => this.iso(r)),
    }));
    return {
      id,
      discipline: dto.discipline,
      department: dto.department,
      examDate: dto.examDate,
      startsAt: this.iso(startsAt.toMillis()),
      endsAt: this.iso(endsAt.toMillis()),
      workflowId,
      runId: started.runId,
      policyVersion: this.policy.version,
      steps,
    };
  }

  async get(id: string) {
    const exams = await this.db.query<ExamRow[]>(`SELECT * FROM exam WHERE id = $1`, [id]);
    const exam = exams[0];
    if (exam === undefined) throw notFound(`exam ${id} does not exist`);
    const steps = await this.db.query<StepRow[]>(
      `SELECT * FROM exam_step WHERE exam_id = $1 ORDER BY due_at`,
      [id],
    );
    return {
      id: exam.id,
      discipline: exam.discipline,
      department: exam.department,
      examDate: exam.exam_date,
      startsAt: this.iso(exam.starts_at),
      ownerEmail: exam.owner_email,
      policyVersion: exam.policy_version,
      workflowId: exam.workflow_id,
      createdAt: this.iso(exam.created_at),
      steps: steps.map((s) => ({
        stepId: s.step_id,
        clauses: s.clauses,
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
      })),
    };
  }

  async approve(examId: string, stepId: string, dto: ApproveStepDto, idempotencyKey: string) {
    const exams = await this.db.query<
      {
        id: string;
      }[]
    >(`SELECT id FROM exam WHERE id = $1`, [examId]);
    if (exams.length === 0) throw notFound(`exam ${examId} does not exist`);
    if (findStep(this.policy, stepId) === undefined)
      throw notFound(`step ${stepId} does not exist`);

    const outcome = await this.temporal.approve(
      examId,
      { stepId, actor: dto.actor, comment: dto.comment },
      `approve/${stepId}/${idempotencyKey}`,
    );
    switch (outcome.kind) {
      case 'approved':
        return this.approvalBody(outcome.result);
      case 'refused':
        switch (outcome.refusal) {
          case 'unknown-step':
            throw notFound(outcome.message);
          case 'missing-actor':
            throw badRequest('actor', outcome.message);
          case 'not-open':
            throw conflict(outcome.message);
        }
        break;
      case 'workflow-closed':
        throw conflict(`exam ${examId} has no open step ${stepId}: its workflow has completed`);
    }
    throw new ProblemException({ status: 500, detail: 'unhandled approval outcome' });
  }

  private approvalBody(result: ApproveStepResult) {
    return {
      examId: result.examId,
      stepId: result.stepId,
      status: result.status,
      approvedAt: this.iso(result.approvedAt),
      approvedBy: result.approvedBy,
      late: result.late,
    };
  }
}
