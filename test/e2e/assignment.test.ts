import { MockActivityEnvironment } from '@temporalio/testing';
import { createAssignmentActivities } from '../../activities/assignment.activity';
import { documentKey } from '../../activities/sealed';
import { AuthService } from '../../api/auth/auth.service';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import {
  admit,
  insertAssignmentExam,
  insertStudents,
  insertTicketSet,
  variantsOf,
} from '../assignment-fixture';
import { uniqueId } from '../support';
import { useStack } from './harness';

/**
 * The ticket assignment through the API (§5.3, §5.5): the paperwork's rows written as the upload
 * and the approval write them, the activities run against the stack's database, then the routes:
 * a student's own ticket once their day started, the Moodle export, and the check anyone who reads
 * the exam may run after the seeds are revealed — which names a student whose stored ticket was
 * changed.
 */
const ctx = useStack();
// The stack runs with the embedded development DOCUMENT_KEY (NODE_ENV=test sets none).
const key = documentKey(EMBEDDED_DEFAULTS.DOCUMENT_KEY);
const PASSWORD = 'correct horse battery staple';

const tag = uniqueId('assignment');
const examId = tag;
let students: { id: string; email: string; fullName: string; password: string }[];
let sets: Awaited<ReturnType<typeof insertTicketSet>>[];
let activities: ReturnType<typeof createAssignmentActivities>;
const run = <T>(activityId: string, fn: () => Promise<T>) =>
  new MockActivityEnvironment({ activityId, attempt: 1 }).run<[], T, () => Promise<T>>(fn);
const stored = async () =>
  ctx.db.query<{ student_id: string; day: number; variant: number }[]>(
    `SELECT student_id, day, variant FROM ticket_assignment WHERE exam_id = $1 ORDER BY student_id`,
    [examId],
  );

beforeAll(async () => {
  activities = createAssignmentActivities({ db: ctx.db, documentKey: key });
  // Day 1 started an hour ago; day 2 is tomorrow.
  const started = Date.now() - 3_600_000;
  await insertAssignmentExam(ctx.db, {
    id: examId,
    discipline: `Microbiology ${tag}`,
    departmentId: ctx.dir.departmentId,
    startsAt: started,
    dayCount: 2,
  });
  const hash = await AuthService.hashPassword(PASSWORD);
  students = (await insertStudents(ctx.db, tag, ctx.dir.departmentId, 8, hash)).map((s) => ({
    ...s,
    password: PASSWORD,
  }));
  sets = [];
  for (const day of [1, 2])
    sets.push(
      await insertTicketSet(ctx.db, key, {
        examId,
        day,
        version: 1,
        variants: variantsOf(`${tag} day ${day}`, 10),
        uploadedBy: ctx.dir.head.id,
        approvedBy: ctx.dir.head.id,
      }),
    );
  await admit(ctx.db, examId, ctx.dir.head.id, [
    ...students.slice(0, 6).map((s) => ({ studentId: s.id })),
    { studentId: students[6].id, day: 2 },
    { studentId: students[7].id, admitted: false },
  ]);
  for (const day of [1, 2])
    await run(`assign-${day}`, () =>
      activities.assignTicketsForDay({
        examId,
        day,
        at: started,
        workflowId: `exam-${examId}`,
        runId: 'run-1',
      }),
    );
});

test('§5.5: before the seeds are revealed the assignment cannot be verified (409)', async () => {
  const answer = await ctx.stack.http('GET', `/exams/${examId}/assignment/verify`, {
    as: ctx.dir.auditor,
  });
  expect(answer.status).toBe(409);
  expect(answer.headers.get('content-type')).toContain('application/problem+json');
  expect(answer.body.detail).toContain('§5.5');
  expect(answer.body.detail).toContain('revealed after the exam');
});

test("§5.5: a student sees their own ticket once their day started, and no one else's", async () => {
  const [row] = (await stored()).filter((r) => r.student_id === students[0].id);
  const mine = await ctx.stack.http('GET', `/exams/${examId}/my-ticket`, { as: students[0] });
  expect(mine.status).toBe(200);
  expect(mine.body).toMatchObject({ examId, day: 1, variant: row.variant });
  expect(mine.body.items).toEqual(
    sets[0].content.variants[row.variant - 1].items.map((item, i) => ({
      number: i + 1,
      kind: item.kind,
      text: item.text,
    })),
  );
  // Only that variant: no other variant's text is in the answer.
  const others = sets[0].content.variants.filter((_, v) => v !== row.variant - 1);
  for (const variant of others)
    expect(JSON.stringify(mine.body)).not.toContain(variant.items[0].text);
  const viewed = await ctx.db.query<{ actor: string; clauses: string[]; after: unknown }[]>(
    `SELECT actor, clauses, after FROM audit_log WHERE exam_id = $1 AND action = 'ticketSet.viewed'`,
    [examId],
  );
  expect(viewed).toEqual([
    {
      actor: students[0].id,
      clauses: ['§5.5'],
      after: { day: 1, variant: row.variant, setSha256: sets[0].sha256 },
    },
  ]);

  // Day 2 has not started: its student waits; not admitted, another student, staff: no ticket.
  const early = await ctx.stack.http('GET', `/exams/${examId}/my-ticket`, { as: students[6] });
  expect(early.status).toBe(409);
  expect(early.body.detail).toContain('§5.5');
  for (const someone of [students[7], ctx.dir.student, ctx.dir.head, ctx.dir.auditor]) {
    const none = await ctx.stack.http('GET', `/exams/${examId}/my-ticket`, { as: someone });
    expect(none.status).toBe(404);
    expect(JSON.stringify(none.body)).not.toContain(`${tag} day 1`);
  }
});

