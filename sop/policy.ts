import { z } from 'zod';
import { isIsoDate } from './dates';
import { scaleProblems } from './grading';
import { OFFSET_UNITS } from './units';

/**
 * The SOP as data: every step with its clause, owner, anchor, offset, counting rule, escalation
 * chain and documents, and the SOP's counting rules. The default (sop/default-policy.ts) is the SOP
 * as written, with DEADLINES.md's meanings; an institution changes it by data (a policy file of
 * overrides, see applyOverrides), never by code. Pure: no I/O, no clock.
 */

export {
  CALENDAR_UNITS,
  DEPARTMENT_DISCUSSION,
  findStep,
  isCalendarUnit,
  OFFSET_UNITS,
  type OffsetUnit,
} from './units';

/** Roles of the SOP's glossary (SOP.md), plus the system itself for automatic steps. */
export const ROLES = [
  'department_head',
  'department_responsible',
  'examiner',
  'programme_committee',
  'dean',
  'deans_office',
  'testing_centre',
  'registrar',
  'distance_learning',
  'vice_rector',
  'working_group_member',
  'proctor',
  'exam_commission',
  'violation_commission',
  'appeal_commission',
  'student',
  'auditor',
  'admin',
  'system',
] as const;
export type Role = (typeof ROLES)[number];

/**
 * D = the exam's first day; Dk = each exam day (the step repeats per day); S = the first day of the
 * session; E = the end of the exam's last sitting; event = an event of the exam's life (a violation
 * act sent, results published …), planned when it happens.
 */
export const ANCHORS = ['D', 'Dk', 'S', 'E', 'event'] as const;
export type Anchor = (typeof ANCHORS)[number];

/** Events that anchor steps planned when they happen (DEADLINES.md §5.16, row 12). */
export const EVENTS = [
  // Issue 9: a violation case's own workflow (§5.8, §5.15, §5.16).
  'caseOpened',
  'caseConfirmed',
  'violationActSent',
  'acknowledgementMissed',
  'resultsPublished',
  'appealFiled',
  // §5.15: a proctor's Form 4 returned; its working-group member checks and signs it.
  'form4Returned',
] as const;
export type ExamEvent = (typeof EVENTS)[number];

/** Counting rules a step's offset may refer to, so each number lives in one place. */
export const RULE_OFFSETS = [
  'gradingWindow',
  'proctorReview',
  'retention',
  'caseDecision',
  'actDelivery',
  'violationAcknowledgement',
  'refusalAct',
  'appealFiling',
  'appealDecision',
  'form4Signature',
] as const;
export type RuleOffset = (typeof RULE_OFFSETS)[number];

const isoDate = z.string().refine(isIsoDate, { message: 'must be a real date YYYY-MM-DD' });
const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'must be HH:mm (24-hour)' });
const localized = z.object({ kk: z.string().min(1), ru: z.string().min(1), en: z.string().min(1) });
export type Localized = z.infer<typeof localized>;
const clauses = z.array(z.string().min(1)).min(1, { message: 'needs at least one SOP clause' });
const role = z.enum(ROLES);

export const offsetSchema = z
  .object({
    value: z.number().int({ message: 'must be a whole number' }),
    unit: z.enum(OFFSET_UNITS),
    /** DEADLINES.md: days count calendar days unless the policy switches a rule to working days. */
    counting: z.enum(['calendar', 'workingDays']).default('calendar'),
  })
  .refine((o) => o.counting === 'calendar' || o.unit === 'days', {
    message: 'working-day counting applies to a number of days only',
    path: ['counting'],
  });
export type Offset = z.output<typeof offsetSchema>;
export type OffsetInput = z.input<typeof offsetSchema>;

const positiveOffset = offsetSchema.refine((o) => o.value > 0, {
  message: 'must be a positive offset',
  path: ['value'],
});

/**
 * A step's offset: its own `{ value, unit, counting }`, or `{ rule }` naming a counting rule. One
 * object schema (not a union) so that an error names the exact field, e.g. `steps.0.offset.unit`.
 */
