import { DateTime } from 'luxon';
import type { Pool } from 'pg';
import type { Role } from '../sop/policy';
import { detailOf, type ApiClient, type Person } from './api-client';
import type { HumanStep, PlannedExam } from './scenario';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * What the actors see: every step of the drill's exams in the read model and the escalations in
 * the outbox, read once a second (during PostgreSQL's outage the last view stays). The actors
 * only look here; everything they do goes through the API.
 */
export class Observer {
  private steps = new Map<string, string>();
  private escalated = new Set<string>();
  private running = false;
  private loop?: Promise<void>;

  constructor(
    private readonly pool: Pool,
    private readonly prefix: string,
  ) {}

  start(): void {
    this.running = true;
    this.loop = (async () => {
      while (this.running) {
        try {
          const [steps, escalations] = await Promise.all([
            this.pool.query<{ exam_id: string; step_id: string; status: string }>(
              `SELECT exam_id, step_id, status FROM exam_step WHERE exam_id LIKE $1`,
              [`${this.prefix}%`],
            ),
            this.pool.query<{ exam_id: string; step_id: string }>(
              `SELECT DISTINCT exam_id, step_id FROM outbox
                WHERE kind = 'step.escalation' AND exam_id LIKE $1`,
              [`${this.prefix}%`],
            ),
          ]);
          this.steps = new Map(steps.rows.map((r) => [`${r.exam_id} ${r.step_id}`, r.status]));
          this.escalated = new Set(escalations.rows.map((r) => `${r.exam_id} ${r.step_id}`));
        } catch {
          // PostgreSQL is down: the actors keep the last view.
        }
        await sleep(1_000);
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  status(examId: string, stepKey: string): string | undefined {
    return this.steps.get(`${examId} ${stepKey}`);
  }

  escalatedOn(examId: string, stepKey: string): boolean {
    return this.escalated.has(`${examId} ${stepKey}`);
  }
}

/** One decision an actor sent, with the key that makes its retries one decision. */
export interface SentDecision {
  examId: string;
  stepKey: string;
  decision: 'approve' | 'reject';
  key: string;
  personId: string;
  status: number;
  detail?: string;
}

export interface ActorContext {
  api: ApiClient;
  observer: Observer;
  runTag: string;
  /** The person who holds `role` over the exam's department. */
  personFor(role: Role, exam: PlannedExam): Person;
  steps: HumanStep[];
  departmentId(exam: PlannedExam): string;
  /** Milliseconds since the epoch at which registration began. */
  startedAt: number;
  stopped(): boolean;
  decisions: SentDecision[];
  created: Set<string>;
  problems: string[];
}

const OPEN = ['open', 'overdue'];

/**
 * The exam's people, scripted: the head registers the exam at its planned moment (sitting
 * `leadSeconds` later, 5 s long, as the e2e harness does), then each step's owner acts on it as
 * planned once it is seen open.
 */
export async function runExamActors(ctx: ActorContext, exam: PlannedExam): Promise<void> {
  const wait = ctx.startedAt + exam.createAt * 1000 - Date.now();
  if (wait > 0) await sleep(wait);
  if (ctx.stopped()) return;
  const head = ctx.personFor('department_head', exam);
  const zone = 'Asia/Almaty';
  const start = DateTime.fromMillis(Date.now() + exam.leadSeconds * 1000, { zone });
  const end = DateTime.min(start.plus({ seconds: 5 }), start.endOf('day'));
  const body = {
    id: exam.id,
    discipline: `Chaos drill discipline ${exam.index + 1} (${ctx.runTag})`,
    department: ctx.departmentId(exam),
    examDate: start.toISODate()!,
    startsAt: start.toISO({ suppressMilliseconds: false })!,
    endsAt: end.toISO({ suppressMilliseconds: false })!,
  };
  const created = await ctx.api
    .send('POST', '/exams', {
      as: head,
      body,
      idempotencyKey: `chaos/${ctx.runTag}/create/${exam.id}`,
    })
    .catch((error: Error) => ({ status: 0, body: { detail: error.message }, replayed: false }));
  let exists = created.status === 201;
  if (created.status === 409) {
    // The first attempt created it, and its answer was lost with the key (PostgreSQL went down).
    const read = await ctx.api.send('GET', `/exams/${exam.id}`, { as: head }).catch(() => null);
    exists = read?.status === 200;
  }
  if (!exists) {
    ctx.problems.push(`${exam.id}: not registered (${created.status} ${detailOf(created)})`);
    return;
  }
  ctx.created.add(exam.id);
  await Promise.all(
    ctx.steps
      .filter((s) => exam.actions[s.key] !== 'never' && !exam.neverOpen.includes(s.key))
      .map((step) => actOnStep(ctx, exam, step)),
  );
}

async function until(ctx: ActorContext, test: () => boolean): Promise<boolean> {
  while (!ctx.stopped()) {
    if (test()) return true;
    await sleep(500);
  }
  return false;
}

async function actOnStep(ctx: ActorContext, exam: PlannedExam, step: HumanStep): Promise<void> {
  const action = exam.actions[step.key];
  const person = ctx.personFor(step.ownerRole, exam);
  const seen = () => OPEN.includes(ctx.observer.status(exam.id, step.key) ?? '');
  if (!(await until(ctx, seen))) return;
  // A person reads their email first: up to 3 s (seeded by the exam and step, not by timing).
  await sleep(500 + ((exam.index * 7919 + step.key.length * 104729) % 2500));
  const decide = async (decision: 'approve' | 'reject', comment?: string) => {
    const key = `chaos/${ctx.runTag}/${exam.id}/${step.key}/${decision}`;
    const answer = await ctx.api
      .send(
        'POST',
        `/exams/${encodeURIComponent(exam.id)}/steps/${encodeURIComponent(step.key)}/${decision}`,
        {
          as: person,
          body: comment === undefined ? {} : { comment },
          idempotencyKey: key,
        },
      )
      .catch((error: Error) => ({ status: 0, body: { detail: error.message }, replayed: false }));
    ctx.decisions.push({
      examId: exam.id,
      stepKey: step.key,
      decision,
      key,
      personId: person.id!,
      status: answer.status,
      ...(answer.status === 200 ? {} : { detail: detailOf(answer) }),
    });
    if (answer.status !== 200)
      ctx.problems.push(
        `${exam.id} ${step.key}: ${decision} answered ${answer.status} ${detailOf(answer)}`,
      );
    return answer.status === 200;
  };
  switch (action) {
    case 'approve':
      await decide('approve');
      return;
    case 'rejectThenApprove':
      if (await decide('reject', 'Chaos drill: please revise the wording of question 3')) {
        await sleep(1_500);
        await decide('approve');
      }
      return;
    case 'late':
      // Overdue, and the next role of the chain told (its escalation row is in the outbox).
      if (!(await until(ctx, () => ctx.observer.escalatedOn(exam.id, step.key)))) return;
      await decide('approve');
      return;
    case 'never':
      return;
  }
}
