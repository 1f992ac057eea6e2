import Holidays from 'date-holidays';
import type { WorkingCalendar } from './calendar';
import { formatDay, parseDay, weekdayOf } from './dates';

/**
 * Resolves the working-day calendar for the years a plan spans: Kazakhstan's public holidays from
 * `date-holidays` (with the substitute days off when a holiday falls on a weekend), then the
 * institution's closures and the government's decree transfers from its policy. Called by the API
 * and the worker before planning, never from a workflow (the library would grow the workflow
 * bundle from 1.6 MB to 9.3 MB); the result is plain data.
 */
export interface CalendarPolicy {
  timeZone: string;
  workingWeek: number[];
  /** The institution's own non-working dates. */
  closures: string[];
  /** Decree transfers: `dayOff` becomes a day off, `workingDay` a working day. */
  transfers?: { dayOff: string; workingDay: string; decree?: string }[];
  /** ISO 3166 country (and optional region) of the public holidays; default KZ. */
  country?: string;
}

export function resolveCalendar(policy: CalendarPolicy, years: number[]): WorkingCalendar {
  const country = policy.country ?? 'KZ';
  const holidays = new Holidays(country, { types: ['public'] });
  const nonWorking: Record<string, string> = {};
  const extraWorking: Record<string, string> = {};
  const covered = [...new Set(years)].sort((a, b) => a - b);
  const substitutes: { date: string; name: string }[] = [];
  for (const year of covered) {
    for (const holiday of holidays.getHolidays(year)) {
      const date = holiday.date.slice(0, 10);
      if (holiday.substitute === true) substitutes.push({ date, name: holiday.name });
      else nonWorking[date] ??= `public holiday (${country}): ${holiday.name}`;
    }
  }
  // DEADLINES.md: a holiday on a weekend gives a day off on the next working day. The library
  // names that day, but can land it on another holiday (Nauryz 2027: Sunday 21 March's day off
  // falls on 23 March, itself a holiday): such a day off moves on to the next free working day.
  for (const { date, name } of substitutes) {
    let day = parseDay(date);
    while (nonWorking[formatDay(day)] !== undefined || !policy.workingWeek.includes(weekdayOf(day)))
      day++;
    nonWorking[formatDay(day)] = `public holiday (${country}): ${name}`;
  }
  for (const date of policy.closures) nonWorking[date] = 'institution closure';
  for (const transfer of policy.transfers ?? []) {
    const why = `decree transfer${transfer.decree ? ` (${transfer.decree})` : ''}`;
    nonWorking[transfer.dayOff] = `${why}: day off instead of ${transfer.workingDay}`;
    extraWorking[transfer.workingDay] = `${why}: working day instead of ${transfer.dayOff}`;
  }
  return {
    timeZone: policy.timeZone,
    workingWeek: policy.workingWeek,
    years: covered,
    nonWorking,
    extraWorking,
  };
}
