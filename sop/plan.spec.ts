import { calendarYears } from './calendar';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE } from './default-policy';
import { resolveCalendar } from './holidays';
import {
  planAfterEvent,
  planExam,
  type PlanInputError,
  planSession,
  reminderInstants,
  type ExamFacts,
  type PlannedStep,
} from './plan';
import { applyOverrides, type Policy } from './policy';

/**
 * DEADLINES.md, row by row, on the default policy (the SOP as written): each test names its clause.
 * Instants are written with their Almaty offset (+05:00) so the expected local day is visible.
 */
const at = (iso: string) => Date.parse(iso);
const endOf = (date: string, offset = '+05:00') => at(`${date}T23:59:59.999${offset}`);

function calendarFor(policy: Policy, dates: string[]) {
  return resolveCalendar(policy, calendarYears(dates));
}

function exam(days: string[], overrides: Partial<ExamFacts> = {}): ExamFacts {
  const last = days[days.length - 1];
  return {
    examId: 'anatomy-1',
    days,
    startsAt: at(`${days[0]}T09:00:00+05:00`),
    endsAt: at(`${last}T13:00:00+05:00`),
    credits: 3,
    expectedWorks: 120,
    summer: false,
    retake: false,
    ...overrides,
  };
}

function step(policy: Policy, facts: ExamFacts, key: string): PlannedStep {
  const plan = planExam(policy, calendarFor(policy, facts.days), facts);
  const found = plan.steps.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no step ${key} in the plan`);
  return found;
}

const sessionStep = (policy: Policy, startDate: string, key: string, summer = false) => {
  const plan = planSession(policy, calendarFor(policy, [startDate]), {
    startDate,
    summer,
    departments: ['Anatomy', 'Biochemistry'],
  });
  const found = plan.steps.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no step ${key} in the session plan`);
  return found;
};

describe('GP 3, row 1: department discussion, D − 2 months (previous working day)', () => {
  test.each([
    ['a working day', '2027-03-15', '2027-01-15'],
    ['a Saturday moves to Friday', '2027-03-16', '2027-01-15'],
    ['a Sunday moves to Friday', '2027-03-17', '2027-01-15'],
    [
      'month-end clamping: 30 April − 2 months = 28 February (a Sunday) → Friday 26th',
      '2027-04-30',
      '2027-02-26',
    ],
    ['1–2 January (holidays, then the weekend) → 31 December', '2027-03-02', '2026-12-31'],
  ])('GP 3, row 1: %s (D %s → due %s)', (_, d, due) => {
    const planned = step(DEFAULT_POLICY, exam([d]), 'departmentDiscussion');
    expect(planned.dueDate).toBe(due);
    expect(planned.dueAt).toBe(endOf(due));
    expect(planned.clauses).toEqual(['GP 3', 'row 1']);
  });

  test('GP 3, row 1: a moved deadline says from which date and why', () => {
    const planned = step(DEFAULT_POLICY, exam(['2027-03-02']), 'departmentDiscussion');
    expect(planned.moved?.from).toBe('2027-01-02');
    expect(planned.moved?.reason).toMatch(/^public holiday \(KZ\)/);
  });

  test('GP 3, row 1: a decree transfer from the policy file makes that Saturday the due day', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'test/decree',
      transfers: [
        { dayOff: '2027-01-08', workingDay: '2027-01-09', decree: 'Government decree (test)' },
      ],
    });
    expect(step(DEFAULT_POLICY, exam(['2027-03-09']), 'departmentDiscussion').dueDate).toBe(
      '2027-01-08',
    );
    expect(step(policy, exam(['2027-03-09']), 'departmentDiscussion').dueDate).toBe('2027-01-09');
  });

  test('GP 3, row 1: a six-day working week keeps the Saturday', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'test/six-days',
      workingWeek: [1, 2, 3, 4, 5, 6],
    });
    expect(step(policy, exam(['2027-03-16']), 'departmentDiscussion').dueDate).toBe('2027-01-16');
  });

  test('GP 3, row 1: another time zone ends the day at its own midnight (Europe/Moscow, +03:00)', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'test/moscow',
      timeZone: 'Europe/Moscow',
    });
    const facts = exam(['2027-03-15'], {
      startsAt: at('2027-03-15T09:00:00+03:00'),
      endsAt: at('2027-03-15T13:00:00+03:00'),
    });
    expect(step(policy, facts, 'departmentDiscussion').dueAt).toBe(endOf('2027-01-15', '+03:00'));
  });

  test('GP 3, row 1: the IANA zone, not a fixed offset: Almaty was UTC+06:00 before 1 March 2024', () => {
    const facts = exam(['2024-04-15'], {
      startsAt: at('2024-04-15T09:00:00+05:00'),
      endsAt: at('2024-04-15T13:00:00+05:00'),
    });
    expect(step(DEFAULT_POLICY, facts, 'departmentDiscussion').dueAt).toBe(
      endOf('2024-02-15', '+06:00'),
    );
  });
});

