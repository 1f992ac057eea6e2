import { Workbook } from 'exceljs';
import { documentHash } from '../../api/paperwork/documents';
import { uniqueId, waitFor } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * Issue 8, GP 3 and row 1: the department uploads the question list, the evaluation sheet, the
 * technical aids and the literature as versions; the count is checked against the exam's credits;
 * a bad upload saves nothing and says where the problem is.
 */
const ctx = useStack({
  onlySteps: ['departmentDiscussion', 'programmeCommitteeApproval', 'moodleUpload'],
});

type Person = { email: string; password: string };

async function register(credits?: number): Promise<string> {
  const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + 3_600_000);
  const id = uniqueId('qlist');
  const created = await ctx.stack.http('POST', '/exams', {
    body: {
      id,
      discipline: `Адам анатомиясы ${id}`,
      department: ctx.dir.departmentId,
      examDate,
      startsAt,
      endsAt,
      ...(credits !== undefined ? { credits } : {}),
    },
    as: ctx.dir.head,
  });
  expect(created.status).toBe(201);
  return id;
}

async function questionsXlsx(
  count: number,
  options: { questionHeader?: string; tag?: string } = {},
): Promise<Buffer> {
  const book = new Workbook();
  const questions = book.addWorksheet('Questions');
  questions.addRow(['No', options.questionHeader ?? 'Question', 'Kind']);
  for (let i = 1; i <= count; i++)
    questions.addRow([
      i,
      `${options.tag ?? ''}Сұрақ ${i}: бас сүйегінің сүйектері`,
      i % 2 === 0 ? 'situational' : 'question',
    ]);
  const rubric = book.addWorksheet('Rubric');
  rubric.addRow(['Criterion', 'Points']);
  rubric.addRow(['Толық және дұрыс жауап', 10]);
  book.addWorksheet('Aids').addRow(['Aid']);
  const literature = book.addWorksheet('Literature');
  literature.addRow(['Source']);
  literature.addRow(['Сапин М.Р. Анатомия человека']);
  return Buffer.from(await book.xlsx.writeBuffer());
}

/** questionsXlsx(10)'s list as JSON: the same content, so the same sha256. */
function content1() {
  return {
    questions: Array.from({ length: 10 }, (_, i) => ({
      number: i + 1,
      text: `Сұрақ ${i + 1}: бас сүйегінің сүйектері`,
      kind: (i + 1) % 2 === 0 ? 'situational' : 'question',
    })),
    rubric: [{ criterion: 'Толық және дұрыс жауап', points: 10 }],
    aids: [],
    literature: ['Сапин М.Р. Анатомия человека'],
  };
}

