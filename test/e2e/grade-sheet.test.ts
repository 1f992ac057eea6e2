import { MockActivityEnvironment } from '@temporalio/testing';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import { createGradingActivities } from '../../activities/grading.activity';
import { documentKey } from '../../activities/sealed';
import { gradeSheetExportSubject, gradeSheetSubject } from '../../api/grading/grade-sheet.service';
import { ProblemException } from '../../api/common/problem';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { admit, insertAssignmentExam, insertStudents } from '../assignment-fixture';
import { uniqueId } from '../support';
import { useStack } from './harness';

/**
 * The grade sheet through the API (§5.19, rows 9–10): formed by the head once the codes are opened
 * (row 8), an annulment from a violation case (§5.8, §5.16), a dispute reopening a code for
 * regrading after the §5.17 window, reconciliation by the head and every examiner who graded, the
 * statement PDF and the registrar's export.
 */
const ctx = useStack();
const tag = uniqueId('sheet');
const examId = tag;
const KAZAKH_NAME = 'Әлия Сәрсенбайқызы Ұлжан';
let students: { id: string; email: string; fullName: string }[];
const examiner = () => ctx.dir.people.examiner;
const registrar = () => ctx.dir.people.registrar;
const head = () => ctx.dir.head;
const input = { examId, at: Date.now(), workflowId: `exam-${examId}`, runId: 'run-1' };
const run = <T>(activityId: string, fn: () => Promise<T>) =>
  new MockActivityEnvironment({ activityId, attempt: 1 }).run<[], T, () => Promise<T>>(fn);
type Row = {
  studentId: string;
  email: string;
  fullName: string;
  code: string;
  score: number;
  letter: string;
  annulled: { caseId: string } | null;
};
const post = (path: string, as: { email: string }, body: unknown, key = uniqueId('k')) =>
  ctx.stack.http('POST', `/exams/${examId}${path}`, {
    as: as as never,
    body,
    headers: { 'Idempotency-Key': key },
  });
const sheet = async (version: number, as = head()) =>
  (await ctx.stack.http('GET', `/exams/${examId}/grade-sheets/${version}`, { as })).body as {
    rows: Row[];
    reconciledAt: string | null;
    pending: string[];
  };
