import { documentKey } from '../../activities/sealed';
import { admit, insertStudents, insertTicketSet, variantsOf } from '../assignment-fixture';
import { uniqueId, waitFor } from '../support';
import { onlySteps } from './policies';
import { decideAs, skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * §5.6, §5.18, rows 6–8 in the exam workflow (issue 8): at E every student who sat the exam gets
 * a work code (the mapping sealed); when the grading step is approved the workflow opens it.
 */
const ctx = useTimeSkipping();
const key = documentKey(Buffer.alloc(32, 7).toString('base64'));

test('§5.6, row 6, row 8: works are coded at E and opened only when the grading step is approved', async () => {
  const examId = uniqueId('wf-grading');
  const { handle, dir } = await startExam(ctx, examId, {
    policy: onlySteps(['grading']),
    days: ['2027-06-15'],
  });
  const students = await insertStudents(ctx.db, examId, dir.departmentId, 5);
  await insertTicketSet(ctx.db, key, {
    examId,
    day: 1,
    version: 1,
    variants: variantsOf(examId, 10),
    uploadedBy: dir.head.id,
    approvedBy: dir.head.id,
  });
  await admit(
    ctx.db,
    examId,
    dir.head.id,
    students.map((s) => ({ studentId: s.id })),
  );
  const works = () =>
    ctx.db.query<{ code: string; student_id: string | null; opened_at: Date | null }[]>(
      `SELECT code, student_id, opened_at FROM exam_work WHERE exam_id = $1 ORDER BY code`,
      [examId],
    );

  // After E (12:00): five works, each with a code, nobody's name on them.
  await skipTo(ctx.env, Date.parse('2027-06-15T12:01:00+05:00'));
  const coded = await waitFor(
    'the work codes',
    async () => {
      const rows = await works();
      return rows.length === 5 ? rows : undefined;
    },
    30_000,
  );
  expect(new Set(coded.map((w) => w.code)).size).toBe(5);
  expect(coded.every((w) => w.student_id === null && w.opened_at === null)).toBe(true);

  // The examiner approves the grading step: the codes are opened (row 8), once.
  await skipTo(ctx.env, Date.parse('2027-06-16T10:00:00+05:00'));
  await decideAs(handle, dir, 'grading', 'approve', 'examiner', 'all graded');
  const opened = await waitFor(
    'the codes to open',
    async () => {
      const rows = await works();
      return rows.every((w) => w.student_id !== null) ? rows : undefined;
    },
    30_000,
  );
  expect(opened.map((w) => w.student_id).sort()).toEqual(students.map((s) => s.id).sort());
  const records = await ctx.db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log
      WHERE exam_id = $1 AND action IN ('grading.anonymised', 'grading.deanonymised') ORDER BY seq`,
    [examId],
  );
  expect(records.map((r) => r.action)).toEqual(['grading.anonymised', 'grading.deanonymised']);
  expect(records[1].clauses).toContain('row 8');
});