const stepOffsetSchema = z
  .object({
    rule: z.enum(RULE_OFFSETS).optional(),
    value: z.number().int({ message: 'must be a whole number' }).optional(),
    unit: z.enum(OFFSET_UNITS).optional(),
    counting: z.enum(['calendar', 'workingDays']).optional(),
  })
  .strict()
  .superRefine((o, ctx) => {
    if (o.rule !== undefined) {
      if (o.value !== undefined || o.unit !== undefined || o.counting !== undefined)
        ctx.addIssue({
          code: 'custom',
          path: ['rule'],
          message: 'a rule offset has no value, unit or counting of its own',
        });
      return;
    }
    if (o.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'is required (or name a rule)' });
    if (o.unit === undefined)
      ctx.addIssue({ code: 'custom', path: ['unit'], message: 'is required (or name a rule)' });
    if (o.counting === 'workingDays' && o.unit !== 'days')
      ctx.addIssue({
        code: 'custom',
        path: ['counting'],
        message: 'working-day counting applies to a number of days only',
      });
  })
  .transform((o): Offset | { rule: RuleOffset } =>
    o.rule !== undefined
      ? { rule: o.rule }
      : { value: o.value!, unit: o.unit!, counting: o.counting ?? 'calendar' },
  );

/** Conditions under which a step's variant offset applies. */
export const VARIANT_CONDITIONS = ['summerSession', 'row1SharedDeadline'] as const;

export const stepRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z][A-Za-z0-9]*$/, { message: 'must be a camelCase identifier' }),
    /** SOP references, e.g. ["GP 3", "row 1"]: they go into every audit record of the step. */
    clauses,
    title: localized,
    ownerRole: role,
    /** Who is notified, in order, when the step is overdue (DEADLINES.md "escalation"). */
    escalation: z.array(role),
    /** Documents the step requires or produces (question list, Form 1, minutes …). */
    documents: z.array(z.string().min(1)),
    anchor: z.enum(ANCHORS),
    event: z.enum(EVENTS).optional(),
    /** S-anchored steps done by each department of the session (GP 4) rather than once. */
    perDepartment: z.boolean().default(false),
    /** Negative = before the anchor; or a counting rule's window (`{ rule: 'gradingWindow' }`). */
    offset: stepOffsetSchema,
    /** Other offsets under a condition: a summer session (row 4), the shared reading of row 1. */
    variants: z
      .array(z.object({ when: z.enum(VARIANT_CONDITIONS), offset: offsetSchema }))
      .default([]),
    /** DEADLINES.md: a deadline counted before an event moves to the previous working day. */
    shift: z.enum(['previousWorkingDay', 'none']),
    /** The step happens only when this holds (row 11: only when violations were found). */
    condition: z.enum(['violationFound']).optional(),
    /** Done by the system (video purge), not by a person: no reminders. */
    automatic: z.boolean().default(false),
    /**
     * The SOP's order: the step opens when these steps (earlier in the list, same exam or session)
     * are done (approved or waived), e.g. the programme committee approves after the department
     * discussed (GP 3). Its due does not move: opened late, it may be overdue at once.
     */
    after: z.array(z.string().min(1)).default([]),
    /**
     * A period in which its owner may act (row 12: an appeal may be filed), not a duty: it closes
     * at its due with no overdue state and no escalation.
     */
    window: z.boolean().default(false),
  })
  .superRefine((step, ctx) => {
    if ((step.anchor === 'event') !== (step.event !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['event'],
        message: 'an event-anchored step names its event, and only such a step does',
      });
    }
    if (step.anchor !== 'S' && step.perDepartment) {
      ctx.addIssue({
        code: 'custom',
        path: ['perDepartment'],
        message: 'only session (S) steps can be per department',
      });
    }
  });
export type StepRule = z.output<typeof stepRuleSchema>;

const roleDutySchema = z.object({
  id: role,
  title: localized,
  /** The clauses that give the role a duty. */
  clauses,
  /** Next role up: the default target of escalation and the role that may waive (DEADLINES.md). */
  supervisor: role.optional(),
});

/** Clauses that set a role's duty but no deadline (automatic encryption, credentials …). */
const dutySchema = z.object({
  id: z.string().regex(/^[a-z][A-Za-z0-9]*$/, { message: 'must be a camelCase identifier' }),
  clauses,
  role,
  title: localized,
});

