import ExcelJS from 'exceljs';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import { documentKey } from '../../activities/sealed';
import { admissionSubject, admittedStudents } from '../../api/paperwork/admission.service';
import {
  documentHash,
  type QuestionListContent,
  type TicketVariantContent,
} from '../../api/paperwork/documents';
import { loadApprovedTicketSet, ticketSetSubject } from '../../api/paperwork/tickets.service';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import type { FixturePerson } from '../directory-fixture';
import { uniqueId } from '../support';
import { examStartingAt, useStack, type Credentials } from './harness';

/**
 * Issue 8, parts 2 and 3 on the real stack: a day's tickets (§5.1–§5.3, Form 1) uploaded by the
 * department's responsible person from JSON and XLSX, refused with the clause or the row and
 * column, stored sealed, approved by the head with a committed seed; their content hidden from
 * everyone but the keepers until the exam starts (§5.2), every read audited; Form 1 as PDF; and
 * the admission list (§5.1) imported by the testing centre.
 */
const ctx = useStack({
  onlySteps: ['departmentDiscussion', 'programmeCommitteeApproval', 'ticketUpload'],
});
const key = documentKey(EMBEDDED_DEFAULTS.DOCUMENT_KEY);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** 40 theory questions and 10 situational tasks, with every Kazakh-specific letter among them. */
const QUESTIONS = [
  ...Array.from({ length: 40 }, (_, i) => ({
    number: i + 1,
    kind: 'question' as const,
    text: `Сұрақ ${i + 1}: жүрек қақпақшаларының құрылысы, әсіресе оң жақ бөлігі`,
  })),
  ...Array.from({ length: 10 }, (_, i) => ({
    number: 41 + i,
    kind: 'situational' as const,
    text: `Ситуациялық есеп ${i + 1}: науқас әйел, ұзақ жөтел, диагноз қойыңыз`,
  })),
];
const q = (n: number) => QUESTIONS[n - 1].text;

/** Variant i of a set: question a, then question b or a situational task. */
const variant = (a: number, b: number): TicketVariantContent => ({
  items: [
    { kind: 'question', text: q(a) },
    { kind: b > 40 ? 'situational' : 'question', text: q(b) },
  ],
});

const DAY1 = Array.from({ length: 10 }, (_, i) => variant(i + 1, 41 + i));
const DAY1_V2 = Array.from({ length: 12 }, (_, i) => variant(11 + i, i + 23 <= 40 ? i + 23 : 41));

let examId: string;
let responsible: FixturePerson;
let centre: FixturePerson;
let examiner: FixturePerson;

async function upload(
  path: string,
  name: string,
  type: string,
  data: Buffer | string,
  as: Credentials,
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  form.append('file', new Blob([data], { type }), name);
  const token = 'token' in as ? as.token : await ctx.stack.login(as);
  const response = await fetch(`${ctx.stack.baseUrl}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, ...headers },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

const uploadJson = (day: number, variants: TicketVariantContent[], as = responsible) =>
  upload(
    `/exams/${examId}/ticket-sets/${day}`,
    `day${day}.json`,
    'application/json',
    JSON.stringify({ variants }),
    as,
  );

async function sheet(rows: ExcelJS.CellValue[][]): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  const ws = book.addWorksheet('Билеттер');
  for (const row of rows) ws.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const versions = async (day = 1) =>
  (
    await ctx.db.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM ticket_set WHERE exam_id = $1 AND day = $2`,
      [examId, day],
    )
  )[0].n;

const audits = (action: string) =>
  ctx.db.query<{ actor: string; clauses: string[]; after: Record<string, unknown> }[]>(
    `SELECT actor, clauses, after FROM audit_log WHERE exam_id = $1 AND action = $2 ORDER BY seq`,
    [examId, action],
  );

