import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LocalProctoringAdapter } from '../../activities/proctoring/local';
import { signatureHeader } from '../../api/proctoring/signature';
import { insertAssignmentExam, insertStudents } from '../assignment-fixture';
import { testInfra, uniqueId } from '../support';
import { useStack, type HttpAnswer } from './harness';

/**
 * The proctoring system's webhook and the recordings registry (§5.4, §5.7, §5.9; issue 9) against
 * the real stack, on the SOP as written (the proctors' 72 hours): a signed event is stored once
 * with its effect; a bad signature, an old timestamp, a replayed id and a bad body are refused.
 */
const SECRET = 'e2e-proctoring-webhook-secret-0123456789';
const localDir = join(testInfra().varDir, uniqueId('recordings'));
const ctx = useStack({
  policyFile: null,
  env: () => ({ PROCTORING_WEBHOOK_SECRET: SECRET, PROCTORING_LOCAL_DIR: localDir }),
});
const local = new LocalProctoringAdapter(localDir);
const tag = uniqueId('proct');
const examId = tag;
/** Ended more than 72 hours ago: the proctors' access is over. */
const oldExamId = `${tag}-old`;
let students: { id: string; email: string; fullName: string }[];
const HOUR = 3_600_000;

beforeAll(async () => {
  await insertAssignmentExam(ctx.db, {
    id: examId,
    discipline: `Гистология ${tag}`,
    departmentId: ctx.dir.departmentId,
    startsAt: Date.now() - HOUR,
  });
  await insertAssignmentExam(ctx.db, {
    id: oldExamId,
    discipline: `Физиология ${tag}`,
    departmentId: ctx.dir.departmentId,
    startsAt: Date.now() - 5 * 24 * HOUR,
  });
  students = await insertStudents(ctx.db, tag, ctx.dir.departmentId, 4);
});

/** Sends an event as the proctoring system does: the raw JSON, signed with `secret` at `t`. */
function send(
  event: Record<string, unknown>,
  options: { secret?: string; t?: number; header?: string | null; raw?: string } = {},
): Promise<HttpAnswer> {
  const raw = options.raw ?? JSON.stringify(event);
  const t = options.t ?? Math.floor(Date.now() / 1000);
  const header =
    options.header === undefined
      ? signatureHeader(options.secret ?? SECRET, raw, t)
      : options.header;
  return ctx.stack.http('POST', '/proctoring/events', {
    body: raw,
    headers: header === null ? {} : { 'X-Emtihan-Signature': header },
  });
}

/** An event about `students[student]`, named by directory id or (as some systems do) by email. */
const event = (
  type: string,
  student: number,
  extra: Record<string, unknown> = {},
  by: 'id' | 'email' = 'id',
) => ({
  id: uniqueId('evt'),
  type,
  sentAt: new Date().toISOString(),
  examId,
  ...(by === 'id'
    ? { studentId: students[student].id }
    : { studentEmail: students[student].email.toUpperCase() }),
  recording: { externalId: `${tag}-rec-${student}` },
  ...extra,
});

const recording = async (student: number, exam = examId) =>
  (
    await ctx.db.query<
      {
        external_id: string;
        status: string;
        link: string | null;
        started_at: Date | null;
        ready_at: Date | null;
        flagged_at: Date | null;
      }[]
    >(`SELECT * FROM recording WHERE exam_id = $1 AND student_id = $2`, [
      exam,
      students[student].id,
    ])
  )[0];

const stored = async (eventId: string) =>
  Number(
    (
      await ctx.db.query<{ n: string }[]>(
        `SELECT count(*) AS n FROM proctoring_event WHERE event_id = $1`,
        [eventId],
      )
    )[0].n,
  );

const auditOf = (eventId: string) =>
  ctx.db.query<
    { action: string; clauses: string[]; actor: string; after: Record<string, unknown> }[]
  >(`SELECT action, clauses, actor, after FROM audit_log WHERE key = $1`, [
    `proctoring/${eventId}`,
  ]);