const download = async (path: string, as: { email: string; password: string }) => {
  const token = await ctx.stack.login(as);
  const response = await fetch(`${ctx.stack.baseUrl}/exams/${examId}${path}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: response.status, data: Buffer.from(await response.arrayBuffer()) };
};
const scores = [94.5, 49, 72.25, 100];
let codeOf: Map<string, string>;

beforeAll(async () => {
  const activities = createGradingActivities({
    db: ctx.db,
    documentKey: documentKey(EMBEDDED_DEFAULTS.DOCUMENT_KEY),
  });
  await insertAssignmentExam(ctx.db, {
    id: examId,
    discipline: `Фармакология ${tag}`,
    departmentId: ctx.dir.departmentId,
    startsAt: Date.now() - 2 * 86_400_000,
  });
  students = await insertStudents(ctx.db, tag, ctx.dir.departmentId, 4);
  await ctx.db.query(`UPDATE person SET full_name = $2 WHERE id = $1`, [
    students[0].id,
    KAZAKH_NAME,
  ]);
  students[0].fullName = KAZAKH_NAME;
  await admit(
    ctx.db,
    examId,
    ctx.dir.head.id,
    students.map((s) => ({ studentId: s.id })),
  );
  await run('codes', () => activities.createWorkCodes(input));
  const works = (await ctx.stack.http('GET', `/exams/${examId}/works`, { as: examiner() })).body
    .items as { code: string }[];
  const graded = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: works.map((w, i) => ({ code: w.code, score: scores[i] })),
  });
  expect(graded.status).toBe(200);
  await ctx.db.query(
    `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, opened_at, approved_at, approved_by, version)
     VALUES ($1, 'grading', '{§5.17}', 'approved', now(), now(), now(), $2, 2)
     ON CONFLICT (exam_id, step_id) DO UPDATE SET status = 'approved'`,
    [examId, examiner().id],
  );
  // Row 8 not yet: the sheet cannot be formed.
  const early = await post('/grade-sheets', head(), {});
  expect(early.status).toBe(409);
  expect(JSON.stringify(early.body)).toContain('row 8');
  await run('open', () => activities.openWorkCodes(input));
  const opened = await ctx.db.query<{ code: string; student_id: string }[]>(
    `SELECT code, student_id FROM exam_work WHERE exam_id = $1`,
    [examId],
  );
  codeOf = new Map(opened.map((r) => [r.student_id, r.code]));
});

test('§5.19, row 9: the head forms version 1 — one row per student with email, name, code, score, letter; an annulment is 0/F and audited (§5.8, §5.16)', async () => {
  const none = await gradeSheetSubject(ctx.db, examId).catch((e: ProblemException) => e);
  expect(none).toBeInstanceOf(ProblemException);
  expect(JSON.stringify((none as ProblemException).getResponse())).toContain('row 9');
  expect((await post('/grade-sheets', examiner(), {})).status).toBe(403);
  const body = { annulled: [{ studentId: students[3].id, caseId: 'V-17', reason: 'phone' }] };
  const key = uniqueId('k');
  const formed = await post('/grade-sheets', head(), body, key);
  expect(formed.status).toBe(201);
  expect(formed.body).toMatchObject({ version: 1, reason: 'formed', students: 4 });
  const again = await post('/grade-sheets', head(), body, key);
  expect(again.body).toEqual(formed.body);
  expect(again.headers.get('idempotent-replayed')).toBe('true');

  const v1 = await sheet(1, registrar());
  const byStudent = new Map(v1.rows.map((r) => [r.studentId, r]));
  expect(byStudent.get(students[0].id)).toMatchObject({
    email: students[0].email,
    fullName: KAZAKH_NAME,
    code: codeOf.get(students[0].id),
    annulled: null,
  });
  expect(byStudent.get(students[3].id)).toMatchObject({
    score: 0,
    letter: 'F',
    annulled: { caseId: 'V-17' },
  });
  expect(v1.rows.map((r) => r.score).sort((a, b) => a - b)).toHaveLength(4);
  expect(v1.pending).toEqual(expect.arrayContaining([examiner().id, 'department_head']));
  // Another department's head does not learn it exists.
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/grade-sheets/1`, { as: ctx.dir.otherHead }))
      .status,
  ).toBe(404);
  const audit = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE exam_id = $1 AND action LIKE 'gradeSheet.%' ORDER BY seq`,
    [examId],
  );
  expect(audit.map((a) => a.action)).toEqual(['gradeSheet.annulled', 'gradeSheet.formed']);
  expect(audit[0].clauses).toEqual(expect.arrayContaining(['§5.8', '§5.16']));
  const reads = await ctx.db.query<{ after: { resource: string } }[]>(
    `SELECT after FROM audit_log WHERE exam_id = $1 AND action = 'personal-data.read' AND actor = $2`,
    [examId, registrar().id],
  );
  expect(reads.map((r) => r.after.resource)).toContain('GET /exams/:id/grade-sheets/:version');
});

test('§5.19: a dispute reopens its codes for regrading after §5.17 (audited); others stay closed; a new version carries the annulment', async () => {
  const disputed = codeOf.get(students[1].id)!;
  const other = codeOf.get(students[2].id)!;
  expect((await post('/grade-sheets/1/confirm', examiner(), { confirmed: false })).status).toBe(
    400,
  );
  const dispute = await post('/grade-sheets/1/confirm', examiner(), {
    confirmed: false,
    disputedCodes: [disputed],
    comment: 'question 2 was not counted',
  });
  expect(dispute.status).toBe(200);
  expect(dispute.body).toMatchObject({ needsNewVersion: true, reconciledAt: null });
  const closed = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [{ code: other, score: 99 }],
  });
  expect(closed.status).toBe(409);
  const regraded = await ctx.stack.http('POST', `/exams/${examId}/grades`, {
    as: examiner(),
    body: [{ code: disputed, score: 61 }],
  });
  expect(regraded.status).toBe(200);
  const audit = await ctx.db.query<{ clauses: string[] }[]>(
    `SELECT clauses FROM audit_log WHERE exam_id = $1 AND action = 'grading.regraded'`,
    [examId],
  );
  expect(audit[0].clauses).toContain('§5.19');

  const v2 = await post('/grade-sheets', head(), {});
  expect(v2.body).toMatchObject({ version: 2 });
  const rows = (await sheet(2)).rows;
  expect(rows.find((r) => r.code === disputed)).toMatchObject({ score: 61, letter: 'C-' });
  expect(rows.find((r) => r.studentId === students[3].id)).toMatchObject({
    score: 0,
    annulled: { caseId: 'V-17' },
  });
  // Once version 2 exists, the disputed code is closed again; version 1 is superseded.
  expect(
    (
      await ctx.stack.http('POST', `/exams/${examId}/grades`, {
        as: examiner(),
        body: [{ code: disputed, score: 62 }],
      })
    ).status,
  ).toBe(409);
  expect((await post('/grade-sheets/1/confirm', head(), { confirmed: true })).status).toBe(409);
});

test('§5.19, rows 9–10: reconciled when the head and the examiner confirm; the registrar exports it (CSV, XLSX), recorded and audited', async () => {
  const r1 = await download('/grade-sheets/2/export.csv', registrar());
  expect(r1.status).toBe(409);
  const e = await post('/grade-sheets/2/confirm', examiner(), { confirmed: true });
  expect(e.body).toMatchObject({ reconciledAt: null, pending: ['department_head'] });
  const h = await post('/grade-sheets/2/confirm', head(), { confirmed: true });
  expect(h.status).toBe(200);
  expect(h.body.reconciledAt).toEqual(expect.any(String));
  expect(await gradeSheetSubject(ctx.db, examId)).toMatchObject({ kind: 'gradeSheet', version: 2 });
  await expect(gradeSheetExportSubject(ctx.db, examId)).rejects.toThrow();

  expect((await download('/grade-sheets/2/export.csv', head())).status).toBe(403);
  expect((await download('/grade-sheets/2/export.csv', ctx.dir.auditor)).status).toBe(403);
  const csv = await download('/grade-sheets/2/export.csv', registrar());
  expect(csv.status).toBe(200);
  const lines = csv.data.toString('utf8').trim().split('\r\n');
  expect(lines[0]).toBe('email,full_name,score,letter,gpa,annulled,appeal,version');
  expect(lines).toHaveLength(5);
  expect(lines).toContain(`${students[3].email},${students[3].fullName},0,F,0,V-17,,2`);
  const xlsx = await download('/grade-sheets/2/export.xlsx', registrar());
  expect(xlsx.status).toBe(200);
  expect(xlsx.data.subarray(0, 2).toString()).toBe('PK');
  const exports = await ctx.db.query<{ format: string; exported_by: string }[]>(
    `SELECT format, exported_by FROM grade_sheet_export WHERE exam_id = $1 ORDER BY format`,
    [examId],
  );
  expect(exports).toEqual([
    { format: 'csv', exported_by: registrar().id },
    { format: 'xlsx', exported_by: registrar().id },
  ]);
  expect(await gradeSheetExportSubject(ctx.db, examId)).toMatchObject({
    kind: 'gradeSheetExport',
    version: 2,
  });
  const audit = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE exam_id = $1 AND action IN ('gradeSheet.reconciled', 'gradeSheet.exported') ORDER BY seq`,
    [examId],
  );
  expect(audit.map((a) => a.action)).toEqual([
    'gradeSheet.reconciled',
    'gradeSheet.exported',
    'gradeSheet.exported',
  ]);
  expect(audit[1].clauses).toContain('row 10');
});

test('§5.19: the reconciliation statement as PDF in Kazakh — title, a student and a score, who confirmed', async () => {
  const pdf = await download('/grade-sheets/2/statement.pdf?lang=kk', examiner());
  expect(pdf.status).toBe(200);
  const text = (await pdfParse(pdf.data)).text;
  expect(text).toContain('Бағалау ведомосін салыстыру актісі');
  expect(text).toContain(KAZAKH_NAME);
  const score = (await sheet(2)).rows.find((r) => r.studentId === students[0].id)!.score;
  expect(text).toContain(score.toFixed(2));
  expect(text).toContain('Кафедра меңгерушісі');
  const ru = await download('/grade-sheets/2/statement.pdf?lang=ru', registrar());
  expect((await pdfParse(ru.data)).text).toContain('Акт сверки экзаменационной ведомости');
  expect((await download('/grade-sheets/2/statement.pdf?lang=en', registrar())).status).toBe(400);
});
