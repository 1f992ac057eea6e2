/**
 * Civil (local) dates as day numbers, without any time zone: the working-day calendar and the
 * month arithmetic of DEADLINES.md need only dates, and doing them on integers keeps planning
 * 100,000 exams inside the two-second budget of `npm run bench:plan`. Time zones (end of day,
 * reminder mornings) stay with luxon in sop/plan.ts.
 *
 * Algorithms: Howard Hinnant, "chrono-Compatible Low-Level Date Algorithms" (days_from_civil,
 * civil_from_days), proleptic Gregorian calendar.
 */

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface CivilDate {
  year: number;
  month: number;
  day: number;
}

export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

export function civilFromDays(days: number): CivilDate {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Is `text` a real calendar date YYYY-MM-DD (not 2027-02-30)? */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (m === null) return false;
  const month = Number(m[2]);
  const day = Number(m[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(m[1]), month);
}

/** YYYY-MM-DD → day number (days since 1970-01-01). */
export function parseDay(text: string): number {
  if (!isIsoDate(text)) throw new RangeError(`"${text}" is not a date YYYY-MM-DD`);
  return daysFromCivil(
    Number(text.slice(0, 4)),
    Number(text.slice(5, 7)),
    Number(text.slice(8, 10)),
  );
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

export function formatDay(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export function weekdayOf(days: number): number {
  // 1970-01-01 was a Thursday (4).
  return ((((days + 3) % 7) + 7) % 7) + 1;
}

/** DEADLINES.md: calendar-month arithmetic, clamped to the month's end (31 March − 1 month = 28/29 February). */
export function addMonths(days: number, months: number): number {
  const { year, month, day } = civilFromDays(days);
  const index = year * 12 + (month - 1) + months;
  const y = Math.floor(index / 12);
  const m = index - y * 12 + 1;
  return daysFromCivil(y, m, Math.min(day, daysInMonth(y, m)));
}

export function yearOf(days: number): number {
  return civilFromDays(days).year;
}