test('§5.4, §5.9, §5.7: session.started starts the recording, recording.ready gives its link; each event is stored once, applied and audited', async () => {
  const started = event('session.started', 0);
  const answer = await send(started);
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({
    eventId: started.id,
    type: 'session.started',
    examId,
    studentId: students[0].id,
    recording: { externalId: `${tag}-rec-0`, status: 'started', link: null },
  });
  expect(await stored(started.id)).toBe(1);
  expect(await recording(0)).toMatchObject({ status: 'started', external_id: `${tag}-rec-0` });
  expect((await recording(0)).started_at!.toISOString()).toBe(started.sentAt);
  expect(await auditOf(started.id)).toEqual([
    expect.objectContaining({
      action: 'proctoring.session-started',
      clauses: ['§5.4', '§5.9'],
      actor: 'system:proctoring',
    }),
  ]);

  // By email, as a proctoring system that does not know the directory's ids sends it.
  const link = `https://proctoring.example.edu.kz/recordings/${tag}-rec-0`;
  const ready = event(
    'recording.ready',
    0,
    { recording: { externalId: `${tag}-rec-0`, link } },
    'email',
  );
  const readyAnswer = await send(ready);
  expect(readyAnswer.status).toBe(200);
  expect(readyAnswer.body.recording).toMatchObject({ status: 'ready', link });
  expect(await recording(0)).toMatchObject({ status: 'ready', link });
  expect((await auditOf(ready.id))[0]).toMatchObject({
    action: 'proctoring.recording-ready',
    clauses: ['§5.7', '§5.9'],
  });
  // The local adapter keeps its stand-in of the recording (deleted by the §5.7 purge).
  expect(existsSync(local.fileOf(examId, `${tag}-rec-0`))).toBe(true);
});

test('§5.7, §5.14: violation.flagged marks the recording flagged and is audited as proctoring.violation-flagged', async () => {
  const flagged = event('violation.flagged', 1, {
    violation: {
      kind: 'second-person',
      at: '2026-01-01T10:15:00+05:00',
      note: 'a voice off camera',
    },
  });
  const answer = await send(flagged);
  expect(answer.status).toBe(200);
  expect((await recording(1)).flagged_at!.toISOString()).toBe('2026-01-01T05:15:00.000Z');
  const [record] = await auditOf(flagged.id);
  expect(record).toMatchObject({
    action: 'proctoring.violation-flagged',
    clauses: ['§5.7', '§5.14'],
    after: {
      studentId: students[1].id,
      violation: {
        eventId: flagged.id,
        kind: 'second-person',
        note: 'a voice off camera',
        recording: { externalId: `${tag}-rec-1` },
      },
    },
  });
});

test('§5.4, §5.9 (the webhook): a replayed event id is refused with 409 and has no second effect', async () => {
  const first = event('recording.ready', 2, {
    recording: { externalId: `${tag}-rec-2`, link: 'https://proctoring.example/first' },
  });
  expect((await send(first)).status).toBe(200);
  // The same id again, freshly signed, even with another link: refused, nothing changes.
  const again = await send({
    ...first,
    recording: { externalId: `${tag}-rec-2`, link: 'https://proctoring.example/second' },
  });
  expect(again.status).toBe(409);
  expect(again.headers.get('content-type')).toContain('application/problem+json');
  expect(again.body.detail).toEqual(
    expect.stringContaining(`event ${first.id} was already received`),
  );
  expect(await stored(first.id)).toBe(1);
  expect(await auditOf(first.id)).toHaveLength(1);
  expect((await recording(2)).link).toBe('https://proctoring.example/first');
  // The very same request (same bytes, same signature) is refused the same way.
  const raw = JSON.stringify(first);
  const header = signatureHeader(SECRET, raw);
  expect((await send(first, { raw, header })).status).toBe(409);
  expect((await send(first, { raw, header })).status).toBe(409);
});

test('§5.4, §5.9 (the webhook): a missing, malformed or wrong signature is refused with 401 naming the reason, and nothing is stored', async () => {
  const e = event('session.started', 3);
  const raw = JSON.stringify(e);
  const cases: [string | null, string, RegExp][] = [
    [null, raw, /header is missing/],
    ['sha256=deadbeef', raw, /must be t=<unix seconds>,v1=/],
    [signatureHeader('another secret of at least 32 characters!', raw), raw, /does not match/],
    // Signed, then changed in transit.
    [signatureHeader(SECRET, raw), raw.replace(`${tag}-rec-3`, `${tag}-rec-X`), /does not match/],
  ];
  for (const [header, body, reason] of cases) {
    const answer = await send(e, { header, raw: body });
    expect([answer.status, answer.body.title]).toEqual([401, 'Unauthorized']);
    expect(answer.body.detail).toMatch(reason);
  }
  // Correctly signed, but not sent as JSON: the body was not read, and the answer says why.
  const plain = await ctx.stack.http('POST', '/proctoring/events', {
    body: raw,
    headers: { 'content-type': 'text/plain', 'X-Emtihan-Signature': signatureHeader(SECRET, raw) },
  });
  expect(plain.status).toBe(415);
  expect(await stored(e.id)).toBe(0);
  expect(await recording(3)).toBeUndefined();
});

