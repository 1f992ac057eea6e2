import type { DataSource } from 'typeorm';
import { insertExam } from '../../api/exams/exams.repository';
import { documentHash, type QuestionListContent } from '../../api/paperwork/documents';
import { questionListSubject, stepsToReopen } from '../../api/paperwork/question-lists.service';
import { ProblemException } from '../../api/common/problem';
import { createDataSource } from '../../migrations/data-source';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import type { Policy } from '../../sop/policy';
import { seedDirectory, type DirectoryFixture } from '../directory-fixture';
import { testInfra, uniqueId } from '../support';

/**
 * The subject of GP 3's decisions (issue 8) against the real PostgreSQL: which question-list
 * version each step approves, and which approvals a newer version reopens. No Temporal: the step
 * rows are written as the read model holds them.
 */
let db: DataSource;
let dir: DirectoryFixture;

beforeAll(async () => {
  db = createDataSource({ url: testInfra().databaseUrl, poolSize: 2 });
  await db.initialize();
  dir = await seedDirectory(db, uniqueId('ql'));
});
afterAll(async () => {
  await db.destroy();
});

async function exam(credits?: number): Promise<string> {
  const examId = uniqueId('ql');
  await insertExam(db, {
    id: examId,
    discipline: `Anatomy ${examId}`,
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
      ...(credits !== undefined ? { credits } : {}),
      expectedWorks: 0,
      summer: false,
      retake: false,
    },
  });
  return examId;
}

function list(count: number, tag = ''): QuestionListContent {
  return {
    questions: Array.from({ length: count }, (_, i) => ({
      number: i + 1,
      text: `${tag}Question ${i + 1}`,
      kind: 'question' as const,
    })),
    rubric: [{ criterion: 'Answer', points: 10 }],
    aids: [],
    literature: [],
  };
}

async function addVersion(examId: string, content: QuestionListContent): Promise<string> {
  const sha256 = documentHash(content);
  await db.query(
    `INSERT INTO question_list (exam_id, version, sha256, content, question_count, source, uploaded_by)
     VALUES ($1, (SELECT coalesce(max(version), 0) + 1 FROM question_list WHERE exam_id = $1), $2, $3, $4, 'json', $5)`,
    [examId, sha256, JSON.stringify(content), content.questions.length, dir.head.id],
  );
  return sha256;
}

async function decided(
  examId: string,
  stepId: string,
  status: 'open' | 'approved',
  subject: unknown,
): Promise<void> {
  await db.query(
    `INSERT INTO exam_step (exam_id, step_id, clauses, status, due_at, opened_at, version, subject)
     VALUES ($1, $2, '{GP 3}', $3, now(), now(), 1, $4)
     ON CONFLICT (exam_id, step_id) DO UPDATE SET status = EXCLUDED.status, subject = EXCLUDED.subject`,
    [examId, stepId, status, subject === null ? null : JSON.stringify(subject)],
  );
}

/** The refusal's status and detail, for one assertion. */
async function refusal(promise: Promise<unknown>): Promise<{ status: number; detail: string }> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof ProblemException)) throw error;
    const body = error.getResponse() as { detail: string; clause?: string };
    expect(body.clause).toBe('GP 3');
    return { status: error.getStatus(), detail: body.detail };
  }
  throw new Error('expected a refusal');
}

const policy: Policy = DEFAULT_POLICY;

