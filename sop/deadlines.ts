import { DateTime, type DurationLikeObject } from 'luxon';
import { CALENDAR_UNITS, type Offset, type Policy, type StepRule } from './policy';

/**
 * Deadline arithmetic of DEADLINES.md. Instants are epoch milliseconds so that workflows can
 * compare them with their deterministic clock.
 */

export interface ExamAnchors {
  /** D: the exam's first day, a local date YYYY-MM-DD in the policy's time zone. */
  examDate: string;
  /** The instant the first sitting starts (time-unit offsets count from it). */
  startsAt: number;
}

export interface StepPlan {
  stepId: string;
  clauses: string[];
  dueAt: number;
  /** Reminder instants, ascending, all after `opensAt` and before `dueAt`. */
  reminders: number[];
}

function toDuration(offset: Offset): DurationLikeObject {
  return { [offset.unit]: offset.value };
}

export function isWorkingDay(policy: Policy, date: DateTime<boolean>): boolean {
  return (
    policy.workingWeek.includes(date.weekday) && !policy.closures.includes(date.toISODate() ?? '')
  );
}

/** "No later than" never moves later: step back to the previous working day. */
export function previousWorkingDay(policy: Policy, date: DateTime<boolean>): DateTime<boolean> {
  let day = date;
  for (let guard = 0; !isWorkingDay(policy, day); guard++) {
    if (guard > 366) throw new Error('policy has no working day within a year');
    day = day.minus({ days: 1 });
  }
  return day;
}

/** The due instant of a step for an exam (DEADLINES.md "Time"). */
export function dueInstant(policy: Policy, rule: StepRule, anchors: ExamAnchors): number {
  if (CALENDAR_UNITS.includes(rule.offset.unit)) {
    // Calendar-month arithmetic clamps to the month's end (luxon does): 31 Mar − 1 month = 28/29 Feb.
    const anchorDay = DateTime.fromISO(anchors.examDate, { zone: policy.timeZone });
    if (!anchorDay.isValid) throw new Error(`invalid exam date "${anchors.examDate}"`);
    let day: DateTime<boolean> = anchorDay.plus(toDuration(rule.offset));
    if (rule.moveToPreviousWorkingDay) day = previousWorkingDay(policy, day);
    // A due date means done by the end of that day, local time.
    return day.endOf('day').toMillis();
  }
  return DateTime.fromMillis(anchors.startsAt, { zone: policy.timeZone })
    .plus(toDuration(rule.offset))
    .toMillis();
}

/**
 * Reminder instants for a step due at `dueAt` (DEADLINES.md "Reminders"): 7, 2 and 1 days before
 * and the morning of the due day by default, at the policy's local time; those already past at
 * `opensAt` are skipped.
 */
export function reminderInstants(policy: Policy, dueAt: number, opensAt: number): number[] {
  const due = DateTime.fromMillis(dueAt, { zone: policy.timeZone });
  const { localTime } = policy.reminders;
  const [hour, minute] = (localTime ?? '00:00').split(':').map(Number);
  const atLocalTime = (day: DateTime) => day.startOf('day').set({ hour, minute }).toMillis();
  const instants = policy.reminders.before.map((offset) => {
    const at = due.minus(toDuration(offset));
    return localTime !== undefined && CALENDAR_UNITS.includes(offset.unit)
      ? atLocalTime(at)
      : at.toMillis();
  });
  if (localTime !== undefined) instants.push(atLocalTime(due));
  return [...new Set(instants)].filter((at) => at > opensAt && at < dueAt).sort((a, b) => a - b);
}

export function planStep(
  policy: Policy,
  rule: StepRule,
  anchors: ExamAnchors,
  opensAt: number,
): StepPlan {
  const dueAt = dueInstant(policy, rule, anchors);
  return {
    stepId: rule.id,
    clauses: rule.clauses,
    dueAt,
    reminders: reminderInstants(policy, dueAt, opensAt),
  };
}

/** The institution's local date of an instant (due dates carry it beside the instant). */
export function localDate(policy: Policy, at: number): string {
  return DateTime.fromMillis(at, { zone: policy.timeZone }).toISODate() ?? '';
}

export function toIsoWithOffset(policy: Policy, at: number): string {
  return DateTime.fromMillis(at, { zone: policy.timeZone }).toISO() ?? new Date(at).toISOString();
}
