import { MockActivityEnvironment } from '@temporalio/testing';
import { createGradingActivities } from '../../activities/grading.activity';
import { documentKey } from '../../activities/sealed';
import { ProblemException } from '../../api/common/problem';
import { gradesSubject } from '../../api/grading/grading.service';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { admit, insertAssignmentExam, insertStudents } from '../assignment-fixture';
import { uniqueId } from '../support';
import { useStack } from './harness';

/**
 * Anonymised grading through the API (§5.6, §5.17, §5.18, rows 6–8): the works coded at E by the
 * activity the workflow runs, examiners grading codes as JSON or as Moodle's gradebook export,
 * the grading step's subject (every work graded), the window closing with the step, and the
 * mapping opened when grading is done.
 */
const ctx = useStack();
const key = documentKey(EMBEDDED_DEFAULTS.DOCUMENT_KEY);
const tag = uniqueId('grading');
const examId = tag;
let students: { id: string; email: string; fullName: string }[];
let activities: ReturnType<typeof createGradingActivities>;
const examiner = () => ctx.dir.people.examiner;
const run = <T>(activityId: string, fn: () => Promise<T>) =>
  new MockActivityEnvironment({ activityId, attempt: 1 }).run<[], T, () => Promise<T>>(fn);
const input = { examId, at: Date.now(), workflowId: `exam-${examId}`, runId: 'run-1' };
type Work = { code: string; day: number; score: number | null; letter: string | null };
const works = async () =>
  (await ctx.stack.http('GET', `/exams/${examId}/works`, { as: examiner() })).body.items as Work[];

async function uploadCsv(text: string) {
  const form = new FormData();
  form.append('file', new Blob([text]), 'grades.csv');
  const token = await ctx.stack.login(examiner());
  const response = await fetch(`${ctx.stack.baseUrl}/exams/${examId}/grades`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  activities = createGradingActivities({ db: ctx.db, documentKey: key });
  // The exam was yesterday (E has passed); its department keeps the tickets outside Emtihan, so
  // who sat it is the admission list's admitted students.
  await insertAssignmentExam(ctx.db, {
    id: examId,
    discipline: `Pharmacology ${tag}`,
    departmentId: ctx.dir.departmentId,
    startsAt: Date.now() - 2 * 86_400_000,
  });
  students = await insertStudents(ctx.db, tag, ctx.dir.departmentId, 5);
  await admit(ctx.db, examId, ctx.dir.head.id, [
    ...students.slice(0, 4).map((s) => ({ studentId: s.id })),
    { studentId: students[4].id, admitted: false },
  ]);
});

test('§5.6, row 6: at E every student who sat gets a random code, the mapping sealed; a retry changes nothing', async () => {
  expect(await run('codes', () => activities.createWorkCodes(input))).toEqual({
    works: 4,
    created: 4,
  });
  expect(await run('codes', () => activities.createWorkCodes(input))).toEqual({
    works: 4,
    created: 0,
  });
  const rows = await ctx.db.query<{ code: string; student_id: string | null; sealed: Buffer }[]>(
    `SELECT code, student_id, student_sealed AS sealed FROM exam_work WHERE exam_id = $1`,
    [examId],
  );
  expect(rows).toHaveLength(4);
  for (const r of rows) {
    expect(r.code).toMatch(/^[A-Z2-9]{8}$/);
    expect(r.student_id).toBeNull();
    for (const s of students) expect(r.sealed.includes(Buffer.from(s.id))).toBe(false);
  }
});

