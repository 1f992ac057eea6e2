import { WorkflowUpdateFailedError } from '@temporalio/client';
import {
  decideStepUpdate,
  examStateQuery,
  reopenStepsUpdate,
  type StepSubject,
} from '../../workflows/exam.contract';
import { uniqueId } from '../support';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * Document-backed steps (issue 8): GP 3's approvals approve a specific question-list version;
 * a change after approval reopens them. Exam on Tuesday 16 March 2027: the department's
 * discussion is due at the end of Friday 15 January (D − 2 months, previous working day).
 */
const ctx = useTimeSkipping();
const GP3 = onlySteps(['departmentDiscussion', 'programmeCommitteeApproval']);
const V1: StepSubject = { kind: 'questionList', version: 1, sha256: 'a'.repeat(64) };
const V2: StepSubject = { kind: 'questionList', version: 2, sha256: 'b'.repeat(64) };

test('GP 3, row 1: an approval records the question-list version; a new version reopens it, due by the rework rule', async () => {
  const examId = uniqueId('docs');
  const { handle, dir } = await startExam(ctx, examId, { policy: GP3, days: ['2027-03-16'] });
  await skipTo(ctx.env, Date.parse('2027-01-05T10:00:00+05:00'));
  const head = dir.byRole.department_head!;
  const approve = (subject: StepSubject) =>
    handle.executeUpdate(decideStepUpdate, {
      args: [
        {
          stepId: 'departmentDiscussion',
          decision: 'approve',
          actor: head.id,
          actorName: head.fullName,
          actorRoles: ['department_head'],
          via: { kind: 'api' },
          subject,
        },
      ],
    });
  await approve(V1);
  let state = await handle.query(examStateQuery);
  expect(state.steps.find((s) => s.stepId === 'departmentDiscussion')).toMatchObject({
    status: 'approved',
    subject: V1,
  });
  const [row] = await ctx.db.query<{ subject: StepSubject }[]>(
    `SELECT subject FROM exam_step WHERE exam_id = $1 AND step_id = 'departmentDiscussion'`,
    [examId],
  );
  expect(row.subject).toEqual(V1);

  // Version 2 is uploaded on 7 January: the discussion is open again.
  await skipTo(ctx.env, Date.parse('2027-01-07T10:00:00+05:00'));
  const reopen = (stepIds: string[]) =>
    handle.executeUpdate(reopenStepsUpdate, {
      args: [
        {
          stepIds,
          reason: 'question list version 2 uploaded',
          clauses: ['GP 3', 'row 1'],
          actor: head.id,
          actorName: head.fullName,
          subject: V2,
        },
      ],
    });
  await reopen(['departmentDiscussion']);
  state = await handle.query(examStateQuery);
  const reopened = state.steps.find((s) => s.stepId === 'departmentDiscussion')!;
  expect(reopened.status).toBe('open');
  expect(reopened.subject).toBeUndefined();
  // The original due (15 January) is still ahead: rework keeps it (no earlier than 3 working days).
  expect(reopened.dueAt).toBeGreaterThanOrEqual(Date.parse('2027-01-12T23:59:59.999+05:00'));
  const records = await ctx.db.query<
    { action: string; clauses: string[]; after: { subject: StepSubject } }[]
  >(
    `SELECT action, clauses, after FROM audit_log
      WHERE exam_id = $1 AND step_id = 'departmentDiscussion' AND action IN ('step.approved', 'step.reopened')
      ORDER BY seq`,
    [examId],
  );
  expect(records.map((r) => [r.action, r.clauses, r.after.subject])).toEqual([
    ['step.approved', ['GP 3', 'row 1'], V1],
    ['step.reopened', ['GP 3', 'row 1'], V2],
  ]);

  // A step that is not approved is not reopened: refused by the validator.
  await expect(reopen(['departmentDiscussion'])).rejects.toBeInstanceOf(WorkflowUpdateFailedError);
  // Approved again, now version 2; it is not overdue and no longer open.
  await approve(V2);
  state = await handle.query(examStateQuery);
  expect(state.steps.find((s) => s.stepId === 'departmentDiscussion')).toMatchObject({
    status: 'approved',
    subject: V2,
  });
});
