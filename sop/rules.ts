/**
 * SOP counting rules as pure checks. Each answers with the clause it enforces and a message a head
 * of department understands, in Kazakh, Russian and English. The thresholds are policy data
 * (defaults here are the SOP as written); the full policy (issue "SOP as code") carries them.
 */

export interface Localized {
  kk: string;
  ru: string;
  en: string;
}

export interface RuleResult {
  ok: boolean;
  /** The SOP clause the rule enforces, e.g. "GP 3". */
  clause: string;
  message: Localized;
}

/** GP 3: 1 credit → 10 questions, 3 or more credits → 40; 2 credits: the SOP is silent (DEADLINES.md: 20). */
export interface QuestionCountRule {
  byCredits: { credits: number; questions: number; andMore?: boolean; bySopSilence?: boolean }[];
}

export const DEFAULT_QUESTION_COUNTS: QuestionCountRule = {
  byCredits: [
    { credits: 1, questions: 10 },
    { credits: 2, questions: 20, bySopSilence: true },
    { credits: 3, questions: 40, andMore: true },
  ],
};

export function requiredQuestionCount(
  rule: QuestionCountRule,
  credits: number,
): QuestionCountRule['byCredits'][number] | undefined {
  const exact = rule.byCredits.find((entry) => entry.credits === credits);
  if (exact !== undefined) return exact;
  const open = rule.byCredits
    .filter((entry) => entry.andMore === true && entry.credits <= credits)
    .sort((a, b) => b.credits - a.credits);
  return open[0];
}

/** GP 3: is the question list the size the discipline's credits require? */
export function checkQuestionCount(
  rule: QuestionCountRule,
  credits: number,
  count: number,
): RuleResult {
  const clause = 'GP 3';
  const entry = requiredQuestionCount(rule, credits);
  if (entry === undefined) {
    return {
      ok: false,
      clause,
      message: {
        kk: `${credits} кредиттік пән үшін сұрақтар саны саясатта белгіленбеген.`,
        ru: `Для дисциплины в ${credits} кредит(а/ов) число вопросов в политике не задано.`,
        en: `The policy sets no question count for a ${credits}-credit discipline.`,
      },
    };
  }
  const why = entry.bySopSilence
    ? {
        kk: ' (СОП бұл жағдайды көрсетпейді; саясаттың әдепкі мәні)',
        ru: ' (СОП об этом молчит; значение политики по умолчанию)',
        en: ' (the SOP is silent here; the policy default)',
      }
    : { kk: '', ru: '', en: '' };
  const ok = count === entry.questions;
  return {
    ok,
    clause,
    message: ok
      ? {
          kk: `Сұрақтар тізімі дұрыс: ${count} сұрақ, ${credits} кредит${why.kk} (GP 3).`,
          ru: `Список вопросов верен: ${count} вопросов, ${credits} кредит(а/ов)${why.ru} (GP 3).`,
          en: `The question list is right: ${count} questions for ${credits} credit(s)${why.en} (GP 3).`,
        }
      : {
          kk: `${credits} кредиттік пәннің сұрақтар тізімінде ${entry.questions} сұрақ болуы керек${why.kk}, ал берілгені ${count} (GP 3).`,
          ru: `В списке вопросов дисциплины в ${credits} кредит(а/ов) должно быть ${entry.questions} вопросов${why.ru}, представлено ${count} (GP 3).`,
          en: `A ${credits}-credit discipline needs exactly ${entry.questions} questions${why.en}; the list has ${count} (GP 3).`,
        },
  };
}

/** §5.17, row 7: examiners get 3 days for at most 300 works, 5 days for more. */
export interface GradingWindowRule {
  threshold: number;
  daysUpToThreshold: number;
  daysAboveThreshold: number;
}

export const DEFAULT_GRADING_WINDOW: GradingWindowRule = {
  threshold: 300,
  daysUpToThreshold: 3,
  daysAboveThreshold: 5,
};

export function gradingWindowDays(rule: GradingWindowRule, works: number): number {
  if (!Number.isInteger(works) || works < 0)
    throw new RangeError(`number of works must be a whole number ≥ 0, got ${works}`);
  return works <= rule.threshold ? rule.daysUpToThreshold : rule.daysAboveThreshold;
}
