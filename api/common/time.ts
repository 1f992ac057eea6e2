import { DateTime } from 'luxon';

/** CONVENTIONS.md: instants are ISO 8601 with the institution's offset. */
export function isoInZone(zone: string, at: number | Date): string {
  const ms = typeof at === 'number' ? at : at.getTime();
  return DateTime.fromMillis(ms, { zone }).toISO() ?? new Date(ms).toISOString();
}

/** The local date (YYYY-MM-DD) of an instant in a zone. */
export function dateInZone(zone: string, at: number | Date): string {
  return DateTime.fromMillis(typeof at === 'number' ? at : at.getTime(), { zone }).toISODate()!;
}
