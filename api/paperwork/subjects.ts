import type { DataSource } from 'typeorm';
import type { SopService } from '../plans/sop.service';
import { questionListSubject } from './question-lists.service';
import { StepSubjects } from './step-subjects';

/**
 * Which document each document-backed step approves (issue 8): GP 3's department discussion and
 * programme committee a question-list version, the Moodle upload the version the committee
 * approved.
 */
export function stepSubjects(db: DataSource, sop: SopService): StepSubjects {
  const questionList =
    (ruleId: string) => (examId: string, _key: string, request: { version?: number }) =>
      questionListSubject(db, sop.policy, examId, ruleId, request.version);
  return new StepSubjects({
    departmentDiscussion: questionList('departmentDiscussion'),
    programmeCommitteeApproval: questionList('programmeCommitteeApproval'),
    moodleUpload: questionList('moodleUpload'),
  });
}
