import fc from 'fast-check';
import { DateTime } from 'luxon';
import { civilFromDays } from './dates';
import { localDayOf, localInstant } from './zone';

/** The cached zone arithmetic must give exactly luxon's answers, across DST transitions too. */
const zones = [
  'Asia/Almaty',
  'Europe/Berlin',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
];

describe('sop/zone.ts agrees with luxon', () => {
  test('the local day of any instant (2023–2029)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.parse('2023-01-01'), max: Date.parse('2029-12-31') }),
        (zone, at) => {
          const expected = DateTime.fromMillis(at, { zone }).toISODate();
          const day = civilFromDays(localDayOf(zone, at));
          const actual = `${day.year}-${String(day.month).padStart(2, '0')}-${String(day.day).padStart(2, '0')}`;
          expect(actual).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('the instant of a local time, including DST gaps and overlaps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: 19358, max: 21914 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        (zone, day, hour, minute) => {
          const { year, month, day: d } = civilFromDays(day);
          const expected = DateTime.fromObject(
            { year, month, day: d, hour, minute },
            { zone },
          ).toMillis();
          expect(localInstant(zone, day, hour, minute)).toBe(expected);
        },
      ),
      { numRuns: 3000 },
    );
  });

  test('Almaty moved from UTC+06:00 to UTC+05:00 at midnight on 1 March 2024: 23:00–23:59 on 29 February happened twice', () => {
    const day = Math.floor(Date.parse('2024-02-29') / 86_400_000);
    expect(localInstant('Asia/Almaty', day, 12, 0)).toBe(Date.parse('2024-02-29T12:00:00+06:00'));
    // The end of 29 February is the later 23:59:59.999 (after the clocks went back): the lenient reading.
    expect(localInstant('Asia/Almaty', day, 23, 59, 59, 999)).toBe(
      Date.parse('2024-02-29T23:59:59.999+05:00'),
    );
    expect(localInstant('Asia/Almaty', day + 1, 23, 59)).toBe(
      Date.parse('2024-03-01T23:59:00+05:00'),
    );
  });
});
