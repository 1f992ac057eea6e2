import type { Finding, RuleResult } from './rules';

/**
 * Form 1's shape of a ticket beyond its item count (sop/rules.ts checkTicketSets): "1. Question
 * 2. Question" or "1. Question 2. Situational task" — the first item is always a theory question,
 * and each item is of the kind the approved question list gives it.
 */
export type TicketItemKind = 'question' | 'situational';

export interface TicketItemKinds {
  items: {
    kind: TicketItemKind;
    /** The approved list's kind of the same question. */ listKind?: TicketItemKind;
  }[];
}

const KIND_NAMES: Record<TicketItemKind, { kk: string; ru: string; en: string }> = {
  question: { kk: 'сұрақ', ru: 'вопрос', en: 'a question' },
  situational: { kk: 'ситуациялық есеп', ru: 'ситуационная задача', en: 'a situational task' },
};

export function checkTicketItemKinds(date: string, variants: TicketItemKinds[]): RuleResult {
  const clause = 'Form 1';
  const findings: Finding[] = [];
  variants.forEach((variant, v) => {
    variant.items.forEach((item, i) => {
      const path = `variants.${v}.questions.${i}`;
      if (i === 0 && item.kind !== 'question') {
        findings.push({
          path,
          clause,
          message: {
            kk: `${date}, ${v + 1}-нұсқа: билеттің 1-тапсырмасы сұрақ болуы керек (1-нысан).`,
            ru: `${date}, вариант ${v + 1}: первое задание билета должно быть вопросом (форма 1).`,
            en: `${date}, variant ${v + 1}: a ticket's first item is a question (Form 1).`,
          },
        });
      } else if (item.listKind !== undefined && item.listKind !== item.kind) {
        const listed = KIND_NAMES[item.listKind];
        findings.push({
          path,
          clause,
          message: {
            kk: `${date}, ${v + 1}-нұсқа, ${i + 1}-тапсырма бекітілген тізімде ${listed.kk} ретінде берілген (1-нысан).`,
            ru: `${date}, вариант ${v + 1}, задание ${i + 1} в утверждённом списке — ${listed.ru} (форма 1).`,
            en: `${date}, variant ${v + 1}, item ${i + 1} is ${listed.en} in the approved list (Form 1).`,
          },
        });
      }
    });
  });
  const ok = {
    kk: 'Билеттер 1-нысанға сай (1-нысан).',
    ru: 'Билеты соответствуют форме 1 (форма 1).',
    en: 'The tickets follow Form 1 (Form 1).',
  };
  return {
    ok: findings.length === 0,
    clause,
    message: findings[0]?.message ?? ok,
    findings,
  };
}
