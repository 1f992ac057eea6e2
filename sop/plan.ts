import {
  addWorkingDaysNumber,
  endOfDay,
  localDayOf,
  localInstant,
  previousWorkingDayNumber,
  type WorkingCalendar,
} from './calendar';
import { addMonths, formatDay, parseDay } from './dates';
import { isCalendarUnit } from './units';
import type { Anchor, ExamEvent, Localized, Offset, Policy, Role, StepRule } from './policy';

/**
 * Plans: every step of a session or an exam with its due instant, reminder instants and clauses,
 * computed from the policy and a resolved working-day calendar (DEADLINES.md). Deterministic and
 * pure, so workflows call these too; instants are epoch milliseconds.
 */

export interface SessionFacts {
  /** S: the first day of the session, YYYY-MM-DD in the policy's zone. */
  startDate: string;
  /** Row 4: a summer session's schedule is due 1 week before instead of 2. */
  summer: boolean;
  /** Departments taking part: GP 4's step is planned once for each. */
  departments: string[];
  /** Reminders before this instant are skipped (DEADLINES.md). */
  opensAt?: number;
}

export interface ExamFacts {
  examId: string;
  /** D1 … Dn: the exam days, YYYY-MM-DD in the policy's zone, ascending. */
  days: string[];
  /** Start of the first sitting (epoch ms): the D instant for offsets in hours, minutes, seconds. */
  startsAt?: number;
  /**
   * Each exam day's own sitting start (epoch ms), when the days do not all start at the first
   * sitting's wall-clock time: ascending, sitting k on days[k − 1], the first equal to startsAt.
   * Two sittings may share a date (a morning and an afternoon group), each with its own ticket set.
   */
  sittings?: number[];
  /** E: the end of the exam's last sitting (epoch ms). */
  endsAt: number;
  credits?: number;
  /** Expected number of written works (§5.17: 3 days up to 300, 5 days above). */
  expectedWorks: number;
  summer: boolean;
  retake: boolean;
  /** Reminders before this instant are skipped (DEADLINES.md). */
  opensAt?: number;
}

export interface PlannedStep {
  /** Unique within the plan: the step id, with the exam day (`ticketUpload#2`) or department. */
  key: string;
  stepId: string;
  clauses: string[];
  title: Localized;
  ownerRole: Role;
  escalation: Role[];
  documents: string[];
  anchor: Anchor;
  /** Which exam day (1-based) a Dk step belongs to, and its date. */
  day: { index: number; date: string } | undefined;
  department: string | undefined;
  /** The offset actually applied (after variants and counting rules). */
  offset: Offset;
  shift: StepRule['shift'];
  condition: StepRule['condition'];
  automatic: boolean;
  dueAt: number;
  /** The institution's local date of dueAt. */
  dueDate: string;
  /** When a before-deadline moved to the previous working day: the unshifted date and why. */
  moved: { from: string; reason: string } | undefined;
  reminders: number[];
}

export interface EventStepPlan {
  stepId: string;
  clauses: string[];
  title: Localized;
  ownerRole: Role;
  event: ExamEvent;
  offset: Offset;
}

export interface ExamPlan {
  examId: string;
  policyVersion: string;
  steps: PlannedStep[];
  /** Steps planned when their event happens (violation acts, appeals), with their offsets. */
  onEvents: EventStepPlan[];
}

export interface SessionPlan {
  policyVersion: string;
  steps: PlannedStep[];
}

export class PlanInputError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'PlanInputError';
  }
}

const MS: Record<string, number> = { hours: 3_600_000, minutes: 60_000, seconds: 1_000 };

/** The offset a step applies: its own, a variant's, or the counting rule it refers to. */
export function resolveOffset(
  policy: Policy,
  step: StepRule,
  context: { summer: boolean; expectedWorks?: number },
): Offset {
  for (const variant of step.variants) {
    if (variant.when === 'summerSession' && context.summer) return variant.offset;
    if (variant.when === 'row1SharedDeadline' && policy.options.row1Reading === 'shared')
      return variant.offset;
  }
  const { offset } = step;
  if (!('rule' in offset)) return offset;
  const rules = policy.rules;
  switch (offset.rule) {
    case 'gradingWindow': {
      const works = context.expectedWorks;
      if (works === undefined || !Number.isInteger(works) || works < 0)
        throw new PlanInputError('expectedWorks', 'must be a whole number ≥ 0 (§5.17)');
      // §5.17, row 7: 3 days for at most 300 works, 5 days for more.
      return works <= rules.gradingWindow.threshold
        ? rules.gradingWindow.upToThreshold
        : rules.gradingWindow.aboveThreshold;
    }
    case 'proctorReview':
      return rules.proctorReview.window;
    case 'retention':
      return rules.retention.keep;
    case 'caseDecision':
      return rules.violation.decision;
    case 'actDelivery':
      return rules.violation.delivery;
    case 'violationAcknowledgement':
      return rules.violation.acknowledgement;
    case 'refusalAct':
      return rules.violation.refusalAct;
    case 'appealFiling':
      return rules.appeal.filing;
    case 'appealDecision':
      return rules.appeal.decision;
    case 'form4Signature':
      return rules.proctorReview.signature;
  }
}

