// Every workflow the worker registers.
export { examWorkflow } from './exam.workflow';
export { sessionWorkflow } from './session.workflow';
export { auditDigestWorkflow } from './audit-digest.workflow';
export { violationCaseWorkflow } from './violation-case.workflow';
