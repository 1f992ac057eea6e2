import type { Localized, PolicyRules, Role } from './policy';

/**
 * SOP counting rules as pure checks. Each answers with the clause it enforces and a message a head
 * of department understands, in Kazakh, Russian and English. The numbers come from the policy's
 * `rules` (sop/default-policy.ts: the SOP as written).
 */

export interface Finding {
  /** Where in the input, e.g. "days.1.variants.3". */
  path: string;
  clause: string;
  message: Localized;
}

export interface RuleResult {
  ok: boolean;
  /** The SOP clause the rule enforces, e.g. "GP 3". */
  clause: string;
  message: Localized;
  /** Each problem found, when there are several (ticket sets, commissions). */
  findings: Finding[];
}

const result = (clause: string, findings: Finding[], ok: Localized): RuleResult => ({
  ok: findings.length === 0,
  clause,
  message:
    findings.length === 0
      ? ok
      : findings.length === 1
        ? findings[0].message
        : {
            kk: `${findings.length} кемшілік табылды: ${findings.map((f) => f.message.kk).join(' ')}`,
            ru: `Найдено нарушений: ${findings.length}. ${findings.map((f) => f.message.ru).join(' ')}`,
            en: `${findings.length} problems: ${findings.map((f) => f.message.en).join(' ')}`,
          },
  findings,
});

// ── GP 3: question-list size ────────────────────────────────────────────────────────────────

export function requiredQuestionCount(
  rule: PolicyRules['questionCount'],
  credits: number,
): PolicyRules['questionCount']['byCredits'][number] | undefined {
  const exact = rule.byCredits.find((entry) => entry.credits === credits);
  if (exact !== undefined) return exact;
  return rule.byCredits
    .filter((entry) => entry.andMore && entry.credits <= credits)
    .sort((a, b) => b.credits - a.credits)[0];
}

/** GP 3: 1 credit → 10 questions, 3 or more → 40; 2 credits: the policy's default (20). */
export function checkQuestionCount(
  rule: PolicyRules['questionCount'],
  credits: number,
  count: number,
): RuleResult {
  const clause = 'GP 3';
  const entry = requiredQuestionCount(rule, credits);
  if (entry === undefined) {
    return result(
      clause,
      [
        {
          path: 'credits',
          clause,
          message: {
            kk: `${credits} кредиттік пән үшін сұрақтар саны саясатта белгіленбеген (GP 3).`,
            ru: `Для дисциплины в ${credits} кредит(а/ов) число вопросов в политике не задано (GP 3).`,
            en: `The policy sets no question count for a ${credits}-credit discipline (GP 3).`,
          },
        },
      ],
      { kk: '', ru: '', en: '' },
    );
  }
  const why = entry.bySopSilence
    ? {
        kk: ' (СОП бұл жағдайды көрсетпейді; саясаттың әдепкі мәні)',
        ru: ' (СОП об этом молчит; значение политики по умолчанию)',
        en: ' (the SOP is silent here; the policy default)',
      }
    : { kk: '', ru: '', en: '' };
  const findings: Finding[] =
    count === entry.questions
      ? []
      : [
          {
            path: 'questions',
            clause,
            message: {
              kk: `${credits} кредиттік пәннің сұрақтар тізімінде ${entry.questions} сұрақ болуы керек${why.kk}, ал берілгені ${count} (GP 3).`,
              ru: `В списке вопросов дисциплины в ${credits} кредит(а/ов) должно быть ${entry.questions} вопросов${why.ru}, представлено ${count} (GP 3).`,
              en: `A ${credits}-credit discipline needs exactly ${entry.questions} questions${why.en}; the list has ${count} (GP 3).`,
            },
          },
        ];
  return result(clause, findings, {
    kk: `Сұрақтар тізімі дұрыс: ${count} сұрақ, ${credits} кредит${why.kk} (GP 3).`,
    ru: `Список вопросов верен: ${count} вопросов, ${credits} кредит(а/ов)${why.ru} (GP 3).`,
    en: `The question list is right: ${count} questions for ${credits} credit(s)${why.en} (GP 3).`,
  });
}

// ── §5.1, §5.3, Form 1: ticket sets ─────────────────────────────────────────────────────────

export interface TicketVariant {
  /** The variant's questions (Form 1: "1. Question 2. Question" or "… 2. Situational task"). */
  questions: string[];
}

export interface TicketDay {
  date: string;
  variants: TicketVariant[];
}

/**
 * A variant's identity: the same questions make the same variant, whatever their order, spacing
 * or letter case (so a reshuffled ticket is still a repeat). Stored per student to keep §5.3.
 */
export function variantKey(variant: TicketVariant): string {
  return variant.questions
    .map((q) => q.normalize('NFC').trim().replace(/\s+/g, ' ').toLocaleLowerCase('kk'))
    .sort()
    .join('\u241e');
}

