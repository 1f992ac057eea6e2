import {
  addWorkingDays,
  CalendarRangeError,
  endOfDay,
  isWorkingDay,
  nonWorkingReason,
  previousWorkingDay,
} from './calendar';
import { resolveCalendar, type CalendarPolicy } from './holidays';

const almaty: CalendarPolicy = {
  timeZone: 'Asia/Almaty',
  workingWeek: [1, 2, 3, 4, 5],
  closures: [],
};
const calendar = resolveCalendar(almaty, [2026, 2027]);
const iso = (d: string) => d;

describe('DEADLINES.md "Working days": Kazakhstan public holidays and substitute days off', () => {
  test.each([
    ['2027-01-01', 'New Year'],
    ['2027-01-04', 'New Year substitute day (2 January 2027 is a Saturday)'],
    ['2027-01-07', 'Orthodox Christmas'],
    ['2027-03-08', "International Women's Day"],
    ['2027-03-22', 'Nauryz'],
    ['2027-03-23', 'Nauryz'],
    ['2027-03-24', "Nauryz: Sunday 21 March's day off, moved past the 22–23 March holidays"],
    ['2026-03-09', "Women's Day substitute (8 March 2026 is a Sunday)"],
    ['2027-05-10', 'Victory Day substitute (9 May 2027 is a Sunday)'],
    ['2027-12-16', 'Independence Day'],
  ])('%s is not a working day (%s)', (date) => {
    expect(isWorkingDay(calendar, date)).toBe(false);
    expect(nonWorkingReason(calendar, date)).toMatch(/^public holiday \(KZ\): /);
  });

  test('an ordinary Monday is a working day and a Saturday is not', () => {
    expect(isWorkingDay(calendar, '2027-01-11')).toBe(true);
    expect(nonWorkingReason(calendar, '2027-01-16')).toBe('weekend');
  });

  test('a before-deadline on 1–2 January moves back over the New Year holidays to 31 December', () => {
    expect(iso(previousWorkingDay(calendar, '2027-01-02'))).toBe('2026-12-31');
  });

  test('a before-deadline during Nauryz moves to the last working day before it', () => {
    // 2027: 21 March is a Sunday, 22–23 March holidays → Friday 19 March.
    expect(iso(previousWorkingDay(calendar, '2027-03-23'))).toBe('2027-03-19');
  });

  test('a before-deadline on a substitute day off moves back too', () => {
    expect(iso(previousWorkingDay(calendar, '2027-05-10'))).toBe('2027-05-06'); // 7 May is Defender's Day
  });

  test('working days are counted over weekends and holidays', () => {
    expect(iso(addWorkingDays(calendar, '2027-03-19', 1))).toBe('2027-03-25');
    expect(iso(addWorkingDays(calendar, '2027-03-25', -1))).toBe('2027-03-19');
    expect(iso(addWorkingDays(calendar, '2027-01-11', 0))).toBe('2027-01-11');
  });

  test('end of day is 23:59:59.999 in the calendar zone', () => {
    expect(endOfDay(calendar, '2027-01-15')).toBe(Date.parse('2027-01-15T23:59:59.999+05:00'));
  });

  test('a date outside the resolved years is an error, never a guess', () => {
    expect(() => isWorkingDay(calendar, '2028-01-03')).toThrow(CalendarRangeError);
  });
});

describe('the policy on top of the public holidays', () => {
  test('a decree transfer makes a Saturday a working day and a weekday a day off', () => {
    const withDecree = resolveCalendar(
      {
        ...almaty,
        transfers: [
          { dayOff: '2027-01-05', workingDay: '2027-01-09', decree: 'Government decree No. 1' },
        ],
      },
      [2026, 2027],
    );
    expect(isWorkingDay(withDecree, '2027-01-09')).toBe(true);
    expect(isWorkingDay(withDecree, '2027-01-05')).toBe(false);
    expect(nonWorkingReason(withDecree, '2027-01-05')).toContain('Government decree No. 1');
    // 4 January is the New Year substitute day, so the last working day before 6 January is 31 December.
    expect(iso(previousWorkingDay(withDecree, '2027-01-05'))).toBe('2026-12-31');
  });

  test('institution closures are non-working days', () => {
    const closed = resolveCalendar({ ...almaty, closures: ['2027-01-15'] }, [2027]);
    expect(iso(previousWorkingDay(closed, '2027-01-15'))).toBe('2027-01-14');
  });

  test('a six-day working week keeps Saturdays', () => {
    const sixDays = resolveCalendar({ ...almaty, workingWeek: [1, 2, 3, 4, 5, 6] }, [2027]);
    expect(isWorkingDay(sixDays, '2027-01-16')).toBe(true);
  });

  test('the resolved calendar is plain data: the same input gives the same output and it survives JSON', () => {
    const again = resolveCalendar(almaty, [2027, 2026]);
    expect(again).toEqual(calendar);
    expect(JSON.parse(JSON.stringify(calendar))).toEqual(calendar);
  });
});
