import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Pool } from 'pg';
import { loadPolicy } from '../config/policy-file';
import { ROOT } from '../scripts/infra';
import type { Role } from '../sop/policy';
import { ApiClient, type Person, type RequestStats } from './api-client';
import { Observer, runExamActors, type ActorContext, type SentDecision } from './actors';
import { runChecks, type Checks } from './checks';
import {
  humanSteps,
  planExams,
  planFaults,
  type DrillSizes,
  type Faults,
  type PlannedExam,
} from './scenario';
import { DrillSystem } from './system';

/**
 * The chaos drill (issue 10): exams on the drill policy through the real API, worker, Temporal
 * dev server, PostgreSQL and SMTP catcher, with scripted actors, while the worker is killed, the
 * dev server restarted, PostgreSQL and the catcher stopped; then it checks that nothing was lost
 * or doubled. `npm run chaos` runs it at full size (chaos/drill.ts), the e2e test small.
 */
export interface DrillOptions extends DrillSizes {
  /** Its own folder (emptied first): databases, mail, logs. */
  dir: string;
  policyFile?: string;
  /** The whole drill stops by itself within this many seconds (checks included). */
  deadlineSeconds?: number;
  log?: (message: string) => void;
}

export interface FaultEvent {
  at: number;
  what: string;
}

export interface DrillResult {
  ok: boolean;
  sizes: DrillSizes;
  wallSeconds: number;
  exams: { planned: number; created: number };
  checks: Checks;
  lifecycle: { expected: number; found: number; duplicated: number };
  faults: {
    planned: Faults;
    events: FaultEvent[];
    kills: number;
    workerExitsOnItsOwn: number;
    apiExitsOnItsOwn: number;
  };
  requests: RequestStats & { refused: number; keysLeftInFlight: number };
  /** Everything found wrong (and actor errors), one line each. */
  problems: string[];
}