describe('GP 3 (row 1 reading): programme committee approves, D − 1 month', () => {
  test('GP 3: D − 1 month by default (GP 3 wins over row 1)', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-03-15']), 'programmeCommitteeApproval').dueDate).toBe(
      '2027-02-15',
    );
  });
  test('GP 3, row 1: month-end clamping — an exam on 31 March 2028 is due 29 February', () => {
    expect(step(DEFAULT_POLICY, exam(['2028-03-31']), 'programmeCommitteeApproval').dueDate).toBe(
      '2028-02-29',
    );
  });
  test("row 1: the policy can choose row 1's reading — the same 2 months as the department", () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'test/row1',
      options: { row1Reading: 'shared' },
    });
    expect(step(policy, exam(['2027-03-15']), 'programmeCommitteeApproval').dueDate).toBe(
      '2027-01-15',
    );
  });
});

describe('GP 3: uploaded to Moodle, D − 2 days', () => {
  test.each([
    ['a Saturday → Friday', '2027-03-15', '2027-03-12'],
    ["8 March (International Women's Day) → Friday 5 March", '2027-03-10', '2027-03-05'],
    [
      "a substitute day off (10 May 2027 for Victory Day) → 6 May (7 May is Defender's Day)",
      '2027-05-12',
      '2027-05-06',
    ],
  ])('GP 3: %s', (_, d, due) => {
    expect(step(DEFAULT_POLICY, exam([d]), 'moodleUpload').dueDate).toBe(due);
  });
});

describe('GP 4, row 2, rows 3–5: session steps counted from S', () => {
  const S = '2027-06-07'; // a Monday
  test('GP 4, row 2: commission composition, S − 2 months, once per department', () => {
    const plan = planSession(DEFAULT_POLICY, calendarFor(DEFAULT_POLICY, [S]), {
      startDate: S,
      summer: false,
      departments: ['Biochemistry', 'Anatomy', 'Anatomy'],
    });
    const composition = plan.steps.filter((s) => s.stepId === 'commissionComposition');
    expect(composition.map((s) => [s.department, s.dueDate])).toEqual([
      ['Anatomy', '2027-04-07'],
      ['Biochemistry', '2027-04-07'],
    ]);
  });
  test('row 4: schedule approved S − 2 weeks in winter, S − 1 week in a summer session', () => {
    expect(sessionStep(DEFAULT_POLICY, S, 'scheduleApproval').dueDate).toBe('2027-05-24');
    expect(sessionStep(DEFAULT_POLICY, S, 'scheduleApproval', true).dueDate).toBe('2027-05-31');
  });
  test('row 3: proctors and responsible staff approved S − 1 week', () => {
    expect(sessionStep(DEFAULT_POLICY, S, 'proctorsApproval').dueDate).toBe('2027-05-31');
  });
  test('row 5: proctor instructions S − 1 day (a Sunday → Friday)', () => {
    expect(sessionStep(DEFAULT_POLICY, S, 'proctorInstructions').dueDate).toBe('2027-06-04');
  });
});