test('§5.4, §5.9 (the webhook): a timestamp more than 5 minutes old (or ahead) is refused with 401, even when the signature is right', async () => {
  const e = event('session.started', 3);
  const now = Math.floor(Date.now() / 1000);
  for (const t of [now - 6 * 60, now + 6 * 60]) {
    const answer = await send(e, { t });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ reason: 'stale' });
    expect(answer.body.detail).toMatch(/at most 300 s are accepted/);
  }
  expect(await stored(e.id)).toBe(0);
  // Within the window the same event is accepted.
  expect((await send(e, { t: now - 4 * 60 })).status).toBe(200);
});

test('§5.4, §5.9 (the webhook): a bad body is refused with 400 naming the field; an unknown exam or student with 422', async () => {
  const bad: [Record<string, unknown>, string][] = [
    [{ ...event('session.paused', 3) }, 'type'],
    [{ ...event('session.started', 3), recording: {} }, 'recording.externalId'],
    [{ ...event('session.started', 3), sentAt: 'yesterday' }, 'sentAt'],
    [event('recording.ready', 3), 'recording.link'],
    [event('violation.flagged', 3), 'violation'],
    [{ ...event('session.started', 3), studentEmail: students[3].email }, 'studentId'],
    [{ ...event('session.started', 3), extra: 1 }, 'extra'],
  ];
  for (const [body, path] of bad) {
    const answer = await send(body);
    expect([path, answer.status]).toEqual([path, 400]);
    expect((answer.body.errors as { path: string }[]).map((e) => e.path)).toContain(path);
  }
  const unknownExam = await send({ ...event('session.started', 3), examId: `${tag}-nope` });
  expect(unknownExam.status).toBe(422);
  expect(unknownExam.body.errors).toEqual([
    { path: 'examId', message: `exam ${tag}-nope does not exist` },
  ]);
  const unknownStudent = await send({
    ...event('session.started', 3, {}, 'email'),
    studentEmail: `nobody.${tag}@example.edu.kz`,
  });
  expect(unknownStudent.status).toBe(422);
  expect((unknownStudent.body.errors as { path: string }[])[0].path).toBe('studentEmail');
});

test("§5.7: the exam's proctors read the recordings until E + 72 hours and are refused after; the working group, testing centre and auditors always; each read is audited", async () => {
  const proctor = ctx.dir.people.proctor;
  const read = (id: string, as: { email: string; password: string }) =>
    ctx.stack.http('GET', `/exams/${id}/recordings`, { as });

  const current = await read(examId, proctor);
  expect(current.status).toBe(200);
  const items = current.body.items as { studentId: string; link: string | null; status: string }[];
  expect(items.find((i) => i.studentId === students[0].id)).toMatchObject({
    status: 'ready',
    link: `https://proctoring.example.edu.kz/recordings/${tag}-rec-0`,
  });
  expect(Date.parse(current.body.accessUntil as string)).toBeGreaterThan(Date.now());
  const audited = await ctx.db.query<{ actor: string; after: { people: string[] } }[]>(
    `SELECT actor, after FROM audit_log WHERE action = 'personal-data.read' AND exam_id = $1
       AND after->>'resource' = 'GET /exams/:id/recordings' ORDER BY seq DESC LIMIT 1`,
    [examId],
  );
  expect(audited[0].actor).toBe(proctor.id);
  expect(audited[0].after.people).toEqual(expect.arrayContaining([students[0].id]));

  // An exam that ended more than 72 hours ago, with a recording.
  await ctx.db.query(
    `INSERT INTO recording (exam_id, student_id, external_id, link, status, ready_at)
     VALUES ($1, $2, $3, 'https://proctoring.example/old', 'ready', now())`,
    [oldExamId, students[0].id, `${tag}-old-rec`],
  );
  const late = await read(oldExamId, proctor);
  expect(late.status).toBe(403);
  expect(late.body.detail).toMatch(/^§5\.7: the proctors' access .* ended at .*\(E \+ 72 hours\)$/);
  for (const reader of [ctx.dir.people.group, ctx.dir.people.centre, ctx.dir.auditor]) {
    const answer = await read(oldExamId, reader);
    expect(answer.status).toBe(200);
    expect(answer.body.accessUntil).toBeNull();
    expect((answer.body.items as { externalId: string }[]).map((i) => i.externalId)).toEqual([
      `${tag}-old-rec`,
    ]);
  }
  // The head reads the exam, not its recordings; another department's head learns nothing.
  expect((await read(examId, ctx.dir.head)).status).toBe(403);
  expect((await read(`${tag}-nope`, ctx.dir.people.group)).status).toBe(404);
});