/**
 * §5.1: each exam day has its own set of 10–20 variants (renewed every day: no variant repeats
 * across days); Form 1: each variant has two items; questions come from the approved list.
 */
export function checkTicketSets(
  rule: PolicyRules['tickets'],
  days: TicketDay[],
  approvedQuestions?: string[],
): RuleResult {
  const findings: Finding[] = [];
  const firstSeen = new Map<string, { day: number; variant: number }>();
  const approved =
    approvedQuestions === undefined
      ? undefined
      : new Set(approvedQuestions.map((q) => variantKey({ questions: [q] })));
  days.forEach((day, d) => {
    const n = day.variants.length;
    if (n < rule.minPerDay || n > rule.maxPerDay) {
      findings.push({
        path: `days.${d}.variants`,
        clause: '§5.1',
        message: {
          kk: `${day.date} күнінің билеттер жинағында ${rule.minPerDay}–${rule.maxPerDay} нұсқа болуы керек, берілгені ${n} (§5.1).`,
          ru: `В наборе билетов на ${day.date} должно быть ${rule.minPerDay}–${rule.maxPerDay} вариантов, представлено ${n} (§5.1).`,
          en: `The ticket set for ${day.date} needs ${rule.minPerDay}–${rule.maxPerDay} variants; it has ${n} (§5.1).`,
        },
      });
    }
    day.variants.forEach((variant, v) => {
      const path = `days.${d}.variants.${v}`;
      if (variant.questions.length !== rule.questionsPerVariant) {
        findings.push({
          path,
          clause: 'Form 1',
          message: {
            kk: `${day.date}, ${v + 1}-нұсқа: билетте ${rule.questionsPerVariant} тапсырма болуы керек, берілгені ${variant.questions.length} (1-нысан).`,
            ru: `${day.date}, вариант ${v + 1}: в билете должно быть ${rule.questionsPerVariant} задания, представлено ${variant.questions.length} (форма 1).`,
            en: `${day.date}, variant ${v + 1}: a ticket has ${rule.questionsPerVariant} items; this one has ${variant.questions.length} (Form 1).`,
          },
        });
      }
      const key = variantKey(variant);
      const seen = firstSeen.get(key);
      if (seen !== undefined) {
        const where = days[seen.day].date;
        findings.push({
          path,
          clause: '§5.1',
          message: {
            kk: `${day.date}, ${v + 1}-нұсқа ${where} күнінің ${seen.variant + 1}-нұсқасын қайталайды: әр күнге жаңа билеттер керек (§5.1).`,
            ru: `${day.date}, вариант ${v + 1} повторяет вариант ${seen.variant + 1} от ${where}: на каждый день нужны новые билеты (§5.1).`,
            en: `${day.date}, variant ${v + 1} repeats variant ${seen.variant + 1} of ${where}: every day needs fresh tickets (§5.1).`,
          },
        });
      } else firstSeen.set(key, { day: d, variant: v });
      if (approved !== undefined) {
        variant.questions.forEach((q, i) => {
          if (!approved.has(variantKey({ questions: [q] }))) {
            findings.push({
              path: `${path}.questions.${i}`,
              clause: 'GP 3',
              message: {
                kk: `${day.date}, ${v + 1}-нұсқа, ${i + 1}-тапсырма бекітілген сұрақтар тізімінде жоқ (GP 3).`,
                ru: `${day.date}, вариант ${v + 1}, задание ${i + 1} отсутствует в утверждённом списке вопросов (GP 3).`,
                en: `${day.date}, variant ${v + 1}, item ${i + 1} is not in the approved question list (GP 3).`,
              },
            });
          }
        });
      }
    });
  });
  return result('§5.1', findings, {
    kk: `Билеттер жинағы дұрыс: ${days.length} күн, әр күнге жаңа нұсқалар (§5.1).`,
    ru: `Наборы билетов верны: ${days.length} дн., на каждый день новые варианты (§5.1).`,
    en: `The ticket sets are right: ${days.length} day(s), fresh variants each day (§5.1).`,
  });
}

// ── §5.5, §5.3: seeded random assignment ────────────────────────────────────────────────────

export interface AssignmentStudent {
  id: string;
  /** Variant keys (variantKey) the student had before in this discipline (§5.3). */
  previousVariants?: string[];
}

export interface TicketAssignment {
  /** The recorded seed: the same seed, variants and students give the same assignment. */
  seed: string;
  assignments: { studentId: string; variant: number }[];
  /** Students no variant can be given to (a retaker has had them all), with why. */
  refused: Finding[];
}

/** cyrb53-style 32-bit string hash (deterministic, no crypto needed: the seed is recorded). */
function hash32(text: string): number {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (h1 ^ h2) >>> 0;
}

