import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { planExam, planSession, PlanInputError } from '../../sop/plan';
import type { Role } from '../../sop/policy';
import type { Language } from '../common/language';
import { notFound, ProblemException } from '../common/problem';
import { renderIcs, renderJson, type StoredPlan } from './plans.render';
import { previewSchema } from './plans.schema';
import type { SopService } from './sop.service';

export class PlansService {
  constructor(
    private readonly db: DataSource,
    private readonly sop: SopService,
  ) {}

  /**
   * Plans a session and its exams with the policy in force (sop/plan.ts) and stores the result
   * under an id derived from the policy version and the request, so the same preview asked twice
   * is one row and its .ics is the same plan.
   */
  async preview(body: unknown, lang: Language, now: number) {
    const parsed = previewSchema.safeParse(body);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({
        path: i.path.length > 0 ? i.path.join('.') : '(body)',
        message: i.message,
      }));
      throw new ProblemException({
        status: 400,
        detail: errors.map((e) => `${e.path}: ${e.message}`).join('; '),
        errors,
      });
    }
    const request = parsed.data;
    const { policy } = this.sop;
    const zone = policy.timeZone;
    const id = createHash('sha256')
      .update(JSON.stringify([policy.version, request]))
      .digest('hex')
      .slice(0, 32);
    const existing = await this.load(id);
    if (existing !== undefined) return renderJson(existing, lang);

    const dates = [request.session.startDate, ...request.exams.flatMap((e) => e.days)];
    const calendar = this.sop.calendarFor(dates);
    const local = (date: string, time: string) =>
      DateTime.fromISO(`${date}T${time}`, { zone }).toMillis();
    const exams = request.exams.map((exam, e) => {
      const startsAt = local(exam.days[0], exam.firstSittingStart);
      const endsAt = local(exam.days[exam.days.length - 1], exam.lastSittingEnd);
      try {
        const plan = planExam(policy, calendar, {
          examId: exam.id,
          days: exam.days,
          startsAt,
          endsAt,
          ...(exam.credits !== undefined ? { credits: exam.credits } : {}),
          expectedWorks: exam.expectedWorks,
          summer: request.session.summer,
          retake: exam.retake,
        });
        return {
          id: exam.id,
          discipline: exam.discipline,
          department: exam.department,
          days: exam.days,
          startsAt,
          endsAt,
          ...(exam.credits !== undefined ? { credits: exam.credits } : {}),
          expectedWorks: exam.expectedWorks,
          retake: exam.retake,
          steps: plan.steps,
          onEvents: plan.onEvents,
        };
      } catch (error) {
        if (error instanceof PlanInputError) {
          const path = `exams.${e}.${error.path}`;
          throw new ProblemException({
            status: 400,
            detail: `${path}: ${error.reason}`,
            errors: [{ path, message: error.reason }],
          });
        }
        throw error;
      }
    });
    const session = planSession(policy, calendar, {
      startDate: request.session.startDate,
      summer: request.session.summer,
      departments: request.exams.map((e) => e.department),
    });
    const lowest = Math.min(...calendar.years);
    const highest = Math.max(...calendar.years);
    const stored: StoredPlan = {
      id,
      policyVersion: policy.version,
      timeZone: zone,
      createdAt: now,
      nonWorking: Object.fromEntries(
        Object.entries(calendar.nonWorking).filter(([date]) => {
          const year = Number(date.slice(0, 4));
          return year >= lowest && year <= highest;
        }),
      ),
      session: { ...request.session, steps: session.steps },
      exams,
    };
    await this.db.query(
      `INSERT INTO plan_preview (id, policy_version, request, plan) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO NOTHING`,
      [id, policy.version, JSON.stringify(request), JSON.stringify(stored)],
    );
    return renderJson((await this.load(id)) ?? stored, lang);
  }

  async json(id: string, lang: Language) {
    return renderJson(await this.require(id), lang);
  }

  async ics(id: string, lang: Language): Promise<string> {
    const roles = new Map(this.sop.policy.roles.map((r) => [r.id, r.title[lang]]));
    return renderIcs(await this.require(id), lang, (role: Role) => roles.get(role) ?? role);
  }

  private async require(id: string): Promise<StoredPlan> {
    const plan = /^[0-9a-f]{32}$/.test(id) ? await this.load(id) : undefined;
    if (plan === undefined) throw notFound(`plan preview ${id} does not exist`);
    return plan;
  }

  private async load(id: string): Promise<StoredPlan | undefined> {
    const rows = await this.db.query<{ plan: StoredPlan }[]>(
      `SELECT plan FROM plan_preview WHERE id = $1`,
      [id],
    );
    return rows[0]?.plan;
  }
}
