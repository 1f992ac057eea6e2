import { join } from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { seedCommitment, ticketVariants } from '../../activities/assignment.activity';
import { SmtpMailer } from '../../activities/mailer';
import { LocalProctoringAdapter } from '../../activities/proctoring/local';
import { documentKey } from '../../activities/sealed';
import { createDataSource } from '../../migrations/data-source';
import { assignTickets } from '../../sop/rules';
import {
  admit,
  insertAssignmentExam,
  insertEarlierTicket,
  insertStudents,
  insertTicketSet,
  keyOfVariant,
  variantsOf,
} from '../assignment-fixture';
import { seedDirectory, type DirectoryFixture } from '../directory-fixture';
import { testInfra, uniqueId } from '../support';

/**
 * The assignment activities (§5.3, §5.5) against the real PostgreSQL: every admitted student of
 * the day gets a variant of the head-approved set drawn from the committed seed, a retaker never
 * one they had in an earlier exam of the discipline, a student who had them all is refused and
 * recorded; a retry writes nothing new; the seeds are revealed after the exam.
 */
let db: DataSource;
let mailer: SmtpMailer;
let dir: DirectoryFixture;
const key = documentKey(Buffer.alloc(32, 7).toString('base64'));
let activities: ReturnType<typeof createActivities>;

beforeAll(async () => {
  db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2 });
  await db.initialize();
  mailer = new SmtpMailer(testInfra().smtpUrl, 'Emtihan test <emtihan@localhost>');
  activities = createActivities({
    db,
    mailer,
    publicUrl: 'http://emtihan.test',
    linkSecret: 'x'.repeat(32),
    documentKey: key,
    proctoring: new LocalProctoringAdapter(join(testInfra().varDir, 'recordings')),
  });
  dir = await seedDirectory(db, uniqueId('assignment'));
});
afterAll(async () => {
  mailer.close();
  await db.destroy();
});

const run = <T>(activityId: string, fn: () => Promise<T>) =>
  new MockActivityEnvironment({ activityId, attempt: 1 }).run<[], T, () => Promise<T>>(fn);

interface AuditRow {
  key: string;
  action: string;
  clauses: string[];
  actor: string;
  after: Record<string, unknown>;
  workflow_id: string;
  run_id: string;
  history_event_id: string | null;
}
const auditOf = (examId: string, action: string) =>
  db.query<AuditRow[]>(
    `SELECT key, action, clauses, actor, after, workflow_id, run_id, history_event_id
       FROM audit_log WHERE exam_id = $1 AND action = $2 ORDER BY seq`,
    [examId, action],
  );
const ticketsOf = (examId: string) =>
  db.query<
    {
      day: number;
      student_id: string;
      set_sha256: string;
      variant: number;
      variant_key: string;
      assigned_at: Date;
    }[]
  >(`SELECT * FROM ticket_assignment WHERE exam_id = $1 ORDER BY student_id`, [examId]);

test('§5.5: every admitted student of the day gets a variant of the latest approved set from its seed; a retry writes nothing new', async () => {
  const tag = uniqueId('made');
  const examId = tag;
  await insertAssignmentExam(db, {
    id: examId,
    discipline: `Pharmacology ${tag}`,
    departmentId: dir.departmentId,
    days: ['2027-06-15', '2027-06-16'],
  });
  const students = await insertStudents(db, tag, dir.departmentId, 25);
  const base = { examId, day: 1, uploadedBy: dir.head.id };
  await insertTicketSet(db, key, {
    ...base,
    version: 1,
    variants: variantsOf(`${tag} v1`, 10),
    approvedBy: dir.head.id,
  });
  // The latest approved version is the one drawn from; a later unapproved upload is not.
  const v2 = await insertTicketSet(db, key, {
    ...base,
    version: 2,
    variants: variantsOf(`${tag} v2`, 12),
    approvedBy: dir.head.id,
  });
  await insertTicketSet(db, key, {
    ...base,
    version: 3,
    variants: variantsOf(`${tag} v3`, 10),
    approvedBy: null,
    seed: null,
  });
  await admit(db, examId, dir.head.id, [
    ...students.slice(0, 20).map((s) => ({ studentId: s.id })),
    ...students.slice(20, 22).map((s) => ({ studentId: s.id, admitted: false })),
    ...students.slice(22).map((s) => ({ studentId: s.id, day: 2 })),
  ]);

  const input = {
    examId,
    day: 1,
    at: Date.parse('2027-06-15T09:00:00+05:00'),
    workflowId: `exam-${examId}`,
    runId: 'run-1',
    historyEventId: 42,
  };
  const result = await run('assign-day-1', () => activities.assignTicketsForDay(input));
  expect(result).toEqual({
    day: 1,
    setVersion: 2,
    setSha256: v2.sha256,
    commitment: v2.commitment,
    students: 20,
    refused: [],
  });

  const rows = await ticketsOf(examId);
  expect(rows).toHaveLength(20);
  const admitted = students.slice(0, 20).map((s) => ({ id: s.id }));
  const expected = assignTickets(v2.seed!, ticketVariants(v2.content), admitted).assignments;
  const keys = v2.content.variants.map(keyOfVariant);
  expect(
    rows.map((r) => [r.student_id, r.day, r.set_sha256, r.variant, r.variant_key]).sort(),
  ).toEqual(
    expected.map((a) => [a.studentId, 1, v2.sha256, a.variant + 1, keys[a.variant]]).sort(),
  );
  expect(rows.every((r) => r.assigned_at.getTime() === input.at)).toBe(true);

  const [record, ...more] = await auditOf(examId, 'assignment.made');
  expect(more).toEqual([]);
  expect(record).toMatchObject({
    key: `exam-${examId}/run-1/assign-day-1`,
    clauses: ['§5.3', '§5.5'],
    actor: 'system:workflow',
    after: {
      day: 1,
      setVersion: 2,
      setSha256: v2.sha256,
      commitment: v2.commitment,
      students: 20,
      refused: [],
    },
    workflow_id: `exam-${examId}`,
    run_id: 'run-1',
    history_event_id: '42',
  });
  // The audit record publishes the commitment, never the seed (it is revealed after the exam).
  expect(JSON.stringify(record.after)).not.toContain(v2.seed);

  // A retry of the same activity: the same answer, no new row, no second record.
  const again = await run('assign-day-1', () => activities.assignTicketsForDay(input));
  expect(again).toEqual(result);
  expect(await ticketsOf(examId)).toEqual(rows);
  expect(await auditOf(examId, 'assignment.made')).toHaveLength(1);
});