beforeAll(async () => {
  responsible = ctx.dir.byRole.department_responsible!;
  centre = ctx.dir.byRole.testing_centre!;
  examiner = ctx.dir.byRole.examiner!;
  examId = uniqueId('tickets');
  // The exam starts in an hour: its tickets are confidential throughout the test (§5.2).
  const created = await ctx.stack.http('POST', '/exams', {
    body: {
      id: examId,
      discipline: 'Адам анатомиясы',
      department: ctx.dir.departmentId,
      ...examStartingAt(Date.now() + 3_600_000),
    },
    as: ctx.dir.head,
  });
  expect(created.status).toBe(201);
});

test('no approved question list: the upload is refused naming GP 3, nothing saved', async () => {
  const refused = await uploadJson(1, DAY1);
  expect(refused.status).toBe(422);
  expect(refused.body.clauses).toEqual(['GP 3']);
  expect(await versions()).toBe(0);

  // The question-list upload and the committee's decision are another part of issue 8: here the
  // approved version is written as that decision leaves it (exam_step.subject).
  const content: QuestionListContent = {
    questions: QUESTIONS,
    rubric: [{ criterion: 'Толықтығы', points: 100 }],
    aids: [],
    literature: [],
  };
  const sha256 = documentHash(content);
  await ctx.db.query(
    `INSERT INTO question_list (exam_id, version, sha256, content, question_count, source, uploaded_by)
     VALUES ($1, 1, $2, $3, $4, 'json', $5)`,
    [examId, sha256, JSON.stringify(content), QUESTIONS.length, ctx.dir.head.id],
  );
  await ctx.db.query(
    `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, opened_at, approved_at, approved_by, version, subject)
     VALUES ($1, 'programmeCommitteeApproval', '{GP 3}', 'approved', now(), now(), now(), $2, 1000, $3)
     ON CONFLICT (exam_id, step_id) DO UPDATE SET subject = EXCLUDED.subject`,
    [
      examId,
      ctx.dir.byRole.programme_committee!.id,
      JSON.stringify({ kind: 'questionList', version: 1, sha256 }),
    ],
  );
});

test('§5.1, Form 1: the responsible person uploads day 1 as JSON and then as XLSX; each upload is a sealed version', async () => {
  const first = await uploadJson(1, DAY1);
  expect(first.status).toBe(201);
  expect(first.body).toMatchObject({
    day: 1,
    version: 1,
    variantCount: 10,
    questionListVersion: 1,
    uploadedBy: responsible.id,
    approvedBy: null,
  });
  expect(first.body.sha256).toBe(documentHash({ day: 1, questionListVersion: 1, variants: DAY1 }));
  // The same file again (a retry) is that version, not a new one.
  const again = await uploadJson(1, DAY1);
  expect(again.status).toBe(200);
  expect(again.body.version).toBe(1);

  const xlsx = await sheet([
    ['Variant', 'Item 1', 'Item 1 kind', 'Item 2', 'Item 2 kind'],
    ...DAY1_V2.map((v, i) => [
      i + 1,
      v.items[0].text,
      v.items[0].kind,
      v.items[1].text,
      v.items[1].kind,
    ]),
  ]);
  const second = await upload(
    `/exams/${examId}/ticket-sets/1`,
    'day1.xlsx',
    XLSX,
    xlsx,
    responsible,
    {
      'Idempotency-Key': uniqueId('k'),
    },
  );
  expect(second.status).toBe(201);
  expect(second.body).toMatchObject({ day: 1, version: 2, variantCount: 12 });
  expect(await versions()).toBe(2);

  // Sealed at rest: not a byte of the questions is readable in the row.
  const rows = await ctx.db.query<{ sealed: Buffer; key_id: string }[]>(
    `SELECT sealed, key_id FROM ticket_set WHERE exam_id = $1`,
    [examId],
  );
  for (const row of rows) {
    expect(row.key_id).toBe(key.id);
    expect(row.sealed.includes(Buffer.from('жүрек', 'utf8'))).toBe(false);
    expect(row.sealed.includes(Buffer.from('Сұрақ', 'utf8'))).toBe(false);
  }
  const uploaded = await audits('ticketSet.uploaded');
  expect(uploaded.map((a) => [a.after.version, a.clauses])).toEqual([
    [1, ['§5.1', 'Form 1']],
    [2, ['§5.1', 'Form 1']],
  ]);
});

