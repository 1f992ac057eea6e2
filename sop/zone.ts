import { DateTime } from 'luxon';
import { civilFromDays } from './dates';

/**
 * Fast time-zone arithmetic over luxon: a zone's UTC offset is looked up once per quarter hour
 * and cached (offsets change only at transitions, which fall on quarter hours), so planning
 * 100,000 exams does not create a luxon DateTime per instant. Near a transition the result is
 * checked against luxon and luxon wins, so answers are always exactly luxon's.
 */

const QUARTER = 15 * 60_000;
const DAY = 86_400_000;
const offsets = new Map<string, Map<number, number>>();

/** The zone's UTC offset at an instant, in milliseconds. */
export function offsetAt(zone: string, at: number): number {
  let cache = offsets.get(zone);
  if (cache === undefined) offsets.set(zone, (cache = new Map<number, number>()));
  const bucket = Math.floor(at / QUARTER);
  let offset = cache.get(bucket);
  if (offset === undefined) {
    offset = DateTime.fromMillis(bucket * QUARTER, { zone }).offset * 60_000;
    if (cache.size > 200_000) cache.clear();
    cache.set(bucket, offset);
  }
  return offset;
}

/** The local day number (days since 1970-01-01) of an instant in a zone. */
export function localDayOf(zone: string, at: number): number {
  return Math.floor((at + offsetAt(zone, at)) / DAY);
}

/** The instant of a local wall-clock time on a day in a zone (epoch ms), exactly as luxon gives it. */
export function localInstant(
  zone: string,
  day: number,
  hour: number,
  minute: number,
  second = 0,
  millisecond = 0,
): number {
  const wall = day * DAY + hour * 3_600_000 + minute * 60_000 + second * 1_000 + millisecond;
  const first = offsetAt(zone, wall - offsetAt(zone, wall));
  const at = wall - first;
  if (
    offsetAt(zone, at) === first &&
    offsetAt(zone, at - 2 * DAY) === offsetAt(zone, at + 2 * DAY)
  ) {
    return at;
  }
  // Within two days of a transition: let luxon decide (gaps move forward, overlaps take the earlier).
  const date = civilFromDays(day);
  return DateTime.fromObject(
    {
      year: date.year,
      month: date.month,
      day: date.day,
      hour,
      minute,
      second,
      millisecond,
    },
    { zone },
  ).toMillis();
}