test('departmentDiscussion approves the latest version by default, or the one asked for; 422 without a list or with a wrong count', async () => {
  const examId = await exam(1);
  expect(await refusal(questionListSubject(db, policy, examId, 'departmentDiscussion'))).toEqual({
    status: 422,
    detail: expect.stringMatching(/no question list has been uploaded.*GP 3/) as string,
  });
  const v1 = await addVersion(examId, list(10));
  const v2 = await addVersion(examId, list(10, 'revised '));
  expect(await questionListSubject(db, policy, examId, 'departmentDiscussion')).toEqual({
    kind: 'questionList',
    version: 2,
    sha256: v2,
  });
  expect(await questionListSubject(db, policy, examId, 'departmentDiscussion', 1)).toEqual({
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  expect(
    (await refusal(questionListSubject(db, policy, examId, 'departmentDiscussion', 7))).detail,
  ).toMatch(/v7 does not exist; the latest is v2/);

  // A count that no longer fits (stored before a policy change): refused, naming the count.
  await addVersion(examId, list(9));
  expect(
    (await refusal(questionListSubject(db, policy, examId, 'departmentDiscussion'))).detail,
  ).toMatch(/question list v3: A 1-credit discipline needs exactly 10 questions; the list has 9/);
});

test('no credits: the policy default (20) decides the count', async () => {
  const examId = await exam();
  await addVersion(examId, list(10));
  expect(
    (await refusal(questionListSubject(db, policy, examId, 'departmentDiscussion'))).detail,
  ).toMatch(/without credits.*20 questions/);
  const sha256 = await addVersion(examId, list(20));
  expect(await questionListSubject(db, policy, examId, 'departmentDiscussion')).toEqual({
    kind: 'questionList',
    version: 2,
    sha256,
  });
});

test('the programme committee approves the version the department discussed; Moodle gets what the committee approved', async () => {
  const examId = await exam(3);
  const v1 = await addVersion(examId, list(40));
  const v2 = await addVersion(examId, list(40, 'revised '));

  expect(
    (await refusal(questionListSubject(db, policy, examId, 'programmeCommitteeApproval'))).detail,
  ).toMatch(/the department has not discussed a question list yet/);
  expect((await refusal(questionListSubject(db, policy, examId, 'moodleUpload'))).detail).toMatch(
    /the programme committee has not approved a question list yet/,
  );

  await decided(examId, 'departmentDiscussion', 'approved', {
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  // The latest (v2) is not what the department discussed.
  expect(
    await refusal(questionListSubject(db, policy, examId, 'programmeCommitteeApproval')),
  ).toEqual({
    status: 422,
    detail:
      'the programme committee approves the version the department discussed (v1), not v2 (GP 3)',
  });
  const approved = await questionListSubject(db, policy, examId, 'programmeCommitteeApproval', 1);
  expect(approved).toEqual({ kind: 'questionList', version: 1, sha256: v1 });

  await decided(examId, 'programmeCommitteeApproval', 'approved', approved);
  expect(await questionListSubject(db, policy, examId, 'moodleUpload')).toEqual(approved);
  expect(
    (await refusal(questionListSubject(db, policy, examId, 'moodleUpload', 2))).detail,
  ).toMatch(/Moodle gets the approved question list \(v1\), not v2/);

  // A department step reopened (status open) no longer counts as a discussion.
  await decided(examId, 'departmentDiscussion', 'open', {
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  expect(
    (await refusal(questionListSubject(db, policy, examId, 'programmeCommitteeApproval', 2)))
      .detail,
  ).toMatch(/has not discussed/);
  expect(v2).not.toBe(v1);
});

test('a policy without the department step: the committee approves any good version', async () => {
  const examId = await exam(1);
  const sha256 = await addVersion(examId, list(10));
  const noDiscussion: Policy = {
    ...policy,
    steps: policy.steps.filter((s) => s.id !== 'departmentDiscussion'),
  };
  expect(await questionListSubject(db, noDiscussion, examId, 'programmeCommitteeApproval')).toEqual(
    { kind: 'questionList', version: 1, sha256 },
  );
});

test('a step that decides on no question list is a programming error, not a 422', async () => {
  const examId = await exam(1);
  await expect(questionListSubject(db, policy, examId, 'examinerList')).rejects.toThrow(
    /decides on no question list/,
  );
});

test('stepsToReopen: the approvals of an older version, in the SOP order', async () => {
  const examId = await exam(1);
  const v1 = await addVersion(examId, list(10));
  const v2 = await addVersion(examId, list(10, 'b '));
  expect(await stepsToReopen(db, examId, 2)).toEqual([]);

  await decided(examId, 'moodleUpload', 'approved', {
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  await decided(examId, 'departmentDiscussion', 'approved', {
    kind: 'questionList',
    version: 2,
    sha256: v2,
  });
  await decided(examId, 'programmeCommitteeApproval', 'approved', {
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  // v3 reopens all three; v2 only those that approved v1.
  expect(await stepsToReopen(db, examId, 3)).toEqual([
    'departmentDiscussion',
    'programmeCommitteeApproval',
    'moodleUpload',
  ]);
  expect(await stepsToReopen(db, examId, 2)).toEqual([
    'programmeCommitteeApproval',
    'moodleUpload',
  ]);

  // Steps not approved, or approved without a question-list subject, are not reopened.
  await decided(examId, 'programmeCommitteeApproval', 'open', {
    kind: 'questionList',
    version: 1,
    sha256: v1,
  });
  await decided(examId, 'moodleUpload', 'approved', null);
  expect(await stepsToReopen(db, examId, 3)).toEqual(['departmentDiscussion']);
});
