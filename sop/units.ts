import type { Policy, StepRule } from './policy';

/**
 * The parts of the policy's vocabulary that workflows use at run time, without the schema library:
 * a workflow bundle that imports sop/policy.ts's zod schemas grows by ~3.5 MB.
 */
export const OFFSET_UNITS = ['months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
export type OffsetUnit = (typeof OFFSET_UNITS)[number];
/** Calendar units count local dates and end at the end of a day; time units count exact instants. */
export const CALENDAR_UNITS: readonly OffsetUnit[] = ['months', 'weeks', 'days'];
export const isCalendarUnit = (unit: OffsetUnit): boolean => CALENDAR_UNITS.includes(unit);

/** The step the foundation's thin slice runs (GP 3, row 1). */
export const DEPARTMENT_DISCUSSION = 'departmentDiscussion';

/**
 * A planned step's key is its rule's id, with the exam day (`ticketUpload#2`), the department
 * (`commissionComposition@surgery`) or the case (`appealDecision@A-17`) it belongs to.
 */
export const ruleIdOf = (key: string): string => key.split(/[#@]/, 1)[0];

/** The rule of a step id or a planned step's key. */
export function findStep(policy: Policy, key: string): StepRule | undefined {
  const id = ruleIdOf(key);
  return policy.steps.find((step) => step.id === id);
}