export const rulesSchema = z.object({
  /** GP 3: questions per credits. */
  questionCount: z.object({
    clauses,
    byCredits: z
      .array(
        z.object({
          credits: z.number().int().min(1),
          questions: z.number().int().min(1),
          /** This entry also covers more credits (3 or more → 40). */
          andMore: z.boolean().default(false),
          /** The SOP is silent here and the number is the policy's default (2 credits → 20). */
          bySopSilence: z.boolean().default(false),
        }),
      )
      .min(1),
  }),
  /** §5.1, §5.3: 10–20 variants per exam day, a fresh set each day, never repeated for a retaker. */
  tickets: z
    .object({
      clauses,
      minPerDay: z.number().int().min(1),
      maxPerDay: z.number().int().min(1),
      questionsPerVariant: z.number().int().min(1),
    })
    .refine((t) => t.minPerDay <= t.maxPerDay, {
      message: 'minPerDay must not exceed maxPerDay',
      path: ['maxPerDay'],
    }),
  /** §5.5: random per student, reproducible from a recorded seed. */
  ticketAssignment: z.object({ clauses, method: z.literal('seeded-uniform') }),
  /** §5.17, row 7: 3 days up to 300 works, 5 days above. */
  gradingWindow: z.object({
    clauses,
    threshold: z.number().int().min(0),
    upToThreshold: positiveOffset,
    aboveThreshold: positiveOffset,
  }),
  /** §5.7: proctors review recordings for 72 hours (an exact instant). */
  proctorReview: z.object({
    clauses,
    window: positiveOffset,
    /**
     * §5.15: the working-group member checks and signs a returned Form 4 within this of its return
     * (not in the SOP: product default 1 working day).
     */
    signature: positiveOffset.default({ value: 1, unit: 'days', counting: 'workingDays' }),
  }),
  /** §5.7: video kept 3 months, held while a violation case or appeal is open. */
  retention: z.object({
    clauses,
    keep: positiveOffset,
    holdWhileOpen: z.array(z.enum(['violationCase', 'appeal'])),
  }),
  /** §5.8, §5.16, Forms 2–3. */
  violation: z.object({
    clauses,
    commission: z.object({
      minMembers: z.number().int().min(1),
      requiredRoles: z.array(role),
    }),
    acknowledgement: positiveOffset,
    refusalAct: positiveOffset,
    /**
     * The commission confirms or dismisses a case within this of its opening (§5.8, §5.15; not in
     * the SOP: product default 3 working days).
     */
    decision: positiveOffset.default({ value: 3, unit: 'days', counting: 'workingDays' }),
    /** The dean's office sends a confirmed act to the student within this (§5.16; default 1 working day). */
    delivery: positiveOffset.default({ value: 1, unit: 'days', counting: 'workingDays' }),
  }),
  /** Row 12: the appeal regulation is outside the SOP; these are the product's defaults. */
  appeal: z.object({
    clauses,
    filing: positiveOffset,
    decision: positiveOffset,
    /**
     * How many members of the appeal commission decide an appeal (each holds appeal_commission
     * over the exam's department). Product default 3, as for a violation commission (§5.8).
     */
    commission: z.object({ minMembers: z.number().int().min(1) }).default({ minMembers: 3 }),
  }),
  /**
   * §5.17, row 7: the letter and grade point of a 100-point score (sop/grading.ts letterOf).
   * Whole-numbered inclusive bands that cover 0–100 exactly once.
   */
  gradingScale: z
    .object({
      clauses,
      bands: z
        .array(
          z.object({
            letter: z.string().min(1).max(4),
            min: z.number().int().min(0).max(100),
            max: z.number().int().min(0).max(100),
            gpa: z.number().min(0).max(4),
          }),
        )
        .min(1),
    })
    .superRefine((s, ctx) => {
      for (const problem of scaleProblems(s.bands).slice(0, 5))
        ctx.addIssue({ code: 'custom', message: problem, path: ['bands'] });
    }),
});
export type PolicyRules = z.output<typeof rulesSchema>;