interface Due {
  dueAt: number;
  dueDay: number | undefined;
  moved?: { from: string; reason: string };
}

/**
 * DEADLINES.md: calendar units move from the anchor's local date and end at 23:59:59.999 local
 * (months clamp to the month's end; working-day counting skips non-working days); a before-deadline
 * on a non-working day moves to the previous working day; hours, minutes and seconds are exact
 * instants from the anchor instant (E + 72 hours).
 */
/** A calendar-unit offset from a local day: months clamp, working days skip non-working days. */
function offsetDay(calendar: WorkingCalendar, day: number, offset: Offset): number {
  if (offset.counting === 'workingDays') return addWorkingDaysNumber(calendar, day, offset.value);
  if (offset.unit === 'months') return addMonths(day, offset.value);
  return day + offset.value * (offset.unit === 'weeks' ? 7 : 1);
}

/** An offset after an instant: exact for time units, else the end of the offset local day. */
function instantAfter(calendar: WorkingCalendar, offset: Offset, at: number): number {
  if (!isCalendarUnit(offset.unit)) return at + offset.value * MS[offset.unit];
  return endOfDay(calendar, offsetDay(calendar, localDayOf(calendar.timeZone, at), offset));
}

function dueFrom(
  calendar: WorkingCalendar,
  offset: Offset,
  shift: StepRule['shift'],
  anchorDay: number,
  anchorInstant: number,
): Due {
  if (!isCalendarUnit(offset.unit)) {
    return { dueAt: anchorInstant + offset.value * MS[offset.unit], dueDay: undefined };
  }
  let day = offsetDay(calendar, anchorDay, offset);
  let moved: Due['moved'];
  if (shift === 'previousWorkingDay') {
    const working = previousWorkingDayNumber(calendar, day);
    if (working !== day) {
      const from = formatDay(day);
      moved = { from, reason: calendar.nonWorking[from] ?? 'weekend' };
      day = working;
    }
  }
  return { dueAt: endOfDay(calendar, day), dueDay: day, moved };
}

const reminderCache = new WeakMap<Policy['reminders'], Map<string, number[]>>();

/**
 * Reminder instants for a step due at `dueAt` (DEADLINES.md "Reminders"): 7, 2 and 1 days before
 * and the morning of the due day by default, at the policy's local time; those not after `opensAt`
 * are skipped.
 */
export function reminderInstants(
  policy: Policy,
  calendar: WorkingCalendar,
  dueAt: number,
  opensAt = Number.NEGATIVE_INFINITY,
): number[] {
  const { reminders } = policy;
  let cache = reminderCache.get(reminders);
  if (cache === undefined) reminderCache.set(reminders, (cache = new Map<string, number[]>()));
  const key = `${calendar.timeZone}|${dueAt}`;
  let all = cache.get(key);
  if (all === undefined) {
    all = computeReminders(reminders, calendar.timeZone, dueAt);
    cache.set(key, all);
  }
  return all.filter((at) => at > opensAt);
}

function computeReminders(reminders: Policy['reminders'], zone: string, dueAt: number): number[] {
  const { localTime } = reminders;
  const [hour, minute] = (localTime ?? '00:00').split(':').map(Number);
  const dueDay = localDayOf(zone, dueAt);
  const instants = reminders.before.map((offset) => {
    if (!isCalendarUnit(offset.unit)) return dueAt - offset.value * MS[offset.unit];
    const day =
      offset.unit === 'months'
        ? addMonths(dueDay, -offset.value)
        : dueDay - offset.value * (offset.unit === 'weeks' ? 7 : 1);
    return localInstant(
      zone,
      day,
      localTime === undefined ? 0 : hour,
      localTime === undefined ? 0 : minute,
    );
  });
  if (localTime !== undefined) instants.push(localInstant(zone, dueDay, hour, minute));
  return [...new Set(instants)].filter((at) => at < dueAt).sort((a, b) => a - b);
}

