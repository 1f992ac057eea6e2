import { createAssignmentActivities } from './assignment.activity';
import { createAuditDigestActivities } from './audit-digest.activity';
import { createGradingActivities } from './grading.activity';
import { createExamStepActivities, type ActivityDeps } from './exam-steps.activity';
import { createForm4Activities } from './form4.activity';
import { createForm4SignatureActivities } from './form4-signature.activity';
import { createNotifyActivities } from './notify.activity';
import { createViolationCaseActivities } from './violation-case.activity';

export type { ActivityDeps } from './exam-steps.activity';

/** Every activity the worker registers, built from injected dependencies. */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createExamStepActivities(deps),
    ...createNotifyActivities(deps),
    ...createAuditDigestActivities(deps),
    ...createAssignmentActivities(deps),
    ...createGradingActivities(deps),
    ...createViolationCaseActivities(deps),
    ...createForm4Activities(deps),
    ...createForm4SignatureActivities(deps),
  };
}
