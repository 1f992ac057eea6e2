import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE } from './default-policy';
import { applyOverrides, parsePolicy, policyClauses, PolicyError, ROLES } from './policy';

/**
 * Every clause of SOP.md that sets a deadline, a count or a role, read off the SOP (edition 1).
 * The default policy must name each one somewhere (a step, a counting rule, a role or a duty);
 * a clause missing here fails this test.
 */
const SOP_CLAUSES: Record<string, string> = {
  'GP 3': 'question list: 10/40 questions; department 2 months, committee 1 month, Moodle 2 days',
  'GP 4': 'commission and task time discussed 2 months before the session',
  '§5.1': 'tickets 1 day before; 10–20 variants per day; testing centre checks admission',
  '§5.2': 'testing centre gives access; examiner list 2 days before; credentials',
  '§5.3': 'a retaker gets different tickets',
  '§5.4': 'remote student registers in the proctoring system',
  '§5.5': 'tickets assigned at random; credentials before the session',
  '§5.6': "testing centre issues examiners' credentials",
  '§5.7': 'video kept 3 months; proctors review 72 hours',
  '§5.8': 'violation commission of at least 3 (proctor, testing centre, dean’s office)',
  '§5.9': 'the proctoring system records the whole exam',
  '§5.10': "working group appointed by the vice-rector's order",
  '§5.11': '(repeats §5.10 in the original)',
  '§5.12': 'working-group members assigned by the schedule, given proctors',
  '§5.13': 'working-group member sends Form 4 to the proctor',
  '§5.14': 'proctor fills Form 4 and returns it with the acts',
  '§5.15':
    'working-group member hands Form 4 to the commission, copies to dean’s office and registrar',
  '§5.16': 'dean’s office sends the act; the student acknowledges or disputes',
  '§5.17': 'grading 3 days up to 300 works, 5 above',
  '§5.18': 'testing centre sends the encrypted answers to the department',
  '§5.19': 'grade sheet formed and reconciled',
  'row 1': 'programme committee and dean approve the questions, 2 months',
  'row 2': 'department approves the commission, 2 months',
  'row 3': 'testing centre approves proctors, 1 week before the session',
  'row 4': 'testing centre approves the schedule, 2 weeks (summer 1 week)',
  'row 5': 'proctor instructions before the session',
  'row 6': 'answers encrypted automatically',
  'row 7': 'exam commission grades within 3–5 days',
  'row 8': 'testing centre decrypts',
  'row 9': 'grade sheet formed within 3–5 days',
  'row 10': 'registrar prints the grade sheet within 3–5 days',
  'row 11': 'violation materials to the integrity commission',
  'row 12': 'appeal held by the appeal commission',
  'Form 1': 'exam ticket',
  'Form 2': 'violation act',
  'Form 3': 'refusal act',
  'Form 4': 'proctor review table',
  'impostor act': 'impostor act (no form number)',
};

describe('the default policy is the SOP as written', () => {
  test.each(Object.entries(SOP_CLAUSES))('%s is in the default policy (%s)', (clause) => {
    expect([...policyClauses(DEFAULT_POLICY)]).toContain(clause);
  });

  test('every step names at least one clause, an owner role and an escalation chain of known roles', () => {
    for (const step of DEFAULT_POLICY.steps) {
      expect(step.clauses.length).toBeGreaterThan(0);
      expect(ROLES).toContain(step.ownerRole);
      for (const role of step.escalation) expect(ROLES).toContain(role);
      expect(step.title.kk && step.title.ru && step.title.en).toBeTruthy();
    }
  });

  test('every DEADLINES.md row has its step', () => {
    expect(DEFAULT_POLICY.steps.map((s) => s.id)).toEqual(
      expect.arrayContaining([
        'departmentDiscussion',
        'programmeCommitteeApproval',
        'moodleUpload',
        'commissionComposition',
        'scheduleApproval',
        'proctorsApproval',
        'proctorInstructions',
        'examinerList',
        'ticketUpload',
        'proctorReview',
        'grading',
        'gradeSheet',
        'gradeSheetExport',
        'violationHandover',
        'violationAcknowledgement',
        'refusalAct',
        'appealFiling',
        'appealDecision',
        'videoPurge',
      ]),
    );
  });

  test('the default policy survives a JSON round trip and validates again', () => {
    expect(parsePolicy(JSON.parse(JSON.stringify(DEFAULT_POLICY)))).toEqual(DEFAULT_POLICY);
  });
});

