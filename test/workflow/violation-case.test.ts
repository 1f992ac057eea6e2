import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import { AuthService } from '../../api/auth/auth.service';
import { PROCTORING_SYSTEM } from '../../api/integrity/cases.service';
import { signatureHeader } from '../../api/proctoring/signature';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { examStateQuery } from '../../workflows/exam.contract';
import { caseStateQuery, violationCaseWorkflowId } from '../../workflows/violation-case.contract';
import { admit, insertStudents } from '../assignment-fixture';
import { caughtMail, uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * Issue 9 on the time-skipping server through the real API: a violation case in its own workflow —
 * the commission's composition checked (§5.8), a confirmed act numbered and the result annulled,
 * the act sent to the student by email and AIS (§5.16), the student's silence making Form 3 due,
 * and the recordings kept past three months until the case closes (§5.7).
 */
const DOCUMENT_KEY = Buffer.alloc(32, 7).toString('base64');
const ctx = useTimeSkipping();
const api = useApiOver(ctx, DOCUMENT_KEY);
const POLICY = onlySteps([
  'grading',
  'gradeSheet',
  'videoPurge',
  'caseDecision',
  'actDelivery',
  'violationAcknowledgement',
  'refusalAct',
]);
const PASSWORD = 'correct horse battery staple';

test('§5.7, §5.8, §5.16, Form 2, Form 3, row 11: a confirmed case annuls the grade, silence makes Form 3 due, and the recordings are kept until the case closes', async () => {
  const examId = uniqueId('case');
  const { handle, dir } = await startExam(ctx, examId, { policy: POLICY, days: ['2027-06-15'] });
  const hash = await AuthService.hashPassword(PASSWORD);
  const students = (await insertStudents(ctx.db, examId, dir.departmentId, 3, hash)).map((s) => ({
    ...s,
    password: PASSWORD,
  }));
  await admit(
    ctx.db,
    examId,
    dir.head.id,
    students.map((s) => ({ studentId: s.id })),
  );
  const who = (role: keyof typeof dir.byRole) => dir.byRole[role]!;
  const [proctor, centre, deans, integrity, examiner] = [
    who('proctor'),
    who('testing_centre'),
    who('deans_office'),
    who('violation_commission'),
    who('examiner'),
  ];
  const offender = students[0];
  const caseState = () =>
    ctx.env.client.workflow.getHandle(violationCaseWorkflowId(examId, 'V-1')).query(caseStateQuery);
  const stepOpen = (key: string) =>
    waitFor(
      `${key} to open`,
      async () => {
        const s = (await caseState()).steps.find((x) => x.stepId === key);
        return s !== undefined && ['open', 'overdue'].includes(s.status) ? s : undefined;
      },
      30_000,
    );

  // The exam ends; a proctor opens the case from a "drawn" Form 4 row (row 11).
  await skipTo(ctx.env, Date.parse('2027-06-15T12:05:00+05:00'));
  const early = await api.http('POST', `/exams/${examId}/cases`, {
    as: proctor,
    body: { studentId: offender.id, source: 'teleport' },
  });
  expect([early.status, (early.body.errors as { path: string }[])[0].path]).toEqual([
    400,
    'source',
  ]);
  const opened = await api.http('POST', `/exams/${examId}/cases`, {
    as: proctor,
    body: { studentId: offender.id, source: 'form4', violations: ['mobile_phone'], time: '10:15' },
  });
  expect(opened.status === 201 ? 201 : opened.text).toBe(201);
  expect(opened.body).toMatchObject({ caseId: 'V-1' });
  expect((await handle.query(examStateQuery)).holds).toEqual([
    expect.objectContaining({ caseId: 'V-1', kind: 'violationCase' }),
  ]);
  await stepOpen('caseDecision@V-1');

  // §5.8: two people, or three without the dean's office, are not the commission.
  const decide = (members: string[]) =>
    api.http('POST', `/exams/${examId}/cases/V-1/decision`, {
      as: integrity,
      body: {
        decision: 'confirmed',
        reason: 'телефон қолданды',
        members,
        student: { year: 2, group: 'ЖМ-21-01' },
      },
    });
  const two = await decide([integrity.id, proctor.id]);
  expect(two.status).toBe(400);
  expect(two.text).toContain('at least 3');
  const noDeans = await decide([integrity.id, proctor.id, centre.id]);
  expect(noDeans.status).toBe(400);
  expect(noDeans.text).toContain('deans_office');
  const confirmed = await decide([integrity.id, proctor.id, centre.id, deans.id]);
  expect(confirmed.status === 201 ? 201 : confirmed.text).toBe(201);
  const act = confirmed.body.act as { number: number; sha256: string; documentId: string };
  expect(act.number).toBeGreaterThan(0);
  const stored = await ctx.db.query<{ sha256: string; kind: string }[]>(
    `SELECT sha256, kind FROM integrity_document WHERE id = $1`,
    [act.documentId],
  );
  expect(stored).toEqual([{ sha256: act.sha256, kind: 'form2' }]);

  // §5.8: the confirmed act annuls the result on the grade sheet, with its number.
  await waitFor(
    'the works to be coded',
    async () =>
      (await ctx.db.query<unknown[]>(`SELECT 1 FROM exam_work WHERE exam_id = $1`, [examId]))
        .length === 3,
    30_000,
  );
  const works = (await api.http('GET', `/exams/${examId}/works`, { as: examiner })).body.items as {
    code: string;
  }[];
  await api.http('POST', `/exams/${examId}/grades`, {
    as: examiner,
    body: works.map((w) => ({ code: w.code, score: 90 })),
  });
  await api.http('POST', `/exams/${examId}/steps/grading/approve`, { as: examiner, body: {} });
  const formed = await waitFor(
    'the codes to open and the sheet to form',
    async () => {
      const r = await api.http('POST', `/exams/${examId}/grade-sheets`, { as: dir.head, body: {} });
      return r.status === 201 ? r : undefined;
    },
    30_000,
  );
  const sheet = await api.http(
    'GET',
    `/exams/${examId}/grade-sheets/${String(formed.body.version)}`,
    {
      as: dir.head,
    },
  );
  const rows = sheet.body.rows as {
    studentId: string;
    score: number;
    annulled: { caseId: string; reason: string } | null;
  }[];
  expect(rows.find((r) => r.studentId === offender.id)).toMatchObject({
    score: 0,
    annulled: { caseId: 'V-1', reason: `act №\u00a0${act.number}` },
  });
  expect(rows.filter((r) => r.annulled === null).map((r) => r.score)).toEqual([90, 90]);

  // §5.16: the dean's office sends the act: the student's email (the PDF attached) and AIS.
  await stepOpen('actDelivery@V-1');
  const sent = await api.http('POST', `/exams/${examId}/cases/V-1/delivery`, { as: deans });
  expect(sent.status === 201 ? 201 : sent.text).toBe(201);
  const mail = await waitFor(
    'the act in the mailbox',
    async () => (await caughtMail(`act/${examId}/V-1`))[0],
    30_000,
  );
  expect(mail.mail.to).toBeDefined();
  expect(mail.mail.attachments.map((a) => [a.filename, a.contentType])).toEqual([
    [`act-${act.number}.pdf`, 'application/pdf'],
  ]);
  const ais = await ctx.db.query<{ person_id: string }[]>(
    `SELECT person_id FROM ais_message WHERE exam_id = $1`,
    [examId],
  );
  expect(ais).toEqual([{ person_id: offender.id }]);
  // Another student cannot answer the act.
  expect(
    (
      await api.http('POST', `/exams/${examId}/cases/V-1/acknowledgement`, {
        as: students[1],
        body: { answer: 'agree' },
      })
    ).status,
  ).toBe(404);

  // The student stays silent: after 3 days the Form 3 refusal act falls due (§5.16).
  await stepOpen('violationAcknowledgement@V-1');
  await skipTo(ctx.env, Date.parse('2027-06-20T12:00:00+05:00'));
  await stepOpen('refusalAct@V-1');

  // §5.7: three months pass with the case open: the recordings are held, not deleted.
  await skipTo(ctx.env, Date.parse('2027-09-17T12:00:00+05:00'));
  const held = await waitFor(
    'the purge to be held',
    async () => {
      const purge = (await handle.query(examStateQuery)).steps.find(
        (s) => s.ruleId === 'videoPurge',
      );
      return purge?.status === 'held' ? purge : undefined;
    },
    30_000,
  );
  expect(held.status).toBe('held');

  // Form 3, certified before two witnesses: the case closes, the hold ends, the recordings go.
  const form3 = await api.http('POST', `/exams/${examId}/cases/V-1/refusal-act`, {
    as: integrity,
    body: {
      certifiedBy: { name: 'Integrity Commission', position: 'комиссия төрағасы' },
      witnesses: [
        { name: 'Proctor One', position: 'проктор' },
        { name: "Dean's Office", position: 'деканат маманы' },
      ],
      student: { year: 2, group: 'ЖМ-21-01' },
    },
  });
  expect(form3.status === 201 ? 201 : form3.text).toBe(201);
  const purged = await waitFor(
    'the purge after the case closed',
    async () => {
      const purge = (await handle.query(examStateQuery)).steps.find(
        (s) => s.ruleId === 'videoPurge',
      );
      return purge?.status === 'done' ? purge : undefined;
    },
    30_000,
  );
  expect(purged.status).toBe('done');
  const audit = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE exam_id = $1 AND action LIKE 'case.%' ORDER BY seq`,
    [examId],
  );
  expect(audit.map((a) => a.action)).toEqual(
    expect.arrayContaining([
      'case.opened',
      'case.decided',
      'case.confirmed',
      'case.act-delivered',
      'case.closed',
    ]),
  );
  expect(audit.find((a) => a.action === 'case.decided')?.clauses).toEqual([
    '§5.8',
    '§5.15',
    'Form 2',
  ]);
});

test('§5.7, §5.14: a proctoring system flag opens a case of its own (source flag), once per student', async () => {
  const examId = uniqueId('flag');
  const { handle, dir } = await startExam(ctx, examId, { policy: POLICY, days: ['2027-06-15'] });
  const [student] = await insertStudents(ctx.db, examId, dir.departmentId, 1);
  await admit(ctx.db, examId, dir.head.id, [{ studentId: student.id }]);
  await skipTo(ctx.env, Date.parse('2027-06-15T10:00:00+05:00'));
  const send = async (type: string, extra: object = {}) => {
    const raw = JSON.stringify({
      id: uniqueId('evt'),
      type,
      sentAt: new Date().toISOString(),
      examId,
      studentId: student.id,
      recording: { externalId: `${examId}-rec` },
      ...extra,
    });
    const response = await fetch(`${api.baseUrl}/proctoring/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'X-Emtihan-Signature': signatureHeader(EMBEDDED_DEFAULTS.PROCTORING_WEBHOOK_SECRET, raw),
      },
      body: raw,
    });
    return response.status;
  };
  expect(await send('session.started')).toBe(200);
  const flag = { violation: { kind: 'phone', at: '2027-06-15T10:05:00+05:00', note: 'телефон' } };
  expect(await send('violation.flagged', flag)).toBe(200);
  expect(await send('violation.flagged', flag)).toBe(200);
  const cases = await ctx.db.query<{ case_id: string; source: string; opened_by: string }[]>(
    `SELECT case_id, source, opened_by FROM violation_case WHERE exam_id = $1`,
    [examId],
  );
  expect(cases).toEqual([{ case_id: 'V-1', source: 'flag', opened_by: PROCTORING_SYSTEM }]);
  expect((await handle.query(examStateQuery)).holds).toEqual([
    expect.objectContaining({ caseId: 'V-1', kind: 'violationCase' }),
  ]);
  await waitFor(
    'the case decision to open',
    async () =>
      (
        await ctx.env.client.workflow
          .getHandle(violationCaseWorkflowId(examId, 'V-1'))
          .query(caseStateQuery)
      ).steps.some((s) => s.stepId === 'caseDecision@V-1'),
    30_000,
  );
});

