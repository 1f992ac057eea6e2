import { join } from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DataSource } from 'typeorm';
import { createActivities } from '../../activities';
import { SmtpMailer } from '../../activities/mailer';
import { LocalProctoringAdapter } from '../../activities/proctoring/local';
import { documentKey } from '../../activities/sealed';
import { insertExam } from '../../api/exams/exams.repository';
import { createDataSource } from '../../migrations/data-source';
import type { StepState } from '../../workflows/exam.contract';
import { testInfra, uniqueId } from '../support';
import { seedDirectory } from '../directory-fixture';

/**
 * The activities write the workflow's step snapshots into the read model in whatever order they
 * happen to run (an approval can race the step's opening; a retried activity lands late). The
 * real activities against the real PostgreSQL: the newest snapshot always wins, and an activity
 * retried with the same identity writes its audit record once.
 */
let db: DataSource;
let mailer: SmtpMailer;
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
    documentKey: documentKey(Buffer.alloc(32, 7).toString('base64')),
    proctoring: new LocalProctoringAdapter(join(testInfra().varDir, 'recordings')),
  });
});
afterAll(async () => {
  mailer.close();
  await db.destroy();
});

const run = <T>(activityId: string, fn: () => Promise<T>) =>
  new MockActivityEnvironment({ activityId, attempt: 1 }).run(fn);

async function exam() {
  const examId = uniqueId('rm');
  const dir = await seedDirectory(db, examId);
  await insertExam(db, {
    id: examId,
    discipline: 'Pharmacology',
    departmentId: dir.departmentId,
    examDate: '2027-03-16',
    startsAt: new Date('2027-03-16T09:00:00+05:00'),
    policyVersion: 'test',
    workflowId: `exam-${examId}`,
    facts: {
      examId,
      days: ['2027-03-16'],
      startsAt: Date.parse('2027-03-16T09:00:00+05:00'),
      endsAt: Date.parse('2027-03-16T12:00:00+05:00'),
      expectedWorks: 0,
      summer: false,
      retake: false,
    },
  });
  const ref = {
    examId,
    stepId: 'departmentDiscussion',
    clauses: ['GP 3', 'row 1'],
    workflowId: `exam-${examId}`,
    runId: 'run-1',
  };
  const opened: StepState = {
    stepId: 'departmentDiscussion',
    ruleId: 'departmentDiscussion',
    clauses: ['GP 3', 'row 1'],
    status: 'open',
    version: 1,
    openedAt: Date.parse('2026-11-25T10:00:00Z'),
    dueAt: Date.parse('2027-01-15T23:59:59.999+05:00'),
    reminders: [],
    remindersSent: [],
    rejections: 0,
    ownerRole: 'department_head',
    escalation: ['dean'],
    escalationsSent: [],
  };
  const approved: StepState = {
    ...opened,
    status: 'approved',
    version: 2,
    approvedAt: Date.parse('2026-11-25T10:00:01Z'),
    approvedBy: 'head@example.edu.kz',
  };
  return {
    examId,
    /** recordStepOpened (activity id 1) with the version-1 snapshot. */
    open: () =>
      run('1', () => activities.recordStepOpened({ ...ref, step: opened, at: opened.openedAt })),
    /** recordStepDecision (activity id 2) with the version-2 snapshot. */
    approve: () =>
      run('2', () =>
        activities.recordStepDecision({
          ...ref,
          step: approved,
          at: approved.approvedAt!,
          request: {
            stepId: 'departmentDiscussion',
            decision: 'approve',
            actor: 'head@example.edu.kz',
            actorRoles: ['department_head'],
            actorName: 'Head',
            via: { kind: 'api' },
          },
          before: 'open',
        }),
      ),
  };
}

async function stepRow(examId: string) {
  const rows = await db.query<{ status: string; version: number; approved_by: string | null }[]>(
    `SELECT status, version, approved_by FROM exam_step WHERE exam_id = $1`,
    [examId],
  );
  return rows[0];
}

test('GP 3 / row 1: an approval written before the opening is not overwritten by the late opening', async () => {
  const step = await exam();
  await step.approve();
  await step.open();
  expect(await stepRow(step.examId)).toEqual({
    status: 'approved',
    version: 2,
    approved_by: 'head@example.edu.kz',
  });
});

test('GP 3 / row 1: in order, each newer snapshot replaces the older one', async () => {
  const step = await exam();
  await step.open();
  expect(await stepRow(step.examId)).toEqual({ status: 'open', version: 1, approved_by: null });
  await step.approve();
  expect(await stepRow(step.examId)).toEqual({
    status: 'approved',
    version: 2,
    approved_by: 'head@example.edu.kz',
  });
});

test('GP 3 / row 1: a retried activity (same activity id) writes one audit record', async () => {
  const step = await exam();
  await step.open();
  await step.open();
  const audit = await db.query<{ action: string; clauses: string[] }[]>(
    `SELECT action, clauses FROM audit_log WHERE exam_id = $1`,
    [step.examId],
  );
  expect(audit).toEqual([{ action: 'step.opened', clauses: ['GP 3', 'row 1'] }]);
});