function planned(
  policy: Policy,
  calendar: WorkingCalendar,
  step: StepRule,
  offset: Offset,
  due: Due,
  opensAt: number | undefined,
  key: string,
  day?: PlannedStep['day'],
  department?: string,
): PlannedStep {
  // One fixed object shape (absent fields are undefined, which JSON drops): V8 keeps it fast,
  // where spreads of optional fields cost ~10 µs a step (measured with npm run bench:plan).
  return {
    key,
    stepId: step.id,
    clauses: step.clauses,
    title: step.title,
    ownerRole: step.ownerRole,
    escalation: step.escalation,
    documents: step.documents,
    anchor: step.anchor,
    day,
    department,
    offset,
    shift: step.shift,
    condition: step.condition,
    automatic: step.automatic,
    dueAt: due.dueAt,
    dueDate: formatDay(due.dueDay ?? localDayOf(calendar.timeZone, due.dueAt)),
    moved: due.moved,
    reminders: step.automatic ? [] : reminderInstants(policy, calendar, due.dueAt, opensAt),
  };
}

const byDue = (a: PlannedStep, b: PlannedStep) => a.dueAt - b.dueAt || a.key.localeCompare(b.key);

function dayOf(path: string, text: string): number {
  try {
    return parseDay(text);
  } catch {
    throw new PlanInputError(path, `"${text}" is not a date YYYY-MM-DD`);
  }
}

/**
 * The instant exam day k's sitting starts: its own start when the exam lists sittings, else the
 * first sitting's wall-clock time on day k (the workflow's assignment and the API's ticket view
 * use the same rule).
 */
export function sittingStartsAt(
  zone: string,
  days: readonly string[],
  startsAt: number,
  sittings: readonly number[] | undefined,
  k: number,
): number {
  if (sittings !== undefined && sittings[k - 1] !== undefined) return sittings[k - 1];
  if (k < 1 || days.length < k) return startsAt;
  return (
    startsAt +
    (localInstant(zone, parseDay(days[k - 1]), 0, 0) - localInstant(zone, parseDay(days[0]), 0, 0))
  );
}

/** Every exam step (anchors D, Dk, E) with its due and reminders, in due order. */
export function planExam(policy: Policy, calendar: WorkingCalendar, facts: ExamFacts): ExamPlan {
  if (facts.days.length === 0) throw new PlanInputError('days', 'needs at least one exam day');
  const days = facts.days.map((d, i) => dayOf(`days.${i}`, d));
  const sittings = facts.sittings;
  for (let i = 1; i < days.length; i++) {
    // Sittings of their own may share a date (morning and afternoon groups); days may not.
    if (sittings === undefined ? days[i] <= days[i - 1] : days[i] < days[i - 1])
      throw new PlanInputError(`days.${i}`, 'exam days must be ascending and distinct');
  }
  const zone = calendar.timeZone;
  if (sittings !== undefined) {
    if (sittings.length !== days.length)
      throw new PlanInputError('sittings', `needs one start per exam day (${days.length})`);
    sittings.forEach((at, i) => {
      if (localDayOf(zone, at) !== days[i])
        throw new PlanInputError(
          `sittings.${i}`,
          `must fall on exam day ${facts.days[i]} in ${zone}`,
        );
      if (i > 0 && at <= sittings[i - 1])
        throw new PlanInputError(
          `sittings.${i}`,
          'sittings must start in order, each after the one before',
        );
    });
    if (facts.startsAt !== undefined && facts.startsAt !== sittings[0])
      throw new PlanInputError('startsAt', 'must be the first sitting’s start');
    if (facts.endsAt < sittings[sittings.length - 1])
      throw new PlanInputError('endsAt', 'must not be before the last sitting starts');
  }
  const lastDay = days[days.length - 1];
  const endDay = localDayOf(zone, facts.endsAt);
  if (endDay !== lastDay)
    throw new PlanInputError(
      'endsAt',
      `must fall on the last exam day ${formatDay(lastDay)} in ${zone}`,
    );
  const startsAt = facts.startsAt ?? localInstant(zone, days[0], 0, 0);
  if (localDayOf(zone, startsAt) !== days[0])
    throw new PlanInputError(
      'startsAt',
      `must fall on the first exam day ${facts.days[0]} in ${zone}`,
    );

  const steps: PlannedStep[] = [];
  const onEvents: EventStepPlan[] = [];
  const context = { summer: facts.summer, expectedWorks: facts.expectedWorks };
  for (const step of policy.steps) {
    switch (step.anchor) {
      case 'S':
        break;
      case 'event':
        onEvents.push({
          stepId: step.id,
          clauses: step.clauses,
          title: step.title,
          ownerRole: step.ownerRole,
          event: step.event!,
          offset: resolveOffset(policy, step, context),
        });
        break;
      case 'D': {
        const offset = resolveOffset(policy, step, context);
        const due = dueFrom(calendar, offset, step.shift, days[0], startsAt);
        steps.push(planned(policy, calendar, step, offset, due, facts.opensAt, step.id));
        break;
      }
      case 'Dk': {
        const offset = resolveOffset(policy, step, context);
        days.forEach((day, i) => {
          // Time units count from day k's sitting (the first sitting's wall-clock time on day k,
          // unless the exam lists its sittings).
          const dayInstant = sittingStartsAt(zone, facts.days, startsAt, sittings, i + 1);
          const due = dueFrom(calendar, offset, step.shift, day, dayInstant);
          steps.push(
            planned(policy, calendar, step, offset, due, facts.opensAt, `${step.id}#${i + 1}`, {
              index: i + 1,
              date: facts.days[i],
            }),
          );
        });
        break;
      }
      case 'E': {
        const offset = resolveOffset(policy, step, context);
        const due = dueFrom(calendar, offset, step.shift, endDay, facts.endsAt);
        steps.push(planned(policy, calendar, step, offset, due, facts.opensAt, step.id));
        break;
      }
    }
  }
  return {
    examId: facts.examId,
    policyVersion: policy.version,
    steps: steps.sort(byDue),
    onEvents,
  };
}