test('bad uploads: 9 variants (§5.1), a question not in the approved list (GP 3), a one-item ticket (Form 1), a wrong column (400, row and column) — nothing saved', async () => {
  const nine = await uploadJson(1, DAY1.slice(0, 9));
  expect(nine.status).toBe(422);
  expect(nine.body.clauses).toEqual(['§5.1']);

  const stranger = [...DAY1.slice(0, 9), variant(10, 41)];
  stranger[9] = { items: [{ kind: 'question', text: 'Бекітілмеген сұрақ' }, DAY1[9].items[1]] };
  const notListed = await uploadJson(1, stranger);
  expect(notListed.status).toBe(422);
  expect(notListed.body.clauses).toEqual(['GP 3']);
  expect(notListed.body.errors).toEqual([
    expect.objectContaining({ clause: 'GP 3', row: 10, column: 'variants[9].items[0]' }),
  ]);

  const oneItem = [...DAY1.slice(0, 9), { items: [DAY1[9].items[0]] }];
  const form1 = await uploadJson(1, oneItem);
  expect(form1.status).toBe(422);
  expect(form1.body.clauses).toEqual(['Form 1']);

  const wrongColumn = await upload(
    `/exams/${examId}/ticket-sets/1`,
    'day1.xlsx',
    XLSX,
    await sheet([
      ['Variant', 'Question', 'Item 1 kind', 'Item 2', 'Item 2 kind'],
      [1, q(1), 'question', q(41), 'situational'],
    ]),
    responsible,
  );
  expect(wrongColumn.status).toBe(400);
  expect(wrongColumn.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ row: 1, column: 'question' })]),
  );
  const badKind = await upload(
    `/exams/${examId}/ticket-sets/1`,
    'day1.xlsx',
    XLSX,
    await sheet([
      ['Variant', 'Item 1', 'Item 1 kind', 'Item 2', 'Item 2 kind'],
      [1, q(1), 'question', q(41), 'essay'],
    ]),
    responsible,
  );
  expect(badKind.status).toBe(400);
  expect(badKind.body.errors).toEqual([expect.objectContaining({ row: 2, column: 'item 2 kind' })]);

  // §5.1: day 2 renews the tickets; a day-1 variant reordered is still a repeat.
  await ctx.db.query(
    `UPDATE exam SET facts = jsonb_set(facts, '{days}', jsonb_build_array(facts->'days'->>0, '2099-01-02'))
      WHERE id = $1`,
    [examId],
  );
  const repeated = Array.from({ length: 10 }, (_, i) => variant(30 - i, 40 - (i % 5)));
  repeated[0] = { items: [...DAY1_V2[0].items].reverse() };
  const renewal = await uploadJson(2, repeated);
  expect(renewal.status).toBe(422);
  expect(renewal.body.clauses).toEqual(expect.arrayContaining(['§5.1']));
  expect(JSON.stringify(renewal.body.errors)).toMatch(/repeats variant 1/);

  // Not the uploader's: an examiner may read the exam but not upload (403); another head: 404.
  expect((await uploadJson(1, DAY1, examiner)).status).toBe(403);
  expect((await uploadJson(1, DAY1, ctx.dir.otherHead)).status).toBe(404);
  expect(await versions(1)).toBe(2);
  expect(await versions(2)).toBe(0);
});

