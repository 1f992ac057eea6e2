import { DEFAULT_POLICY, parsePolicy, PolicyError, type Policy, type StepRule } from './policy';
import { dueInstant, localDate, planStep, previousWorkingDay, reminderInstants } from './deadlines';
import { DateTime } from 'luxon';

const rule = DEFAULT_POLICY.steps[0];
const at = (iso: string) => Date.parse(iso);
const anchors = (examDate: string) => ({ examDate, startsAt: at(`${examDate}T09:00:00+05:00`) });

describe('GP 3 / row 1: department discussion due D − 2 months, end of the previous working day, Almaty time', () => {
  test('a working-day target is due at 23:59:59.999 local (UTC+05:00)', () => {
    // D = Monday 15 March 2027 → Friday 15 January 2027.
    expect(dueInstant(DEFAULT_POLICY, rule, anchors('2027-03-15'))).toBe(
      at('2027-01-15T23:59:59.999+05:00'),
    );
  });

  test('a Saturday or Sunday target moves to the previous Friday, never later', () => {
    expect(dueInstant(DEFAULT_POLICY, rule, anchors('2027-03-16'))).toBe(
      at('2027-01-15T23:59:59.999+05:00'),
    ); // Sat 16 Jan
    expect(dueInstant(DEFAULT_POLICY, rule, anchors('2027-03-17'))).toBe(
      at('2027-01-15T23:59:59.999+05:00'),
    ); // Sun 17 Jan
  });

  test('calendar-month arithmetic clamps to the end of the month (30 April − 2 months = 28 February)', () => {
    // 30 April 2027 − 2 months = 28 February 2027, a Sunday → Friday 26 February.
    expect(localDate(DEFAULT_POLICY, dueInstant(DEFAULT_POLICY, rule, anchors('2027-04-30')))).toBe(
      '2027-02-26',
    );
    // 31 March 2028 − 1 month = 29 February 2028 (leap year), a Tuesday.
    const oneMonth: StepRule = { ...rule, offset: { value: -1, unit: 'months' } };
    expect(
      localDate(DEFAULT_POLICY, dueInstant(DEFAULT_POLICY, oneMonth, anchors('2028-03-31'))),
    ).toBe('2028-02-29');
  });

  test('policy closures are non-working days', () => {
    const policy: Policy = { ...DEFAULT_POLICY, closures: ['2027-01-15', '2027-01-14'] };
    expect(localDate(policy, dueInstant(policy, rule, anchors('2027-03-16')))).toBe('2027-01-13');
  });

  test('a six-day working week keeps Saturday', () => {
    const policy: Policy = { ...DEFAULT_POLICY, workingWeek: [1, 2, 3, 4, 5, 6] };
    expect(localDate(policy, dueInstant(policy, rule, anchors('2027-03-16')))).toBe('2027-01-16');
  });

  test('time-unit offsets count exact instants from the sitting start (drill policies)', () => {
    const seconds: StepRule = {
      ...rule,
      offset: { value: -20, unit: 'seconds' },
      moveToPreviousWorkingDay: false,
    };
    expect(dueInstant(DEFAULT_POLICY, seconds, anchors('2027-03-16'))).toBe(
      at('2027-03-16T08:59:40+05:00'),
    );
  });

  test('a policy without any working day is refused instead of looping', () => {
    const policy: Policy = { ...DEFAULT_POLICY, workingWeek: [] };
    expect(() =>
      previousWorkingDay(policy, DateTime.fromISO('2027-01-16', { zone: 'Asia/Almaty' })),
    ).toThrow(/no working day/);
  });
});

describe('DEADLINES.md reminders: 7, 2, 1 days before and the morning of the due day, at 09:00 local', () => {
  const due = at('2027-01-15T23:59:59.999+05:00');
  test('all four reminders when the step opens early', () => {
    expect(reminderInstants(DEFAULT_POLICY, due, at('2026-11-25T00:00:00Z'))).toEqual(
      ['2027-01-08', '2027-01-13', '2027-01-14', '2027-01-15'].map((d) =>
        at(`${d}T09:00:00+05:00`),
      ),
    );
  });
  test('reminders already past when the step opens are skipped', () => {
    expect(reminderInstants(DEFAULT_POLICY, due, at('2027-01-14T10:00:00+05:00'))).toEqual([
      at('2027-01-15T09:00:00+05:00'),
    ]);
    expect(reminderInstants(DEFAULT_POLICY, due, due + 1)).toEqual([]);
  });
  test('planStep combines the due instant and its reminders', () => {
    const plan = planStep(
      DEFAULT_POLICY,
      rule,
      anchors('2027-03-16'),
      at('2027-01-12T00:00:00+05:00'),
    );
    expect(plan).toEqual({
      stepId: 'departmentDiscussion',
      clauses: ['GP 3', 'row 1'],
      dueAt: due,
      reminders: ['2027-01-13', '2027-01-14', '2027-01-15'].map((d) => at(`${d}T09:00:00+05:00`)),
    });
  });
});

describe('policy validation names the exact path and reason', () => {
  test('the default policy is valid', () => {
    expect(parsePolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });
  test('a bad time zone, a bad unit and a duplicate step id are each reported by path', () => {
    const bad = JSON.parse(JSON.stringify(DEFAULT_POLICY)) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
    };
    bad.timeZone = 'Mars/Olympus';
    bad.steps[0].offset = { value: -2, unit: 'fortnights' };
    bad.steps.push({ ...DEFAULT_POLICY.steps[0] });
    try {
      parsePolicy(bad);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(PolicyError);
      const paths = (error as PolicyError).issues.map((i) => i.path);
      expect(paths).toEqual(expect.arrayContaining(['timeZone', 'steps.0.offset.unit']));
      expect((error as PolicyError).message).toMatch(/timeZone: must be an IANA time zone/);
    }
  });
  test('the drill policy in policies/ is valid', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(parsePolicy(require('../policies/drill.policy.json')).steps[0].offset.unit).toBe(
      'seconds',
    );
  });
});
