import type { Policy, Role } from '../sop/policy';

/**
 * The drill's plan, fixed up front from a seed: which exams there are, what the scripted actors do
 * on each of their steps, where each workflow must end up, and when each fault strikes. Pure: the
 * same seed and sizes give the same plan.
 */

/** A small deterministic generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What an actor does with a step once it is open. */
export type StepAction =
  /** approved as soon as it is seen open */
  | 'approve'
  /** returned for changes with a comment, then approved */
  | 'rejectThenApprove'
  /** left until it is overdue and its escalation is in the outbox, then approved (late) */
  | 'late'
  /** never decided: the workflow must be found waiting on it */
  | 'never';

/** A person's step of a one-day exam: its key, its owner and the steps it waits for. */
export interface HumanStep {
  key: string;
  ownerRole: Role;
  /** Who is told when it is overdue, in order (the first gets its escalation emails). */
  escalation: Role[];
  after: string[];
}

/**
 * The steps a person decides in a one-day exam without violations or appeals: D, Dk and E steps
 * of the policy, not automatic (the purge), not conditional (row 11), not a window (row 12).
 */
export function humanSteps(policy: Policy): HumanStep[] {
  return policy.steps
    .filter(
      (s) =>
        (s.anchor === 'D' || s.anchor === 'Dk' || s.anchor === 'E') &&
        !s.automatic &&
        s.condition === undefined &&
        !s.window,
    )
    .map((s) => ({
      key: s.anchor === 'Dk' ? `${s.id}#1` : s.id,
      ownerRole: s.ownerRole,
      escalation: s.escalation,
      after: s.after.map((id) => {
        const rule = policy.steps.find((r) => r.id === id);
        return rule?.anchor === 'Dk' ? `${id}#1` : id;
      }),
    }));
}

export interface PlannedExam {
  index: number;
  id: string;
  /** One of the drill's departments. */
  department: number;
  /** Seconds after the drill's start at which the exam is registered, and its lead to the sitting. */
  createAt: number;
  leadSeconds: number;
  actions: Record<string, StepAction>;
  /** Steps that never open: they wait for a step that is never decided. */
  neverOpen: string[];
  expected: { kind: 'completed' } | { kind: 'waiting'; stepKey: string };
}

export interface Faults {
  /** Seconds after the start of the exams' registration. */
  kills: number[];
  postgres?: { at: number; seconds: number };
  smtp?: { at: number; seconds: number };
  temporalRestart?: number;
}

export interface DrillSizes {
  exams: number;
  kills: number;
  pgStopSeconds: number;
  smtpStopSeconds: number;
  temporalRestart: boolean;
  seed: number;
  /** Registration is spread over this many seconds. */
  spreadSeconds: number;
  /** From registration to the sitting's start. */
  leadSeconds: number;
}

export function planExams(
  steps: HumanStep[],
  sizes: DrillSizes,
  runTag: string,
  departments: number,
): PlannedExam[] {
  const random = seededRandom(sizes.seed);
  const exams: PlannedExam[] = [];
  for (let index = 0; index < sizes.exams; index++) {
    const actions: Record<string, StepAction> = {};
    // About one exam in four is left waiting on a step nobody decides.
    const stall = random() < 0.25 ? steps[Math.floor(random() * steps.length)] : undefined;
    for (const step of steps) {
      const r = random();
      actions[step.key] =
        step === stall ? 'never' : r < 0.6 ? 'approve' : r < 0.8 ? 'rejectThenApprove' : 'late';
    }
    const blocked = new Set<string>();
    if (stall !== undefined) {
      // Whatever waits (directly or not) for the stalled step never opens.
      let grew = true;
      while (grew) {
        grew = false;
        for (const step of steps)
          if (
            step !== stall &&
            !blocked.has(step.key) &&
            step.after.some((a) => a === stall.key || blocked.has(a))
          ) {
            blocked.add(step.key);
            grew = true;
          }
      }
    }
    exams.push({
      index,
      id: `chaos-${runTag}-${String(index + 1).padStart(4, '0')}`,
      department: index % departments,
      createAt: sizes.exams <= 1 ? 0 : (sizes.spreadSeconds * index) / (sizes.exams - 1),
      leadSeconds: sizes.leadSeconds,
      actions,
      neverOpen: [...blocked],
      expected:
        stall === undefined ? { kind: 'completed' } : { kind: 'waiting', stepKey: stall.key },
    });
  }
  return exams;
}

/**
 * When the faults strike, in seconds from the start of registration, inside `window`: PostgreSQL,
 * the SMTP catcher and the Temporal restart each in a slot of their own (so an outage of one is
 * not hidden by another), the worker kills at random moments across the whole window, at least
 * `minGap` seconds apart so each new worker gets to work before it is killed again.
 */
export function planFaults(sizes: DrillSizes, window: number): Faults {
  const random = seededRandom(sizes.seed ^ 0x5eed);
  const big: ('postgres' | 'smtp' | 'temporal')[] = [];
  if (sizes.pgStopSeconds > 0) big.push('postgres');
  if (sizes.smtpStopSeconds > 0) big.push('smtp');
  if (sizes.temporalRestart) big.push('temporal');
  // A seeded order of the slots.
  for (let i = big.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [big[i], big[j]] = [big[j], big[i]];
  }
  const faults: Faults = { kills: [] };
  const slot = window / Math.max(big.length, 1);
  big.forEach((kind, i) => {
    const length =
      kind === 'postgres' ? sizes.pgStopSeconds : kind === 'smtp' ? sizes.smtpStopSeconds : 15;
    const room = Math.max(slot - length - 5, 0);
    const at = Math.round(i * slot + 5 + random() * room);
    if (kind === 'postgres') faults.postgres = { at, seconds: sizes.pgStopSeconds };
    else if (kind === 'smtp') faults.smtp = { at, seconds: sizes.smtpStopSeconds };
    else faults.temporalRestart = at;
  });
  const minGap = Math.min(25, window / Math.max(sizes.kills, 1));
  const kills: number[] = [];
  for (let i = 0; i < sizes.kills; i++) {
    // A random moment in the i-th share of the window, so the kills spread over all of it.
    const share = window / sizes.kills;
    kills.push(Math.round(i * share + random() * Math.max(share - minGap, 1)));
  }
  faults.kills = kills;
  return faults;
}
