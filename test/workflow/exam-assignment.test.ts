import { documentKey } from '../../activities/sealed';
import { admit, insertStudents, insertTicketSet, variantsOf } from '../assignment-fixture';
import { uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * §5.3, §5.5 in the exam workflow (issue 8): at the exam day's start every admitted student gets a
 * ticket drawn with the seed committed at the set's approval; after E the seed is revealed. The
 * worker of useTimeSkipping seals with this key.
 */
const ctx = useTimeSkipping();
const key = documentKey(Buffer.alloc(32, 7).toString('base64'));

test('§5.3, §5.5: the workflow assigns tickets at the day’s start and reveals the seed after E', async () => {
  const examId = uniqueId('wf-assign');
  const { dir } = await startExam(ctx, examId, {
    policy: onlySteps(['examinerList']),
    days: ['2027-06-15'],
  });
  const students = await insertStudents(ctx.db, examId, dir.departmentId, 12);
  const set = await insertTicketSet(ctx.db, key, {
    examId,
    day: 1,
    version: 1,
    variants: variantsOf(examId, 10),
    uploadedBy: dir.head.id,
    approvedBy: dir.head.id,
  });
  await admit(ctx.db, examId, dir.head.id, [
    ...students.slice(0, 11).map((s) => ({ studentId: s.id })),
    { studentId: students[11].id, admitted: false },
  ]);
  const tickets = () =>
    ctx.db.query<{ student_id: string; variant: number }[]>(
      `SELECT student_id, variant FROM ticket_assignment WHERE exam_id = $1`,
      [examId],
    );

  // Before the start (09:00 local): nothing is assigned.
  await skipTo(ctx.env, Date.parse('2027-06-15T08:59:00+05:00'));
  expect(await tickets()).toEqual([]);
  // At the start: the 11 admitted students, each a variant of the 10 (1-based), the other none.
  await skipTo(ctx.env, Date.parse('2027-06-15T09:01:00+05:00'));
  const assigned = await waitFor(
    'the assignment',
    async () => {
      const rows = await tickets();
      return rows.length === 11 ? rows : undefined;
    },
    30_000,
  );
  expect(assigned.every((t) => t.variant >= 1 && t.variant <= 10)).toBe(true);
  expect(assigned.map((t) => t.student_id)).not.toContain(students[11].id);

  // After E (12:00 by default): the seed is revealed and matches its commitment.
  await skipTo(ctx.env, Date.parse('2027-06-15T12:01:00+05:00'));
  const revealed = await waitFor(
    'the reveal',
    async () => {
      const rows = await ctx.db.query<{ revealed_seed: string | null; commitment: string }[]>(
        `SELECT revealed_seed, commitment FROM assignment_seed WHERE exam_id = $1`,
        [examId],
      );
      return rows[0]?.revealed_seed != null ? rows : undefined;
    },
    30_000,
  );
  expect(revealed).toEqual([{ revealed_seed: set.seed, commitment: set.commitment }]);
  const records = await ctx.db.query<{ action: string; clauses: string[]; workflow_id: string }[]>(
    `SELECT action, clauses, workflow_id FROM audit_log
      WHERE exam_id = $1 AND action IN ('assignment.made', 'assignment.seed-revealed') ORDER BY seq`,
    [examId],
  );
  expect(records).toEqual([
    { action: 'assignment.made', clauses: ['§5.3', '§5.5'], workflow_id: `exam-${examId}` },
    { action: 'assignment.seed-revealed', clauses: ['§5.5'], workflow_id: `exam-${examId}` },
  ]);
});