test('§5.3: a retaker never gets a variant they had in an earlier exam of the discipline; one who had them all is refused and recorded', async () => {
  const tag = uniqueId('retake');
  const discipline = `Pathology ${tag}`;
  const variants = variantsOf(`${tag} set`, 10);
  const keys = variants.map(keyOfVariant);
  const [retaker, exhausted, fresh] = await insertStudents(db, tag, dir.departmentId, 3);

  // The first sitting (same discipline, same tickets), assigned by the activity itself.
  const first = `${tag}-first`;
  await insertAssignmentExam(db, {
    id: first,
    discipline,
    departmentId: dir.departmentId,
    days: ['2027-01-12'],
  });
  await insertTicketSet(db, key, {
    examId: first,
    day: 1,
    version: 1,
    variants,
    uploadedBy: dir.head.id,
    approvedBy: dir.head.id,
  });
  await admit(db, first, dir.head.id, [{ studentId: retaker.id }]);
  await run('assign-first', () =>
    activities.assignTicketsForDay({
      examId: first,
      day: 1,
      at: Date.parse('2027-01-12T09:00:00+05:00'),
      workflowId: `exam-${first}`,
      runId: 'run-1',
    }),
  );
  const had = (await ticketsOf(first))[0].variant - 1;
  // Earlier retakes: the retaker had every variant but one; another student had all ten. A
  // variant held in another discipline does not count.
  const left = (had + 5) % 10;
  for (let k = 0; k < 10; k++) {
    const earlier = `${tag}-earlier-${k}`;
    await insertAssignmentExam(db, {
      id: earlier,
      discipline,
      departmentId: dir.departmentId,
      days: [`2027-02-${String(k + 1).padStart(2, '0')}`],
    });
    if (k !== had && k !== left)
      await insertEarlierTicket(db, {
        examId: earlier,
        studentId: retaker.id,
        variant: k + 1,
        variantKey: keys[k],
      });
    await insertEarlierTicket(db, {
      examId: earlier,
      studentId: exhausted.id,
      variant: k + 1,
      variantKey: keys[k],
    });
  }
  const otherDiscipline = `${tag}-other`;
  await insertAssignmentExam(db, {
    id: otherDiscipline,
    discipline: `Anatomy ${tag}`,
    departmentId: dir.departmentId,
    days: ['2027-03-01'],
  });
  await insertEarlierTicket(db, {
    examId: otherDiscipline,
    studentId: retaker.id,
    variant: left + 1,
    variantKey: keys[left],
  });

  const examId = `${tag}-retake`;
  await insertAssignmentExam(db, {
    id: examId,
    discipline,
    departmentId: dir.departmentId,
    days: ['2027-06-20'],
  });
  await insertTicketSet(db, key, {
    examId,
    day: 1,
    version: 1,
    variants,
    uploadedBy: dir.head.id,
    approvedBy: dir.head.id,
  });
  await admit(db, examId, dir.head.id, [
    { studentId: retaker.id, retake: true },
    { studentId: exhausted.id, retake: true },
    { studentId: fresh.id },
  ]);
  const result = await run('assign-retake', () =>
    activities.assignTicketsForDay({
      examId,
      day: 1,
      at: Date.parse('2027-06-20T09:00:00+05:00'),
      workflowId: `exam-${examId}`,
      runId: 'run-1',
    }),
  );
  expect(result).toMatchObject({ students: 2, refused: [exhausted.id] });
  const rows = await ticketsOf(examId);
  expect(rows.map((r) => r.student_id).sort()).toEqual([retaker.id, fresh.id].sort());
  const retakerRow = rows.find((r) => r.student_id === retaker.id)!;
  expect(retakerRow.variant).toBe(left + 1);
  expect(retakerRow.variant_key).toBe(keys[left]);

  const [record] = await auditOf(examId, 'assignment.made');
  expect(record.clauses).toEqual(['§5.3', '§5.5']);
  expect(record.after).toMatchObject({
    students: 2,
    refused: [{ studentId: exhausted.id, clause: '§5.3' }],
  });
  expect((record.after.refused as { message: string }[])[0].message).toContain(exhausted.id);
});

