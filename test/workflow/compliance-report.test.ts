import { writeFileSync } from 'node:fs';
import { Workbook, type Worksheet } from 'exceljs';
import type { Principal } from '../../api/auth/principal';
import { chartPng, complianceSvg } from '../../api/reports/compliance.chart';
import { complianceXlsx, pngSize } from '../../api/reports/compliance.xlsx';
import { ReportsService } from '../../api/reports/reports.service';
import type { examWorkflow } from '../../workflows/exam.workflow';
import type { DirectoryFixture } from '../directory-fixture';
import { uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import { decideAs, skipTo, startExam, startSession, useTimeSkipping } from './time-skipping';

/**
 * Issue 7, compliance reports: a scripted session on the time-skipping server, the report computed
 * from the real read model and audit log, every number worked out by hand below.
 *
 * Session S = Monday 1 March 2027 (Almaty, UTC+05:00), scoped to the fixture's school, with four
 * steps of the policy: commissionComposition (GP 4, row 2; per department), scheduleApproval
 * (row 4), departmentDiscussion (GP 3, row 1) and examinerList (§5.2). Two departments:
 *   A = the fixture's department (head: dir.head): exams e1 on Tue 16 March and e2 on Thu 18 March;
 *   B = its other department (head: dir.otherHead): exam eB on Wed 17 March.
 * The dues, from DEADLINES.md:
 *   commissionComposition@A/@B  S − 2 months = Fri 1 Jan (New Year) → Thu 31 Dec 2026, 23:59:59.999
 *   scheduleApproval            S − 2 weeks  = Mon 15 Feb 2027
 *   departmentDiscussion        e1: 16 Jan (Sat) → Fri 15 Jan; e2: Mon 18 Jan; eB: 17 Jan (Sun) → 15 Jan
 *   examinerList                e1: 14 Mar (Sun) → Fri 12 Mar; e2: Tue 16 Mar; eB: Mon 15 Mar
 *                               (Constitution Day) → Fri 12 Mar
 * What happens:
 *   at once (Nov 2026)  head A approves commissionComposition@A and e1's discussion (on time);
 *                       head B approves eB's discussion (on time); the vice-rector waives row 4's
 *                       schedule with a reason.
 *   Fri 1 Jan 10:00     head B approves commissionComposition@B: late 10 h (0.42 d); one escalation
 *                       email went out at its due (the next would be the next working morning).
 *   Wed 20 Jan 10:00    head A approves e2's discussion: late 1 d 10 h = 34 h (1.42 d); escalated at
 *                       the due, Tue 19 and Wed 20 Jan 09:00 (3 emails).
 *   Tue 16 Mar 09:30    head B approves eB's examiner list: late 3 d 9.5 h = 81.5 h (3.40 d); escalated
 *                       at the due and on the next working morning, Tue 16 Mar 09:00 (Mon 15 Mar is
 *                       Constitution Day): 2 emails. The report is taken now: e1's examiner list is
 *                       overdue (escalated the same two times: 2 emails), e2's is open, due tonight.
 */

const ctx = useTimeSkipping();
const at = (iso: string) => Date.parse(`${iso}+05:00`);
const HOUR = 3_600_000;
const WAIVER_REASON = 'Расписание утверждено приказом ректора (row 4)';

async function escalationEmails(where: { examId?: string; sessionId?: string }, stepId: string) {
  const rows = await ctx.db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM audit_log
      WHERE action = 'step.escalation-sent' AND step_id = $3
        AND (exam_id = $1 OR (exam_id IS NULL AND session_id = $2))`,
    [where.examId ?? null, where.sessionId ?? null, stepId],
  );
  return rows[0].n;
}

/**
 * Lets time run to each instant in turn (the test server's clock moves only here, so no timer is
 * passed before the workflow has handled the one before: an escalation sent late stands for the
 * days it missed), waiting each time until the step's escalation emails have been recorded.
 */
async function reach(
  waits: {
    instant: number;
    where: { examId?: string; sessionId?: string };
    stepId: string;
    emails: number;
  }[],
) {
  for (const w of waits) {
    await skipTo(ctx.env, w.instant);
    await waitFor(
      `${w.emails} escalation email(s) of ${w.stepId}`,
      async () => (await escalationEmails(w.where, w.stepId)) >= w.emails,
      30_000,
    );
  }
}

/** A sheet's rows keyed by one column's value. */
function keyedBy(sheet: Worksheet, column: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    sheetRows(sheet).map((r): [string, Record<string, unknown>] => [String(r[column]), r]),
  );
}

/** A sheet as objects keyed by its header row. */
function sheetRows(sheet: Worksheet): Record<string, unknown>[] {
  const header = (sheet.getRow(1).values as unknown[]).slice(1).map(String);
  const rows: Record<string, unknown>[] = [];
  sheet.eachRow((row, n) => {
    if (n === 1) return;
    const values = (row.values as unknown[]).slice(1);
    rows.push(Object.fromEntries(header.map((h, i) => [h, values[i] ?? null])));
  });
  return rows;
}

test('issue 7, GP 3, GP 4, row 4, §5.2: a scripted session gives the compliance numbers worked out by hand; the XLSX has them', async () => {
  const policy = onlySteps([
    'commissionComposition',
    'scheduleApproval',
    'departmentDiscussion',
    'examinerList',
  ]);
  const sessionId = uniqueId('compliance');
  const {
    handle: session,
    dir,
    exams,
  } = await startSession(ctx, sessionId, {
    policy,
    startDate: '2027-03-01',
    examDays: ['2027-03-16', '2027-03-18'],
  });
  const A = dir.departmentId;
  const B = dir.otherDepartmentId;
  // Department B's exam of the same session (startSession puts its exams in A), decided by B's head.
  const dirB: DirectoryFixture = {
    ...dir,
    departmentId: B,
    byRole: { ...dir.byRole, department_head: dir.otherHead },
  };
  const eBId = `${sessionId}-b`;
  const { handle: eB } = await startExam(ctx, eBId, { policy, days: ['2027-03-17'], dir: dirB });
  await ctx.db.query(`UPDATE exam SET session_id = $1 WHERE id = $2`, [sessionId, eBId]);
  const [e1Id, e2Id] = exams.map((e) => e.examId);
  const e1 = ctx.env.client.workflow.getHandle<typeof examWorkflow>(`exam-${e1Id}`);
  const e2 = ctx.env.client.workflow.getHandle<typeof examWorkflow>(`exam-${e2Id}`);

  // Every step open in the read model: 3 exams × 2 steps, and the session's 3.
  await waitFor(
    'the nine steps to open',
    async () => {
      const [{ n }] = await ctx.db.query<{ n: number }[]>(
        `SELECT (SELECT count(*) FROM exam_step WHERE exam_id = ANY($1))
              + (SELECT count(*) FROM session_step WHERE session_id = $2) AS n`,
        [[e1Id, e2Id, eBId], sessionId],
      );
      return Number(n) === 9;
    },
    30_000,
  );

  // At once: on time, and a waiver from above (the vice-rector is row 4's escalation role).
  await decideAs(session, dir, `commissionComposition@${A}`, 'approve', 'department_head');
  await decideAs(e1, dir, 'departmentDiscussion', 'approve', 'department_head');
  await decideAs(eB, dirB, 'departmentDiscussion', 'approve', 'department_head');
  await decideAs(session, dir, 'scheduleApproval', 'waive', 'vice_rector', WAIVER_REASON);

  // GP 4 of department B: one escalation at its due, approved the next morning.
  const minuteAfter = (iso: string) => at(iso) + 60_000;
  await reach([
    {
      instant: minuteAfter('2026-12-31T23:59:59.999'),
      where: { sessionId },
      stepId: `commissionComposition@${B}`,
      emails: 1,
    },
  ]);
  await skipTo(ctx.env, at('2027-01-01T10:00:00'));
  await decideAs(session, dirB, `commissionComposition@${B}`, 'approve', 'department_head');

  // GP 3 of e2: escalated at the due and on two working mornings, approved at 10:00.
  const e2Discussion = { where: { examId: e2Id }, stepId: 'departmentDiscussion' };
  await reach([
    { instant: minuteAfter('2027-01-18T23:59:59.999'), ...e2Discussion, emails: 1 },
    { instant: minuteAfter('2027-01-19T09:00:00'), ...e2Discussion, emails: 2 },
    { instant: minuteAfter('2027-01-20T09:00:00'), ...e2Discussion, emails: 3 },
  ]);
  await skipTo(ctx.env, at('2027-01-20T10:00:00'));
  await decideAs(e2, dir, 'departmentDiscussion', 'approve', 'department_head');

  // §5.2: eB's list approved late; e1's left overdue.
  const e1List = { where: { examId: e1Id }, stepId: 'examinerList' };
  const eBList = { where: { examId: eBId }, stepId: 'examinerList' };
  await reach([
    { instant: minuteAfter('2027-03-12T23:59:59.999'), ...e1List, emails: 1 },
    { instant: minuteAfter('2027-03-12T23:59:59.999'), ...eBList, emails: 1 },
    { instant: minuteAfter('2027-03-16T09:00:00'), ...e1List, emails: 2 },
    { instant: minuteAfter('2027-03-16T09:00:00'), ...eBList, emails: 2 },
  ]);
  await skipTo(ctx.env, at('2027-03-16T09:30:00'));
  await decideAs(eB, dirB, 'examinerList', 'approve', 'department_head');
  // No further escalation of the steps decided before.
  expect(await escalationEmails({ sessionId }, `commissionComposition@${B}`)).toBe(1);
  expect(await escalationEmails({ examId: e2Id }, 'departmentDiscussion')).toBe(3);

  const now = await ctx.env.currentTimeMs();
  const reports = new ReportsService(ctx.db, policy);
  const report = await reports.compliance({ kind: 'session', id: sessionId }, now);

  const counts = (t: object) => {
    const { total, onTime, late, overdue, open, waived, closed, escalated, escalationEmails } =
      t as Record<string, number>;
    return { total, onTime, late, overdue, open, waived, closed, escalated, escalationEmails };
  };
  const none = { closed: 0 };
  expect(report.policyVersion).toBe(policy.version);
  expect(report.scope).toEqual({
    kind: 'session',
    id: sessionId,
    name: { kk: 'Spring 2027', ru: 'Spring 2027', en: 'Spring 2027' },
  });
  // Totals: 9 steps; on time 3 (GP 4 @A, GP 3 e1, GP 3 eB); late 3 (GP 4 @B 10 h, GP 3 e2 34 h,
  // §5.2 eB 81.5 h); overdue 1 (§5.2 e1); open 1 (§5.2 e2); waived 1 (row 4); escalated 4 with
  // 1 + 3 + 2 + 2 = 8 emails; rate 3 / (3 + 3 + 1) = 0.4286; lateness 10, 34, 81.5 h → median 34 h
  // (1.42 d), worst 81.5 h (3.40 d).
  expect(counts(report.totals)).toEqual({
    ...none,
    total: 9,
    onTime: 3,
    late: 3,
    overdue: 1,
    open: 1,
    waived: 1,
    escalated: 4,
    escalationEmails: 8,
  });
  expect(report.totals.onTimeRate).toBe(0.4286);
  expect(report.totals.lateness).toEqual({
    count: 3,
    medianHours: 34,
    medianDays: 1.42,
    worstHours: 81.5,
    worstDays: 3.4,
  });

  // By step, in the policy's order.
  const step = (id: string) => report.byStep.find((s) => s.ruleId === id)!;
  expect(report.byStep.map((s) => [s.ruleId, s.clauses])).toEqual([
    ['commissionComposition', ['GP 4', 'row 2']],
    ['scheduleApproval', ['row 4']],
    ['departmentDiscussion', ['GP 3', 'row 1']],
    ['examinerList', ['§5.2']],
  ]);
  // GP 4: @A on time, @B late 10 h with 1 email → 1 / 2.
  expect(counts(step('commissionComposition'))).toEqual({
    ...none,
    total: 2,
    onTime: 1,
    late: 1,
    overdue: 0,
    open: 0,
    waived: 0,
    escalated: 1,
    escalationEmails: 1,
  });
  expect(step('commissionComposition').onTimeRate).toBe(0.5);
  expect(step('commissionComposition').lateness).toMatchObject({ medianHours: 10, worstHours: 10 });
  // Row 4: waived only → no rate.
  expect(counts(step('scheduleApproval'))).toEqual({
    ...none,
    total: 1,
    onTime: 0,
    late: 0,
    overdue: 0,
    open: 0,
    waived: 1,
    escalated: 0,
    escalationEmails: 0,
  });
  expect(step('scheduleApproval').onTimeRate).toBeNull();
  // GP 3: e1 and eB on time, e2 late 34 h with 3 emails → 2 / 3.
  expect(counts(step('departmentDiscussion'))).toEqual({
    ...none,
    total: 3,
    onTime: 2,
    late: 1,
    overdue: 0,
    open: 0,
    waived: 0,
    escalated: 1,
    escalationEmails: 3,
  });
  expect(step('departmentDiscussion').onTimeRate).toBe(0.6667);
  expect(step('departmentDiscussion').lateness).toEqual({
    count: 1,
    medianHours: 34,
    medianDays: 1.42,
    worstHours: 34,
    worstDays: 1.42,
  });
  // §5.2: eB late 81.5 h (2 emails), e1 overdue (2 emails), e2 open → 0 / 2.
  expect(counts(step('examinerList'))).toEqual({
    ...none,
    total: 3,
    onTime: 0,
    late: 1,
    overdue: 1,
    open: 1,
    waived: 0,
    escalated: 2,
    escalationEmails: 4,
  });
  expect(step('examinerList').onTimeRate).toBe(0);
  expect(step('examinerList').lateness).toEqual({
    count: 1,
    medianHours: 81.5,
    medianDays: 3.4,
    worstHours: 81.5,
    worstDays: 3.4,
  });

  // By department: A then B (by id: "dept-…" < "other-…"), then the session-wide step.
  expect(report.byDepartment.map((d) => d.departmentId)).toEqual([A, B, null]);
  const [depA, depB, sessionWide] = report.byDepartment;
  // A: GP 4 @A, GP 3 e1 on time; GP 3 e2 late 34 h; §5.2 e1 overdue; §5.2 e2 open → 2 / 4.
  expect(counts(depA)).toEqual({
    ...none,
    total: 5,
    onTime: 2,
    late: 1,
    overdue: 1,
    open: 1,
    waived: 0,
    escalated: 2,
    escalationEmails: 5,
  });
  expect(depA.onTimeRate).toBe(0.5);
  expect(depA.lateness).toMatchObject({ medianHours: 34, worstHours: 34 });
  expect(depA.name?.en).toBe('Department of Normal Anatomy');
  // B: GP 3 eB on time; GP 4 @B late 10 h, §5.2 eB late 81.5 h → 1 / 3; median (10 + 81.5) / 2 =
  // 45.75 h (1.91 d), worst 81.5 h (3.40 d).
  expect(counts(depB)).toEqual({
    ...none,
    total: 3,
    onTime: 1,
    late: 2,
    overdue: 0,
    open: 0,
    waived: 0,
    escalated: 2,
    escalationEmails: 3,
  });
  expect(depB.onTimeRate).toBe(0.3333);
  expect(depB.lateness).toEqual({
    count: 2,
    medianHours: 45.75,
    medianDays: 1.91,
    worstHours: 81.5,
    worstDays: 3.4,
  });
  expect(counts(sessionWide)).toMatchObject({ total: 1, waived: 1 });
  expect(sessionWide.onTimeRate).toBeNull();

  // By person: head A decided 2 on time, 1 late (34 h) and answers for e1's overdue list (the only
  // holder of department_head over A); head B 1 on time, 2 late; the vice-rector waived one.
  const byPerson = Object.fromEntries(report.byPerson.map((p) => [p.personId, p]));
  expect(Object.keys(byPerson).sort()).toEqual(
    [dir.head.id, dir.otherHead.id, dir.byRole.vice_rector!.id].sort(),
  );
  expect(byPerson[dir.head.id]).toMatchObject({
    fullName: dir.head.fullName,
    approvedOnTime: 2,
    approvedLate: 1,
    waived: 0,
    overdueAnswerable: 1,
    lateness: { medianHours: 34, worstHours: 34 },
  });
  expect(byPerson[dir.otherHead.id]).toMatchObject({
    approvedOnTime: 1,
    approvedLate: 2,
    waived: 0,
    overdueAnswerable: 0,
    lateness: { medianHours: 45.75, worstHours: 81.5 },
  });
  expect(byPerson[dir.byRole.vice_rector!.id]).toMatchObject({
    approvedOnTime: 0,
    approvedLate: 0,
    waived: 1,
    overdueAnswerable: 0,
  });

  // Row 4's waiver, with its reason and who waived it.
  expect(report.waivers).toEqual([
    expect.objectContaining({
      sessionId,
      stepKey: 'scheduleApproval',
      departmentId: null,
      reason: WAIVER_REASON,
      waivedBy: { personId: dir.byRole.vice_rector!.id, fullName: 'Vice Rector' },
      dueAt: '2027-02-15T23:59:59.999+05:00',
    }),
  ]);

  // The workbook, opened with exceljs, has the same numbers.
  const svg = complianceSvg(report, 'ru');
  const png = chartPng(svg);
  // To look at it: COMPLIANCE_CHART_PNG=/tmp/compliance-chart.png npx jest … compliance
  if (process.env.COMPLIANCE_CHART_PNG) writeFileSync(process.env.COMPLIANCE_CHART_PNG, png);
  expect(png.subarray(0, 8)).toEqual(Buffer.from('89504e470d0a1a0a', 'hex'));
  const size = pngSize(png);
  expect(size.width).toBe(2200);
  expect(size.height).toBeGreaterThan(600);
  const book = new Workbook();
  await book.xlsx.load(
    (await complianceXlsx(report, 'ru', png)) as unknown as Parameters<typeof book.xlsx.load>[0],
  );
  expect(book.worksheets.map((w) => w.name)).toEqual([
    'Summary',
    'By step',
    'By department',
    'By person',
    'Waivers',
    'Chart',
  ]);
  const summary = Object.fromEntries(
    sheetRows(book.getWorksheet('Summary')!).map((r): [string, unknown] => [
      String(r.Item),
      r.Value,
    ]),
  );
  expect(summary).toMatchObject({
    'Scope id': sessionId,
    'Policy version': policy.version,
    Total: 9,
    'On time': 3,
    Late: 3,
    Overdue: 1,
    'Open (not yet due)': 1,
    Waived: 1,
    Escalated: 4,
    'On-time rate': 0.4286,
    'Median lateness (hours)': 34,
    'Worst lateness (hours)': 81.5,
    'Worst lateness (days)': 3.4,
  });
  const bySheetStep = keyedBy(book.getWorksheet('By step')!, 'Rule id');
  expect(bySheetStep.examinerList).toMatchObject({
    Clauses: '§5.2',
    Step: 'Передача списка экзаменаторов в тестовый центр',
    Total: 3,
    'On time': 0,
    Late: 1,
    Overdue: 1,
    'Open (not yet due)': 1,
    Escalated: 2,
    'On-time rate': 0,
    'Median lateness (hours)': 81.5,
  });
  expect(bySheetStep.departmentDiscussion).toMatchObject({
    Total: 3,
    'On time': 2,
    Late: 1,
    'On-time rate': 0.6667,
    'Worst lateness (days)': 1.42,
  });
  expect(bySheetStep.commissionComposition).toMatchObject({ 'On time': 1, Late: 1, Escalated: 1 });
  expect(bySheetStep.scheduleApproval).toMatchObject({ Waived: 1, 'On-time rate': null });
  const bySheetDepartment = keyedBy(book.getWorksheet('By department')!, 'Department id');
  expect(bySheetDepartment[A]).toMatchObject({
    Department: 'Кафедра нормальной анатомии',
    Total: 5,
    'On time': 2,
    Late: 1,
    Overdue: 1,
    'On-time rate': 0.5,
  });
  expect(bySheetDepartment[B]).toMatchObject({
    Total: 3,
    'On time': 1,
    Late: 2,
    'On-time rate': 0.3333,
    'Median lateness (hours)': 45.75,
  });
  expect(bySheetDepartment['(session-wide)']).toMatchObject({ Total: 1, Waived: 1 });
  const bySheetPerson = keyedBy(book.getWorksheet('By person')!, 'Person id');
  expect(bySheetPerson[dir.head.id]).toMatchObject({
    Name: dir.head.fullName,
    'Approved on time': 2,
    'Approved late': 1,
    'Overdue (answerable)': 1,
  });
  expect(bySheetPerson[dir.otherHead.id]).toMatchObject({
    'Approved on time': 1,
    'Approved late': 2,
  });
  expect(sheetRows(book.getWorksheet('Waivers')!)).toEqual([
    expect.objectContaining({
      Step: 'scheduleApproval',
      'Waived by': 'Vice Rector',
      Reason: WAIVER_REASON,
    }),
  ]);
  const images = book.getWorksheet('Chart')!.getImages();
  expect(images).toHaveLength(1);
  const embedded = book.getImage(Number(images[0].imageId));
  expect(Buffer.from(embedded.buffer as unknown as Uint8Array).subarray(0, 8)).toEqual(
    png.subarray(0, 8),
  );

  // Who reads what: the dean reads the whole session (the school's); head A only department A;
  // each read that names people is in the audit log.
  const principal = (person: { id: string }, role: 'dean' | 'department_head', scopeId: string) =>
    ({
      personId: person.id,
      email: 'x@example.edu.kz',
      fullName: 'x',
      language: 'en',
      grants: [{ role, scopeId, scopeKind: role === 'dean' ? 'school' : 'department' }],
      via: 'token',
    }) satisfies Principal;
  const scope = { kind: 'session' as const, id: sessionId };
  const asDean = await reports.complianceFor(
    principal(dir.dean, 'dean', dir.schoolId),
    scope,
    now,
    'GET /reports/compliance',
  );
  expect(asDean.totals.total).toBe(9);
  const asHead = await reports.complianceFor(
    principal(dir.head, 'department_head', A),
    scope,
    now,
    'GET /reports/compliance',
  );
  expect(asHead.restrictedTo).toEqual([A]);
  expect(asHead.byDepartment.map((d) => d.departmentId)).toEqual([A]);
  expect(asHead.totals).toMatchObject({ total: 5, onTime: 2, late: 1, overdue: 1 });
  const reads = await ctx.db.query<{ actor: string; after: { people: string[] } }[]>(
    `SELECT actor, after FROM audit_log WHERE action = 'personal-data.read' AND session_id = $1
      ORDER BY seq`,
    [sessionId],
  );
  expect(reads.map((r) => r.actor)).toEqual([dir.dean.id, dir.head.id]);
  expect(reads[0].after.people).toEqual(
    [dir.head.id, dir.otherHead.id, dir.byRole.vice_rector!.id].sort(),
  );
  expect(reads[1].after.people).toEqual([dir.head.id]);
  expect(report.generatedAt.startsWith('2027-03-16T09:3')).toBe(true);
  expect(now - at('2027-03-16T09:30:00')).toBeLessThan(HOUR);
});