/** Every session step (anchor S), GP 4's once per department, in due order. */
export function planSession(
  policy: Policy,
  calendar: WorkingCalendar,
  facts: SessionFacts,
): SessionPlan {
  const start = dayOf('startDate', facts.startDate);
  const startInstant = localInstant(calendar.timeZone, start, 0, 0);
  const steps: PlannedStep[] = [];
  for (const step of policy.steps) {
    if (step.anchor !== 'S') continue;
    const offset = resolveOffset(policy, step, { summer: facts.summer });
    const due = dueFrom(calendar, offset, step.shift, start, startInstant);
    if (step.perDepartment) {
      for (const department of [...new Set(facts.departments)].sort()) {
        steps.push(
          planned(
            policy,
            calendar,
            step,
            offset,
            due,
            facts.opensAt,
            `${step.id}@${department}`,
            undefined,
            department,
          ),
        );
      }
    } else {
      steps.push(planned(policy, calendar, step, offset, due, facts.opensAt, step.id));
    }
  }
  return { policyVersion: policy.version, steps: steps.sort(byDue) };
}

/** An event-anchored step (§5.16, row 12), planned when its event happens at `eventAt`. */
export function planAfterEvent(
  policy: Policy,
  calendar: WorkingCalendar,
  stepId: string,
  eventAt: number,
): PlannedStep {
  const step = policy.steps.find((s) => s.id === stepId && s.anchor === 'event');
  if (step === undefined)
    throw new PlanInputError('stepId', `"${stepId}" is not an event-anchored step`);
  const offset = resolveOffset(policy, step, { summer: false });
  const due = dueFrom(
    calendar,
    offset,
    step.shift,
    localDayOf(calendar.timeZone, eventAt),
    eventAt,
  );
  return planned(policy, calendar, step, offset, due, eventAt, step.id);
}

/** The institution's local date of an instant. */
export function localDate(calendar: Pick<WorkingCalendar, 'timeZone'>, at: number): string {
  return formatDay(localDayOf(calendar.timeZone, at));
}

/** When a step's one-click email links expire: its due plus the policy's grace (exact instants). */
export function linkExpiry(policy: Policy, calendar: WorkingCalendar, dueAt: number): number {
  return instantAfter(calendar, policy.emailLinks.grace, dueAt);
}

/**
 * §5.7: the assigned proctors' access to the recordings ends at E + the proctor-review window
 * (72 hours by default, an exact instant), the same instant the proctorReview step is due.
 */
export function proctorAccessEnds(
  policy: Policy,
  calendar: WorkingCalendar,
  endsAt: number,
): number {
  return instantAfter(calendar, policy.rules.proctorReview.window, endsAt);
}

/**
 * DEADLINES.md "escalation": an overdue step is escalated again every working day until it is
 * done or waived — at the policy's escalation time on the first working day after `after`.
 */
export function nextEscalation(policy: Policy, calendar: WorkingCalendar, after: number): number {
  const [hour, minute] = policy.escalation.localTime.split(':').map(Number);
  const day = addWorkingDaysNumber(calendar, localDayOf(calendar.timeZone, after), 1);
  return localInstant(calendar.timeZone, day, hour, minute);
}

/**
 * A step returned for changes gets a new due (issue 6: "reopens with a new due per policy"): the
 * later of its due and the end of the day `policy.rework` after the return.
 */
export function reworkDue(
  policy: Policy,
  calendar: WorkingCalendar,
  dueAt: number,
  returnedAt: number,
): number {
  return Math.max(dueAt, instantAfter(calendar, policy.rework, returnedAt));
}
