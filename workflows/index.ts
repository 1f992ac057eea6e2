// Every workflow the worker registers.
export { examWorkflow } from './exam.workflow';
export { sessionWorkflow } from './session.workflow';
