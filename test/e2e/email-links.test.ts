import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caughtMail, testInfra, uniqueId, waitFor, type CaughtMail } from '../support';
import { examStartingAt, useStack } from './harness';

/**
 * Issue 5: a department head decides a step from their mailbox alone. The one-click links open a
 * confirmation page (GET changes nothing, so mail scanners cannot act); the page's POST consumes the
 * token once; used, expired and foreign tokens get a clear page, an audit record and no action.
 */
// GP 3's discussion alone (the slice); sessions.test.ts runs the whole policy.
const ctx = useStack({ onlySteps: ['departmentDiscussion'] });

async function register(tag: string) {
  // The drill policy: the step is due 20 s before the sitting; an hour away, nothing fires meanwhile.
  const { examDate, startsAt, endsAt } = examStartingAt(Date.now() + 3_600_000);
  const id = uniqueId(tag);
  const exam = {
    id,
    // The natural key (department, discipline, date) is unique: one discipline per exam here.
    discipline: `Адам анатомиясы ${id}`,
    department: ctx.dir.departmentId,
    examDate,
    startsAt,
    endsAt,
  };
  const created = await ctx.stack.http('POST', '/exams', { body: exam, as: ctx.dir.head });
  expect(created.status).toBe(201);
  const opened = await waitFor(
    'the "step opened" email',
    async () => (await caughtMail(exam.id)).find((m) => m.header('x-emtihan-kind') === 'opened'),
    30_000,
  );
  return { exam, opened, ...linksOf(opened) };
}

function linksOf(mail: CaughtMail): { approve: string; reject: string } {
  const html = typeof mail.mail.html === 'string' ? mail.mail.html : '';
  const tokens = [...(mail.mail.text ?? '').matchAll(/\/links\/([A-Za-z0-9_-]{43})/g)].map(
    (m) => m[1],
  );
  expect(tokens).toHaveLength(2);
  for (const token of tokens) expect(html).toContain(`/links/${token}`);
  return { approve: tokens[0], reject: tokens[1] };
}

const page = (token: string, init: RequestInit = {}) =>
  fetch(`${ctx.stack.baseUrl}/links/${token}`, { redirect: 'manual', ...init });
const post = (
  token: string,
  form: Record<string, string> = {},
  headers: Record<string, string> = {},
) =>
  page(token, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });

async function linkRow(token: string) {
  const rows = await ctx.db.query<
    { id: string; action: string; used_at: Date | null; person_id: string }[]
  >(`SELECT id, action, used_at, person_id FROM email_link WHERE token_hash = $1`, [
    createHash('sha256').update(token).digest(),
  ]);
  return rows[0];
}

async function acceptedUpdates(examId: string): Promise<number> {
  const { events } = await ctx.stack.client.workflow.getHandle(`exam-${examId}`).fetchHistory();
  return (events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes != null)
    .length;
}

const stepOf = async (examId: string) =>
  (
    (await ctx.stack.http('GET', `/exams/${examId}`, { as: ctx.dir.head })).body.steps as {
      status: string;
      approvedBy: string | null;
      comment: string | null;
    }[]
  )[0];