test('§5.6: examiners see codes only — never a name, an email or a student id; nor the admission list', async () => {
  const answer = await ctx.stack.http('GET', `/exams/${examId}/works`, { as: examiner() });
  expect(answer.status).toBe(200);
  expect((answer.body.items as Work[]).map((w) => [w.day, w.score])).toEqual(
    Array.from({ length: 4 }, () => [1, null]),
  );
  const text = JSON.stringify(answer.body);
  for (const s of students) {
    expect(text).not.toContain(s.id);
    expect(text).not.toContain(s.email);
    expect(text).not.toContain(s.fullName);
  }
  // Authorisation: the names are in the admission list, which is not the examiner's to read.
  const admission = await ctx.stack.http('GET', `/exams/${examId}/admission`, { as: examiner() });
  expect([403, 404]).toContain(admission.status);
  // Another department's head does not learn the exam exists.
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/works`, { as: ctx.dir.otherHead })).status,
  ).toBe(404);
});

test('§5.17, row 7: a bad or unknown grade saves nothing and names its row and column', async () => {
  const [a] = await works();
  const bad = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [
      { code: a.code, score: 90 },
      { code: a.code.toLowerCase().replace(/./, 'Z'), score: 101 },
    ],
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([expect.objectContaining({ row: 2, column: 'score' }) as object]);
  const unknown = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [
      { code: a.code, score: 90 },
      { code: 'ZZZZ9999', score: 50 },
    ],
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.errors).toEqual([
    expect.objectContaining({ row: 2, column: 'code' }) as object,
  ]);
  expect((await works()).every((w) => w.score === null)).toBe(true);
  // The head reads the works but does not grade them.
  const head = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: ctx.dir.head,
    body: [{ code: a.code, score: 90 }],
  });
  expect(head.status).toBe(403);
});

test('§5.17, row 7: grades as JSON and as Moodle’s export; letters from the policy scale; the step approves every work graded', async () => {
  const [a, b, c, d] = await works();
  const json = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [
      { code: a.code, score: 94.5 },
      { code: b.code, score: 49 },
    ],
  });
  expect(json.status).toBe(200);
  expect(json.body).toMatchObject({ saved: 2, works: 4, graded: 2 });
  const partial = await gradesSubject(ctx.db, examId).catch((e: ProblemException) => e);
  expect(partial).toBeInstanceOf(ProblemException);
  expect((partial as ProblemException).getStatus()).toBe(422);
  expect(JSON.stringify((partial as ProblemException).getResponse())).toMatch(
    /§5.17: 2 of 4 works are not graded/,
  );
  const csv = await uploadCsv(
    [
      'First name,Last name,ID number,Email address,Written exam (Real),Course total (Real)',
      `,,${c.code},,"72,25",72.25`,
      `,,${d.code},,100.00,100.00`,
    ].join('\n'),
  );
  expect(csv).toMatchObject({ status: 200, body: { saved: 2, graded: 4 } });
  const byCode = new Map((await works()).map((w) => [w.code, [w.score, w.letter]]));
  expect([a, b, c, d].map((w) => byCode.get(w.code))).toEqual([
    [94.5, 'A-'],
    [49, 'FX'],
    [72.25, 'C+'],
    [100, 'A'],
  ]);
  expect(await gradesSubject(ctx.db, examId)).toEqual({
    kind: 'grades',
    count: 4,
    sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string,
  });
});

test('§5.17: once the grading step is decided, grades are refused (409); row 8: the works are opened and audited', async () => {
  await ctx.db.query(
    `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, opened_at, approved_at, approved_by, version)
     VALUES ($1, 'grading', '{§5.17}', 'approved', now(), now(), now(), $2, 2)
     ON CONFLICT (exam_id, step_id) DO UPDATE SET status = 'approved'`,
    [examId, examiner().id],
  );
  const [a] = await works();
  const late = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [{ code: a.code, score: 10 }],
  });
  expect(late.status).toBe(409);
  expect(JSON.stringify(late.body)).toContain('§5.17');

  expect(await run('open', () => activities.openWorkCodes(input))).toEqual({
    opened: 4,
    works: 4,
  });
  expect(await run('open', () => activities.openWorkCodes(input))).toEqual({
    opened: 0,
    works: 4,
  });
  const opened = await ctx.db.query<{ student_id: string }[]>(
    `SELECT student_id FROM exam_work WHERE exam_id = $1 AND opened_at IS NOT NULL ORDER BY student_id`,
    [examId],
  );
  expect(opened.map((r) => r.student_id)).toEqual(
    students
      .slice(0, 4)
      .map((s) => s.id)
      .sort(),
  );
  const audit = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE exam_id = $1 AND action LIKE 'grading.%' ORDER BY seq`,
    [examId],
  );
  expect(audit.map((r) => r.action)).toEqual([
    'grading.anonymised',
    'grading.graded',
    'grading.graded',
    'grading.deanonymised',
  ]);
  expect(audit[3].clauses).toContain('row 8');
  // The works list still names no student after de-anonymisation (the grade sheet does).
  const text = JSON.stringify(
    (await ctx.stack.http('GET', `/exams/${examId}/works`, { as: examiner() })).body,
  );
  for (const s of students) expect(text).not.toContain(s.id);
});