test('Form 1: the head approves the latest version; the seed is committed once (§5.3, §5.5)', async () => {
  const approve = (as: Credentials, body: Record<string, unknown> = {}, k = uniqueId('k')) =>
    ctx.stack.http('POST', `/exams/${examId}/ticket-sets/1/approve`, {
      body,
      headers: { 'Idempotency-Key': k },
      as,
    });
  expect((await approve(responsible)).status).toBe(403);
  expect((await approve(ctx.dir.head, { version: 1 })).status).toBe(409);
  const unapproved = await ticketSetSubject(ctx.db, examId, 1).catch((e: unknown) => e);
  expect((unapproved as { getStatus(): number }).getStatus()).toBe(422);
  expect((unapproved as { getResponse(): { detail: string } }).getResponse().detail).toMatch(
    /§5\.1, Form 1/,
  );

  const approved = await approve(ctx.dir.head, { version: 2 });
  expect(approved.status).toBe(200);
  expect(approved.body).toMatchObject({ day: 1, version: 2, approvedBy: ctx.dir.head.id });
  const commitment = (approved.body.seed as { commitment: string }).commitment;
  expect(commitment).toMatch(/^[0-9a-f]{64}$/);
  const again = await approve(ctx.dir.head);
  expect(again.status).toBe(200);
  expect(again.body.approvedAt).toBe(approved.body.approvedAt);
  expect((again.body.seed as { commitment: string }).commitment).toBe(commitment);

  const seeds = await ctx.db.query<
    { commitment: string; set_sha256: string; seed_sealed: Buffer }[]
  >(`SELECT commitment, set_sha256, seed_sealed FROM assignment_seed WHERE exam_id = $1`, [examId]);
  expect(seeds.map((s) => [s.commitment, s.set_sha256])).toEqual([
    [commitment, approved.body.sha256],
  ]);
  const committed = await audits('assignment.seed-committed');
  expect(committed).toEqual([
    expect.objectContaining({
      clauses: ['§5.3', '§5.5'],
      after: { day: 1, setSha256: approved.body.sha256, commitment },
    }),
  ]);
  expect((await audits('ticketSet.approved')).map((a) => a.after.version)).toEqual([2]);

  expect(await ticketSetSubject(ctx.db, examId, 1)).toEqual({
    kind: 'ticketSet',
    day: 1,
    version: 2,
    sha256: approved.body.sha256,
  });
  const loaded = await loadApprovedTicketSet(ctx.db, key, examId, 1);
  expect(loaded).toEqual({
    version: 2,
    sha256: approved.body.sha256,
    content: { day: 1, questionListVersion: 1, variants: DAY1_V2 },
  });
});

