import type { DataSource } from 'typeorm';
import { caseOfStep } from '../../workflows/violation-case.contract';
import { ProblemException } from '../common/problem';
import type { SopService } from '../plans/sop.service';
import { questionListSubject } from './question-lists.service';
import { admissionSubject } from './admission.service';
import { StepSubjects } from './step-subjects';
import { ticketSetSubject } from './tickets.service';
import { gradesSubject } from '../grading/grading.service';
import { gradeSheetExportSubject, gradeSheetSubject } from '../grading/grade-sheet.service';
import { appealSubject } from '../grading/appeals.service';

/**
 * Which document each document-backed step approves (issue 8): GP 3's department discussion and
 * programme committee a question-list version, the Moodle upload the version the committee
 * approved, a day's ticket upload that day's head-approved set (§5.1, Form 1), the admission check
 * the admission list (§5.1). A department that keeps a document outside Emtihan (nothing of that
 * kind uploaded for the exam) still approves — the record then names no version; once a version
 * is uploaded, every approval binds to a checked version and a newer one reopens it (README).
 */
export function stepSubjects(db: DataSource, sop: SopService): StepSubjects {
  const questionList =
    (ruleId: string) => async (examId: string, _key: string, request: { version?: number }) => {
      if (
        request.version === undefined &&
        !(await any(`SELECT 1 FROM question_list WHERE exam_id = $1 LIMIT 1`, examId))
      )
        return undefined;
      return questionListSubject(db, sop.policy, examId, ruleId, request.version);
    };
  /** A day's ticket upload approves the head-approved set of that day (§5.1, Form 1). */
  const ticketSet = async (examId: string, key: string) => {
    if (!(await any(`SELECT 1 FROM ticket_set WHERE exam_id = $1 LIMIT 1`, examId)))
      return undefined;
    return ticketSetSubject(db, examId, Number(/#(\d+)$/.exec(key)?.[1] ?? '1'));
  };
  /** The admission check approves the imported admission list (§5.1). */
  const admission = async (examId: string) => {
    if (!(await any(`SELECT 1 FROM admission WHERE exam_id = $1 LIMIT 1`, examId)))
      return undefined;
    return admissionSubject(db, examId);
  };
  const any = async (sql: string, examId: string) =>
    (await db.query<unknown[]>(sql, [examId])).length > 0;
  return new StepSubjects({
    departmentDiscussion: questionList('departmentDiscussion'),
    programmeCommitteeApproval: questionList('programmeCommitteeApproval'),
    moodleUpload: questionList('moodleUpload'),
    ticketUpload: ticketSet,
    admissionCheck: admission,
    // §5.17, row 7: the grading step approves the grades, every work graded.
    grading: (examId: string) => gradesSubject(db, examId),
    // §5.19, row 9: the reconciled grade sheet; row 10: the version the registrar exported.
    gradeSheet: (examId: string) => gradeSheetSubject(db, examId),
    gradeSheetExport: (examId: string) => gradeSheetExportSubject(db, examId),
    // Issue 9: a case recorded in Emtihan is decided through its own routes, which record the
    // documents; a case kept on paper (an event without a case record) approves as any step.
    caseDecision: caseRoute(db, 'decision'),
    actDelivery: caseRoute(db, 'delivery'),
    violationAcknowledgement: caseRoute(db, 'acknowledgement'),
    refusalAct: caseRoute(db, 'refusal-act'),
    // Row 12: the appeal commission's recorded outcome of the case (`appealDecision@<case>`).
    appealDecision: (examId: string, key: string) =>
      appealSubject(db, examId, key.slice(key.indexOf('@') + 1)),
    // §5.15: a Form 4 is signed with its route, which issues the numbered Form 4.
    form4Signature: (examId: string, key: string) => {
      const proctorId = key.slice(key.indexOf('@') + 1);
      return Promise.reject(
        new ProblemException({
          status: 422,
          detail: `§5.15: ${key} is approved with POST /exams/${examId}/form4/${proctorId}/sign, which issues the numbered Form 4`,
          clauses: ['§5.15', 'Form 4'],
        }),
      );
    },
  });
}

/** A case step's approval goes through the case's route (issue 9), when the case is recorded. */
function caseRoute(db: DataSource, route: string) {
  return async (examId: string, key: string): Promise<undefined> => {
    const caseId = caseOfStep(key);
    if (caseId === undefined) return undefined;
    const rows = await db.query<unknown[]>(
      `SELECT 1 FROM violation_case WHERE exam_id = $1 AND case_id = $2`,
      [examId, caseId],
    );
    if (rows.length > 0)
      throw new ProblemException({
        status: 422,
        detail: `§5.8, §5.16: ${key} is decided with POST /exams/${examId}/cases/${caseId}/${route}, which records its documents`,
        clauses: ['§5.8', '§5.16'],
      });
    return undefined;
  };
}
