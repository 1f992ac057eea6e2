import { sync as ical, type VEvent } from 'node-ical';
import { useStack } from './harness';

/**
 * POST /plans/preview and its iCalendar export on the running system, with the SOP as written
 * (no policy file). Session S = Monday 7 June 2027; anatomy runs three days (15–17 June, E = 17 June
 * 13:00, 320 works); biochemistry one day (21 June, E = 12:00, 50 works).
 */
const ctx = useStack({ policyFile: null });

const request = {
  session: { startDate: '2027-06-07', summer: false },
  exams: [
    {
      id: 'anatomy-2027-1',
      discipline: 'Human anatomy',
      department: 'Anatomy',
      days: ['2027-06-15', '2027-06-16', '2027-06-17'],
      firstSittingStart: '09:00',
      lastSittingEnd: '13:00',
      credits: 3,
      expectedWorks: 320,
    },
    {
      id: 'biochem-2027-1',
      discipline: 'Biochemistry',
      department: 'Biochemistry',
      days: ['2027-06-21'],
      lastSittingEnd: '12:00',
      expectedWorks: 50,
    },
  ],
};

interface PlanStepBody {
  key: string;
  stepId: string;
  title: string;
  clauses: string[];
  dueAt: string;
  dueDate: string;
  basis: string;
  moved?: { from: string; reason: string };
  reminders: string[];
}
interface PlanBody {
  id: string;
  ics: string;
  language: string;
  policyVersion: string;
  session: { steps: PlanStepBody[] };
  exams: { id: string; steps: PlanStepBody[]; onEvents: { stepId: string; basis: string }[] }[];
}

async function preview(lang = 'en'): Promise<{ status: number; headers: Headers; body: PlanBody }> {
  const answer = await ctx.stack.http('POST', '/plans/preview', {
    body: request,
    headers: { 'Accept-Language': lang },
    as: ctx.dir.head,
  });
  return answer as unknown as { status: number; headers: Headers; body: PlanBody };
}

const stepOf = (steps: PlanStepBody[], key: string) => {
  const found = steps.find((s) => s.key === key);
  if (found === undefined) throw new Error(`no ${key}`);
  return found;
};

test('POST /plans/preview returns every step with its due, reminders and clauses (GP 3, GP 4, §5.1, §5.7, §5.17, rows 3–5, 7, 9–11)', async () => {
  const answer = await preview('en');
  expect(answer.status).toBe(201);
  expect(answer.headers.get('content-language')).toBe('en');
  expect(answer.headers.get('location')).toBe(`/plans/preview/${answer.body.id}`);
  const { session, exams } = answer.body;

  expect(stepOf(session.steps, 'scheduleApproval')).toMatchObject({
    dueAt: '2027-05-24T23:59:59.999+05:00',
    dueDate: '2027-05-24',
    clauses: ['row 4'],
    title: 'Testing centre approves the written-exam schedule',
    basis: 'S − 2 week(s)',
  });
  expect(stepOf(session.steps, 'proctorInstructions')).toMatchObject({
    dueDate: '2027-06-04',
    moved: { from: '2027-06-06', reason: 'weekend' },
  });
  expect(
    session.steps.filter((s) => s.stepId === 'commissionComposition').map((s) => s.key),
  ).toEqual(['commissionComposition@Anatomy', 'commissionComposition@Biochemistry']);

  const anatomy = exams[0].steps;
  expect(stepOf(anatomy, 'departmentDiscussion')).toMatchObject({
    dueAt: '2027-04-15T23:59:59.999+05:00',
    clauses: ['GP 3', 'row 1'],
    reminders: [
      '2027-04-08T09:00:00.000+05:00',
      '2027-04-13T09:00:00.000+05:00',
      '2027-04-14T09:00:00.000+05:00',
      '2027-04-15T09:00:00.000+05:00',
    ],
  });
  expect(
    anatomy.filter((s) => s.stepId === 'ticketUpload').map((s) => [s.dueDate, s.basis]),
  ).toEqual([
    ['2027-06-14', 'D1 − 1 day(s)'],
    ['2027-06-15', 'D2 − 1 day(s)'],
    ['2027-06-16', 'D3 − 1 day(s)'],
  ]);
  expect(stepOf(anatomy, 'proctorReview')).toMatchObject({
    dueAt: '2027-06-20T13:00:00.000+05:00',
    basis: 'E + 72 hour(s)',
  });
  // §5.17: 320 works → 5 days after date(E) = 22 June; 50 works → 3 days after 21 June.
  expect(stepOf(anatomy, 'grading').dueAt).toBe('2027-06-22T23:59:59.999+05:00');
  expect(stepOf(exams[1].steps, 'grading').dueAt).toBe('2027-06-24T23:59:59.999+05:00');
  expect(stepOf(anatomy, 'gradeSheet').dueAt).toBe(stepOf(anatomy, 'grading').dueAt);
  expect(exams[0].onEvents.map((e) => e.basis)).toContain('results published + 1 working day(s)');
  // In due order.
  const dues = anatomy.map((s) => Date.parse(s.dueAt));
  expect([...dues].sort((a, b) => a - b)).toEqual(dues);
});