test('§5.2: before the start only the head, the responsible person and the testing centre read the tickets; every read is audited', async () => {
  const read = (as: Credentials, path = '') =>
    ctx.stack.http('GET', `/exams/${examId}/ticket-sets/1${path}`, { as });
  for (const outsider of [examiner, ctx.dir.auditor, ctx.dir.dean, ctx.dir.otherHead]) {
    expect((await read(outsider)).status).toBe(404);
    expect((await read(outsider, '/form1.pdf')).status).toBe(404);
  }
  // The metadata (no content) is for whoever reads the exam.
  const list = await ctx.stack.http('GET', `/exams/${examId}/ticket-sets`, { as: examiner });
  expect(list.status).toBe(200);
  expect((list.body.items as Record<string, unknown>[]).map((i) => [i.day, i.version])).toEqual([
    [1, 1],
    [1, 2],
  ]);
  expect(JSON.stringify(list.body)).not.toContain('Сұрақ');
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/ticket-sets`, { as: ctx.dir.otherHead })).status,
  ).toBe(404);

  const before = (await audits('ticketSet.viewed')).length;
  const latest = await read(responsible);
  expect(latest.status).toBe(200);
  expect(latest.body).toMatchObject({ version: 2, variants: DAY1_V2 });
  const older = await read(centre, '?version=1');
  expect(older.status).toBe(200);
  expect(older.body).toMatchObject({ version: 1, variants: DAY1 });
  const viewed = await audits('ticketSet.viewed');
  expect(viewed.slice(before).map((a) => [a.actor, a.after.version])).toEqual([
    [responsible.id, 2],
    [centre.id, 1],
  ]);

  // After the start, whoever may read the exam reads its tickets too.
  await ctx.db.query(`UPDATE exam SET starts_at = now() - interval '1 minute' WHERE id = $1`, [
    examId,
  ]);
  try {
    expect((await read(examiner)).status).toBe(200);
    expect((await read(ctx.dir.otherHead)).status).toBe(404);
  } finally {
    await ctx.db.query(`UPDATE exam SET starts_at = now() + interval '1 hour' WHERE id = $1`, [
      examId,
    ]);
  }
});

test('Form 1 as PDF in kk and ru: the head-of-department header, discipline, day, the tickets without numbers, Kazakh letters intact', async () => {
  const pdf = async (lang: string) => {
    const token = await ctx.stack.login(responsible);
    const response = await fetch(
      `${ctx.stack.baseUrl}/exams/${examId}/ticket-sets/1/form1.pdf?lang=${lang}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/pdf');
    return (await pdfParse(Buffer.from(await response.arrayBuffer()))).text;
  };
  const kk = await pdf('kk');
  // pdf-parse joins an item's number to its text (they are two columns): "1.Сұрақ" → "1. Сұрақ".
  const items = (text: string) => text.replace(/\s+/g, ' ').replace(/(\s)([12])\.\s*/g, '$1$2. ');
  const flat = items(kk);
  expect(flat).toContain('Бекітемін:');
  expect(flat).toContain('кафедра меңгерушісі');
  expect(flat).toContain('күні');
  expect(flat).toContain('Адам анатомиясы');
  expect(flat).toContain('Қалыпты анатомия кафедрасы');
  for (const letter of ['ә', 'қ', 'ү', 'ң', 'ұ', 'і']) expect(kk).toContain(letter);
  expect(flat).toContain(`1. ${q(11)}`);
  expect(flat).toContain(`2. ${q(23)}`);
  // No ticket carries a number (Form 1): only its items are numbered 1. and 2.
  // Every "Билет" is followed by its first item, never by a number of its own.
  expect(flat.match(/Билет\s+\S+/g)).toEqual(Array(12).fill('Билет 1.'));
  expect(flat).not.toMatch(/№|[Нн]ұсқа|[Вв]ариант/);

  const ru = items(await pdf('ru'));
  expect(ru).toContain('Утверждаю:');
  expect(ru).toContain('заведующий кафедрой');
  expect(ru).toContain('дата');
  expect(ru).toContain('Кафедра нормальной анатомии');
  expect(ru.match(/Билет\s+\S+/g)).toEqual(Array(12).fill('Билет 1.'));
  expect(ru).not.toMatch(/№|[Вв]ариант/);

  const downloads = await audits('ticketSet.downloaded');
  expect(downloads.slice(-2).map((a) => [a.after.version, a.after.language])).toEqual([
    [2, 'kk'],
    [2, 'ru'],
  ]);
  const en = await ctx.stack.http('GET', `/exams/${examId}/ticket-sets/1/form1.pdf?lang=en`, {
    as: responsible,
  });
  expect(en.status).toBe(400);
});

