import { DEFAULT_POLICY } from './default-policy';
import {
  assignTickets,
  checkCommission,
  checkQuestionCount,
  checkTicketSets,
  variantKey,
  type TicketDay,
  type TicketVariant,
} from './rules';

const rules = DEFAULT_POLICY.rules;

describe('GP 3: question-list size by credits', () => {
  test.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [5, 40],
  ])('GP 3: %i credit(s) require %i questions', (credits, questions) => {
    expect(checkQuestionCount(rules.questionCount, credits, questions)).toMatchObject({
      ok: true,
      clause: 'GP 3',
    });
    expect(checkQuestionCount(rules.questionCount, credits, questions - 1).ok).toBe(false);
    expect(checkQuestionCount(rules.questionCount, credits, questions + 1).ok).toBe(false);
  });

  test('GP 3: a wrong count is explained in kk, ru and en, naming the clause and both numbers', () => {
    const { message } = checkQuestionCount(rules.questionCount, 3, 38);
    for (const text of [message.kk, message.ru, message.en]) {
      expect(text).toContain('40');
      expect(text).toContain('38');
      expect(text).toContain('GP 3');
    }
  });

  test('GP 3: 2 credits — the message says the SOP is silent and 20 is the policy default', () => {
    expect(checkQuestionCount(rules.questionCount, 2, 10).message.en).toBe(
      'A 2-credit discipline needs exactly 20 questions (the SOP is silent here; the policy default); the list has 10 (GP 3).',
    );
  });

  test('GP 3: a credit count the policy does not cover is refused, not guessed', () => {
    const onlyOne = {
      clauses: ['GP 3'],
      byCredits: [{ credits: 1, questions: 10, andMore: false, bySopSilence: false }],
    };
    expect(checkQuestionCount(onlyOne, 4, 40).ok).toBe(false);
  });
});

const variant = (day: number, n: number): TicketVariant => ({
  questions: [
    `Question ${day}.${n}.a`,
    n % 2 === 0 ? `Situational task ${day}.${n}` : `Question ${day}.${n}.b`,
  ],
});
const daySet = (date: string, day: number, count: number): TicketDay => ({
  date,
  variants: Array.from({ length: count }, (_, n) => variant(day, n)),
});

describe('§5.1, §5.3, Form 1: ticket sets', () => {
  test('§5.1: three days of 10, 15 and 20 fresh variants pass', () => {
    const result = checkTicketSets(rules.tickets, [
      daySet('2027-06-15', 1, 10),
      daySet('2027-06-16', 2, 15),
      daySet('2027-06-17', 3, 20),
    ]);
    expect(result).toMatchObject({ ok: true, clause: '§5.1', findings: [] });
  });
  test.each([9, 21])(
    '§5.1: %i variants on a day is refused, naming the day and the bounds',
    (count) => {
      const result = checkTicketSets(rules.tickets, [daySet('2027-06-15', 1, count)]);
      expect(result.ok).toBe(false);
      expect(result.findings[0]).toMatchObject({ path: 'days.0.variants', clause: '§5.1' });
      expect(result.message.en).toBe(
        `The ticket set for 2027-06-15 needs 10–20 variants; it has ${count} (§5.1).`,
      );
      expect(result.message.kk).toContain('10–20');
      expect(result.message.ru).toContain('10–20');
    },
  );
  test('§5.1: a variant repeated on another day — even reordered and respaced — is refused', () => {
    const second = daySet('2027-06-16', 2, 10);
    const repeated = daySet('2027-06-15', 1, 10).variants[3];
    second.variants[5] = {
      questions: [...repeated.questions].reverse().map((q) => `  ${q.toUpperCase()} `),
    };
    const result = checkTicketSets(rules.tickets, [daySet('2027-06-15', 1, 10), second]);
    expect(result.findings).toEqual([
      expect.objectContaining({ path: 'days.1.variants.5', clause: '§5.1' }),
    ]);
    expect(result.message.en).toContain('repeats variant 4 of 2027-06-15');
  });
  test('Form 1: a ticket has two items; GP 3: its questions come from the approved list', () => {
    const day = daySet('2027-06-15', 1, 10);
    day.variants[0] = { questions: ['Question 1.0.a'] };
    const approved = day.variants.slice(1).flatMap((v) => v.questions);
    const result = checkTicketSets(rules.tickets, [day], approved);
    expect(result.findings.map((f) => [f.path, f.clause])).toEqual([
      ['days.0.variants.0', 'Form 1'],
      ['days.0.variants.0.questions.0', 'GP 3'],
    ]);
  });
});