test('§5.1: no approved set, or no committed seed, fails without retrying and names the clause (no set at all: skipped)', async () => {
  const tag = uniqueId('noset');
  const examId = tag;
  await insertAssignmentExam(db, {
    id: examId,
    discipline: `Histology ${tag}`,
    departmentId: dir.departmentId,
    days: ['2027-06-22'],
  });
  const input = {
    examId,
    day: 1,
    at: Date.parse('2027-06-22T09:00:00+05:00'),
    workflowId: `exam-${examId}`,
    runId: 'run-1',
  };
  const failure = async () => {
    try {
      await run('assign', () => activities.assignTicketsForDay(input));
    } catch (error) {
      return error as ApplicationFailure;
    }
    throw new Error('the assignment did not fail');
  };
  // No set uploaded at all: the department keeps its tickets outside Emtihan; nothing to assign.
  expect(await run('assign', () => activities.assignTicketsForDay(input))).toEqual({
    day: 1,
    skipped: 'no-ticket-sets',
  });
  await insertTicketSet(db, key, {
    examId,
    day: 1,
    version: 1,
    variants: variantsOf(tag, 10),
    uploadedBy: dir.head.id,
    approvedBy: null,
  });
  const unapproved = await failure();
  expect(unapproved).toBeInstanceOf(ApplicationFailure);
  expect(unapproved).toMatchObject({ nonRetryable: true, type: 'NoApprovedTicketSet' });
  expect(unapproved.message).toContain('§5.1');

  await insertTicketSet(db, key, {
    examId,
    day: 1,
    version: 2,
    variants: variantsOf(`${tag} v2`, 10),
    uploadedBy: dir.head.id,
    approvedBy: dir.head.id,
    seed: null,
  });
  const unseeded = await failure();
  expect(unseeded).toMatchObject({ nonRetryable: true, type: 'NoCommittedSeed' });
  expect(unseeded.message).toContain('§5.1');
  expect(await ticketsOf(examId)).toEqual([]);
  expect(await auditOf(examId, 'assignment.made')).toEqual([]);
});

test('§5.5: after the exam every committed seed is revealed beside its commitment, once', async () => {
  const tag = uniqueId('reveal');
  const examId = tag;
  await insertAssignmentExam(db, {
    id: examId,
    discipline: `Physiology ${tag}`,
    departmentId: dir.departmentId,
    days: ['2027-06-24', '2027-06-25'],
  });
  const sets = [];
  for (const day of [1, 2])
    sets.push(
      await insertTicketSet(db, key, {
        examId,
        day,
        version: 1,
        variants: variantsOf(`${tag} d${day}`, 10),
        uploadedBy: dir.head.id,
        approvedBy: dir.head.id,
      }),
    );
  const at = Date.parse('2027-06-25T23:30:00+05:00');
  const input = { examId, at, workflowId: `exam-${examId}`, runId: 'run-1', historyEventId: 77 };
  const result = await run('reveal', () => activities.revealAssignmentSeeds(input));
  expect(result.revealed).toEqual(
    sets.map((s, i) => ({
      day: i + 1,
      setSha256: s.sha256,
      commitment: s.commitment,
      matchesCommitment: true,
    })),
  );
  const seeds = await db.query<
    { day: number; commitment: string; revealed_seed: string; revealed_at: Date }[]
  >(
    `SELECT day, commitment, revealed_seed, revealed_at FROM assignment_seed WHERE exam_id = $1 ORDER BY day`,
    [examId],
  );
  expect(seeds.map((s) => [s.day, s.revealed_seed, s.revealed_at.getTime()])).toEqual([
    [1, sets[0].seed, at],
    [2, sets[1].seed, at],
  ]);
  for (const s of seeds) expect(seedCommitment(s.revealed_seed)).toBe(s.commitment);

  const records = await auditOf(examId, 'assignment.seed-revealed');
  expect(records.map((r) => [r.clauses, r.after, r.history_event_id])).toEqual(
    sets.map((s, i) => [
      ['§5.5'],
      { day: i + 1, setSha256: s.sha256, commitment: s.commitment, seed: s.seed },
      '77',
    ]),
  );
  // A retry finds the seeds revealed: nothing is written again.
  expect(await run('reveal', () => activities.revealAssignmentSeeds(input))).toEqual({
    revealed: [],
  });
  expect(await auditOf(examId, 'assignment.seed-revealed')).toHaveLength(2);
});
