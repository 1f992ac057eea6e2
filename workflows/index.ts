// Every workflow the worker registers.
export { examWorkflow } from './exam.workflow';
