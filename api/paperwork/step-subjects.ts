import { ruleIdOf } from '../../sop/units';
import type { StepSubject } from '../../workflows/exam.contract';

/** Resolves (and checks) the document an approval of `stepKey` approves; throws a 4xx problem. */
export type SubjectResolver = (
  examId: string,
  stepKey: string,
  request: { version?: number },
) => Promise<StepSubject | undefined>;

/**
 * Document-backed steps (issue 8): approving one of them approves a specific document version —
 * the department and the programme committee a question-list version (GP 3), the Moodle upload
 * what was uploaded, a day's ticket upload the head-approved set (§5.1, Form 1), the admission
 * check the admission list (§5.1). The API resolves the version here before the Update, so the
 * workflow records what was approved and a later version can reopen it.
 */
export class StepSubjects {
  constructor(private readonly resolvers: Partial<Record<string, SubjectResolver>> = {}) {}

  /** The subject of an approval of `stepKey`, or undefined for a step without a document. */
  async resolve(
    examId: string,
    stepKey: string,
    request: { version?: number },
  ): Promise<StepSubject | undefined> {
    const resolver = this.resolvers[ruleIdOf(stepKey)];
    return resolver === undefined ? undefined : resolver(examId, stepKey, request);
  }
}