test('GP 3, row 1: the head approves from the email; a mail scanner, a second click, another person and a double POST change nothing more', async () => {
  const { exam, opened, approve, reject } = await register('link-approve');
  // In the head's language (kk), Kazakh letters intact, with an .ics for the deadline.
  expect(opened.mail.subject).toMatch(/GP 3, row 1/);
  expect(opened.mail.text).toContain('Сәрсенбаева');
  expect(opened.mail.text).toMatch(/[әғқңөұүһі]/);
  expect(opened.mail.attachments.map((a) => a.contentType)).toContain('text/calendar');
  // npm run dev's mail viewer shows the same email: subject decoded, the HTML with its links.
  const listed = await ctx.stack.http('GET', '/dev/mail', {
    headers: { accept: 'application/json' },
  });
  const entry = (listed.body.items as { file: string; subject: string }[]).find(
    (m) => m.file === opened.file,
  );
  expect(entry?.subject).toBe(opened.mail.subject);
  const shownMail = await fetch(`${ctx.stack.baseUrl}/dev/mail/${opened.file}`);
  expect(shownMail.headers.get('content-type')).toContain('text/html');
  expect(await shownMail.text()).toContain(`/links/${approve}`);
  expect(await linkRow(approve)).toMatchObject({
    action: 'approve',
    person_id: ctx.dir.head.id,
    used_at: null,
  });

  // A mail scanner GETs (and HEADs) every link: a confirmation page, no action.
  for (const token of [approve, reject]) {
    const shown = await page(token);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toContain('text/html');
    expect(shown.headers.get('cache-control')).toBe('no-store');
    const html = await shown.text();
    expect(html).toContain(`<form method="post" action="/links/${token}">`);
    expect(html).toContain('lang="kk"');
    expect((await page(token, { method: 'HEAD' })).status).toBe(200);
  }
  expect((await linkRow(approve)).used_at).toBeNull();
  expect((await stepOf(exam.id)).status).toBe('open');
  expect(await acceptedUpdates(exam.id)).toBe(0);

  // Another signed-in person with the head's link: 403, nothing consumed.
  const otherToken = await ctx.stack.login(ctx.dir.otherHead);
  const foreign = await post(approve, {}, { authorization: `Bearer ${otherToken}` });
  expect(foreign.status).toBe(403);
  // The page speaks the link owner's language (kk): "this link belongs to someone else".
  expect(await foreign.text()).toContain('Бұл сілтеме басқа адамға арналған');
  expect((await linkRow(approve)).used_at).toBeNull();

  // Two concurrent POSTs: exactly one acts.
  const both = await Promise.all([post(approve), post(approve)]);
  expect(both.map((r) => r.status).sort()).toEqual([200, 410]);
  await waitFor(
    'the approval in the read model',
    async () => (await stepOf(exam.id)).status === 'approved',
    30_000,
  );
  expect(await acceptedUpdates(exam.id)).toBe(1);
  expect(await stepOf(exam.id)).toMatchObject({ status: 'approved', approvedBy: ctx.dir.head.id });

  // The same link again: "already used", no action.
  const again = await post(approve);
  expect(again.status).toBe(410);
  expect(await again.text()).toContain('lang="kk"');
  expect(await acceptedUpdates(exam.id)).toBe(1);

  const audit = await ctx.db.query<
    { action: string; actor: string; after: { reason?: string; via?: { kind: string } } }[]
  >(`SELECT action, actor, after FROM audit_log WHERE exam_id = $1 ORDER BY seq`, [exam.id]);
  const approved = audit.find((a) => a.action === 'step.approved')!;
  expect(approved.actor).toBe(ctx.dir.head.id);
  expect(approved.after.via?.kind).toBe('email-link');
  expect(
    audit
      .filter((a) => a.action === 'link.refused')
      .map((a) => a.after.reason)
      .sort(),
  ).toEqual(['foreign', 'used', 'used']);
});

test('GP 3, row 1: an expired link shows a clear page and acts on nothing', async () => {
  const { exam, approve } = await register('link-expired');
  await ctx.db.query(
    `UPDATE email_link SET expires_at = now() - interval '1 second' WHERE id = $1`,
    [(await linkRow(approve)).id],
  );
  const shown = await page(approve);
  expect(shown.status).toBe(410);
  expect(await shown.text()).toContain('Сілтеменің мерзімі өтті');
  expect((await post(approve)).status).toBe(410);
  expect(await acceptedUpdates(exam.id)).toBe(0);
  expect((await stepOf(exam.id)).status).toBe('open');
  expect((await page('A'.repeat(43))).status).toBe(404);
});

test('GP 3, row 1: a rejection from the email needs a reason, keeps the step open and tells the owners why', async () => {
  const { exam, reject } = await register('link-reject');
  const noReason = await post(reject, { comment: '  ' });
  expect(noReason.status).toBe(400);
  expect((await linkRow(reject)).used_at).toBeNull();
  const done = await post(reject, { comment: 'Сұрақтар 12 мен 31 қайталанады' });
  expect(done.status).toBe(200);
  expect(await stepOf(exam.id)).toMatchObject({
    status: 'open',
    comment: 'Сұрақтар 12 мен 31 қайталанады',
  });
  const reopened = await waitFor(
    'the "returned for changes" email',
    async () => (await caughtMail(exam.id)).find((m) => m.header('x-emtihan-kind') === 'reopened'),
    30_000,
  );
  expect(reopened.mail.text).toContain('Сұрақтар 12 мен 31 қайталанады');
  // Fresh links in the new email still let the head approve later.
  expect(linksOf(reopened).approve).not.toBe(reject);
  await ctx.stack.client.workflow.getHandle(`exam-${exam.id}`).terminate('test done');
});

