import { AuthService } from '../../api/auth/auth.service';
import { examStateQuery, type ExamWorkflowState } from '../../workflows/exam.contract';
import { insertStudents } from '../assignment-fixture';
import { uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * Issue 8 end to end on the time-skipping server, through the real API: one exam of two days from
 * its question list to the registrar's export and an appeal that changes a grade. Each stage is
 * checked where it lands: the step's status and subject in the workflow, the audit record's
 * clauses, the documents' contents.
 */
const DOCUMENT_KEY = Buffer.alloc(32, 7).toString('base64');
const ctx = useTimeSkipping();
const api = useApiOver(ctx, DOCUMENT_KEY);
const POLICY = onlySteps([
  'departmentDiscussion',
  'programmeCommitteeApproval',
  'moodleUpload',
  'admissionCheck',
  'ticketUpload',
  'grading',
  'gradeSheet',
  'gradeSheetExport',
  'appealFiling',
  'appealDecision',
  'videoPurge',
]);
const DAYS = ['2027-06-15', '2027-06-16'];

/** 2 credits (registered without credits): the default policy's 20 questions, 10 + 10 tasks. */
const QUESTIONS = [
  ...Array.from({ length: 10 }, (_, i) => ({
    number: i + 1,
    kind: 'question',
    text: `Сұрақ ${i + 1}: жүрек қақпақшаларының құрылысы`,
  })),
  ...Array.from({ length: 10 }, (_, i) => ({
    number: 11 + i,
    kind: 'situational',
    text: `Ситуациялық есеп ${i + 1}: науқас әйел, ұзақ жөтел`,
  })),
];
/** Day d's variant i: question i with task (i + d − 1) mod 10 — no variant repeats across days. */
const variants = (day: number) =>
  Array.from({ length: 10 }, (_, i) => ({
    items: [
      { kind: 'question', text: QUESTIONS[i].text },
      { kind: 'situational', text: QUESTIONS[10 + ((i + day - 1) % 10)].text },
    ],
  }));

const file = (name: string, type: string, data: string) => {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  return form;
};

test('GP 3, §5.1, §5.2, §5.3, §5.5, §5.6, §5.17, §5.18, §5.19, rows 1, 6–10 and 12: one exam from question list to registrar export, and an appeal that changes a grade', async () => {
  const examId = uniqueId('paperwork');
  const { handle, dir } = await startExam(ctx, examId, { policy: POLICY, days: DAYS });
  const hash = await AuthService.hashPassword('correct horse battery staple');
  const students = (await insertStudents(ctx.db, examId, dir.departmentId, 6, hash)).map((s) => ({
    ...s,
    password: 'correct horse battery staple',
  }));
  const person = (role: keyof typeof dir.byRole) => dir.byRole[role]!;
  const head = dir.head;
  const responsible = person('department_responsible');
  const centre = person('testing_centre');
  const examiner = person('examiner');
  const registrar = person('registrar');
  const chair = person('appeal_commission');
  // Row 12: the appeal commission decides with the policy's 3 members.
  const members = [chair.id];
  for (const i of [2, 3]) {
    const id = (
      await ctx.db.query<{ id: string }[]>(
        `INSERT INTO person (id, email, full_name, language) VALUES (gen_random_uuid()::text, $1, $2, 'en') RETURNING id`,
        [`appeals${i}.${examId}@example.edu.kz`.toLowerCase(), `Appeal Member ${i}`],
      )
    )[0].id;
    await ctx.db.query(
      `INSERT INTO role_assignment (person_id, role, scope_id) VALUES ($1, 'appeal_commission', $2)`,
      [id, dir.schoolId],
    );
    members.push(id);
  }
  const state = () => handle.query(examStateQuery);
  const env = async () => ({
    appealWindowEnd: step(await state(), 'appealFiling')!.dueAt,
  });
  const step = (s: ExamWorkflowState, key: string) => s.steps.find((x) => x.stepId === key);
  const opened = (key: string) =>
    waitFor(
      `${key} to open`,
      async () => {
        const found = step(await state(), key);
        return found !== undefined && ['open', 'overdue'].includes(found.status)
          ? found
          : undefined;
      },
      30_000,
    );
  const approve = async (key: string, as: { email: string; password: string }) => {
    await opened(key);
    const answer = await api.http(
      'POST',
      `/exams/${examId}/steps/${encodeURIComponent(key)}/approve`,
      {
        as,
        body: {},
      },
    );
    expect(answer.status === 200 ? 200 : answer.text).toBe(200);
    return step(await state(), key)!;
  };
  const audit = async (action: string) =>
    ctx.db.query<{ clauses: string[]; after: Record<string, unknown> }[]>(
      `SELECT clauses, after FROM audit_log WHERE exam_id = $1 AND action = $2 ORDER BY seq`,
      [examId, action],
    );

  // GP 3, row 1: the question list, approved by version (its hash recorded in each approval).
  const list = await api.http('POST', `/exams/${examId}/question-lists`, {
    as: head,
    form: file(
      'questions.json',
      'application/json',
      JSON.stringify({
        questions: QUESTIONS,
        rubric: [{ criterion: 'Толық және дұрыс жауап', points: 100 }],
        aids: [],
        literature: ['Сапин М.Р. Анатомия человека'],
      }),
    ),
  });
  expect(list.status).toBe(201);
  const listHash = list.body.sha256 as string;
  for (const [key, who] of [
    ['departmentDiscussion', head],
    ['programmeCommitteeApproval', person('programme_committee')],
    ['moodleUpload', responsible],
  ] as const)
    expect((await approve(key, who)).subject).toMatchObject({
      kind: 'questionList',
      version: 1,
      sha256: listHash,
    });

  // §5.1–§5.3, Form 1: a ticket set for each of the two days, approved by the head (the seed's
  // SHA-256 committed in the audit chain), each day's ticket step approving that set.
  for (const day of [1, 2]) {
    const uploaded = await api.http('POST', `/exams/${examId}/ticket-sets/${day}`, {
      as: responsible,
      form: file(`day${day}.json`, 'application/json', JSON.stringify({ variants: variants(day) })),
    });
    expect(uploaded.status === 201 ? 201 : uploaded.text).toBe(201);
    const approved = await api.http('POST', `/exams/${examId}/ticket-sets/${day}/approve`, {
      as: head,
      body: {},
    });
    expect(approved.status === 200 ? 200 : approved.text).toBe(200);
    expect((await approve(`ticketUpload#${day}`, responsible)).subject).toMatchObject({
      kind: 'ticketSet',
      day,
    });
  }
  expect((await audit('assignment.seed-committed')).map((a) => a.clauses)).toEqual([
    expect.arrayContaining(['§5.3']),
    expect.arrayContaining(['§5.3']),
  ]);
  // §5.2: before the exam an examiner sees no ticket.
  const early = await api.http('GET', `/exams/${examId}/ticket-sets/1`, { as: examiner });
  expect([early.status, early.text.includes('Сұрақ')]).toEqual([404, false]);

  // §5.1: the admission list (three students a day; the sixth not admitted), checked by the centre.
  const csv = [
    'email,rating,admitted,day',
    ...students.map((s, i) => `${s.email},${60 + i},${i === 5 ? 'no' : 'yes'},${i < 3 ? 1 : 2}`),
  ].join('\n');
  const admission = await api.http('POST', `/exams/${examId}/admission`, {
    as: centre,
    form: file('admission.csv', 'text/csv', csv),
  });
  expect(admission.status === 200 ? 200 : admission.text).toBe(200);
  expect(admission.body).toMatchObject({ admitted: 5, notAdmitted: 1 });
  expect((await approve('admissionCheck', centre)).subject).toMatchObject({ kind: 'admission' });

  // §5.5: each day's start assigns tickets; after E the seeds are revealed and the work codes made.
  await skipTo(ctx.env, Date.parse('2027-06-16T12:05:00+05:00'));
  await waitFor(
    'the seeds to be revealed and the works coded',
    async () =>
      (await audit('assignment.seed-revealed')).length === 2 &&
      (await audit('grading.anonymised')).length === 1,
    60_000,
  );
  const verify = await api.http('GET', `/exams/${examId}/assignment/verify`, { as: examiner });
  expect(verify.body).toMatchObject({ verified: true });
  // The Moodle export: every admitted student once, on their day; the sixth (not admitted) absent.
  const moodle = await api.http('GET', `/exams/${examId}/assignment.csv`, { as: centre });
  const lines = moodle.text.trim().split(/\r?\n/).slice(1);
  expect(lines.map((l) => l.split(',').slice(0, 1).concat(l.split(',')[2])).sort()).toEqual(
    students
      .slice(0, 5)
      .map((s, i) => [s.email, String(i < 3 ? 1 : 2)])
      .sort(),
  );

  // §5.6, §5.17, rows 6–7: examiners see codes only and grade them.
  const works = (await api.http('GET', `/exams/${examId}/works`, { as: examiner })).body.items as {
    code: string;
  }[];
  expect(works).toHaveLength(5);
  expect(JSON.stringify(works)).not.toContain(students[0].email);
  const graded = await api.http('POST', `/exams/${examId}/grades`, {
    as: examiner,
    body: works.map((w, i) => ({ code: w.code, score: 50 + i * 10 })),
  });
  expect(graded.status === 200 ? 200 : graded.text).toBe(200);
  expect((await approve('grading', examiner)).subject).toMatchObject({ kind: 'grades', count: 5 });
  // Row 8: the codes are opened when grading is done, by the workflow.
  await waitFor(
    'the codes to open',
    async () => (await audit('grading.deanonymised')).length === 1,
    30_000,
  );

  // §5.19, row 9: the head forms the sheet, the examiner and the head reconcile it.
  const formed = await api.http('POST', `/exams/${examId}/grade-sheets`, { as: head, body: {} });
  expect(formed.status === 201 ? 201 : formed.text).toBe(201);
  for (const who of [examiner, head])
    expect(
      (
        await api.http('POST', `/exams/${examId}/grade-sheets/1/confirm`, {
          as: who,
          body: { confirmed: true },
        })
      ).status,
    ).toBe(200);
  expect((await approve('gradeSheet', head)).subject).toMatchObject({
    kind: 'gradeSheet',
    version: 1,
  });
  // Row 10: the registrar exports version 1; the export step publishes the results.
  const export1 = await api.http('GET', `/exams/${examId}/grade-sheets/1/export.csv`, {
    as: registrar,
  });
  expect(export1.status).toBe(200);
  expect((await approve('gradeSheetExport', registrar)).subject).toMatchObject({
    kind: 'gradeSheetExport',
    version: 1,
  });

  // Row 12: a student reads their own grade only, and appeals within the window.
  const appellant = students[1];
  const mine = await api.http('GET', `/exams/${examId}/my-grade`, { as: appellant });
  expect(mine.status).toBe(200);
  const before = mine.body.score as number;
  expect(mine.body).toMatchObject({ version: 1, appeal: null });
  expect(JSON.stringify(mine.body)).not.toContain(students[0].email);
  // A student reads no one else's result: not the sheet, not a result where they have none.
  expect((await api.http('GET', `/exams/${examId}/grade-sheets/1`, { as: appellant })).status).toBe(
    403,
  );
  expect((await api.http('GET', `/exams/${examId}/my-grade`, { as: students[5] })).status).toBe(
    404,
  );
  await opened('appealFiling');
  const appeals = async () =>
    (
      await ctx.db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM appeal WHERE exam_id = $1`,
        [examId],
      )
    )[0].n;
  // Bad filings: no reason (400 naming it), an examiner (403), a student without a work (404).
  const noReason = await api.http('POST', `/exams/${examId}/appeals`, {
    as: appellant,
    body: { reason: ' ' },
  });
  expect([noReason.status, (noReason.body.errors as { path: string }[])[0].path]).toEqual([
    400,
    'reason',
  ]);
  expect(
    (await api.http('POST', `/exams/${examId}/appeals`, { as: examiner, body: { reason: 'x' } }))
      .status,
  ).toBe(403);
  expect(
    (
      await api.http('POST', `/exams/${examId}/appeals`, {
        as: students[5],
        body: { reason: 'x' },
      })
    ).status,
  ).toBe(404);
  expect(await appeals()).toBe(0);
  const filed = await api.http('POST', `/exams/${examId}/appeals`, {
    as: appellant,
    body: { reason: 'Екінші сұрақтың жауабы толық бағаланбады' },
  });
  expect(filed.status === 201 ? 201 : filed.text).toBe(201);
  expect(filed.body).toMatchObject({ caseId: 'AP-1', decisionStep: 'appealDecision@AP-1' });
  // §5.7: the open appeal holds the recordings.
  expect((await state()).holds).toEqual([
    expect.objectContaining({ caseId: 'AP-1', kind: 'appeal' }),
  ]);
  await opened('appealDecision@AP-1');
  const again = await api.http('POST', `/exams/${examId}/appeals`, {
    as: appellant,
    body: { reason: 'once more' },
  });
  expect([again.status, again.text.includes('already appealed')]).toEqual([409, true]);

  // Bad outcomes, nothing saved: not the commission (403), no decision, a stranger among the
  // members, the same score (400 naming the field).
  const outcome = (as: { email: string; password: string }, body: unknown) =>
    api.http('POST', `/exams/${examId}/appeals/AP-1/outcome`, { as, body });
  expect((await outcome(head, { decision: 'dismissed', reason: 'x', members })).status).toBe(403);
  for (const [body, path] of [
    [{ decision: 'maybe', reason: 'x', members }, 'decision'],
    [
      { decision: 'dismissed', reason: 'x', members: [...members.slice(0, 2), head.id] },
      'members[2]',
    ],
    [{ decision: 'upheld', newScore: before, reason: 'x', members }, 'newScore'],
    [{ decision: 'upheld', newScore: 101, reason: 'x', members }, 'newScore'],
  ] as const) {
    const refused = await outcome(chair, body);
    expect([refused.status, (refused.body.errors as { path: string }[])[0].path]).toEqual([
      400,
      path,
    ]);
  }
  const untouched = await ctx.db.query<{ status: string; outcomes: number; sheets: number }[]>(
    `SELECT a.status,
            (SELECT count(*)::int FROM appeal_outcome o WHERE o.exam_id = a.exam_id) AS outcomes,
            (SELECT count(*)::int FROM grade_sheet s WHERE s.exam_id = a.exam_id) AS sheets
       FROM appeal a WHERE a.exam_id = $1`,
    [examId],
  );
  expect(untouched).toEqual([{ status: 'open', outcomes: 0, sheets: 1 }]);

  // Row 12: two members are not the commission; three are, and the score changes.
  const short = await api.http('POST', `/exams/${examId}/appeals/AP-1/outcome`, {
    as: chair,
    body: {
      decision: 'upheld',
      newScore: before + 7.5,
      reason: 'толық жауап',
      members: members.slice(0, 2),
    },
  });
  expect(short.status).toBe(400);
  expect(short.text).toContain('at least 3 members');
  const decided = await api.http('POST', `/exams/${examId}/appeals/AP-1/outcome`, {
    as: chair,
    body: { decision: 'upheld', newScore: before + 7.5, reason: 'толық жауап', members },
  });
  expect(decided.status === 201 ? 201 : decided.text).toBe(201);
  expect(decided.body).toMatchObject({
    decision: 'upheld',
    oldScore: before,
    newScore: before + 7.5,
    gradeSheet: { version: 2 },
  });
  const decision = step(await state(), 'appealDecision@AP-1')!;
  expect(decision.status).toBe('approved');
  expect(decision.subject).toMatchObject({
    kind: 'appealOutcome',
    caseId: 'AP-1',
    decision: 'upheld',
    gradeSheetVersion: 2,
  });
  // The hold is released with the decision.
  await waitFor(
    'the hold to be released',
    async () => ((await state()).holds[0]?.closedAt !== undefined ? true : undefined),
    30_000,
  );
  // Version 2 is reconciled by the decision and exported, the changed row marked with the case.
  const after = await api.http('GET', `/exams/${examId}/my-grade`, { as: appellant });
  expect(after.body).toMatchObject({
    version: 2,
    score: before + 7.5,
    appeal: { caseId: 'AP-1', status: 'upheld' },
  });
  const export2 = await api.http('GET', `/exams/${examId}/grade-sheets/2/export.csv`, {
    as: registrar,
  });
  expect(export2.text).toContain(`${appellant.email},${appellant.fullName},${before + 7.5},`);
  expect(export2.text).toMatch(/,AP-1,2\r\n/);
  // Row 12: after the window (1 working day from publication) an appeal is refused by the
  // workflow, and the filing is rolled back.
  await skipTo(ctx.env, (await env()).appealWindowEnd + 60_000);
  const late = await api.http('POST', `/exams/${examId}/appeals`, {
    as: students[2],
    body: { reason: 'late' },
  });
  expect([late.status, late.text.includes('row 12')]).toEqual([409, true]);
  expect(await appeals()).toBe(1);

  // Every stage is in the audit chain under its clause.
  const expected: [string, string][] = [
    ['questionList.uploaded', 'GP 3'],
    ['ticketSet.approved', 'Form 1'],
    ['admission.imported', '§5.1'],
    ['assignment.made', '§5.5'],
    ['grading.anonymised', '§5.6'],
    ['grading.graded', '§5.17'],
    ['grading.deanonymised', 'row 8'],
    ['gradeSheet.reconciled', '§5.19'],
    ['gradeSheet.exported', 'row 10'],
    ['appeal.filed', 'row 12'],
    ['appeal.decided', 'row 12'],
  ];
  for (const [action, clause] of expected)
    expect([action, (await audit(action)).some((a) => a.clauses.includes(clause))]).toEqual([
      action,
      true,
    ]);
});