describe('§5.1, §5.2: before each exam day', () => {
  test('§5.2: examiner list D − 2 days (a Sunday → Friday)', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-06-15']), 'examinerList').dueDate).toBe('2027-06-11');
  });
  test('§5.2: examiner list on a substitute day off (4 January 2027) → 31 December', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-01-06']), 'examinerList').dueDate).toBe('2026-12-31');
  });
  test('§5.1: the admission check is due D − 1 day, once per exam (a Sunday → Friday)', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-06-15']), 'admissionCheck').dueDate).toBe('2027-06-14');
    expect(step(DEFAULT_POLICY, exam(['2027-06-14']), 'admissionCheck').dueDate).toBe('2027-06-11');
    const plan = planExam(
      DEFAULT_POLICY,
      calendarFor(DEFAULT_POLICY, ['2027-06-15']),
      exam(['2027-06-15', '2027-06-16']),
    );
    expect(plan.steps.filter((s) => s.stepId === 'admissionCheck')).toHaveLength(1);
  });
  test('§5.1: a three-day exam has three ticket deadlines, Dk − 1 day each', () => {
    const plan = planExam(
      DEFAULT_POLICY,
      calendarFor(DEFAULT_POLICY, ['2027-06-15']),
      exam(['2027-06-15', '2027-06-16', '2027-06-17']),
    );
    const tickets = plan.steps.filter((s) => s.stepId === 'ticketUpload');
    expect(tickets.map((s) => [s.key, s.day?.date, s.dueDate])).toEqual([
      ['ticketUpload#1', '2027-06-15', '2027-06-14'],
      ['ticketUpload#2', '2027-06-16', '2027-06-15'],
      ['ticketUpload#3', '2027-06-17', '2027-06-16'],
    ]);
  });
  test('§5.1: a ticket deadline during Nauryz moves before it (D 24 March 2027 → 19 March)', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-03-24']), 'ticketUpload#1').dueDate).toBe('2027-03-19');
  });
});

describe('§5.7, §5.17, §5.19, rows 7, 9–11: after the exam, counted from E', () => {
  const days = ['2027-06-15', '2027-06-16', '2027-06-17'];
  const E = '2027-06-17T13:00:00+05:00';
  test('§5.7: proctor review ends at exactly E + 72 hours, not at the end of a day, not moved off a Sunday', () => {
    const review = step(DEFAULT_POLICY, exam(days), 'proctorReview');
    expect(review.dueAt).toBe(at(E) + 72 * 3_600_000);
    expect(review.dueAt).toBe(at('2027-06-20T13:00:00+05:00'));
    expect(review.moved).toBeUndefined();
  });
  test('row 11: violation materials are due at the end of the review window, only when violations were found', () => {
    const handover = step(DEFAULT_POLICY, exam(days), 'violationHandover');
    expect(handover.dueAt).toBe(at('2027-06-20T13:00:00+05:00'));
    expect(handover.condition).toBe('violationFound');
  });
  test.each([
    [300, '2027-06-20'],
    [301, '2027-06-22'],
  ])(
    '§5.17, row 7: %i works → grading due at the end of %s (calendar days, not moved)',
    (works, due) => {
      const facts = exam(days, { expectedWorks: works });
      expect(step(DEFAULT_POLICY, facts, 'grading').dueAt).toBe(endOf(due));
      // §5.19, row 9 and row 10: the grade sheet and its export share the grading deadline.
      expect(step(DEFAULT_POLICY, facts, 'gradeSheet').dueAt).toBe(endOf(due));
      expect(step(DEFAULT_POLICY, facts, 'gradeSheetExport').dueAt).toBe(endOf(due));
    },
  );
  test('§5.17: the policy can switch grading to working days', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'test/working-grading',
      rules: {
        gradingWindow: { upToThreshold: { value: 3, unit: 'days', counting: 'workingDays' } },
      },
    });
    // Thursday 17 June + 3 working days = Tuesday 22 June.
    expect(step(policy, exam(days), 'grading').dueDate).toBe('2027-06-22');
  });
  test('§5.7: video deleted at the end of date(E) + 3 months', () => {
    expect(step(DEFAULT_POLICY, exam(days), 'videoPurge')).toMatchObject({
      dueAt: endOf('2027-09-17'),
      automatic: true,
      reminders: [],
    });
  });
  test('§5.7: video retention clamps to the month end (30 November + 3 months = 29 February 2028)', () => {
    expect(step(DEFAULT_POLICY, exam(['2027-11-30']), 'videoPurge').dueDate).toBe('2028-02-29');
  });
});