async function upload(
  examId: string,
  file: { name: string; data: Buffer | string },
  as: Person = ctx.dir.head,
  key = uniqueId('k'),
) {
  const form = new FormData();
  form.append('file', new Blob([file.data]), file.name);
  const token = await ctx.stack.login(as);
  const response = await fetch(`${ctx.stack.baseUrl}/exams/${examId}/question-lists`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'Idempotency-Key': key },
    body: form,
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

const versions = async (examId: string, as: Person = ctx.dir.head) =>
  ctx.stack.http('GET', `/exams/${examId}/question-lists`, { as });

test('the department uploads versions; a bad upload saves nothing and names where (GP 3, row 1)', async () => {
  const examId = await register(1);

  // v1: a 1-credit discipline needs 10 questions.
  const key = uniqueId('k');
  const v1 = { name: 'questions.xlsx', data: await questionsXlsx(10) };
  const first = await upload(examId, v1, ctx.dir.head, key);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({
    examId,
    version: 1,
    questionCount: 10,
    required: 10,
    credits: 1,
    source: 'xlsx',
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
  });
  // The same file with the same key again: the first answer, not a second version; the key
  // with another file is a conflict (exceljs writes a new timestamp into every workbook).
  const replay = await upload(examId, v1, ctx.dir.head, key);
  expect(replay.status).toBe(201);
  expect(replay.headers.get('idempotent-replayed')).toBe('true');
  expect(replay.body).toEqual(first.body);
  const otherFile = { name: 'questions.xlsx', data: await questionsXlsx(10, { tag: 'B ' }) };
  expect((await upload(examId, otherFile, ctx.dir.head, key)).status).toBe(409);
  // The same list under a new key: 409, the latest version already is this list.
  const same = await upload(examId, { name: 'again.json', data: JSON.stringify(content1()) });
  expect(same.status).toBe(409);
  expect(same.body).toMatchObject({ version: 1 });

  const listed = await versions(examId);
  expect(listed.status).toBe(200);
  expect(listed.body.items).toEqual([
    expect.objectContaining({
      version: 1,
      sha256: first.body.sha256,
      questionCount: 10,
      uploadedBy: { personId: ctx.dir.head.id, fullName: ctx.dir.head.fullName },
      approvedBy: [],
    }),
  ]);
  const content = await ctx.stack.http('GET', `/exams/${examId}/question-lists/1`, {
    as: ctx.dir.dean,
  });
  expect(content.status).toBe(200);
  expect((content.body.content as { questions: unknown[] }).questions).toHaveLength(10);
  // The sha256 is the content's canonical hash: anyone can recompute it from what they read.
  expect(documentHash(content.body.content)).toBe(first.body.sha256);
  expect(content.body.content).toEqual(content1());
  expect(content.body.content).toMatchObject({
    rubric: [{ criterion: 'Толық және дұрыс жауап', points: 10 }],
    aids: [],
    literature: ['Сапин М.Р. Анатомия человека'],
  });

  // A wrong count: 422 naming GP 3 and the required count; nothing saved.
  const short = await upload(examId, { name: 'questions.xlsx', data: await questionsXlsx(9) });
  expect(short.status).toBe(422);
  expect(short.body).toMatchObject({ clause: 'GP 3', required: 10, questionCount: 9 });
  expect(String(short.body.detail)).toMatch(/GP 3/);

  // A wrong column: 400 with row and column.
  const wrong = await upload(examId, {
    name: 'questions.xlsx',
    data: await questionsXlsx(10, { questionHeader: 'Text' }),
  });
  expect(wrong.status).toBe(400);
  expect(wrong.body.errors).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ path: 'Questions!B1', row: 1, column: 'B' }),
      expect.objectContaining({ row: 1, column: 'Question' }),
    ]),
  );

  // Malformed JSON: 400.
  const broken = await upload(examId, { name: 'questions.json', data: '{"questions": [' });
  expect(broken.status).toBe(400);
  expect(broken.headers.get('content-type')).toMatch(/application\/problem\+json/);
  expect(String(broken.body.detail)).toMatch(/not valid JSON/);

  expect((await versions(examId)).body.items).toHaveLength(1);

  // A second upload (JSON this time): v2.
  const second = await upload(examId, {
    name: 'questions.json',
    data: JSON.stringify({
      questions: Array.from({ length: 10 }, (_, i) => ({
        number: i + 1,
        text: `Revised question ${i + 1}`,
        kind: 'question',
      })),
      rubric: [{ criterion: 'Answer', points: 5 }],
      aids: ['Calculator'],
      literature: [],
    }),
  });
  expect(second.status).toBe(201);
  expect(second.body).toMatchObject({ version: 2, source: 'json' });
  expect(second.body.sha256).not.toBe(first.body.sha256);
  expect(
    ((await versions(examId)).body.items as { version: number }[]).map((v) => v.version),
  ).toEqual([1, 2]);

  // The audit record, naming GP 3, with version and sha256.
  const records = await ctx.db.query<
    { clauses: string[]; after: Record<string, unknown>; actor: string }[]
  >(
    `SELECT clauses, after, actor FROM audit_log WHERE exam_id = $1 AND action = 'questionList.uploaded' ORDER BY seq`,
    [examId],
  );
  expect(records).toEqual([
    expect.objectContaining({
      clauses: ['GP 3', 'row 1'],
      actor: ctx.dir.head.id,
      after: expect.objectContaining({ version: 1, sha256: first.body.sha256 }) as unknown,
    }),
    expect.objectContaining({
      after: expect.objectContaining({ version: 2, sha256: second.body.sha256 }) as unknown,
    }),
  ]);
});

