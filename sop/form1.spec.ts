import { checkTicketItemKinds } from './form1';

describe('Form 1: a ticket is "1. Question 2. Question" or "1. Question 2. Situational task"', () => {
  test('a question first, each item of its kind in the approved list', () => {
    expect(
      checkTicketItemKinds('2027-03-16', [
        {
          items: [
            { kind: 'question', listKind: 'question' },
            { kind: 'situational', listKind: 'situational' },
          ],
        },
        { items: [{ kind: 'question' }, { kind: 'question' }] },
      ]).ok,
    ).toBe(true);
  });

  test('a situational task first, or a kind the list does not give, is a Form 1 finding', () => {
    const result = checkTicketItemKinds('2027-03-16', [
      { items: [{ kind: 'situational' }, { kind: 'question' }] },
      { items: [{ kind: 'question' }, { kind: 'question', listKind: 'situational' }] },
    ]);
    expect(result.ok).toBe(false);
    expect(result.findings.map((f) => [f.path, f.clause])).toEqual([
      ['variants.0.questions.0', 'Form 1'],
      ['variants.1.questions.1', 'Form 1'],
    ]);
    expect(result.findings[1].message.en).toMatch(/situational task in the approved list/);
    expect(result.findings[0].message.kk).toMatch(/1-нысан/);
  });
});
