import { EMBEDDED_DEFAULTS } from '../../config/config';
import { uniqueId, waitFor } from '../support';
import { examStartingAt, useStack } from './harness';

/** Issue 5: sign-in, tokens, API keys, rate limits, secure headers and the inbox. */
// GP 3's discussion alone (the slice); sessions.test.ts runs the whole policy.
const ctx = useStack({ onlySteps: ['departmentDiscussion'] });

const login = (email: string, password: string) =>
  ctx.stack.http('POST', '/auth/login', { body: { email, password } });

test('password sign-in issues a short-lived access token and a refresh token; a wrong password is a 401', async () => {
  const ok = await login(ctx.dir.dean.email, ctx.dir.dean.password);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    tokenType: 'Bearer',
    expiresIn: 900,
    refreshExpiresIn: 2_592_000,
  });
  expect(ok.body.accessToken).toMatch(/^emt_at_[A-Za-z0-9_-]{43}$/);
  const me = await ctx.stack.http('GET', '/me', { as: { token: ok.body.accessToken as string } });
  expect(me.status).toBe(200);
  expect(me.body).toMatchObject({
    email: ctx.dir.dean.email,
    language: 'ru',
    roles: [{ role: 'dean', scopeId: ctx.dir.schoolId, scopeKind: 'school' }],
  });
  const wrong = await login(ctx.dir.dean.email, 'not the password');
  expect(wrong.status).toBe(401);
  expect(wrong.body).toMatchObject({ status: 401, detail: 'email or password is wrong' });
  // An unknown email answers exactly like a wrong password.
  expect((await login('nobody@example.edu.kz', 'not the password')).body).toEqual(wrong.body);
  expect((await ctx.stack.http('GET', '/me')).status).toBe(401);
  expect((await ctx.stack.http('GET', '/me', { as: { token: 'emt_at_forged' } })).status).toBe(401);
});

test('a refresh token rotates; using an old one again ends the whole sign-in', async () => {
  const first = await login(ctx.dir.auditor.email, ctx.dir.auditor.password);
  const second = await ctx.stack.http('POST', '/auth/refresh', {
    body: { refreshToken: first.body.refreshToken },
  });
  expect(second.status).toBe(200);
  expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
  const reuse = await ctx.stack.http('POST', '/auth/refresh', {
    body: { refreshToken: first.body.refreshToken },
  });
  expect(reuse.status).toBe(401);
  // The family is revoked: the newest tokens stop working too.
  expect(
    (await ctx.stack.http('GET', '/me', { as: { token: second.body.accessToken as string } }))
      .status,
  ).toBe(401);
  expect(
    (
      await ctx.stack.http('POST', '/auth/refresh', {
        body: { refreshToken: second.body.refreshToken },
      })
    ).status,
  ).toBe(401);
  expect(
    (await ctx.stack.http('POST', '/auth/refresh', { body: { refreshToken: 'x' } })).status,
  ).toBe(400);
});

test('logout ends the access token; an API key works until it is revoked and is never shown again', async () => {
  const pair = await login(ctx.dir.otherHead.email, ctx.dir.otherHead.password);
  const token = { token: pair.body.accessToken as string };
  const created = await ctx.stack.http('POST', '/me/api-keys', {
    body: { name: 'AIS sync' },
    as: token,
  });
  expect(created.status).toBe(201);
  expect(created.body.key).toMatch(/^emt_key_/);
  const key = { token: created.body.key as string };
  expect((await ctx.stack.http('GET', '/me', { as: key })).body.email).toBe(
    ctx.dir.otherHead.email,
  );
  const listed = await ctx.stack.http('GET', '/me/api-keys', { as: key });
  expect(JSON.stringify(listed.body)).not.toContain(key.token);
  expect((await ctx.stack.http('POST', '/auth/logout', { as: token })).status).toBe(204);
  expect((await ctx.stack.http('GET', '/me', { as: token })).status).toBe(401);
  expect(
    (await ctx.stack.http('DELETE', `/me/api-keys/${created.body.id as string}`, { as: key }))
      .status,
  ).toBe(204);
  expect((await ctx.stack.http('GET', '/me', { as: key })).status).toBe(401);
});

test('sign-in is rate limited per address and email (429 after 10 attempts a minute)', async () => {
  const email = `${uniqueId('guess')}@example.edu.kz`;
  const statuses: number[] = [];
  for (let i = 0; i < 11; i++) statuses.push((await login(email, `guess ${i}`)).status);
  expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
  expect(statuses[10]).toBe(429);
  // Another person from the same address is not locked out.
  expect((await login(ctx.dir.student.email, ctx.dir.student.password)).status).toBe(200);
});

test('secure headers (helmet) are on every answer', async () => {
  const response = await fetch(`${ctx.stack.baseUrl}/health`);
  expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(response.headers.get('strict-transport-security')).toContain('max-age=');
  expect(response.headers.get('x-powered-by')).toBeNull();
});