/** mulberry32: a small, well-distributed 32-bit generator. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** An exactly uniform integer in [0, n): rejection sampling removes the modulo bias. */
function uniformBelow(next: () => number, n: number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const x = next();
    if (x < limit) return x % n;
  }
}

/**
 * §5.5: each student gets a ticket variant of the day at random, uniformly over the variants they
 * may get; §5.3: a retaker never gets a variant they had before. Each student's draw comes from
 * the seed and their id alone, so adding a student changes no one else's ticket, and an auditor
 * re-runs the draw from the recorded seed.
 */
export function assignTickets(
  seed: string,
  variants: TicketVariant[],
  students: AssignmentStudent[],
): TicketAssignment {
  const keys = variants.map(variantKey);
  const assignments: TicketAssignment['assignments'] = [];
  const refused: Finding[] = [];
  students.forEach((student, s) => {
    const had = new Set(student.previousVariants ?? []);
    const allowed = keys.flatMap((key, index) => (had.has(key) ? [] : [index]));
    if (allowed.length === 0) {
      refused.push({
        path: `students.${s}`,
        clause: '§5.3',
        message: {
          kk: `${student.id} білім алушы бұл күннің барлық нұсқаларын бұрын алған: жаңа билеттер керек (§5.3).`,
          ru: `Обучающийся ${student.id} уже получал все варианты этого дня: нужны новые билеты (§5.3).`,
          en: `Student ${student.id} has had every variant of this day before: new tickets are needed (§5.3).`,
        },
      });
      return;
    }
    const next = mulberry32(hash32(`${seed}\u0000${student.id}`));
    assignments.push({
      studentId: student.id,
      variant: allowed[uniformBelow(next, allowed.length)],
    });
  });
  return { seed, assignments, refused };
}

// ── §5.8: violation commission ──────────────────────────────────────────────────────────────

export interface CommissionMember {
  personId: string;
  roles: Role[];
}

const ROLE_NAMES: Partial<Record<Role, Localized>> = {
  proctor: { kk: 'проктор', ru: 'проктор', en: 'a proctor' },
  testing_centre: {
    kk: 'тест орталығының қызметкері',
    ru: 'сотрудник тестового центра',
    en: 'a testing-centre staff member',
  },
  deans_office: {
    kk: 'деканат қызметкері',
    ru: 'сотрудник деканата',
    en: "a dean's-office staff member",
  },
};

/**
 * §5.8: a violation act is drawn up by a commission of at least 3 people, among them a proctor, a
 * testing-centre staff member and a dean's-office staff member — three different people.
 */
export function checkCommission(
  rule: PolicyRules['violation']['commission'],
  members: CommissionMember[],
): RuleResult {
  const clause = '§5.8';
  const findings: Finding[] = [];
  const people = [...new Map(members.map((m) => [m.personId, m])).values()];
  if (people.length < rule.minMembers) {
    findings.push({
      path: 'members',
      clause,
      message: {
        kk: `Комиссияда кемінде ${rule.minMembers} адам болуы керек, берілгені ${people.length} (§5.8).`,
        ru: `В комиссии должно быть не менее ${rule.minMembers} человек, указано ${people.length} (§5.8).`,
        en: `The commission needs at least ${rule.minMembers} people; it has ${people.length} (§5.8).`,
      },
    });
  }
  // Each required role held by a different person: a small bipartite matching.
  const assigned = new Map<Role, string>();
  const tryRole = (role: Role, visited: Set<string>): boolean => {
    for (const person of people) {
      if (!person.roles.includes(role) || visited.has(person.personId)) continue;
      visited.add(person.personId);
      const holder = [...assigned.entries()].find(([, p]) => p === person.personId)?.[0];
      if (holder === undefined || tryRole(holder, visited)) {
        assigned.set(role, person.personId);
        return true;
      }
    }
    return false;
  };
  for (const role of rule.requiredRoles) {
    if (!tryRole(role, new Set())) {
      const name = ROLE_NAMES[role] ?? { kk: role, ru: role, en: role };
      findings.push({
        path: 'members',
        clause,
        message: {
          kk: `Комиссия құрамында басқа мүшелерден бөлек ${name.kk} болуы керек (§5.8).`,
          ru: `В составе комиссии должен быть отдельный от других членов ${name.ru} (§5.8).`,
          en: `The commission needs ${name.en}, a different person from the other required members (§5.8).`,
        },
      });
    }
  }
  return result(clause, findings, {
    kk: `Комиссия құрамы дұрыс: ${people.length} адам (§5.8).`,
    ru: `Состав комиссии верен: ${people.length} чел. (§5.8).`,
    en: `The commission is properly composed: ${people.length} people (§5.8).`,
  });
}
