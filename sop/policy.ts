import { z } from 'zod';

/**
 * The SOP as data. This is the foundation's first cut: the policy shape, its validation and the one
 * step the thin slice runs (GP 3, row 1). The SOP-as-code issue grows it to every step of the SOP.
 * Everything here is pure: no I/O, no clock; callers pass every input.
 */

export const OFFSET_UNITS = ['months', 'weeks', 'days', 'hours', 'minutes', 'seconds'] as const;
export type OffsetUnit = (typeof OFFSET_UNITS)[number];
/** Calendar units count local dates and end at the end of a day; time units count exact instants. */
export const CALENDAR_UNITS: readonly OffsetUnit[] = ['months', 'weeks', 'days'];

const offsetSchema = z.object({
  value: z.number().int(),
  unit: z.enum(OFFSET_UNITS),
});
export type Offset = z.infer<typeof offsetSchema>;

const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:mm (24-hour)' });
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date YYYY-MM-DD' });

const localized = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });

export const stepRuleSchema = z.object({
  id: z.string().regex(/^[a-z][A-Za-z0-9]*$/, { message: 'must be a camelCase identifier' }),
  /** SOP references, e.g. ["GP 3", "row 1"]: they go into every audit record of the step. */
  clauses: z.array(z.string().min(1)).min(1),
  title: localized,
  ownerRole: z.string().min(1),
  /** D = the exam's first day; the slice knows only D (S and E arrive with the full policy). */
  anchor: z.literal('D'),
  /** Negative = before the anchor. */
  offset: offsetSchema,
  /** DEADLINES.md: a deadline counted before an event moves to the previous working day. */
  moveToPreviousWorkingDay: z.boolean(),
});
export type StepRule = z.infer<typeof stepRuleSchema>;

export const policySchema = z
  .object({
    version: z.string().min(1),
    timeZone: z
      .string()
      .refine(isValidTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Almaty' }),
    /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
    workingWeek: z.array(z.number().int().min(1).max(7)).min(1),
    /** Non-working dates (public holidays, decree transfers, the institution's own closures). */
    closures: z.array(isoDate),
    reminders: z.object({
      /** Offsets before the due instant at which the owner is reminded (DEADLINES.md defaults). */
      before: z.array(
        offsetSchema.refine((o) => o.value > 0, { message: 'must be a positive offset' }),
      ),
      /**
       * Local time of day reminders go out at: a reminder counted in days (or weeks, months) is
       * sent at this time on its day, and one more on the morning of the due day. Without it,
       * reminders fire at exactly due − offset and there is no due-day reminder.
       */
      localTime: localTime.optional(),
    }),
    steps: z.array(stepRuleSchema).min(1),
  })
  .superRefine((policy, ctx) => {
    const seen = new Set<string>();
    policy.steps.forEach((step, index) => {
      if (seen.has(step.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['steps', index, 'id'],
          message: `duplicate step id "${step.id}"`,
        });
      }
      seen.add(step.id);
    });
  });
export type Policy = z.infer<typeof policySchema>;

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export class PolicyError extends Error {
  constructor(readonly issues: { path: string; message: string }[]) {
    super(`Invalid policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
    this.name = 'PolicyError';
  }
}

/** Validates a policy (e.g. parsed from POLICY_FILE); the error names the exact path and reason. */
export function parsePolicy(input: unknown): Policy {
  const result = policySchema.safeParse(input);
  if (result.success) return result.data;
  throw new PolicyError(
    result.error.issues.map((issue) => ({
      path: issue.path.length > 0 ? issue.path.join('.') : '(root)',
      message: issue.message,
    })),
  );
}

/** The step the foundation's thin slice runs. */
export const DEPARTMENT_DISCUSSION = 'departmentDiscussion';

/** The SOP as written (DEADLINES.md), restricted to the thin slice's step. */
export const DEFAULT_POLICY: Policy = {
  version: 'sop-2025-11-26-ed1/foundation',
  timeZone: 'Asia/Almaty',
  workingWeek: [1, 2, 3, 4, 5],
  closures: [],
  reminders: {
    // DEADLINES.md "Reminders and escalation": 7 days, 2 days, 1 day before, and the due morning.
    before: [
      { value: 7, unit: 'days' },
      { value: 2, unit: 'days' },
      { value: 1, unit: 'days' },
    ],
    localTime: '09:00',
  },
  steps: [
    {
      id: DEPARTMENT_DISCUSSION,
      // GP 3, row 1: questions, rubric, aids and literature discussed at a department meeting
      // no later than 2 months before the exam.
      clauses: ['GP 3', 'row 1'],
      title: {
        kk: 'Емтихан сұрақтарын кафедра отырысында талқылау',
        ru: 'Обсуждение экзаменационных вопросов на заседании кафедры',
        en: 'Department discusses the exam questions, rubric, aids and literature',
      },
      ownerRole: 'department_head',
      anchor: 'D',
      offset: { value: -2, unit: 'months' },
      moveToPreviousWorkingDay: true,
    },
  ],
};

export function findStep(policy: Policy, stepId: string): StepRule | undefined {
  return policy.steps.find((step) => step.id === stepId);
}