describe('§5.16, row 12: steps counted from an event', () => {
  const calendar = calendarFor(DEFAULT_POLICY, ['2027-06-21']);
  test('§5.16: the student answers a violation act within 3 days of it being sent', () => {
    expect(
      planAfterEvent(
        DEFAULT_POLICY,
        calendar,
        'violationAcknowledgement',
        at('2027-06-21T10:00:00+05:00'),
      ).dueAt,
    ).toBe(endOf('2027-06-24'));
  });
  test('§5.16, Form 3: then a refusal act is due within 1 working day', () => {
    expect(
      planAfterEvent(DEFAULT_POLICY, calendar, 'refusalAct', at('2027-06-25T00:00:01+05:00'))
        .dueDate,
    ).toBe('2027-06-28');
  });
  test('row 12: an appeal is filed within 1 working day of results and decided within 3 working days', () => {
    expect(
      planAfterEvent(DEFAULT_POLICY, calendar, 'appealFiling', at('2027-06-25T15:00:00+05:00'))
        .dueDate,
    ).toBe('2027-06-28');
    expect(
      planAfterEvent(DEFAULT_POLICY, calendar, 'appealDecision', at('2027-06-28T11:00:00+05:00'))
        .dueDate,
    ).toBe('2027-07-01');
  });
  test('row 12: an exam plan lists its event steps with their offsets', () => {
    const plan = planExam(
      DEFAULT_POLICY,
      calendarFor(DEFAULT_POLICY, ['2027-06-15']),
      exam(['2027-06-15']),
    );
    expect(plan.onEvents.map((e) => [e.stepId, e.event])).toEqual([
      ['form4Signature', 'form4Returned'],
      ['caseDecision', 'caseOpened'],
      ['actDelivery', 'caseConfirmed'],
      ['violationAcknowledgement', 'violationActSent'],
      ['refusalAct', 'acknowledgementMissed'],
      ['appealFiling', 'resultsPublished'],
      ['appealDecision', 'appealFiled'],
    ]);
  });
});

describe('DEADLINES.md reminders: 7, 2, 1 days before and the morning of the due day, at 09:00 local', () => {
  const calendar = calendarFor(DEFAULT_POLICY, ['2027-01-15']);
  const due = endOf('2027-01-15');
  const nine = (d: string) => at(`${d}T09:00:00+05:00`);
  test('all four reminders when the step opens early', () => {
    expect(reminderInstants(DEFAULT_POLICY, calendar, due, at('2026-11-25T00:00:00Z'))).toEqual(
      ['2027-01-08', '2027-01-13', '2027-01-14', '2027-01-15'].map(nine),
    );
  });
  test('reminders already past when the step opens are skipped', () => {
    expect(
      reminderInstants(DEFAULT_POLICY, calendar, due, at('2027-01-14T10:00:00+05:00')),
    ).toEqual([nine('2027-01-15')]);
    expect(reminderInstants(DEFAULT_POLICY, calendar, due, due + 1)).toEqual([]);
  });
  test('an exact deadline (E + 72 hours) is reminded on the mornings before it and on its own morning', () => {
    const reviewDue = at('2027-06-20T13:00:00+05:00');
    expect(
      reminderInstants(
        DEFAULT_POLICY,
        calendarFor(DEFAULT_POLICY, ['2027-06-20']),
        reviewDue,
        at('2027-06-17T13:00:00+05:00'),
      ),
    ).toEqual(['2027-06-18', '2027-06-19', '2027-06-20'].map(nine));
  });
});