test("GET /me/tasks lists the caller's open steps by due, and only theirs", async () => {
  const made: string[] = [];
  for (const hours of [5, 3]) {
    const { examDate, startsAt } = examStartingAt(Date.now() + hours * 3_600_000);
    const id = uniqueId('inbox');
    const created = await ctx.stack.http('POST', '/exams', {
      body: { id, discipline: `Inbox ${id}`, department: ctx.dir.departmentId, examDate, startsAt },
      as: ctx.dir.head,
    });
    expect(created.status).toBe(201);
    made.push(id);
  }
  // The read model is written by the workflows' first activity: wait until both steps are there.
  const items = await waitFor(
    "both steps in the head's inbox",
    async () => {
      const inbox = await ctx.stack.http('GET', '/me/tasks', { as: ctx.dir.head });
      expect(inbox.status).toBe(200);
      const mine = (
        inbox.body.items as {
          examId: string;
          stepId: string;
          clauses: string[];
          dueAt: string;
          title: string;
        }[]
      ).filter((i) => made.includes(i.examId));
      return mine.length === 2 ? mine : undefined;
    },
    30_000,
  );
  // Sorted by due: the exam 3 hours away first.
  expect(items.map((i) => i.examId)).toEqual([made[1], made[0]]);
  expect(items[0]).toMatchObject({ stepId: 'departmentDiscussion', clauses: ['GP 3', 'row 1'] });
  expect(items[0].title).toMatch(/кафедра/); // the head reads Kazakh
  const other = await ctx.stack.http('GET', '/me/tasks', { as: ctx.dir.otherHead });
  expect((other.body.items as { examId: string }[]).filter((i) => made.includes(i.examId))).toEqual(
    [],
  );
  const dean = await ctx.stack.http('GET', '/me/tasks', { as: ctx.dir.dean });
  expect((dean.body.items as { examId: string }[]).filter((i) => made.includes(i.examId))).toEqual(
    [],
  );
  for (const id of made)
    await ctx.stack.client.workflow.getHandle(`exam-${id}`).terminate('test done');
});

test('an admin sets an initial password; the person signs in and changes it (the old one stops working)', async () => {
  const admin = {
    email: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
    password: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
  };
  const person = ctx.dir.people.student;
  const short = await ctx.stack.http('POST', `/directory/people/${person.id}/password`, {
    body: { password: 'short' },
    as: admin,
  });
  expect(short.status).toBe(400);
  expect(short.body.errors).toEqual([
    { path: 'password', message: 'password must be at least 12 characters' },
  ]);
  const initial = 'initial password from the admin';
  expect(
    (
      await ctx.stack.http('POST', `/directory/people/${person.id}/password`, {
        body: { password: initial },
        as: admin,
      })
    ).status,
  ).toBe(204);
  const pair = await login(person.email, initial);
  expect(pair.status).toBe(200);
  const token = { token: pair.body.accessToken as string };
  expect(
    (
      await ctx.stack.http('POST', '/me/password', {
        body: { currentPassword: 'wrong', newPassword: 'x'.repeat(12) },
        as: token,
      })
    ).status,
  ).toBe(401);
  expect(
    (
      await ctx.stack.http('POST', '/me/password', {
        body: { currentPassword: initial, newPassword: 'my own long passphrase' },
        as: token,
      })
    ).status,
  ).toBe(204);
  expect((await login(person.email, initial)).status).toBe(401);
  expect((await login(person.email, 'my own long passphrase')).status).toBe(200);
});

test("GET /exams lists the exams in the caller's scope, filtered by department and overdue state, page by page", async () => {
  const ids: string[] = [];
  // Drill policy: due 20 s before the start; the first exam is overdue within seconds.
  for (const seconds of [22, 3_600]) {
    const { examDate, startsAt } = examStartingAt(Date.now() + seconds * 1_000);
    const id = uniqueId('list');
    const created = await ctx.stack.http('POST', '/exams', {
      body: { id, discipline: `List ${id}`, department: ctx.dir.departmentId, examDate, startsAt },
      as: ctx.dir.head,
    });
    expect(created.status).toBe(201);
    ids.push(id);
  }
  const overdue = await waitFor(
    'the first exam to be overdue',
    async () => {
      const answer = await ctx.stack.http(
        'GET',
        `/exams?overdue=true&department=${ctx.dir.departmentId}`,
        {
          as: ctx.dir.dean,
        },
      );
      const items = answer.body.items as { id: string; overdue: boolean }[];
      return items.some((i) => i.id === ids[0]) ? items : undefined;
    },
    30_000,
  );
  expect(overdue.map((i) => i.id)).not.toContain(ids[1]);
  const open = await ctx.stack.http(
    'GET',
    `/exams?overdue=false&department=${ctx.dir.departmentId}`,
    { as: ctx.dir.auditor },
  );
  expect((open.body.items as { id: string }[]).map((i) => i.id)).toContain(ids[1]);
  // Another department's head sees none of them; a bad filter is a 400 naming it.
  const other = await ctx.stack.http('GET', '/exams', { as: ctx.dir.otherHead });
  expect((other.body.items as { id: string }[]).filter((i) => ids.includes(i.id))).toEqual([]);
  const bad = await ctx.stack.http('GET', '/exams?overdue=maybe', { as: ctx.dir.head });
  expect(bad.body.errors).toEqual([{ path: 'overdue', message: 'must be true or false' }]);
  // Page by page: limit 1 and the cursor reach both exams, each once.
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = `/exams?limit=1&department=${ctx.dir.departmentId}${cursor ? `&cursor=${cursor}` : ''}`;
    const page = await ctx.stack.http('GET', query, { as: ctx.dir.head });
    seen.push(...(page.body.items as { id: string }[]).map((i) => i.id));
    cursor = page.body.nextCursor as string | null;
  } while (cursor !== null);
  expect(seen.filter((id) => ids.includes(id)).sort()).toEqual([...ids].sort());
  expect(new Set(seen).size).toBe(seen.length);
  for (const id of ids)
    await ctx.stack.client.workflow.getHandle(`exam-${id}`).terminate('test done');
});