test('§5.8, Form 2: an act drawn up on the spot names, at opening, the three people who drew it up; the confirmed act lists them and, apart, the commission', async () => {
  const examId = uniqueId('spot');
  const { handle, dir } = await startExam(ctx, examId, { policy: POLICY, days: ['2027-06-15'] });
  const [caught, impostor] = await insertStudents(ctx.db, examId, dir.departmentId, 2);
  await admit(ctx.db, examId, dir.head.id, [{ studentId: caught.id }, { studentId: impostor.id }]);
  const who = (role: keyof typeof dir.byRole) => dir.byRole[role]!;
  const [proctor, centre, deans, integrity, group] = [
    who('proctor'),
    who('testing_centre'),
    who('deans_office'),
    who('violation_commission'),
    who('working_group_member'),
  ];
  // In the room, during the exam.
  await skipTo(ctx.env, Date.parse('2027-06-15T10:30:00+05:00'));
  await waitFor(
    'the exam to begin',
    async () => (await handle.query(examStateQuery)).phase === 'exam',
    30_000,
  );
  const open = (body: object) =>
    api.http('POST', `/exams/${examId}/cases`, {
      as: proctor,
      body: {
        studentId: caught.id,
        source: 'form2',
        violations: ['mobile_phone'],
        time: '10:25',
        ...body,
      },
    });
  const problems = (r: { body: Record<string, unknown> }) =>
    (r.body.errors as { path: string; message: string }[]).map((e) => [e.path, e.message]);

  // Missing, short, repeated, unknown, or someone with no position over the department: a 400
  // naming the field, and no case.
  const missing = await open({});
  expect(missing.status).toBe(400);
  expect(problems(missing)).toEqual([['drawnUpBy', expect.stringContaining('§5.8, Form 2')]]);
  const two = await open({ drawnUpBy: [proctor.id, centre.id] });
  expect(two.status).toBe(400);
  expect(problems(two)).toEqual([
    ['drawnUpBy', 'at least 3 people drew up the act on the spot (§5.8, Form 2): 2 named'],
  ]);
  const twice = await open({ drawnUpBy: [proctor.id, proctor.id, centre.id] });
  expect(twice.status).toBe(400);
  expect(problems(twice).map(([path]) => path)).toEqual(['drawnUpBy[1]', 'drawnUpBy']);
  const unknown = await open({ drawnUpBy: [proctor.id, 'nobody-here', deans.id] });
  expect(unknown.status).toBe(400);
  expect(problems(unknown)).toEqual([
    ['drawnUpBy[1]', 'no active person nobody-here in the directory'],
  ]);
  const seatless = await open({ drawnUpBy: [proctor.id, centre.id, dir.head.id] });
  expect(seatless.status).toBe(400);
  expect(problems(seatless).map(([path]) => path)).toEqual(['drawnUpBy[2]']);
  // A Form 4 row's act is drawn up by the commission: naming people for it is refused too.
  const fromForm4 = await api.http('POST', `/exams/${examId}/cases`, {
    as: proctor,
    body: {
      studentId: caught.id,
      source: 'form4',
      drawnUpBy: [proctor.id, centre.id, deans.id],
    },
  });
  expect([fromForm4.status, problems(fromForm4).map(([path]) => path)]).toEqual([
    400,
    ['drawnUpBy'],
  ]);
  const noImpostorDrawers = await api.http('POST', `/exams/${examId}/cases`, {
    as: proctor,
    body: { studentId: impostor.id, source: 'impostor', impostor: 'Дәулет Жақсылықов' },
  });
  expect([noImpostorDrawers.status, problems(noImpostorDrawers).map(([p]) => p)]).toEqual([
    400,
    ['drawnUpBy'],
  ]);
  const none = await ctx.db.query<{ n: number }[]>(
    `SELECT count(*)::int AS n FROM violation_case WHERE exam_id = $1`,
    [examId],
  );
  expect(none[0].n).toBe(0);

  // Three people who drew it up: the case keeps them, each with the seat printed as position.
  const opened = await open({ drawnUpBy: [proctor.id, centre.id, deans.id] });
  expect(opened.status === 201 ? 201 : opened.text).toBe(201);
  const drawers = [
    { personId: proctor.id, name: proctor.fullName, role: 'proctor' },
    { personId: centre.id, name: centre.fullName, role: 'testing_centre' },
    { personId: deans.id, name: deans.fullName, role: 'deans_office' },
  ];
  expect(opened.body).toMatchObject({ caseId: 'V-1', source: 'form2', drawnUpBy: drawers });
  const stored = await ctx.db.query<{ drawn_up_by: unknown }[]>(
    `SELECT drawn_up_by FROM violation_case WHERE exam_id = $1 AND case_id = 'V-1'`,
    [examId],
  );
  expect(stored[0].drawn_up_by).toEqual(drawers);
  const impostorCase = await api.http('POST', `/exams/${examId}/cases`, {
    as: group,
    body: {
      studentId: impostor.id,
      source: 'impostor',
      impostor: 'Дәулет Серікұлы Жақсылықов',
      time: '09:05',
      drawnUpBy: [group.id, centre.id, deans.id],
    },
  });
  expect(impostorCase.status === 201 ? 201 : impostorCase.text).toBe(201);
  expect(impostorCase.body).toMatchObject({ caseId: 'V-2' });

  // The commission confirms; the act names who drew it up, and the commission apart.
  const actText = async (caseId: string, language: 'kk' | 'ru') => {
    await waitFor(
      `caseDecision@${caseId} to open`,
      async () =>
        (
          await ctx.env.client.workflow
            .getHandle(violationCaseWorkflowId(examId, caseId))
            .query(caseStateQuery)
        ).steps.some((s) => s.stepId === `caseDecision@${caseId}`),
      30_000,
    );
    const confirmed = await api.http('POST', `/exams/${examId}/cases/${caseId}/decision`, {
      as: integrity,
      body: {
        decision: 'confirmed',
        reason: 'расталды',
        members: [integrity.id, proctor.id, centre.id, deans.id],
        student: { year: 2, group: 'ЖМ-21-01' },
        language,
      },
    });
    expect(confirmed.status === 201 ? 201 : confirmed.text).toBe(201);
    const act = confirmed.body.act as { documentId: string };
    const signedIn = await api.http('POST', '/auth/login', {
      body: { email: integrity.email, password: integrity.password },
    });
    const pdf = await fetch(`${api.baseUrl}/exams/${examId}/documents/${act.documentId}.pdf`, {
      headers: { authorization: `Bearer ${String(signedIn.body.accessToken)}` },
    });
    expect(pdf.status).toBe(200);
    return (await pdfParse(Buffer.from(await pdf.arrayBuffer()))).text.replace(/\s+/g, ' ');
  };
  const form2 = await actText('V-1', 'kk');
  const drawnAt = form2.indexOf('Осы актіні жасаған тұлғалардың аты-жөні:');
  const commissionAt = form2.indexOf('Бұзушылықты растаған комиссия:');
  expect(drawnAt).toBeGreaterThanOrEqual(0);
  expect(commissionAt).toBeGreaterThan(drawnAt);
  const onTheSpot = form2.slice(drawnAt, form2.indexOf('Білім алушының аты-жөні:'));
  expect(onTheSpot).toContain(`${proctor.fullName}, Проктор`);
  expect(onTheSpot).toContain(`${centre.fullName}, Тест орталығы`);
  expect(onTheSpot).toContain(`${deans.fullName}, Деканат`);
  expect(onTheSpot).not.toContain(integrity.fullName);
  expect(form2.slice(commissionAt)).toContain(
    `${integrity.fullName}, Академиялық адалдықты бұзу жөніндегі комиссия`,
  );
  const impostorAct = await actText('V-2', 'ru');
  const drawnRu = impostorAct.indexOf('ФИО лиц, составивших акт:');
  const commissionRu = impostorAct.indexOf('Комиссия, подтвердившая нарушение:');
  expect(commissionRu).toBeGreaterThan(drawnRu);
  expect(impostorAct.slice(drawnRu, commissionRu)).toContain(
    `${group.fullName}, Член рабочей группы`,
  );
  expect(impostorAct).toContain('Дәулет Серікұлы Жақсылықов');
  const audit = await ctx.db.query<{ clauses: string[]; after: { drawnUpBy?: string[] } }[]>(
    `SELECT clauses, after FROM audit_log WHERE exam_id = $1 AND action = 'case.opened' ORDER BY seq`,
    [examId],
  );
  expect(audit.map((a) => [a.clauses, a.after.drawnUpBy])).toEqual([
    [
      ['§5.7', '§5.8', 'row 11', 'Form 2'],
      [proctor.id, centre.id, deans.id],
    ],
    [
      ['§5.7', '§5.8', 'row 11', 'impostor act'],
      [group.id, centre.id, deans.id],
    ],
  ]);
});
