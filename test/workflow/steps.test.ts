import type { WorkflowHandle } from '@temporalio/client';
import { resolveCalendar } from '../../sop/holidays';
import { calendarYears, isWorkingDay } from '../../sop/calendar';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import type { Policy } from '../../sop/policy';
import { findStep } from '../../sop/units';
import { examStateQuery, type StepState } from '../../workflows/exam.contract';
import type { examWorkflow } from '../../workflows/exam.workflow';
import { sessionStateQuery } from '../../workflows/session.contract';
import type { sessionWorkflow } from '../../workflows/session.workflow';
import type { DirectoryFixture } from '../directory-fixture';
import { uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import {
  decideAs as decide,
  eventAs as event,
  skipTo,
  startExam,
  startSession,
  useTimeSkipping,
} from './time-skipping';

/**
 * Every step of the default policy as a human task (issue 6 "Tests"), each test named by its
 * clause. A test runs four exams of the same step side by side on one time-skipping server:
 * - on time: approved right after it opens — not late, no escalation;
 * - overdue: nobody acts — reminders 7, 2, 1 days before and on the due morning (those already past
 *   when it opened skipped), overdue at the due instant, escalated to the next role of its chain
 *   then and again every working day at 09:00;
 * - waived by the role above its owner, with a reason — no escalation;
 * - returned for changes, then resubmitted and approved.
 * The dues are written out by hand from DEADLINES.md for an exam on Tuesday 16 March 2027 (sitting
 * 09:00–12:00 Almaty, UTC+05:00), so the test checks the workflow against the SOP, not against
 * sop/plan.ts.
 */

const ctx = useTimeSkipping();
type Handle = WorkflowHandle<typeof examWorkflow> | WorkflowHandle<typeof sessionWorkflow>;

const ZONE_OFFSET = '+05:00';
const endOf = (date: string) => Date.parse(`${date}T23:59:59.999${ZONE_OFFSET}`);
const at9 = (date: string) => Date.parse(`${date}T09:00:00${ZONE_OFFSET}`);
const DAY = 86_400_000;
const E = Date.parse(`2027-03-16T12:00:00${ZONE_OFFSET}`);
const CALENDAR = resolveCalendar(DEFAULT_POLICY, calendarYears(['2027-03-16']));

/** What has to happen before the step opens. */
type Opening =
  | 'start' // when the workflow starts
  | 'end' // at E
  | 'violation' // a violation reported after E (row 11)
  | 'act' // …and its act sent to the student (§5.16)
  | 'missed' // …and the student's acknowledgement missed (Form 3)
  | 'results' // the grade sheet exported: results published (row 12)
  | 'appeal'; // …and an appeal filed

interface StepCase {
  name: string;
  rule: string;
  /** The step's key in the exam (`ticketUpload#2` for day 2). */
  key: string;
  steps: string[];
  opening: Opening;
  due: number;
  days?: string[];
  works?: number;
  /** A session step (session-<id>); `DEPT` in the key stands for the fixture's department. */
  session?: true;
}

const CASES: StepCase[] = [
  // The session's steps (S = Monday 1 March 2027), run by session-<id>.
  {
    name: 'GP 4, row 2: commission composition of each department due S − 2 months (Fri 1 Jan, New Year → Thu 31 Dec)',
    rule: 'commissionComposition',
    key: 'commissionComposition@DEPT',
    steps: ['commissionComposition'],
    opening: 'start',
    session: true,
    due: endOf('2026-12-31'),
  },
  {
    name: 'row 4: written-exam schedule approved by the testing centre S − 2 weeks',
    rule: 'scheduleApproval',
    key: 'scheduleApproval',
    steps: ['scheduleApproval'],
    opening: 'start',
    session: true,
    due: endOf('2027-02-15'),
  },
  {
    name: 'row 3: proctors and responsible staff approved S − 1 week',
    rule: 'proctorsApproval',
    key: 'proctorsApproval',
    steps: ['proctorsApproval'],
    opening: 'start',
    session: true,
    due: endOf('2027-02-22'),
  },
  {
    name: 'row 5: proctor instructions issued S − 1 day (Sun 28 Feb → Fri 26 Feb)',
    rule: 'proctorInstructions',
    key: 'proctorInstructions',
    steps: ['proctorInstructions'],
    opening: 'start',
    session: true,
    due: endOf('2027-02-26'),
  },
  {
    name: 'GP 3, row 1: department discussion due D − 2 months (Sat 16 Jan → Fri 15 Jan)',
    rule: 'departmentDiscussion',
    key: 'departmentDiscussion',
    steps: ['departmentDiscussion'],
    opening: 'start',
    due: endOf('2027-01-15'),
  },
  {
    name: 'GP 3: programme-committee approval due D − 1 month',
    rule: 'programmeCommitteeApproval',
    key: 'programmeCommitteeApproval',
    steps: ['programmeCommitteeApproval'],
    opening: 'start',
    due: endOf('2027-02-16'),
  },
  {
    name: 'GP 3: Moodle upload due D − 2 days (Sun 14 Mar → Fri 12 Mar)',
    rule: 'moodleUpload',
    key: 'moodleUpload',
    steps: ['moodleUpload'],
    opening: 'start',
    due: endOf('2027-03-12'),
  },
  {
    name: '§5.2: examiner list due D − 2 days (→ Fri 12 Mar)',
    rule: 'examinerList',
    key: 'examinerList',
    steps: ['examinerList'],
    opening: 'start',
    due: endOf('2027-03-12'),
  },
  {
    name: '§5.1: tickets of exam day 2 (Wed 17 Mar) due Dk − 1 day',
    rule: 'ticketUpload',
    key: 'ticketUpload#2',
    steps: ['ticketUpload'],
    opening: 'start',
    days: ['2027-03-16', '2027-03-17'],
    due: endOf('2027-03-16'),
  },
  {
    name: '§5.7: proctor review due E + 72 hours (an exact instant)',
    rule: 'proctorReview',
    key: 'proctorReview',
    steps: ['proctorReview'],
    opening: 'end',
    due: E + 72 * 3_600_000,
  },
  {
    name: 'row 11: violation materials handed over by the end of the review window, when a violation was found',
    rule: 'violationHandover',
    key: 'violationHandover',
    steps: ['violationHandover'],
    opening: 'violation',
    due: E + 72 * 3_600_000,
  },
  {
    name: '§5.17, row 7: grading due date(E) + 3 days for up to 300 works',
    rule: 'grading',
    key: 'grading',
    steps: ['grading'],
    opening: 'end',
    due: endOf('2027-03-19'),
  },
  {
    name: '§5.17, row 7: grading due date(E) + 5 days for more than 300 works (not moved off Sunday)',
    rule: 'grading',
    key: 'grading',
    steps: ['grading'],
    opening: 'end',
    works: 301,
    due: endOf('2027-03-21'),
  },
  {
    name: '§5.19, row 9: grade sheet formed and reconciled with the grading window',
    rule: 'gradeSheet',
    key: 'gradeSheet',
    steps: ['gradeSheet'],
    opening: 'end',
    due: endOf('2027-03-19'),
  },
  {
    name: 'row 10: grade sheet exported to the registrar with the grading window',
    rule: 'gradeSheetExport',
    key: 'gradeSheetExport',
    steps: ['gradeSheetExport'],
    opening: 'end',
    due: endOf('2027-03-19'),
  },
  {
    name: '§5.16, Form 2: the student acknowledges the violation act within 3 days of it being sent',
    rule: 'violationAcknowledgement',
    key: 'violationAcknowledgement@V-1',
    steps: ['violationAcknowledgement', 'videoPurge'],
    opening: 'act',
    due: endOf('2027-03-19'),
  },
  {
    name: '§5.16, Form 3: a refusal act is due 1 working day after the acknowledgement was missed (Nauryz skipped)',
    rule: 'refusalAct',
    key: 'refusalAct@V-1',
    steps: ['violationAcknowledgement', 'refusalAct', 'videoPurge'],
    opening: 'missed',
    due: endOf('2027-03-25'),
  },
  {
    name: 'row 12: an appeal is decided within 3 working days of filing',
    rule: 'appealDecision',
    key: 'appealDecision@A-1',
    steps: ['gradeSheetExport', 'appealFiling', 'appealDecision', 'videoPurge'],
    opening: 'appeal',
    due: endOf('2027-03-19'),
  },
];

const isSession = (handle: Handle) => handle.workflowId.startsWith('session-');

async function state(handle: Handle): Promise<{ steps: StepState[] }> {
  return isSession(handle) ? handle.query(sessionStateQuery) : handle.query(examStateQuery);
}

async function stepOf(handle: Handle, key: string): Promise<StepState | undefined> {
  return (await state(handle)).steps.find((s) => s.stepId === key);
}

/** Brings an exam to the point where the step under test opens. */
async function open(handle: Handle, dir: DirectoryFixture, opening: Opening): Promise<void> {
  if (opening === 'start' || opening === 'end') return;
  if (opening === 'violation' || opening === 'act' || opening === 'missed') {
    await event(handle, dir, 'violationFound', 'V-1', 'proctor');
    if (opening !== 'violation')
      await event(handle, dir, 'violationActSent', 'V-1', 'violation_commission');
    return;
  }
  await waitFor('the grade sheet export to open', () => stepOf(handle, 'gradeSheetExport'), 30_000);
  await decide(handle, dir, 'gradeSheetExport', 'approve', 'registrar');
  if (opening === 'appeal') {
    await waitFor('the appeal window to open', () => stepOf(handle, 'appealFiling'), 30_000);
    await event(handle, dir, 'appealFiled', 'A-1', 'student');
  }
}

/** The reminder instants DEADLINES.md gives a due: 09:00 on 7, 2, 1 days before and on its day. */
function expectedReminders(due: number, openedAt: number): number[] {
  const dueDate = new Date(due + 5 * 3_600_000).toISOString().slice(0, 10);
  const day = Date.parse(`${dueDate}T00:00:00Z`);
  return [7, 2, 1, 0]
    .map((n) => at9(new Date(day - n * DAY).toISOString().slice(0, 10)))
    .filter((at) => at > openedAt && at < due);
}

/** 09:00 Almaty on the first working day after an instant (counted here, not by sop/). */
function nextWorkingMorning(after: number): number {
  let day = Date.parse(`${new Date(after + 5 * 3_600_000).toISOString().slice(0, 10)}T00:00:00Z`);
  do day += DAY;
  while (!isWorkingDay(CALENDAR, new Date(day).toISOString().slice(0, 10)));
  return at9(new Date(day).toISOString().slice(0, 10));
}

/**
 * Lets time run to `at` and waits until the step shows it: the test server's clock moves only in
 * these steps, so no timer is passed before the workflow has handled the previous one.
 */
async function reach(
  handle: Handle,
  key: string,
  at: number,
  what: string,
  seen: (s: StepState) => boolean,
) {
  await skipTo(ctx.env, at + 60_000);
  return waitFor(
    what,
    async () => {
      const step = await stepOf(handle, key);
      return step !== undefined && seen(step) ? step : undefined;
    },
    30_000,
  );
}

describe.each(CASES)('$name', (c) => {
  test(`${c.rule}: on time, overdue with escalation every working day, waived from above, returned and resubmitted`, async () => {
    const policy: Policy = onlySteps(c.steps);
    const rule = findStep(policy, c.rule)!;
    const owner = rule.ownerRole;
    const above = rule.escalation[0];
    const scenarios = ['ontime', 'overdue', 'waived', 'returned'] as const;
    const exams: { handle: Handle; dir: DirectoryFixture }[] = await Promise.all(
      scenarios.map((s) =>
        c.session
          ? startSession(ctx, uniqueId(`ss-${s}`), { policy, startDate: '2027-03-01' })
          : startExam(ctx, uniqueId(`st-${s}`), {
              policy,
              days: c.days ?? ['2027-03-16'],
              expectedWorks: c.works ?? 100,
            }),
      ),
    );
    // GP 4's step is keyed by each exam's own department.
    const keyOf = (dir: DirectoryFixture) => c.key.replace('DEPT', dir.departmentId);
    if (c.opening !== 'start') await skipTo(ctx.env, E + 60_000);
    for (const { handle, dir } of exams) await open(handle, dir, c.opening);
    if (c.opening === 'missed') await skipTo(ctx.env, endOf('2027-03-19') + 60_000);
    const opened = await Promise.all(
      exams.map(({ handle, dir }) =>
        waitFor(`${c.key} to open`, () => stepOf(handle, keyOf(dir)), 30_000),
      ),
    );
    for (const step of opened) {
      expect(step.dueAt).toBe(c.due);
      expect(step.clauses).toEqual(rule.clauses);
      expect(step.ownerRole).toBe(owner);
    }

    const [ontime, overdue, waived, returned] = exams;
    const onTime = await decide(
      ontime.handle,
      ontime.dir,
      keyOf(ontime.dir),
      'approve',
      owner,
      'done',
    );
    expect(onTime).toMatchObject({ status: 'approved', late: false });
    await decide(
      waived.handle,
      waived.dir,
      keyOf(waived.dir),
      'waive',
      above,
      'not needed this session',
    );
    await decide(
      returned.handle,
      returned.dir,
      keyOf(returned.dir),
      'reject',
      owner,
      'fix the second item',
    );
    const resubmitted = await decide(
      returned.handle,
      returned.dir,
      keyOf(returned.dir),
      'approve',
      owner,
    );
    expect(resubmitted).toMatchObject({ status: 'approved', late: false });
    // The owner may not waive their own step.
    await expect(
      decide(overdue.handle, overdue.dir, keyOf(overdue.dir), 'waive', owner, 'x'),
    ).rejects.toMatchObject({ cause: { message: expect.stringMatching(/may waive/) as string } });

    // The untouched one: reminded at each instant, overdue at the due with the next role told, and
    // again at 09:00 on each of the next two working days.
    const reminders = expectedReminders(c.due, opened[1].openedAt);
    for (const at of reminders)
      await reach(overdue.handle, keyOf(overdue.dir), at, 'a reminder', (s) =>
        s.remindersSent.includes(at),
      );
    const escalations = [c.due];
    await reach(
      overdue.handle,
      keyOf(overdue.dir),
      c.due,
      'the overdue escalation',
      (s) => s.escalationsSent.length > 0,
    );
    for (let k = 0; k < 2; k++) {
      const next = nextWorkingMorning(escalations[escalations.length - 1]);
      escalations.push(next);
      await reach(overdue.handle, keyOf(overdue.dir), next, 'the next escalation', (s) =>
        s.escalationsSent.includes(next),
      );
    }
    const late = (await stepOf(overdue.handle, keyOf(overdue.dir)))!;
    expect(late.status).toBe('overdue');
    expect(late.overdueAt! - c.due).toBeGreaterThanOrEqual(0);
    expect(late.overdueAt! - c.due).toBeLessThan(1_000);
    expect(late.remindersSent).toEqual(reminders);
    expect(late.escalationsSent).toEqual(escalations);

    const done = await Promise.all(
      [ontime, waived, returned].map(({ handle, dir }) => stepOf(handle, keyOf(dir))),
    );
    expect(done.map((s) => s?.status)).toEqual(['approved', 'waived', 'approved']);
    expect(done.map((s) => s?.escalationsSent)).toEqual([[], [], []]);
    expect(done[2]).toMatchObject({ rejections: 1, rejectedBy: returned.dir.byRole[owner]!.id });

    const column = c.session ? 'session_id' : 'exam_id';
    // The emails: escalations go to the holder of the next role, each at its instant.
    const outbox = await ctx.db.query<
      { kind: string; recipient: string; scheduled_for: Date; clauses: string[] }[]
    >(
      `SELECT kind, recipient, scheduled_for, clauses FROM outbox WHERE ${column} = $1 AND step_id = $2 ORDER BY scheduled_for, kind`,
      [overdue.handle.workflowId.replace(/^(exam|session)-/, ''), keyOf(overdue.dir)],
    );
    const escalated = outbox.filter((r) => r.kind === 'step.escalation');
    expect(escalated.map((r) => r.scheduled_for.getTime())).toEqual(late.escalationsSent);
    for (const row of escalated) expect(row.recipient).toBe(overdue.dir.byRole[above]!.email);
    expect(
      outbox.filter((r) => r.kind === 'step.reminder').map((r) => r.scheduled_for.getTime()),
    ).toEqual(late.remindersSent);
    for (const row of outbox) expect(row.clauses).toEqual(rule.clauses);

    // The audit trail names the step's clauses on every record.
    const audit = await ctx.db.query<{ action: string; clauses: string[]; actor: string }[]>(
      `SELECT action, clauses, actor FROM audit_log WHERE ${column} = $1 AND step_id = $2 ORDER BY seq`,
      [waived.handle.workflowId.replace(/^(exam|session)-/, ''), keyOf(waived.dir)],
    );
    expect(audit.map((a) => a.action)).toContain('step.waived');
    expect(audit.find((a) => a.action === 'step.waived')!.actor).toBe(waived.dir.byRole[above]!.id);
    for (const record of audit) expect(record.clauses).toEqual(rule.clauses);
  });
});