describe('plan inputs are checked, each error naming its field', () => {
  const calendar = calendarFor(DEFAULT_POLICY, ['2027-06-15']);
  test.each([
    ['days', { days: [] }],
    ['days.1', { days: ['2027-06-15', '2027-06-15'] }],
    ['days.0', { days: ['2027-02-30'] }],
    ['endsAt', { endsAt: at('2027-06-18T13:00:00+05:00') }],
    ['startsAt', { startsAt: at('2027-06-14T09:00:00+05:00') }],
    ['expectedWorks', { expectedWorks: -1 }],
  ])('%s', (path, change) => {
    expect(() =>
      planExam(DEFAULT_POLICY, calendar, { ...exam(['2027-06-15']), ...change }),
    ).toThrow(expect.objectContaining({ path }) as PlanInputError);
  });
});

describe('§5.1, Form 1: an exam of several sittings — each sitting is an exam day with its own ticket set', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const drill = applyOverrides(DEFAULT_POLICY_SOURCE, require('../policies/drill.policy.json'));
  const morning = at('2027-03-16T09:00:00+05:00');
  const afternoon = at('2027-03-16T14:00:00+05:00');
  const refusal = (policy: Policy, facts: ExamFacts) => {
    try {
      planExam(policy, calendarFor(policy, facts.days), facts);
      return undefined;
    } catch (error) {
      return (error as PlanInputError).path;
    }
  };

  test('§5.1: two sittings on one date: ticketUpload#k counts from sitting k (drill: 5 s before it)', () => {
    const facts = exam(['2027-03-16', '2027-03-16'], {
      startsAt: morning,
      sittings: [morning, afternoon],
      endsAt: at('2027-03-16T17:00:00+05:00'),
    });
    expect(step(drill, facts, 'ticketUpload#1').dueAt).toBe(morning - 5_000);
    expect(step(drill, facts, 'ticketUpload#2').dueAt).toBe(afternoon - 5_000);
  });

  test('§5.1: sittings on two dates at different hours: D − 1 day of each date (default policy)', () => {
    const second = at('2027-03-17T14:00:00+05:00');
    const facts = exam(['2027-03-16', '2027-03-17'], {
      startsAt: morning,
      sittings: [morning, second],
      endsAt: at('2027-03-17T17:00:00+05:00'),
    });
    expect(step(DEFAULT_POLICY, facts, 'ticketUpload#2').dueAt).toBe(endOf('2027-03-16'));
  });

  test.each([
    [
      'a sitting on another date than its day',
      [morning, at('2027-03-17T09:00:00+05:00')],
      'sittings.1',
    ],
    ['sittings out of order', [afternoon, morning], 'sittings.1'],
    ['one start for two days', [morning], 'sittings'],
  ])('refused: %s (the field is named)', (_name, sittings, path) => {
    const facts = exam(['2027-03-16', '2027-03-16'], {
      startsAt: sittings[0],
      sittings,
      endsAt: at('2027-03-16T17:00:00+05:00'),
    });
    expect(refusal(drill, facts)).toBe(path);
  });

  test('without sittings, two days may not share a date', () => {
    const facts = exam(['2027-03-16', '2027-03-16']);
    expect(refusal(DEFAULT_POLICY, facts)).toBe('days.1');
  });
});