test('who may upload and read: the department only; another head gets 404, a student is refused', async () => {
  const examId = await register(3);
  const file = { name: 'questions.xlsx', data: await questionsXlsx(40) };
  expect((await upload(examId, file, ctx.dir.otherHead)).status).toBe(404);
  expect([403, 404]).toContain((await upload(examId, file, ctx.dir.student)).status);
  expect((await upload(examId, file, ctx.dir.dean)).status).toBe(403);
  expect((await versions(examId)).body.items).toEqual([]);

  // The department's responsible person may upload (3 credits: 40 questions).
  const responsible = ctx.dir.byRole.department_responsible!;
  const ok = await upload(examId, file, responsible);
  expect(ok.status).toBe(201);
  expect(ok.body).toMatchObject({ version: 1, required: 40 });

  expect((await versions(examId, ctx.dir.otherHead)).status).toBe(404);
  expect([403, 404]).toContain((await versions(examId, ctx.dir.student)).status);
  expect((await versions(examId, ctx.dir.auditor)).status).toBe(200);
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/question-lists/1`, { as: ctx.dir.otherHead }))
      .status,
  ).toBe(404);
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/question-lists/9`, { as: ctx.dir.head })).status,
  ).toBe(404);
});

test('an exam registered without credits gets the policy default (20 in the default policy)', async () => {
  const examId = await register();
  const ten = await upload(examId, { name: 'q.xlsx', data: await questionsXlsx(10) });
  expect(ten.status).toBe(422);
  expect(ten.body).toMatchObject({ clause: 'GP 3', required: 20, credits: null });
  expect((await upload(examId, { name: 'q.xlsx', data: await questionsXlsx(20) })).status).toBe(
    201,
  );
});

test('GP 3, row 1: approvals name a question-list version; the committee approves the version discussed; a new version reopens them', async () => {
  const examId = await register(1);
  const head = ctx.dir.head;
  const committee = ctx.dir.byRole.programme_committee!;
  const approve = (step: string, as: Person, body: Record<string, unknown> = {}) =>
    ctx.stack.http('POST', `/exams/${examId}/steps/${step}/approve`, {
      body,
      as,
      headers: { 'Idempotency-Key': uniqueId('k') },
    });
  const steps = async () =>
    (await ctx.stack.http('GET', `/exams/${examId}`, { as: head })).body.steps as {
      stepId: string;
      status: string;
      subject: { kind: string; version: number; sha256: string } | null;
    }[];
  const step = async (id: string) => (await steps()).find((s) => s.stepId === id);
  await waitFor(
    'the discussion to open',
    async () => (await step('departmentDiscussion')) !== undefined,
    30_000,
  );

  const v1 = await upload(examId, { name: 'v1.xlsx', data: await questionsXlsx(10) });
  expect(v1.status).toBe(201);
  const missing = await approve('departmentDiscussion', head, { version: 5 });
  expect(missing.status).toBe(422);
  expect(JSON.stringify(missing.body)).toContain('GP 3');
  expect((await approve('departmentDiscussion', head)).status).toBe(200);
  expect((await step('departmentDiscussion'))?.subject).toEqual({
    kind: 'questionList',
    version: 1,
    sha256: v1.body.sha256,
  });

  // Version 2 after the approval: the discussion is open again.
  await waitFor(
    'the committee step to open',
    async () => (await step('programmeCommitteeApproval')) !== undefined,
    30_000,
  );
  const v2 = await upload(examId, {
    name: 'v2.xlsx',
    data: await questionsXlsx(10, { tag: 'v2 ' }),
  });
  expect(v2.status).toBe(201);
  expect(v2.body.reopened).toEqual(['departmentDiscussion']);
  expect(await step('departmentDiscussion')).toMatchObject({ status: 'open', subject: null });
  // The committee may not approve a version the department has not discussed.
  const early = await approve('programmeCommitteeApproval', committee, { version: 2 });
  expect(early.status).toBe(422);
  expect(String(early.body.detail)).toContain('GP 3');
  expect((await approve('departmentDiscussion', head, { version: 2 })).status).toBe(200);
  expect((await approve('programmeCommitteeApproval', committee)).status).toBe(200);
  expect((await step('programmeCommitteeApproval'))?.subject).toEqual({
    kind: 'questionList',
    version: 2,
    sha256: v2.body.sha256,
  });
  const reopened = await ctx.db.query<
    { clauses: string[]; after: { subject: { version: number } } }[]
  >(`SELECT clauses, after FROM audit_log WHERE exam_id = $1 AND action = 'step.reopened'`, [
    examId,
  ]);
  expect(reopened.map((r) => [r.clauses, r.after.subject.version])).toEqual([
    [['GP 3', 'row 1'], 2],
  ]);
});