test('the same preview asked twice is one stored plan; titles follow Accept-Language (kk, ru, en)', async () => {
  const first = await preview('en');
  const again = await preview('ru;q=0.9, en;q=0.5');
  expect(again.body.id).toBe(first.body.id);
  expect(again.body.language).toBe('ru');
  expect(stepOf(again.body.exams[0].steps, 'grading').title).toBe(
    'Проверка и оценивание письменных работ',
  );
  const rows = await ctx.db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM plan_preview WHERE id = $1`,
    [first.body.id],
  );
  expect(rows[0].n).toBe(1);
  const kk = await ctx.stack.http('GET', `/plans/preview/${first.body.id}`, {
    headers: { 'Accept-Language': 'kk-KZ' },
    as: ctx.dir.head,
  });
  expect(kk.status).toBe(200);
  expect(stepOf((kk.body as unknown as PlanBody).exams[0].steps, 'grading').title).toBe(
    'Жазбаша жұмыстарды тексеру және бағалау',
  );
});

test('the .ics export imports into a calendar parser: one event per deadline, clause in the description', async () => {
  const { body: plan } = await preview('en');
  const response = await fetch(`${ctx.stack.baseUrl}${plan.ics}`, {
    headers: {
      'Accept-Language': 'kk',
      authorization: `Bearer ${await ctx.stack.login(ctx.dir.head)}`,
    },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  const text = await response.text();
  const events = Object.values(ical.parseICS(text)).filter(
    (c): c is VEvent => c?.type === 'VEVENT',
  );

  const deadlines = plan.session.steps.length + plan.exams.reduce((n, e) => n + e.steps.length, 0);
  expect(events).toHaveLength(deadlines);
  expect(new Set(events.map((e) => e.uid)).size).toBe(deadlines);

  const grading = events.find((e) => e.uid.includes('anatomy-2027-1-grading'))!;
  expect(grading.summary).toContain('Жазбаша жұмыстарды тексеру және бағалау');
  expect(grading.description).toContain('СОП: §5.17, row 7');
  expect(grading.start.dateOnly).toBe(true);
  expect(grading.start.toISOString().slice(0, 10)).toBe('2027-06-22');

  // §5.7: the review deadline is an exact instant, E + 72 hours.
  const review = events.find((e) => e.uid.includes('anatomy-2027-1-proctorReview'))!;
  expect(review.start.dateOnly).toBeUndefined();
  expect(review.start.toISOString()).toBe('2027-06-20T08:00:00.000Z');

  const tickets = events.filter((e) => e.uid.includes('anatomy-2027-1-ticketUpload'));
  expect(tickets.map((e) => e.start.toISOString().slice(0, 10)).sort()).toEqual([
    '2027-06-14',
    '2027-06-15',
    '2027-06-16',
  ]);
});

test('bad preview input gets a 400 naming each field, and nothing is stored', async () => {
  const before = await ctx.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM plan_preview`);
  const answer = await ctx.stack.http('POST', '/plans/preview', {
    as: ctx.dir.head,
    body: {
      session: { startDate: '2027-02-30', summer: 'yes' },
      exams: [
        {
          ...request.exams[0],
          days: ['2027-06-16', '2027-06-15'],
          lastSittingEnd: '25:00',
          expectedWorks: -3,
          colour: 'red',
        },
      ],
    },
  });
  expect(answer.status).toBe(400);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  const paths = (answer.body.errors as { path: string }[]).map((e) => e.path);
  expect(paths).toEqual(
    expect.arrayContaining([
      'session.startDate',
      'session.summer',
      'exams.0.lastSittingEnd',
      'exams.0.expectedWorks',
      'exams.0',
    ]),
  );
  const after = await ctx.db.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM plan_preview`);
  expect(after[0].n).toBe(before[0].n);

  const order = await ctx.stack.http('POST', '/plans/preview', {
    as: ctx.dir.head,
    body: { ...request, exams: [{ ...request.exams[0], days: ['2027-06-16', '2027-06-15'] }] },
  });
  expect(order.status).toBe(400);
  expect(order.body.errors).toEqual([
    { path: 'exams.0.days.1', message: 'exam days must be ascending and distinct' },
  ]);

  expect(
    (
      await ctx.stack.http('GET', '/plans/preview/0123456789abcdef0123456789abcdef.ics', {
        as: ctx.dir.head,
      })
    ).status,
  ).toBe(404);
  expect(
    (await ctx.stack.http('GET', '/plans/preview/not-an-id', { as: ctx.dir.head })).status,
  ).toBe(404);
});