describe('policy validation names the exact path and reason', () => {
  const issues = (input: unknown) => {
    try {
      parsePolicy(input);
    } catch (error) {
      if (error instanceof PolicyError) return error.issues;
      throw error;
    }
    throw new Error('accepted');
  };
  test('a bad time zone, a bad unit and a working-day count in months', () => {
    const bad = JSON.parse(JSON.stringify(DEFAULT_POLICY)) as Record<string, unknown> & {
      steps: Record<string, unknown>[];
    };
    bad.timeZone = 'Mars/Olympus';
    bad.steps[0].offset = { value: -2, unit: 'fortnights' };
    bad.steps[1].offset = { value: -2, unit: 'months', counting: 'workingDays' };
    const found = issues(bad);
    expect(found).toEqual(
      expect.arrayContaining([
        { path: 'timeZone', message: 'must be an IANA time zone, e.g. Asia/Almaty' },
        expect.objectContaining({ path: 'steps.0.offset.unit' }),
        {
          path: 'steps.1.offset.counting',
          message: 'working-day counting applies to a number of days only',
        },
      ]),
    );
  });
  test('a duplicate step id', () => {
    const bad = JSON.parse(JSON.stringify(DEFAULT_POLICY)) as { steps: unknown[] };
    bad.steps.push(bad.steps[0]);
    expect(issues(bad)).toEqual([
      {
        path: `steps.${bad.steps.length - 1}.id`,
        message: `duplicate step id "${DEFAULT_POLICY.steps[0].id}"`,
      },
    ]);
  });
  test('an unknown owner role and a step without clauses', () => {
    const bad = JSON.parse(JSON.stringify(DEFAULT_POLICY)) as { steps: Record<string, unknown>[] };
    bad.steps[2].ownerRole = 'janitor';
    bad.steps[3].clauses = [];
    const found = issues(bad);
    expect(found.map((i) => i.path)).toEqual(
      expect.arrayContaining(['steps.2.ownerRole', 'steps.3.clauses']),
    );
    expect(found.find((i) => i.path === 'steps.3.clauses')?.message).toBe(
      'needs at least one SOP clause',
    );
  });
});

describe('institution overrides (a policy file)', () => {
  test('overrides merge into the default: zone, week, closures, transfers, row 1 reading, one step', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'kaznmu-2027',
      workingWeek: [1, 2, 3, 4, 5, 6],
      closures: ['2027-01-05'],
      transfers: [{ dayOff: '2027-01-08', workingDay: '2027-01-09', decree: 'decree No. 1' }],
      options: { row1Reading: 'shared' },
      steps: { moodleUpload: { offset: { value: -3, unit: 'days' } } },
    });
    expect(policy.version).toBe('kaznmu-2027');
    expect(policy.basedOn).toBe(DEFAULT_POLICY.version);
    expect(policy.workingWeek).toEqual([1, 2, 3, 4, 5, 6]);
    expect(policy.options.row1Reading).toBe('shared');
    expect(policy.steps.find((s) => s.id === 'moodleUpload')).toMatchObject({
      offset: { value: -3, unit: 'days', counting: 'calendar' },
      clauses: ['GP 3'],
    });
    expect(policy.steps).toHaveLength(DEFAULT_POLICY.steps.length);
  });
  test('null removes a step or a key; a new id adds a whole step', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'v',
      reminders: { localTime: null },
      steps: { violationHandover: null },
    });
    expect(policy.steps.map((s) => s.id)).not.toContain('violationHandover');
    expect(policy.reminders.localTime).toBeUndefined();
  });
  test('an override file must name its version, and its errors name the path', () => {
    expect(() => applyOverrides(DEFAULT_POLICY_SOURCE, { timeZone: 'Asia/Almaty' })).toThrow(
      /version/,
    );
    expect(() =>
      applyOverrides(DEFAULT_POLICY_SOURCE, { version: 'v', closures: ['2027-02-30'] }),
    ).toThrow('closures.0: must be a real date YYYY-MM-DD');
    expect(() =>
      applyOverrides(DEFAULT_POLICY_SOURCE, {
        version: 'v',
        steps: { newStep: { clauses: ['§9'] } },
      }),
    ).toThrow(new RegExp(`steps\\.${DEFAULT_POLICY_SOURCE.steps.length}\\.title`));
  });
  test('the drill policy in policies/ is valid and counts the slice step in seconds', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const drill = applyOverrides(DEFAULT_POLICY_SOURCE, require('../policies/drill.policy.json'));
    expect(drill.steps.find((s) => s.id === 'departmentDiscussion')?.offset).toEqual({
      value: -20,
      unit: 'seconds',
      counting: 'calendar',
    });
  });
});
