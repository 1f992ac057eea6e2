import { useStack } from './harness';

/**
 * GET /policy/clauses on the running system with the SOP as written (no policy file): every clause
 * of the SOP with what enforces it (issue 7, clause coverage).
 */
const ctx = useStack({ policyFile: null });

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);
const EVERY_CLAUSE = [
  ...range('GP ', 1, 4),
  ...range('§5.', 1, 19),
  ...range('row ', 1, 12),
  ...range('Form ', 1, 4),
  'impostor act',
];

interface ClauseBody {
  id: string;
  title: string;
  sets: string[];
  enforcedBy: {
    steps: { id: string; title: string; ownerRole: string; deadline: { expression: string } }[];
    rules: { id: string; value: Record<string, unknown> }[];
    checks: { check: string; module: string }[];
    events: { event: string; roles: string[] }[];
    documents: string[];
  };
  uncovered: string[];
  pending?: { sets: string[]; reason: string };
}
interface ClausesBody {
  policyVersion: string;
  language: string;
  items: ClauseBody[];
  nextCursor: null;
  unknownClauses: string[];
}

async function clauses(query = '', lang = 'en') {
  const answer = await ctx.stack.http('GET', `/policy/clauses${query}`, {
    headers: { 'Accept-Language': lang },
    as: ctx.dir.head,
  });
  return answer as unknown as { status: number; headers: Headers; body: ClausesBody };
}

const item = (body: ClausesBody, id: string) => {
  const found = body.items.find((c) => c.id === id);
  if (found === undefined) throw new Error(`no ${id}`);
  return found;
};

test('GET /policy/clauses lists every clause once (GP 1–4, §5.1–§5.19, rows 1–12, Forms 1–4) with its enforcers (GP 3, §5.17, row 12)', async () => {
  const answer = await clauses();
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-language')).toBe('en');
  const { body } = answer;
  expect(body.items.map((c) => c.id)).toEqual(EVERY_CLAUSE);
  expect(body.policyVersion).toBe('sop-2025-11-26-ed1/v1');
  expect(body.nextCursor).toBeNull();
  expect(body.unknownClauses).toEqual([]);

  const gp3 = item(body, 'GP 3');
  expect(gp3.sets).toEqual(['deadline', 'count', 'role', 'document']);
  expect(gp3.uncovered).toEqual([]);
  expect(gp3.enforcedBy.steps[0]).toMatchObject({
    id: 'departmentDiscussion',
    ownerRole: 'department_head',
    deadline: {
      expression: 'D − 2 month(s); on a non-working day, the previous working day',
    },
  });
  expect(gp3.enforcedBy.rules.map((r) => r.id)).toEqual(['questionCount']);
  expect(gp3.enforcedBy.checks).toEqual(
    expect.arrayContaining([expect.objectContaining({ check: 'checkQuestionCount' })]),
  );

  expect(item(body, '§5.17').enforcedBy.steps).toEqual([
    expect.objectContaining({
      id: 'grading',
      ownerRole: 'examiner',
      deadline: expect.objectContaining({
        expression: 'at most 300 works: E + 3 day(s); more than 300 works: E + 5 day(s)',
      }) as unknown,
    }),
  ]);
  expect(item(body, 'row 12').enforcedBy.events.map((e) => e.event)).toEqual(['appealFiled']);
  expect(item(body, 'GP 1').sets).toEqual(['procedure-only']);

  // Nothing is uncovered but the gaps the catalogue states, each with its reason.
  for (const clause of body.items) {
    expect([clause.id, clause.uncovered]).toEqual([clause.id, clause.pending?.sets ?? []]);
  }
});

test('GET /policy/clauses follows Accept-Language (kk, ru) and filters ?uncovered=true to the gaps (§5.4, §5.10, row 8)', async () => {
  const ru = await clauses('', 'ru');
  expect(ru.headers.get('content-language')).toBe('ru');
  expect(item(ru.body, '§5.17').title).toMatch(/300 работ/);
  const kk = await clauses('', 'kk');
  expect(item(kk.body, '§5.17').title).toMatch(/300-ге дейін/);

  const gaps = await clauses('?uncovered=true');
  expect(gaps.status).toBe(200);
  const ids = gaps.body.items.map((c) => c.id);
  expect(ids).toEqual(expect.arrayContaining(['§5.4', '§5.10', 'row 8']));
  expect(ids).not.toContain('GP 3');
  for (const clause of gaps.body.items) expect(clause.uncovered.length).toBeGreaterThan(0);
  const covered = await clauses('?uncovered=false');
  expect(covered.body.items.length + gaps.body.items.length).toBe(EVERY_CLAUSE.length);

  const bad = await clauses('?uncovered=maybe');
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ errors: [{ path: 'uncovered' }] });
});

test('GET /policy/clauses answers 401 without sign-in and 403 to a student', async () => {
  expect((await ctx.stack.http('GET', '/policy/clauses')).status).toBe(401);
  expect((await ctx.stack.http('GET', '/policy/clauses', { as: ctx.dir.student })).status).toBe(
    403,
  );
  expect((await ctx.stack.http('GET', '/policy/clauses', { as: ctx.dir.auditor })).status).toBe(
    200,
  );
});
