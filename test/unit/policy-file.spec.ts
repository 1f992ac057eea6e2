import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadPolicy } from '../../config/policy-file';
import { calendarYears, isWorkingDay, nonWorkingReason } from '../../sop/calendar';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import { resolveCalendar } from '../../sop/holidays';
import { planAfterEvent, planExam } from '../../sop/plan';
import { ROOT } from '../../scripts/infra';

const dir = mkdtempSync(join(tmpdir(), 'emtihan-policy-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('POLICY_FILE: an institution changes the rules by data (JSON or YAML)', () => {
  test('no file: the SOP as written', () => {
    expect(loadPolicy(undefined)).toBe(DEFAULT_POLICY);
  });

  test('the YAML example in policies/ loads, and its decree transfer and six-day week change a plan (GP 3, row 1)', () => {
    const policy = loadPolicy(join(ROOT, 'policies', 'institution.example.yaml'));
    expect(policy).toMatchObject({
      version: 'example-university-2027.1',
      basedOn: DEFAULT_POLICY.version,
      workingWeek: [1, 2, 3, 4, 5, 6],
      options: { row1Reading: 'shared' },
    });
    const calendar = resolveCalendar(policy, calendarYears(['2027-03-16']));
    const plan = planExam(policy, calendar, {
      examId: 'x',
      days: ['2027-03-16'],
      startsAt: Date.parse('2027-03-16T09:00:00+05:00'),
      endsAt: Date.parse('2027-03-16T12:00:00+05:00'),
      expectedWorks: 10,
      summer: false,
      retake: false,
    });
    const due = (key: string) => plan.steps.find((s) => s.key === key)?.dueDate;
    // The file's decree transfer: Friday 8 January 2027 is a day off, named with its decree.
    expect(isWorkingDay(calendar, '2027-01-08')).toBe(false);
    expect(nonWorkingReason(calendar, '2027-01-08')).toContain('Government decree (example)');
    // D − 2 months = Saturday 16 January: a working day in this six-day week.
    expect(due('departmentDiscussion')).toBe('2027-01-16');
    // Row 1's shared reading: the committee has the same 2 months.
    expect(due('programmeCommitteeApproval')).toBe('2027-01-16');
    // The step override: D − 3 days = Saturday 13 March, a working day here.
    expect(due('moodleUpload')).toBe('2027-03-13');
  });

  test('a JSON file works the same way', () => {
    const path = file('p.json', JSON.stringify({ version: 'j1', timeZone: 'Asia/Aqtobe' }));
    expect(loadPolicy(path)).toMatchObject({ version: 'j1', timeZone: 'Asia/Aqtobe' });
  });

  test('a bad file stops with the file, the path and the reason', () => {
    const bad = file(
      'bad.yaml',
      'version: b1\ntransfers:\n  - dayOff: 2027-02-30\n    workingDay: 2027-01-16\n',
    );
    expect(() => loadPolicy(bad)).toThrow(
      `POLICY_FILE ${bad}: Invalid policy: transfers.0.dayOff: must be a real date YYYY-MM-DD`,
    );
    const broken = file('broken.yaml', 'version: [\n');
    expect(() => loadPolicy(broken)).toThrow(/is not valid YAML/);
    expect(() => loadPolicy(join(dir, 'missing.json'))).toThrow(/cannot read/);
  });
});

describe('the drill policy (policies/drill.policy.json): every step and rule of the SOP, counted in seconds', () => {
  test('it keeps every step, and a whole exam — question list to video purge — fits in a few minutes', () => {
    const drill = loadPolicy(join(ROOT, 'policies', 'drill.policy.json'));
    expect(drill.steps.map((s) => s.id)).toEqual(DEFAULT_POLICY.steps.map((s) => s.id));
    const startsAt = Date.parse('2027-03-16T09:00:00+05:00');
    const endsAt = startsAt + 60_000;
    const plan = planExam(drill, resolveCalendar(drill, calendarYears(['2027-03-16'])), {
      examId: 'drill',
      days: ['2027-03-16'],
      startsAt,
      endsAt,
      expectedWorks: 400,
      summer: false,
      retake: false,
    });
    for (const step of plan.steps) {
      expect(step.dueAt).toBeGreaterThanOrEqual(startsAt - 60_000);
      expect(step.dueAt).toBeLessThanOrEqual(endsAt + 90_000);
    }
    // §5.7: the video purge is the last step, E + 90 s; §5.17: > 300 works → 50 s.
    expect(plan.steps.at(-1)).toMatchObject({ stepId: 'videoPurge', dueAt: endsAt + 90_000 });
    expect(plan.steps.find((s) => s.stepId === 'grading')?.dueAt).toBe(endsAt + 50_000);
  });
  test('§5.8, §5.15, §5.16, row 12: every step planned on an event (a case, its act, Form 3, Form 4’s signature, an appeal) is due within a minute of it', () => {
    const drill = loadPolicy(join(ROOT, 'policies', 'drill.policy.json'));
    const calendar = resolveCalendar(drill, calendarYears(['2027-03-16']));
    const at = Date.parse('2027-03-16T09:05:00+05:00');
    const onEvents = drill.steps.filter((s) => s.anchor === 'event');
    expect(onEvents.length).toBeGreaterThan(6);
    for (const step of onEvents) {
      const due = planAfterEvent(drill, calendar, step.id, at).dueAt;
      expect([step.id, due - at <= 60_000 && due > at]).toEqual([step.id, true]);
    }
  });
});