test('no secret (password, token, API key, link token) appears in logs, responses or the audit log', async () => {
  const { exam, approve } = await register('link-secrets');
  const pair = await ctx.stack.http('POST', '/auth/login', {
    body: { email: ctx.dir.auditor.email, password: ctx.dir.auditor.password },
  });
  const key = await ctx.stack.http('POST', '/me/api-keys', {
    body: { name: 'sync' },
    as: ctx.dir.head,
  });
  expect(key.status).toBe(201);
  expect((await post(approve)).status).toBe(200);
  await waitFor(
    'the approval in the read model',
    async () => (await stepOf(exam.id)).status === 'approved',
    30_000,
  );
  // A failed login with the password in it must not be logged either.
  await ctx.stack.http('POST', '/auth/login', {
    body: { email: ctx.dir.head.email, password: 'wrong-secret-passphrase' },
  });

  const secrets = [
    ctx.dir.head.password,
    'wrong-secret-passphrase',
    pair.body.accessToken as string,
    pair.body.refreshToken as string,
    key.body.key as string,
    approve,
  ];
  const { varDir } = testInfra();
  const logs = await Promise.all(
    ['api', 'worker'].map((name) =>
      readFile(join(varDir, `${ctx.stack.taskQueue}-${name}.log`), 'utf8').catch(() => ''),
    ),
  );
  const audit = JSON.stringify(
    await ctx.db.query(`SELECT * FROM audit_log WHERE exam_id = $1`, [exam.id]),
  );
  const outbox = JSON.stringify(
    await ctx.db.query(`SELECT * FROM outbox WHERE exam_id = $1`, [exam.id]),
  );
  const me = JSON.stringify(
    (await ctx.stack.http('GET', '/me/api-keys', { as: ctx.dir.head })).body,
  );
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(10);
    for (const text of [...logs, audit, outbox, me]) expect(text.includes(secret)).toBe(false);
  }
  expect(logs.join('').length).toBeGreaterThan(0);
});

test('GP 3, row 1: POST /exams/:id/reschedule moves the open step (drill: due 20 s before the new start); a missing reason is a 400, another department a 404', async () => {
  const { exam } = await register('reschedule');
  const moved = examStartingAt(Date.now() + 7_200_000);
  const path = `/exams/${exam.id}/reschedule`;
  const noReason = await ctx.stack.http('POST', path, {
    body: { examDate: moved.examDate, startsAt: moved.startsAt },
    headers: { 'Idempotency-Key': uniqueId('k') },
    as: ctx.dir.head,
  });
  expect(noReason.status).toBe(400);
  expect(new Set((noReason.body.errors as { path: string }[]).map((e) => e.path))).toEqual(
    new Set(['reason']),
  );
  const other = await ctx.stack.http('POST', path, {
    body: { examDate: moved.examDate, startsAt: moved.startsAt, reason: 'hall unavailable' },
    headers: { 'Idempotency-Key': uniqueId('k') },
    as: ctx.dir.otherHead,
  });
  expect(other.status).toBe(404);
  const answer = await ctx.stack.http('POST', path, {
    body: { examDate: moved.examDate, startsAt: moved.startsAt, reason: 'hall unavailable' },
    headers: { 'Idempotency-Key': uniqueId('k') },
    as: ctx.dir.head,
  });
  expect(answer.status).toBe(200);
  const step = (answer.body.steps as { dueAt: string; status: string }[])[0];
  expect(Date.parse(step.dueAt)).toBe(Date.parse(moved.startsAt) - 20_000);
  expect(step.status).toBe('open');
  expect(Date.parse(answer.body.startsAt as string)).toBe(Date.parse(moved.startsAt));
  await ctx.stack.client.workflow.getHandle(`exam-${exam.id}`).terminate('test done');
});