export const policySchema = z
  .object({
    version: z.string().min(1),
    /** The version this one was derived from by overrides, if any. */
    basedOn: z.string().min(1).optional(),
    timeZone: z
      .string()
      .refine(isValidTimeZone, { message: 'must be an IANA time zone, e.g. Asia/Almaty' }),
    /** ISO weekdays that are working days: 1 = Monday … 7 = Sunday. */
    workingWeek: z
      .array(z.number().int().min(1).max(7))
      .min(1, { message: 'needs at least one working day' }),
    /** ISO 3166 country of the public holidays. */
    country: z.string().min(2),
    /** The institution's own non-working dates. */
    closures: z.array(isoDate),
    /** Government decree transfers: `dayOff` becomes a day off, `workingDay` a working day. */
    transfers: z.array(
      z.object({ dayOff: isoDate, workingDay: isoDate, decree: z.string().min(1).optional() }),
    ),
    options: z.object({
      /**
       * Row 1 says department and committee share the 2-month deadline; GP 3 says the committee
       * approves 1 month before. DEADLINES.md: GP 3 wins unless the institution chooses `shared`.
       */
      row1Reading: z.enum(['gp3', 'shared']),
    }),
    reminders: z.object({
      /** Offsets before the due instant at which the owner is reminded (DEADLINES.md defaults). */
      before: z.array(positiveOffset),
      /**
       * Local time of day reminders go out at: a reminder counted in days (or weeks, months) is
       * sent at this time on its day, and one more on the morning of the due day. Without it,
       * reminders fire at exactly due − offset and there is no due-day reminder.
       */
      localTime: localTime.optional(),
    }),
    /** A step returned for changes is due again no earlier than this after the return (issue 6). */
    rework: positiveOffset,
    /** One-click email links (approve / reject) stay valid until the step's due plus this grace. */
    emailLinks: z.object({ grace: positiveOffset }),
    escalation: z.object({
      /** DEADLINES.md: notify again every working day until the step is done or waived. */
      repeat: z.enum(['everyWorkingDay', 'once']),
      localTime: localTime,
    }),
    roles: z.array(roleDutySchema),
    duties: z.array(dutySchema),
    rules: rulesSchema,
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
    // `after` names earlier steps of the same kind (exam or session): no cycles, nothing dangling.
    const session = (anchor: string) => anchor === 'S';
    policy.steps.forEach((step, index) => {
      step.after.forEach((id, k) => {
        const before = policy.steps.slice(0, index).find((s) => s.id === id);
        if (before === undefined || session(before.anchor) !== session(step.anchor)) {
          ctx.addIssue({
            code: 'custom',
            path: ['steps', index, 'after', k],
            message: `"${id}" is not an earlier ${session(step.anchor) ? 'session' : 'exam'} step`,
          });
        }
      });
    });
  });
export type Policy = z.output<typeof policySchema>;
export type PolicyInput = z.input<typeof policySchema>;

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

/** Validates a whole policy; the error names the exact path and reason. */
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

/**
 * An institution's policy file is a set of overrides on a base policy (the default):
 * - `version` is required: the institution's own id for the result (`basedOn` records the base);
 * - objects merge key by key; arrays and plain values replace; `null` removes a key;
 * - `steps` is an object keyed by step id: a known id merges into that step, a new id adds a
 *   whole step, `null` removes one.
 * The result is validated like any policy, so an error still names the exact path.
 */
export function applyOverrides(base: PolicyInput, overrides: unknown): Policy {
  if (!isPlainObject(overrides))
    throw new PolicyError([{ path: '(root)', message: 'must be an object' }]);
  if (typeof overrides.version !== 'string' || overrides.version === '') {
    throw new PolicyError([{ path: 'version', message: 'an override file names its own version' }]);
  }
  const { steps: stepOverrides, ...rest } = overrides;
  const merged = mergeDeep({ ...base, basedOn: base.version }, rest) as Record<string, unknown>;
  if (stepOverrides !== undefined) {
    if (!isPlainObject(stepOverrides)) {
      throw new PolicyError([{ path: 'steps', message: 'must be an object keyed by step id' }]);
    }
    const steps = [...base.steps] as unknown[];
    for (const [id, change] of Object.entries(stepOverrides)) {
      const index = base.steps.findIndex((step) => step.id === id);
      if (change === null) {
        if (index >= 0) steps.splice(steps.indexOf(base.steps[index]), 1);
      } else if (index >= 0) {
        steps[steps.indexOf(base.steps[index])] = mergeDeep(base.steps[index], change);
      } else {
        steps.push({ ...(isPlainObject(change) ? change : {}), id });
      }
    }
    merged.steps = steps;
  }
  return parsePolicy(merged);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeDeep(base: unknown, change: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(change)) return change;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(change)) {
    if (value === null) delete out[key];
    else out[key] = mergeDeep(base[key], value);
  }
  return out;
}

/** Every clause the policy names (steps, rules, roles, duties): what the coverage test checks. */
export function policyClauses(policy: Policy): Set<string> {
  const all = new Set<string>();
  const add = (list: string[]) => list.forEach((c) => all.add(c));
  policy.steps.forEach((s) => add(s.clauses));
  Object.values(policy.rules).forEach((r) => add(r.clauses));
  policy.roles.forEach((r) => add(r.clauses));
  policy.duties.forEach((d) => add(d.clauses));
  return all;
}