test('§5.5: the Moodle export lists every assigned student (email, full name, day, variant), for the testing centre and the department', async () => {
  const centre = ctx.dir.byRole.testing_centre!;
  const answer = await ctx.stack.http('GET', `/exams/${examId}/assignment.csv`, { as: centre });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/csv');
  expect(answer.headers.get('content-disposition')).toContain(`assignment-${examId}.csv`);
  const text = String(answer.body.text);
  const [header, ...lines] = text
    .replace(/^\uFEFF/, '')
    .trimEnd()
    .split('\r\n');
  expect(header).toBe('email,full_name,day,variant');
  const rows = await stored();
  const byId = new Map(students.map((s) => [s.id, s]));
  expect(lines.sort()).toEqual(
    rows
      .map((r) => {
        const s = byId.get(r.student_id)!;
        return `${s.email},${s.fullName},${r.day},${r.variant}`;
      })
      .sort(),
  );
  expect(lines).toHaveLength(7);
  const read = await ctx.db.query<{ actor: string; after: { resource: string; count: number } }[]>(
    `SELECT actor, after FROM audit_log WHERE exam_id = $1 AND action = 'personal-data.read'`,
    [examId],
  );
  expect(
    read.filter((r) => r.actor === centre.id).map((r) => [r.after.resource, r.after.count]),
  ).toEqual([['GET /exams/:id/assignment.csv', 7]]);
  for (const [who, status] of [
    [ctx.dir.head, 200],
    [ctx.dir.byRole.department_responsible!, 200],
    [ctx.dir.dean, 403],
    [students[0], 403],
    [ctx.dir.otherHead, 404],
  ] as const)
    expect([
      who.email,
      (await ctx.stack.http('GET', `/exams/${examId}/assignment.csv`, { as: who })).status,
    ]).toEqual([who.email, status]);
});

test('§5.5: after the reveal the assignment recomputes from the seeds; a changed ticket is named', async () => {
  const revealed = await run('reveal', () =>
    activities.revealAssignmentSeeds({
      examId,
      at: Date.now(),
      workflowId: `exam-${examId}`,
      runId: 'run-1',
    }),
  );
  expect(revealed.revealed).toHaveLength(2);

  const verify = () =>
    ctx.stack.http('GET', `/exams/${examId}/assignment/verify`, { as: ctx.dir.auditor });
  const ok = await verify();
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({
    examId,
    verified: true,
    days: sets.map((s, i) => ({
      day: i + 1,
      setSha256: s.sha256,
      commitment: s.commitment,
      seed: s.seed,
      seedMatchesCommitment: true,
      setMatchesHash: true,
      students: i === 0 ? 6 : 1,
      refused: [],
      mismatches: [],
      problems: [],
    })),
  });
  // The check never shows the tickets themselves.
  expect(JSON.stringify(ok.body)).not.toContain(`${tag} day`);
  // Whoever reads the exam may verify: the head too.
  expect(
    (await ctx.stack.http('GET', `/exams/${examId}/assignment/verify`, { as: ctx.dir.head }))
      .status,
  ).toBe(200);

  // The application's role may change a stored ticket: the check shows it, naming the student.
  const [victim] = (await stored()).filter((r) => r.student_id === students[2].id);
  const changed = (victim.variant % 10) + 1;
  await ctx.db.query(
    `UPDATE ticket_assignment SET variant = $3 WHERE exam_id = $1 AND student_id = $2`,
    [examId, victim.student_id, changed],
  );
  const tampered = await verify();
  expect(tampered.status).toBe(200);
  expect(tampered.body.verified).toBe(false);
  const days = tampered.body.days as { day: number; mismatches: unknown[] }[];
  expect(days[0].mismatches).toEqual([
    {
      studentId: victim.student_id,
      expected: victim.variant,
      stored: changed,
      reason: 'the stored variant is not the one the seed gives',
    },
  ]);
  expect(days[1].mismatches).toEqual([]);
});
