import { formatDay, parseDay, weekdayOf, yearOf } from './dates';
import { localInstant } from './zone';

export { localDayOf, localInstant } from './zone';

/**
 * The working-day calendar as plain data (DEADLINES.md "Working days"). It is resolved once, before
 * planning, from the public-holiday library and the policy (sop/holidays.ts), so plans and
 * workflows need only luxon and this data — and a workflow records exactly which non-working days
 * it assumed, for auditors.
 */

/** Plain, JSON-safe data (no schema library: workflows carry it, and their bundle stays small). */
export interface WorkingCalendar {
  timeZone: string;
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  workingWeek: number[];
  /** Years the resolution covers; asking about a date outside them is an error, never a guess. */
  years: number[];
  /** Dates (YYYY-MM-DD) that are not working days although their weekday is, with why. */
  nonWorking: Record<string, string>;
  /** Dates that are working days although their weekday is not (a decree moves a day off), with why. */
  extraWorking: Record<string, string>;
}

export class CalendarRangeError extends Error {
  constructor(date: string, years: number[]) {
    super(`the working-day calendar covers ${years.join(', ')}; ${date} is outside it`);
    this.name = 'CalendarRangeError';
  }
}

/** A date as a day number (sop/dates.ts), checked against the years the calendar covers. */
function dayIn(calendar: WorkingCalendar, date: string | number): number {
  const day = typeof date === 'number' ? date : parseDay(date);
  if (!calendar.years.includes(yearOf(day)))
    throw new CalendarRangeError(formatDay(day), calendar.years);
  return day;
}

const workingCache = new WeakMap<WorkingCalendar, Map<number, boolean>>();

function isWorkingDayNumber(calendar: WorkingCalendar, day: number): boolean {
  let cache = workingCache.get(calendar);
  if (cache === undefined) workingCache.set(calendar, (cache = new Map<number, boolean>()));
  let working = cache.get(day);
  if (working === undefined) {
    working = computeWorkingDay(calendar, day);
    cache.set(day, working);
  }
  return working;
}

function computeWorkingDay(calendar: WorkingCalendar, day: number): boolean {
  const iso = formatDay(day);
  if (calendar.extraWorking[iso] !== undefined) return true;
  if (calendar.nonWorking[iso] !== undefined) return false;
  return calendar.workingWeek.includes(weekdayOf(day));
}

/** Dates are YYYY-MM-DD in the calendar's zone, or day numbers from sop/dates.ts. */
export function isWorkingDay(calendar: WorkingCalendar, date: string | number): boolean {
  return isWorkingDayNumber(calendar, dayIn(calendar, date));
}

/** Why a date is not a working day ("weekend" when only its weekday says so), or undefined. */
export function nonWorkingReason(
  calendar: WorkingCalendar,
  date: string | number,
): string | undefined {
  const day = dayIn(calendar, date);
  if (isWorkingDayNumber(calendar, day)) return undefined;
  return calendar.nonWorking[formatDay(day)] ?? 'weekend';
}

/** The date itself when it is a working day, else the closest working day before it. */
export function previousWorkingDay(calendar: WorkingCalendar, date: string | number): string {
  return formatDay(previousWorkingDayNumber(calendar, dayIn(calendar, date)));
}

export function previousWorkingDayNumber(calendar: WorkingCalendar, start: number): number {
  let day = dayIn(calendar, start);
  for (let guard = 0; !isWorkingDayNumber(calendar, day); guard++) {
    if (guard > 366) throw new Error('the calendar has no working day within a year');
    day = dayIn(calendar, day - 1);
  }
  return day;
}

/** `count` working days after (or, negative, before) the date; the date itself does not count. */
export function addWorkingDays(
  calendar: WorkingCalendar,
  date: string | number,
  count: number,
): string {
  return formatDay(addWorkingDaysNumber(calendar, dayIn(calendar, date), count));
}

export function addWorkingDaysNumber(
  calendar: WorkingCalendar,
  start: number,
  count: number,
): number {
  let day = dayIn(calendar, start);
  const step = count < 0 ? -1 : 1;
  for (let left = Math.abs(count), guard = 0; left > 0; guard++) {
    if (guard > 366 * (Math.abs(count) + 1))
      throw new Error('the calendar has no working day within a year');
    day = dayIn(calendar, day + step);
    if (isWorkingDayNumber(calendar, day)) left--;
  }
  return day;
}

const endOfDayCache = new WeakMap<WorkingCalendar, Map<number, number>>();

/** DEADLINES.md: a due date means done by 23:59:59.999 local time of that day (epoch ms). */
export function endOfDay(calendar: WorkingCalendar, date: string | number): number {
  const day = typeof date === 'number' ? date : parseDay(date);
  let cache = endOfDayCache.get(calendar);
  if (cache === undefined) endOfDayCache.set(calendar, (cache = new Map<number, number>()));
  let at = cache.get(day);
  if (at === undefined) {
    at = localInstant(calendar.timeZone, day, 23, 59, 59, 999);
    cache.set(day, at);
  }
  return at;
}

/**
 * The years a calendar must cover for plans around these dates: each date's year and the years
 * before and after (D − 2 months may fall in the previous year, video purge E + 3 months in the next).
 */
export function calendarYears(dates: string[]): number[] {
  const years = new Set<number>();
  for (const date of dates) {
    const year = yearOf(parseDay(date));
    years
      .add(year - 1)
      .add(year)
      .add(year + 1);
  }
  return [...years].sort((a, b) => a - b);
}
