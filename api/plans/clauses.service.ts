import {
  type ClauseCoverage,
  clauseCoverage,
  type DeadlineWhen,
  type StepDeadline,
  unknownClauses,
} from '../../sop/clauses';
import type { Policy } from '../../sop/policy';
import { EXAM_EVENTS } from '../../workflows/exam.contract';
import type { Language } from '../common/language';
import { EVENT_NAMES, offsetText } from './plans.render';

const WHEN: Record<Exclude<DeadlineWhen, 'always'>, Record<Language, (n?: number) => string>> = {
  summerSession: {
    en: () => 'summer session',
    ru: () => 'летняя сессия',
    kk: () => 'жазғы сессия',
  },
  row1SharedDeadline: {
    en: () => "row 1's shared reading",
    ru: () => 'общий срок по строке 1',
    kk: () => '1-жолдың ортақ мерзімі',
  },
  upToThreshold: {
    en: (n) => `at most ${n} works`,
    ru: (n) => `не более ${n} работ`,
    kk: (n) => `${n} жұмысқа дейін`,
  },
  aboveThreshold: {
    en: (n) => `more than ${n} works`,
    ru: (n) => `более ${n} работ`,
    kk: (n) => `${n} жұмыстан көп`,
  },
};

const SHIFTED: Record<Language, string> = {
  en: 'on a non-working day, the previous working day',
  ru: 'если день нерабочий — предыдущий рабочий день',
  kk: 'жұмыс емес күн болса — алдыңғы жұмыс күні',
};

/** "D − 2 months", "summer session: S − 1 week", "at most 300 works: E + 3 days". */
export function deadlineExpression(deadline: StepDeadline, lang: Language): string {
  const anchor = deadline.event !== undefined ? EVENT_NAMES[deadline.event][lang] : deadline.anchor;
  const parts = deadline.offsets.map(({ when, offset }) => {
    // A variant for a summer session is counted from S like the step itself.
    const text = `${anchor} ${offsetText(offset, lang)}`;
    return when === 'always' ? text : `${WHEN[when][lang](deadline.threshold)}: ${text}`;
  });
  if (deadline.shift === 'previousWorkingDay') parts.push(SHIFTED[lang]);
  return parts.join('; ');
}

function render(coverage: ClauseCoverage, lang: Language) {
  return {
    id: coverage.id,
    part: coverage.part,
    title: coverage.title[lang],
    sets: coverage.sets,
    enforcedBy: {
      steps: coverage.steps.map((step) => ({
        id: step.id,
        title: step.title[lang],
        ownerRole: step.ownerRole,
        escalation: step.escalation,
        documents: step.documents,
        deadline: { expression: deadlineExpression(step.deadline, lang), ...step.deadline },
        covers: step.covers,
      })),
      rules: coverage.rules.map((rule) => ({ ...rule, policyPath: `rules.${rule.id}` })),
      checks: coverage.checks.map((check) => ({ ...check, module: 'sop/rules.ts' })),
      events: coverage.events,
      documents: coverage.documents,
    },
    declared: {
      roles: coverage.declared.roles,
      duties: coverage.declared.duties.map((d) => ({ ...d, title: d.title[lang] })),
    },
    uncovered: coverage.uncovered,
    ...(coverage.pending !== undefined
      ? { pending: { sets: coverage.pending.sets, reason: coverage.pending.reason[lang] } }
      : {}),
  };
}

/**
 * The SOP's clauses and what enforces each under the policy in force (sop/clauses.ts), with the
 * exam events of workflows/exam.contract.ts. The policy is fixed for the process's life, so the
 * coverage is computed once; each answer renders it in the caller's language.
 */
export class ClausesService {
  private readonly coverage: ClauseCoverage[];
  private readonly unknown: string[];

  constructor(private readonly policy: Policy) {
    this.coverage = clauseCoverage(policy, EXAM_EVENTS);
    this.unknown = unknownClauses(policy, EXAM_EVENTS);
  }

  /** `uncovered`: only clauses with (true) or without (false) something nothing enforces. */
  list(lang: Language, filter: { uncovered?: boolean } = {}) {
    const items = this.coverage.filter(
      (c) => filter.uncovered === undefined || c.uncovered.length > 0 === filter.uncovered,
    );
    return {
      policyVersion: this.policy.version,
      language: lang,
      items: items.map((c) => render(c, lang)),
      // The catalogue is the SOP's 40 clauses: one page, always.
      nextCursor: null,
      unknownClauses: this.unknown,
    };
  }
}
