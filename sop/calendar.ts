import { DateTime } from 'luxon';
import { z } from 'zod';

/**
 * The working-day calendar as plain data (DEADLINES.md "Working days"). It is resolved once, before
 * planning, from the public-holiday library and the policy (sop/holidays.ts), so plans and
 * workflows need only luxon and this data — and a workflow can record exactly which non-working
 * days it assumed, for auditors.
 */

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' });

export const workingCalendarSchema = z.object({
  timeZone: z.string().min(1),
  /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
  workingWeek: z.array(z.number().int().min(1).max(7)),
  /** Years the resolution covers; asking about a date outside them is an error, never a guess. */
  years: z.array(z.number().int()),
  /** Dates that are not working days although their weekday is, with why (holiday, closure, decree). */
  nonWorking: z.record(isoDate, z.string()),
  /** Dates that are working days although their weekday is not (a decree moves a day off), with why. */
  extraWorking: z.record(isoDate, z.string()),
});
export type WorkingCalendar = z.infer<typeof workingCalendarSchema>;

export class CalendarRangeError extends Error {
  constructor(date: string, years: number[]) {
    super(`the working-day calendar covers ${years.join(', ')}; ${date} is outside it`);
    this.name = 'CalendarRangeError';
  }
}

function localDay(calendar: WorkingCalendar, date: string | DateTime): DateTime {
  const day =
    typeof date === 'string'
      ? DateTime.fromISO(date, { zone: calendar.timeZone })
      : date.setZone(calendar.timeZone);
  if (!day.isValid) throw new Error(`invalid date ${String(date)}`);
  if (!calendar.years.includes(day.year))
    throw new CalendarRangeError(day.toISODate(), calendar.years);
  return day.startOf('day');
}

export function isWorkingDay(calendar: WorkingCalendar, date: string | DateTime): boolean {
  const day = localDay(calendar, date);
  const iso = day.toISODate()!;
  if (calendar.extraWorking[iso] !== undefined) return true;
  if (calendar.nonWorking[iso] !== undefined) return false;
  return calendar.workingWeek.includes(day.weekday);
}

/** Why a date is not a working day ("weekend" when only its weekday says so), or undefined. */
export function nonWorkingReason(
  calendar: WorkingCalendar,
  date: string | DateTime,
): string | undefined {
  const day = localDay(calendar, date);
  if (isWorkingDay(calendar, day)) return undefined;
  return calendar.nonWorking[day.toISODate()!] ?? 'weekend';
}

/** The date itself when it is a working day, else the closest working day before it. */
export function previousWorkingDay(calendar: WorkingCalendar, date: string | DateTime): DateTime {
  let day = localDay(calendar, date);
  for (let guard = 0; !isWorkingDay(calendar, day); guard++) {
    if (guard > 366) throw new Error('the calendar has no working day within a year');
    day = localDay(calendar, day.minus({ days: 1 }));
  }
  return day;
}

/** `count` working days after (or, negative, before) the date; the date itself does not count. */
export function addWorkingDays(
  calendar: WorkingCalendar,
  date: string | DateTime,
  count: number,
): DateTime {
  let day = localDay(calendar, date);
  const step = count < 0 ? -1 : 1;
  for (let left = Math.abs(count); left > 0;) {
    day = localDay(calendar, day.plus({ days: step }));
    if (isWorkingDay(calendar, day)) left--;
  }
  return day;
}

/** DEADLINES.md: a due date means done by 23:59:59.999 local time of that day. */
export function endOfDay(calendar: WorkingCalendar, date: string | DateTime): number {
  return localDay(calendar, date).endOf('day').toMillis();
}
