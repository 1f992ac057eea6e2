import { AuthService } from '../../api/auth/auth.service';
import { examStateQuery, type ExamWorkflowState } from '../../workflows/exam.contract';
import { caseStateQuery, violationCaseWorkflowId } from '../../workflows/violation-case.contract';
import { admit, insertStudents } from '../assignment-fixture';
import { uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * A disagreement goes to an appeal (issue 9; §5.16, row 12) on the time-skipping server through
 * the API: the student disagrees with a confirmed act, appeals naming the case once the results are
 * published, and the upheld appeal overturns the case: the next grade-sheet version has the
 * student's own score back, without the annulment.
 */
const ctx = useTimeSkipping();
const api = useApiOver(ctx, Buffer.alloc(32, 7).toString('base64'));
const POLICY = onlySteps([
  'grading',
  'gradeSheet',
  'gradeSheetExport',
  'appealFiling',
  'appealDecision',
  'videoPurge',
  'caseDecision',
  'actDelivery',
  'violationAcknowledgement',
  'refusalAct',
]);
const PASSWORD = 'correct horse battery staple';

test('§5.16, row 12: a student who disagrees with the act appeals it, naming the case; the upheld appeal lifts the annulment on a new grade-sheet version', async () => {
  const examId = uniqueId('case-appeal');
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
  const [proctor, centre, deans, integrity, examiner, registrar, chair] = [
    who('proctor'),
    who('testing_centre'),
    who('deans_office'),
    who('violation_commission'),
    who('examiner'),
    who('registrar'),
    who('appeal_commission'),
  ];
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
  const [offender, other] = students;
  const examStep = (s: ExamWorkflowState, key: string) => s.steps.find((x) => x.stepId === key);
  const examOpen = (key: string) =>
    waitFor(
      `${key} to open`,
      async () => {
        const found = examStep(await handle.query(examStateQuery), key);
        return found !== undefined && ['open', 'overdue'].includes(found.status)
          ? found
          : undefined;
      },
      30_000,
    );
  const caseOpen = (key: string) =>
    waitFor(
      `${key} to open`,
      async () => {
        const s = (
          await ctx.env.client.workflow
            .getHandle(violationCaseWorkflowId(examId, 'V-1'))
            .query(caseStateQuery)
        ).steps.find((x) => x.stepId === key);
        return s !== undefined && ['open', 'overdue'].includes(s.status) ? s : undefined;
      },
      30_000,
    );
  const approve = async (key: string, as: { email: string; password: string }) => {
    await examOpen(key);
    const answer = await api.http('POST', `/exams/${examId}/steps/${key}/approve`, {
      as,
      body: {},
    });
    expect(answer.status === 200 ? 200 : answer.text).toBe(200);
  };

  // After E: a case, confirmed by the commission, its act sent; the student disagrees (§5.16).
  await skipTo(ctx.env, Date.parse('2027-06-15T12:05:00+05:00'));
  const opened = await api.http('POST', `/exams/${examId}/cases`, {
    as: proctor,
    body: { studentId: offender.id, source: 'form4', violations: ['mobile_phone'] },
  });
  expect(opened.status === 201 ? 201 : opened.text).toBe(201);
  await caseOpen('caseDecision@V-1');
  const confirmed = await api.http('POST', `/exams/${examId}/cases/V-1/decision`, {
    as: integrity,
    body: {
      decision: 'confirmed',
      reason: 'телефон қолданды',
      members: [integrity.id, proctor.id, centre.id, deans.id],
      student: { year: 2, group: 'ЖМ-21-01' },
    },
  });
  expect(confirmed.status === 201 ? 201 : confirmed.text).toBe(201);
  await caseOpen('actDelivery@V-1');
  expect(
    (await api.http('POST', `/exams/${examId}/cases/V-1/delivery`, { as: deans })).status,
  ).toBe(201);
  await caseOpen('violationAcknowledgement@V-1');
  const disagreed = await api.http('POST', `/exams/${examId}/cases/V-1/acknowledgement`, {
    as: offender,
    body: { answer: 'disagree', comment: 'телефон сөндірулі болды' },
  });
  expect(disagreed.status === 201 ? 201 : disagreed.text).toBe(201);
  expect(disagreed.body.appeal).toMatchObject({ body: { violationCase: 'V-1' } });

  // Grading, the sheet with the annulment, reconciled and exported: the results are published.
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
    body: works.map((w) => ({ code: w.code, score: 81 })),
  });
  await approve('grading', examiner);
  const formed = await waitFor(
    'the codes to open and the sheet to form',
    async () => {
      const r = await api.http('POST', `/exams/${examId}/grade-sheets`, { as: dir.head, body: {} });
      return r.status === 201 ? r : undefined;
    },
    30_000,
  );
  expect(formed.body.version).toBe(1);
  for (const as of [examiner, dir.head])
    await api.http('POST', `/exams/${examId}/grade-sheets/1/confirm`, {
      as,
      body: { confirmed: true },
    });
  await approve('gradeSheet', dir.head);
  expect(
    (await api.http('GET', `/exams/${examId}/grade-sheets/1/export.csv`, { as: registrar })).status,
  ).toBe(200);
  await approve('gradeSheetExport', registrar);
  const mine = await api.http('GET', `/exams/${examId}/my-grade`, { as: offender });
  expect(mine.body).toMatchObject({ version: 1, score: 0, annulled: { caseId: 'V-1' } });

  // Row 12: the appeal names the case; another student's or an unknown case is refused.
  await examOpen('appealFiling');
  const count = async () =>
    (
      await ctx.db.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM appeal WHERE exam_id = $1`,
        [examId],
      )
    )[0].n;
  for (const [as, violationCase] of [
    [offender, 'V-9'],
    [other, 'V-1'],
    [offender, 'case one'],
  ] as const) {
    const refused = await api.http('POST', `/exams/${examId}/appeals`, {
      as,
      body: { reason: 'I did not use a phone', violationCase },
    });
    expect([refused.status, (refused.body.errors as { path: string }[])[0].path]).toEqual([
      400,
      'violationCase',
    ]);
  }
  expect(await count()).toBe(0);
  const filed = await api.http('POST', `/exams/${examId}/appeals`, {
    as: offender,
    body: {
      reason: 'I did not use a phone: the recording shows a calculator',
      violationCase: 'V-1',
    },
  });
  expect(filed.status === 201 ? 201 : filed.text).toBe(201);
  expect(filed.body).toMatchObject({ caseId: 'AP-1', violationCase: 'V-1' });

  // Upheld without a new score: the case is overturned and version 2 gives the student's own score.
  await examOpen('appealDecision@AP-1');
  const decided = await api.http('POST', `/exams/${examId}/appeals/AP-1/outcome`, {
    as: chair,
    body: { decision: 'upheld', reason: 'the recording shows a calculator', members },
  });
  expect(decided.status === 201 ? 201 : decided.text).toBe(201);
  expect(decided.body).toMatchObject({ decision: 'upheld', gradeSheet: { version: 2 } });
  const overturned = await ctx.db.query<{ overturned_by: string | null }[]>(
    `SELECT overturned_by FROM violation_case WHERE exam_id = $1 AND case_id = 'V-1'`,
    [examId],
  );
  expect(overturned).toEqual([{ overturned_by: 'AP-1' }]);
  const after = await api.http('GET', `/exams/${examId}/my-grade`, { as: offender });
  expect(after.body).toMatchObject({ version: 2, score: 81, annulled: null });
  const audited = await ctx.db.query<{ clauses: string[]; after: { violationCase: string } }[]>(
    `SELECT clauses, after FROM audit_log WHERE exam_id = $1 AND action = 'appeal.decided'`,
    [examId],
  );
  expect(audited).toEqual([
    expect.objectContaining({
      clauses: ['row 12'],
      after: expect.objectContaining({ violationCase: 'V-1' }) as object,
    }),
  ]);
});