/** Defaults at the size, spread scaled to the number of exams. */
export function drillSizes(partial: Partial<DrillSizes> & { exams: number }): DrillSizes {
  return {
    kills: 10,
    pgStopSeconds: 30,
    smtpStopSeconds: 30,
    temporalRestart: true,
    seed: 1,
    spreadSeconds: Math.min(360, Math.max(20, partial.exams * 1.8)),
    leadSeconds: 75,
    ...partial,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const DEPARTMENT_ROLES: Role[] = [
  'department_head',
  'department_responsible',
  'examiner',
  'programme_committee',
];
const SCHOOL_ROLES: Role[] = ['dean', 'deans_office'];
const PASSWORD = 'a long chaos drill passphrase';

export async function runDrill(options: DrillOptions): Promise<DrillResult> {
  const began = Date.now();
  const log = options.log ?? ((m: string) => process.stderr.write(`[chaos] ${m}\n`));
  const deadline = began + (options.deadlineSeconds ?? 1200) * 1000;
  const sizes: DrillSizes = {
    exams: options.exams,
    kills: options.kills,
    pgStopSeconds: options.pgStopSeconds,
    smtpStopSeconds: options.smtpStopSeconds,
    temporalRestart: options.temporalRestart,
    seed: options.seed,
    spreadSeconds: options.spreadSeconds,
    leadSeconds: options.leadSeconds,
  };
  const policyFile = options.policyFile ?? join(ROOT, 'policies', 'drill.policy.json');
  const policy = loadPolicy(policyFile);
  const steps = humanSteps(policy);
  rmSync(options.dir, { recursive: true, force: true });
  const system = new DrillSystem({ dir: options.dir, policyFile, log });
  let pool: Pool | undefined;
  let observer: Observer | undefined;
  // Actors and retries stop at the deadline, with time left for the checks.
  let actorsStopped = false;
  const stopped = () => actorsStopped || Date.now() > deadline - 150_000;
  try {
    log(`starting PostgreSQL, the Temporal dev server, the SMTP catcher, the API and a worker`);
    await system.start();
    log(`system up in ${Math.round((Date.now() - began) / 1000)} s at ${system.baseUrl}`);
    pool = new Pool({ connectionString: system.ownerUrl, max: 4 });
    // An idle client cut by PostgreSQL's stop must not end the drill.
    pool.on('error', () => undefined);
    const api = new ApiClient(system.baseUrl, stopped);

    // ── The directory, through the API as its admin.
    const departments = Math.max(1, Math.min(4, sizes.exams));
    const runTag = `${sizes.seed}-${Date.now().toString(36)}`;
    const people = await setUpDirectory(api, steps, departments, log);
    const departmentId = (exam: PlannedExam) => `chaos-dept-${exam.department + 1}`;
    const personFor = (role: Role, exam: PlannedExam): Person => {
      const name = DEPARTMENT_ROLES.includes(role) ? `${role}@${departmentId(exam)}` : role;
      const person = people.get(name);
      if (person === undefined) throw new Error(`the drill has nobody for ${name}`);
      return person;
    };

    // ── The plan: exams, their paths, the faults.
    const exams = planExams(steps, sizes, runTag, departments);
    const window = sizes.spreadSeconds + sizes.leadSeconds + 45;
    const faults = planFaults(sizes, window);
    const prefix = `chaos-${runTag}-`;
    observer = new Observer(pool, prefix);
    observer.start();
    const decisions: SentDecision[] = [];
    const created = new Set<string>();
    const problems: string[] = [];
    const startedAt = Date.now();
    const ctx: ActorContext = {
      api,
      observer,
      runTag,
      personFor,
      steps,
      departmentId,
      startedAt,
      stopped,
      decisions,
      created,
      problems,
    };
    log(
      `${exams.length} exams over ${Math.round(sizes.spreadSeconds)} s (${exams.filter((e) => e.expected.kind === 'waiting').length} to be left waiting on a step); faults: ${describeFaults(faults)}`,
    );
    const events: FaultEvent[] = [];
    const actors = Promise.all(exams.map((exam) => runExamActors(ctx, exam)));
    const faultRun = runFaults(system, faults, startedAt, events, log, stopped);
    const progress = setInterval(() => {
      log(
        `${Math.round((Date.now() - startedAt) / 1000)} s: ${created.size}/${exams.length} exams registered, ${decisions.length} decisions sent`,
      );
    }, 30_000);
    try {
      await Promise.all([actors, faultRun]);
    } finally {
      clearInterval(progress);
    }

    // ── Settle: every exam where the plan says, every email out, or the deadline.
    log('faults over and actors done: waiting for the system to settle');
    await settle(pool, prefix, exams, created, deadline - 120_000, log);
    actorsStopped = true;
    await observer.stop();
    observer = undefined;
    await system.workerReady(60_000).catch(() => undefined);

    log('checking');
    const admin: Person = {
      name: 'admin',
      email: 'admin@emtihan.local',
      password: 'emtihan-dev-admin',
    };
    const verifyApi = new ApiClient(system.baseUrl, () => Date.now() > deadline - 20_000);
    const checks = await runChecks({
      pool,
      client: system.client!,
      mailDir: system.mailDir,
      prefix,
      exams: exams.filter((e) => created.has(e.id)),
      steps,
      created,
      decisions,
      personOf: (exam, step) => personFor(step.ownerRole, exam).id!,
      verifyAudit: async () => {
        const answer = await verifyApi.send('GET', '/audit/verify', { as: admin });
        const broken = answer.body.broken as { detail?: string } | undefined;
        return {
          intact: answer.status === 200 && answer.body.intact === true,
          count: Number(answer.body.count ?? 0),
          ...(broken?.detail !== undefined ? { detail: broken.detail } : {}),
        };
      },
    });
    const lifecycle = await checkLifecycle(pool, prefix, exams, created, checks.problems);
    const keysLeft = Number(
      (
        await pool.query<{ n: string }>(
          `SELECT count(*) AS n FROM idempotency_key WHERE response_status IS NULL`,
        )
      ).rows[0].n,
    );
    const refused = decisions.filter((d) => d.status !== 200).length;
    const allProblems = [...problems, ...checks.problems];
    const ok =
      created.size === exams.length &&
      refused === 0 &&
      checks.workflows.unexpected === 0 &&
      checks.decisions.missing === 0 &&
      checks.decisions.duplicated === 0 &&
      checks.outbox.notSent === 0 &&
      checks.outbox.lost === 0 &&
      checks.outbox.duplicateKeys === 0 &&
      checks.outbox.unknown === 0 &&
      checks.reminders.afterStepClosed === 0 &&
      lifecycle.duplicated === 0 &&
      lifecycle.found === lifecycle.expected &&
      checks.audit.intact &&
      allProblems.length === 0;
    return {
      ok,
      sizes,
      wallSeconds: Math.round((Date.now() - began) / 1000),
      exams: { planned: exams.length, created: created.size },
      checks,
      lifecycle,
      faults: {
        planned: faults,
        events,
        kills: events.filter((e) => e.what.startsWith('worker killed')).length,
        workerExitsOnItsOwn: system.worker.unexpectedExits,
        apiExitsOnItsOwn: system.api.unexpectedExits,
      },
      requests: { ...api.stats, refused, keysLeftInFlight: keysLeft },
      problems: allProblems,
    };
  } finally {
    actorsStopped = true;
    await observer?.stop();
    await pool?.end().catch(() => undefined);
    await system.stop();
  }
}

function describeFaults(faults: Faults): string {
  const parts = [`${faults.kills.length} worker kills`];
  if (faults.postgres)
    parts.push(`PostgreSQL down ${faults.postgres.seconds} s at +${faults.postgres.at} s`);
  if (faults.smtp) parts.push(`SMTP down ${faults.smtp.seconds} s at +${faults.smtp.at} s`);
  if (faults.temporalRestart !== undefined)
    parts.push(`Temporal restarted at +${faults.temporalRestart} s`);
  return parts.join(', ');
}

/** Units and people through the API: a school, `departments` departments, a person per role. */
async function setUpDirectory(
  api: ApiClient,
  steps: ReturnType<typeof humanSteps>,
  departments: number,
  log: (m: string) => void,
): Promise<Map<string, Person>> {
  const admin: Person = {
    name: 'admin',
    email: 'admin@emtihan.local',
    password: 'emtihan-dev-admin',
  };
  const name = (en: string) => ({ kk: en, ru: en, en });
  const units = [
    { id: 'chaos-school', kind: 'school', parentId: 'institution', name: name('Chaos school') },
    ...Array.from({ length: departments }, (_, d) => ({
      id: `chaos-dept-${d + 1}`,
      kind: 'department',
      parentId: 'chaos-school',
      name: name(`Chaos department ${d + 1}`),
    })),
  ];
  const put = await api.send('PUT', '/directory/units', { as: admin, body: { units } });
  if (put.status !== 200) throw new Error(`units: ${put.status} ${JSON.stringify(put.body)}`);
  // Everyone who owns a step, and the first role each step escalates to (its escalation emails).
  const roles = new Set<Role>(['department_head']);
  for (const step of steps) roles.add(step.ownerRole);
  for (const rule of loadEscalations(steps)) roles.add(rule);
  const rows: { name: string; email: string; role: Role; scope: string }[] = [];
  for (const role of roles) {
    if (DEPARTMENT_ROLES.includes(role)) {
      for (let d = 1; d <= departments; d++)
        rows.push({
          name: `${role}@chaos-dept-${d}`,
          email: `${role.replace(/_/g, '.')}.d${d}@chaos.example.edu.kz`,
          role,
          scope: `chaos-dept-${d}`,
        });
    } else {
      rows.push({
        name: role,
        email: `${role.replace(/_/g, '.')}@chaos.example.edu.kz`,
        role,
        scope: SCHOOL_ROLES.includes(role) ? 'chaos-school' : 'institution',
      });
    }
  }
  const csv = [
    'email,full_name,language,role,scope',
    ...rows.map((r) => `${r.email},Chaos ${r.name},en,${r.role},${r.scope}`),
  ].join('\n');
  const imported = await api.send('POST', '/directory/people/import', {
    as: admin,
    form: () => {
      const form = new FormData();
      form.append('file', new Blob([csv], { type: 'text/csv' }), 'people.csv');
      return form;
    },
  });
  if (imported.status !== 200)
    throw new Error(`people import: ${imported.status} ${JSON.stringify(imported.body)}`);
  const listed = await api.send('GET', '/directory/people?limit=500', { as: admin });
  const ids = new Map(
    (listed.body.items as { id: string; email: string }[]).map((p) => [p.email, p.id]),
  );
  const people = new Map<string, Person>();
  for (const row of rows) {
    const id = ids.get(row.email);
    if (id === undefined) throw new Error(`${row.email} was not imported`);
    const set = await api.send('POST', `/directory/people/${id}/password`, {
      as: admin,
      body: { password: PASSWORD },
    });
    if (set.status !== 204) throw new Error(`password of ${row.email}: ${set.status}`);
    const person: Person = { name: row.name, email: row.email, password: PASSWORD, id };
    await api.login(person);
    people.set(row.name, person);
  }
  log(`directory: ${units.length} units, ${rows.length} people signed in`);
  return people;
}

/** The first role of each step's escalation chain (who gets its escalation email). */
function loadEscalations(steps: ReturnType<typeof humanSteps>): Role[] {
  return steps.flatMap((s) => (s.escalation[0] !== undefined ? [s.escalation[0]] : []));
}

async function runFaults(
  system: DrillSystem,
  faults: Faults,
  startedAt: number,
  events: FaultEvent[],
  log: (m: string) => void,
  stopped: () => boolean,
): Promise<void> {
  const at = (seconds: number) => sleep(startedAt + seconds * 1000 - Date.now());
  const note = (what: string) => {
    const t = Math.round((Date.now() - startedAt) / 1000);
    events.push({ at: t, what });
    log(`+${t} s: ${what}`);
  };
  const kills = (async () => {
    for (const [i, moment] of faults.kills.entries()) {
      await at(moment);
      if (stopped()) return;
      await system.killWorker();
      note(`worker killed with SIGKILL (${i + 1}/${faults.kills.length}) and restarted`);
    }
  })();
  const outage = async (
    spec: { at: number; seconds: number } | undefined,
    name: string,
    stop: () => Promise<void>,
    start: () => Promise<void>,
  ) => {
    if (spec === undefined) return;
    await at(spec.at);
    await stop();
    note(`${name} stopped`);
    await sleep(spec.seconds * 1000);
    await start();
    note(`${name} started again after ${spec.seconds} s`);
  };
  const temporal = (async () => {
    if (faults.temporalRestart === undefined) return;
    await at(faults.temporalRestart);
    note('Temporal dev server stopping');
    await system.restartTemporal();
    note('Temporal dev server restarted');
  })();
  await Promise.all([
    kills,
    outage(
      faults.postgres,
      'PostgreSQL',
      () => system.stopPostgres(),
      () => system.startPostgres(),
    ),
    outage(
      faults.smtp,
      'SMTP catcher',
      () => system.stopSmtp(),
      () => system.startSmtp(),
    ),
    temporal,
  ]);
}

/** Waits (bounded) until every exam is where its plan ends and the outbox is empty. */
async function settle(
  pool: Pool,
  prefix: string,
  exams: PlannedExam[],
  created: Set<string>,
  until: number,
  log: (m: string) => void,
): Promise<void> {
  const like = `${prefix}%`;
  let last = '';
  while (Date.now() < until) {
    try {
      const phases = new Map(
        (
          await pool.query<{ id: string; phase: string }>(
            `SELECT id, phase FROM exam WHERE id LIKE $1`,
            [like],
          )
        ).rows.map((r) => [r.id, r.phase]),
      );
      const stepStatus = new Map(
        (
          await pool.query<{ exam_id: string; step_id: string; status: string }>(
            `SELECT exam_id, step_id, status FROM exam_step WHERE exam_id LIKE $1`,
            [like],
          )
        ).rows.map((r) => [`${r.exam_id} ${r.step_id}`, r.status]),
      );
      const unsent = Number(
        (
          await pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`,
          )
        ).rows[0].n,
      );
      const pending = exams.filter((exam) => {
        if (!created.has(exam.id)) return false;
        if (exam.expected.kind === 'completed') return phases.get(exam.id) !== 'completed';
        return (
          stepStatus.get(`${exam.id} videoPurge`) !== 'done' ||
          stepStatus.get(`${exam.id} ${exam.expected.stepKey}`) !== 'overdue'
        );
      }).length;
      const line = `${pending} exams not yet where planned, ${unsent} emails not yet sent`;
      if (line !== last) log(line);
      last = line;
      if (pending === 0 && unsent === 0) return;
    } catch {
      // PostgreSQL is still starting: look again.
    }
    await sleep(2_000);
  }
  log('settling ran out of time: checking what there is');
}

/** Every exam's own records once each: started, ended, completed (if planned), the purge. */
async function checkLifecycle(
  pool: Pool,
  prefix: string,
  exams: PlannedExam[],
  created: Set<string>,
  problems: string[],
): Promise<{ expected: number; found: number; duplicated: number }> {
  const rows = (
    await pool.query<{ exam_id: string; action: string; n: string }>(
      `SELECT exam_id, action, count(*) AS n FROM audit_log
        WHERE exam_id LIKE $1 AND action IN ('exam.started', 'exam.ended', 'exam.completed', 'video.purged', 'step.opened')
        GROUP BY exam_id, action`,
      [`${prefix}%`],
    )
  ).rows;
  const opened = (
    await pool.query<{ exam_id: string; step_id: string; n: string }>(
      `SELECT exam_id, step_id, count(*) AS n FROM audit_log
        WHERE exam_id LIKE $1 AND action = 'step.opened' GROUP BY exam_id, step_id`,
      [`${prefix}%`],
    )
  ).rows;
  const count = new Map(rows.map((r) => [`${r.exam_id} ${r.action}`, Number(r.n)]));
  let expected = 0;
  let found = 0;
  let duplicated = 0;
  for (const exam of exams) {
    if (!created.has(exam.id)) continue;
    const actions = ['exam.started', 'exam.ended', 'video.purged'];
    if (exam.expected.kind === 'completed') actions.push('exam.completed');
    for (const action of actions) {
      expected++;
      const n = count.get(`${exam.id} ${action}`) ?? 0;
      found += Math.min(n, 1);
      if (n !== 1) problems.push(`${exam.id}: ${n} ${action} records`);
      duplicated += Math.max(n - 1, 0);
    }
    if (exam.expected.kind === 'waiting' && (count.get(`${exam.id} exam.completed`) ?? 0) > 0)
      problems.push(`${exam.id}: completed, though planned to wait`);
  }
  for (const row of opened)
    if (Number(row.n) > 1) {
      duplicated += Number(row.n) - 1;
      problems.push(`${row.exam_id} ${row.step_id}: opened ${row.n} times in the audit log`);
    }
  return { expected, found, duplicated };
}
