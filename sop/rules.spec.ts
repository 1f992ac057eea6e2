import {
  checkQuestionCount,
  DEFAULT_GRADING_WINDOW,
  DEFAULT_QUESTION_COUNTS,
  gradingWindowDays,
} from './rules';

describe('GP 3: question-list size by credits', () => {
  test.each([
    [1, 10],
    [2, 20],
    [3, 40],
    [5, 40],
  ])('%i credit(s) require %i questions', (credits, questions) => {
    expect(checkQuestionCount(DEFAULT_QUESTION_COUNTS, credits, questions)).toMatchObject({
      ok: true,
      clause: 'GP 3',
    });
    expect(checkQuestionCount(DEFAULT_QUESTION_COUNTS, credits, questions - 1).ok).toBe(false);
    expect(checkQuestionCount(DEFAULT_QUESTION_COUNTS, credits, questions + 1).ok).toBe(false);
  });

  test('a wrong count is explained in kk, ru and en, naming the clause and both numbers', () => {
    const { message } = checkQuestionCount(DEFAULT_QUESTION_COUNTS, 3, 38);
    for (const text of [message.kk, message.ru, message.en]) {
      expect(text).toContain('40');
      expect(text).toContain('38');
      expect(text).toContain('GP 3');
    }
  });

  test('2 credits: the message says the SOP is silent and 20 is the policy default', () => {
    expect(checkQuestionCount(DEFAULT_QUESTION_COUNTS, 2, 10).message.en).toBe(
      'A 2-credit discipline needs exactly 20 questions (the SOP is silent here; the policy default); the list has 10 (GP 3).',
    );
  });

  test('a credit count the policy does not cover is refused, not guessed', () => {
    expect(checkQuestionCount({ byCredits: [{ credits: 1, questions: 10 }] }, 4, 40).ok).toBe(
      false,
    );
  });
});

describe('§5.17 / row 7: grading window by number of works', () => {
  test.each([
    [0, 3],
    [300, 3],
    [301, 5],
    [1200, 5],
  ])('%i works → %i days', (works, days) => {
    expect(gradingWindowDays(DEFAULT_GRADING_WINDOW, works)).toBe(days);
  });
  test('a negative or fractional number of works is an error', () => {
    expect(() => gradingWindowDays(DEFAULT_GRADING_WINDOW, -1)).toThrow(RangeError);
    expect(() => gradingWindowDays(DEFAULT_GRADING_WINDOW, 2.5)).toThrow(RangeError);
  });
});