describe('§5.5, §5.3: seeded random ticket assignment', () => {
  const variants = daySet('2027-06-15', 1, 12).variants;
  const students = Array.from({ length: 50 }, (_, i) => ({ id: `s${i}` }));
  test('§5.5: the same seed gives the same assignment; another seed another one', () => {
    const first = assignTickets('seed-2027-06-15', variants, students);
    expect(assignTickets('seed-2027-06-15', variants, students)).toEqual(first);
    expect(assignTickets('seed-other', variants, students).assignments).not.toEqual(
      first.assignments,
    );
    expect(first.seed).toBe('seed-2027-06-15');
  });
  test("§5.5: a student's ticket does not depend on who else sits the exam", () => {
    const all = assignTickets('seed', variants, students).assignments;
    const some = assignTickets('seed', variants, students.slice(10, 20)).assignments;
    expect(some).toEqual(all.slice(10, 20));
  });
  test("§5.5: uniform over the day's variants (chi-square over 24,000 students)", () => {
    const many = Array.from({ length: 24_000 }, (_, i) => ({ id: `student-${i}` }));
    const counts = new Array<number>(variants.length).fill(0);
    for (const a of assignTickets('uniformity', variants, many).assignments) counts[a.variant]++;
    const expected = many.length / variants.length;
    const chiSquare = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    // 11 degrees of freedom: P(χ² > 31.26) = 0.001.
    expect(chiSquare).toBeLessThan(31.26);
  });
  test('§5.3: a retaker never gets a variant they had before; with none left they are refused by name', () => {
    const had = variants.slice(0, 11).map(variantKey);
    const result = assignTickets('seed', variants, [{ id: 'retaker', previousVariants: had }]);
    expect(result.assignments).toEqual([{ studentId: 'retaker', variant: 11 }]);
    const none = assignTickets('seed', variants, [
      { id: 'retaker', previousVariants: variants.map(variantKey) },
    ]);
    expect(none.assignments).toEqual([]);
    expect(none.refused[0]).toMatchObject({ clause: '§5.3', path: 'students.0' });
    expect(none.refused[0].message.en).toContain('retaker');
  });
});

describe('§5.8: violation commission', () => {
  const commission = rules.violation.commission;
  test("§5.8: a proctor, a testing-centre and a dean's-office member pass", () => {
    expect(
      checkCommission(commission, [
        { personId: 'p', roles: ['proctor'] },
        { personId: 't', roles: ['testing_centre'] },
        { personId: 'd', roles: ['deans_office'] },
      ]).ok,
    ).toBe(true);
  });
  test('§5.8: two people are too few, in kk, ru and en', () => {
    const result = checkCommission(commission, [
      { personId: 'p', roles: ['proctor'] },
      { personId: 't', roles: ['testing_centre', 'deans_office'] },
    ]);
    expect(result.ok).toBe(false);
    expect(result.findings.map((f) => f.message.en)).toEqual([
      'The commission needs at least 3 people; it has 2 (§5.8).',
      "The commission needs a dean's-office staff member, a different person from the other required members (§5.8).",
    ]);
    expect(result.message.ru).toContain('не менее 3');
  });
  test('§5.8: one person cannot fill two required seats, but roles are matched so that a valid split is found', () => {
    const result = checkCommission(commission, [
      { personId: 'a', roles: ['proctor', 'testing_centre'] },
      { personId: 'b', roles: ['proctor'] },
      { personId: 'c', roles: ['deans_office'] },
    ]);
    expect(result.ok).toBe(true);
  });
  test('§5.8: the same person listed twice counts once', () => {
    const result = checkCommission(commission, [
      { personId: 'p', roles: ['proctor'] },
      { personId: 'p', roles: ['proctor'] },
      { personId: 't', roles: ['testing_centre'] },
    ]);
    expect(result.ok).toBe(false);
  });
});