test('§5.1: the testing centre imports the admission list; an unknown student is a 400 naming row and column, nothing saved', async () => {
  const path = `/exams/${examId}/admission`;
  const good = `email,rating,admitted,day,retake\n${ctx.dir.student.email},"85,5",yes,2,no\n`;
  expect((await upload(path, 'admission.csv', 'text/csv', good, ctx.dir.head)).status).toBe(403);
  const imported = await upload(path, 'admission.csv', 'text/csv', good, centre);
  expect(imported.status).toBe(200);
  expect(imported.body).toMatchObject({ listVersion: 1, rows: 1, admitted: 1, notAdmitted: 0 });

  const bad =
    `email,rating,admitted\n${ctx.dir.student.email},70,yes\n` +
    `${ctx.dir.head.email},70,yes\nnobody@example.edu.kz,70,no\n`;
  const refused = await upload(path, 'admission.csv', 'text/csv', bad, centre);
  expect(refused.status).toBe(400);
  expect(refused.body.errors).toEqual([
    expect.objectContaining({ row: 3, column: 'email' }),
    expect.objectContaining({ row: 4, column: 'email' }),
  ]);
  const wrong = await upload(path, 'admission.csv', 'text/csv', 'email,score\nx@y.kz,1\n', centre);
  expect(wrong.status).toBe(400);
  expect(wrong.body.errors).toEqual(
    expect.arrayContaining([expect.objectContaining({ row: 1, column: 'score' })]),
  );

  // Still the first list.
  expect(await admissionSubject(ctx.db, examId)).toEqual({
    kind: 'admission',
    version: 1,
    sha256: imported.body.sha256,
  });
  expect(await admittedStudents(ctx.db, examId, 2)).toEqual([
    { studentId: ctx.dir.student.id, retake: false },
  ]);
  expect(await admittedStudents(ctx.db, examId, 1)).toEqual([]);

  const xlsx = await sheet([
    ['email', 'rating', 'admitted', 'retake'],
    [ctx.dir.student.email, 64, 'yes', 'yes'],
  ]);
  const replaced = await upload(path, 'admission.xlsx', XLSX, xlsx, centre);
  expect(replaced.status).toBe(200);
  expect(replaced.body).toMatchObject({ listVersion: 2, rows: 1, retakes: 1 });
  expect(await admittedStudents(ctx.db, examId, 1)).toEqual([
    { studentId: ctx.dir.student.id, retake: true },
  ]);
  expect((await audits('admission.imported')).map((a) => [a.clauses, a.after.listVersion])).toEqual(
    [
      [['§5.1'], 1],
      [['§5.1'], 2],
    ],
  );

  const list = await ctx.stack.http('GET', path, { as: ctx.dir.auditor });
  expect(list.status).toBe(200);
  expect(list.body).toMatchObject({
    listVersion: 2,
    sha256: replaced.body.sha256,
    items: [
      { studentId: ctx.dir.student.id, fullName: ctx.dir.student.fullName, rating: 64, day: 1 },
    ],
  });
  expect((await ctx.stack.http('GET', path, { as: ctx.dir.otherHead })).status).toBe(404);
  expect((await ctx.stack.http('GET', path, { as: ctx.dir.dean })).status).toBe(403);
  const reads = await ctx.db.query<{ after: { resource: string; people: string[] } }[]>(
    `SELECT after FROM audit_log WHERE exam_id = $1 AND action = 'personal-data.read'
       AND after->>'resource' = 'GET /exams/:id/admission'`,
    [examId],
  );
  expect(reads.map((r) => r.after.people)).toEqual([[ctx.dir.student.id]]);
});

test('§5.5: once a day’s tickets are assigned, its set can no longer be uploaded or approved again (409)', async () => {
  await ctx.db.query(
    `INSERT INTO ticket_assignment (exam_id, day, student_id, set_sha256, variant, variant_key)
     VALUES ($1, 1, $2, $3, 1, 'k')`,
    [examId, ctx.dir.student.id, 'c'.repeat(64)],
  );
  const upload1 = await uploadJson(1, DAY1);
  expect(upload1.status).toBe(409);
  expect(String(upload1.body.detail)).toContain('§5.5');
  const approve = await ctx.stack.http('POST', `/exams/${examId}/ticket-sets/1/approve`, {
    body: {},
    headers: { 'Idempotency-Key': uniqueId('k') },
    as: ctx.dir.head,
  });
  expect(approve.status).toBe(409);
  // Day 2 is not assigned yet: its set may still change.
  expect((await uploadJson(2, DAY1_V2.slice(0, 10))).status).not.toBe(409);
});
