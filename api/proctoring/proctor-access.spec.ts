import { calendarYears } from '../../sop/calendar';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import { resolveCalendar } from '../../sop/holidays';
import { proctorAccessEnds } from '../../sop/plan';

describe('§5.7: the assigned proctors see the recordings for 72 hours from E', () => {
  const calendar = resolveCalendar(DEFAULT_POLICY, calendarYears(['2027-03-16']));
  test('an exact instant, E + 72 hours (no shift to a working day, no end of day)', () => {
    const E = Date.parse('2027-03-19T12:00:00+05:00'); // a Friday
    expect(proctorAccessEnds(DEFAULT_POLICY, calendar, E)).toBe(
      Date.parse('2027-03-22T12:00:00+05:00'), // Nauryz: a holiday changes nothing
    );
  });

  test("the policy's window is the one counted (the drill's 20 seconds)", () => {
    const drill = {
      ...DEFAULT_POLICY,
      rules: {
        ...DEFAULT_POLICY.rules,
        proctorReview: {
          ...DEFAULT_POLICY.rules.proctorReview,
          window: { value: 20, unit: 'seconds' as const, counting: 'calendar' as const },
        },
      },
    };
    expect(proctorAccessEnds(drill, calendar, 1_000_000)).toBe(1_020_000);
  });
});
