import { EXAM_EVENTS } from '../workflows/exam.contract';
import {
  CLAUSE_SETS,
  clauseCoverage,
  RULE_CHECKS,
  RULE_COVERS,
  SOP_CLAUSE_IDS,
  SOP_CLAUSES,
  unknownClauses,
} from './clauses';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE } from './default-policy';
import { applyOverrides, type Policy } from './policy';
import * as rules from './rules';

const range = (prefix: string, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${prefix}${from + i}`);

/** The SOP's numbering (edition 1): what the catalogue must list, each once, in this order. */
const NUMBERING = [
  ...range('GP ', 1, 4),
  ...range('§5.', 1, 19),
  ...range('row ', 1, 12),
  ...range('Form ', 1, 4),
  // Among the forms of the original, with no number of its own.
  'impostor act',
];

const coverageOf = (policy: Policy) =>
  new Map(clauseCoverage(policy, EXAM_EVENTS).map((c) => [c.id, c]));

describe('the clause catalogue is the SOP, every clause once', () => {
  test('GP 1–4, §5.1–§5.19, rows 1–12, Forms 1–4 and the impostor act, in the original order', () => {
    expect(SOP_CLAUSE_IDS).toEqual(NUMBERING);
    expect(new Set(SOP_CLAUSE_IDS).size).toBe(SOP_CLAUSE_IDS.length);
    const parts = Object.fromEntries(
      ['general', 'section5', 'table', 'form'].map((p) => [
        p,
        SOP_CLAUSES.filter((c) => c.part === p).length,
      ]),
    );
    expect(parts).toEqual({ general: 4, section5: 19, table: 12, form: 5 });
  });

  test.each(SOP_CLAUSES.map((c) => [c.id, c] as const))(
    '%s has a title in kk, ru and en and says what it sets',
    (_, clause) => {
      for (const lang of ['kk', 'ru', 'en'] as const)
        expect(clause.title[lang].trim().length).toBeGreaterThan(10);
      expect(clause.sets.length).toBeGreaterThan(0);
      if (clause.sets.includes('procedure-only')) expect(clause.sets).toEqual(['procedure-only']);
      expect(new Set(clause.sets).size).toBe(clause.sets.length);
      // A pending gap is something the clause sets, with a reason in every language.
      for (const set of clause.pending?.sets ?? []) expect(clause.sets).toContain(set);
      if (clause.pending !== undefined)
        for (const lang of ['kk', 'ru', 'en'] as const)
          expect(clause.pending.reason[lang].length).toBeGreaterThan(10);
    },
  );

  test('every clause the default policy, the rule checks and EXAM_EVENTS name is in the catalogue', () => {
    expect(unknownClauses(DEFAULT_POLICY, EXAM_EVENTS)).toEqual([]);
    const inventedPolicy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'invented',
      steps: { moodleUpload: { clauses: ['GP 3', '§9.9'] } },
    });
    expect(unknownClauses(inventedPolicy, EXAM_EVENTS)).toEqual(['§9.9']);
  });
});

describe('every clause that sets a deadline, a count, a role or a document has an enforcer', () => {
  const coverage = coverageOf(DEFAULT_POLICY);
  const setting = SOP_CLAUSES.filter((c) => !c.sets.includes('procedure-only'));

  test.each(setting.map((c) => [c.id, c.sets.join(', '), c] as const))(
    '%s (%s) is enforced in the default policy, except what it declares pending',
    (id, _, clause) => {
      const found = coverage.get(id)!;
      const missing = found.uncovered.filter((s) => !(clause.pending?.sets ?? []).includes(s));
      const closed = (clause.pending?.sets ?? []).filter((s) => !found.uncovered.includes(s));
      const problems = [
        ...missing.map((s) => `${id} sets a ${s} that nothing in the default policy enforces`),
        ...closed.map(
          (s) => `${id}'s ${s} is enforced now: remove it from the clause's pending gaps`,
        ),
      ];
      expect(problems).toEqual([]);
    },
  );

  test('a clause with all of its sets enforced names an enforcer for each (GP 3)', () => {
    const gp3 = coverage.get('GP 3')!;
    expect(gp3.uncovered).toEqual([]);
    expect(gp3.steps.map((s) => s.id)).toEqual([
      'departmentDiscussion',
      'programmeCommitteeApproval',
      'moodleUpload',
    ]);
    expect(gp3.steps[0]).toMatchObject({
      ownerRole: 'department_head',
      deadline: {
        anchor: 'D',
        offsets: [{ when: 'always', offset: { value: -2, unit: 'months' } }],
        shift: 'previousWorkingDay',
      },
    });
    expect(gp3.steps[1].deadline.offsets).toEqual([
      { when: 'always', offset: { value: -1, unit: 'months', counting: 'calendar' } },
      {
        when: 'row1SharedDeadline',
        offset: { value: -2, unit: 'months', counting: 'calendar' },
      },
    ]);
    expect(gp3.rules).toEqual([
      expect.objectContaining({ id: 'questionCount', covers: ['count'] }),
    ]);
    expect(gp3.rules[0].value).toMatchObject({
      byCredits: [
        expect.objectContaining({ credits: 1, questions: 10 }),
        expect.objectContaining({ credits: 2, questions: 20, bySopSilence: true }),
        expect.objectContaining({ credits: 3, questions: 40, andMore: true }),
      ],
    });
    expect(gp3.checks.map((c) => c.check)).toEqual(['checkQuestionCount', 'checkTicketSets']);
    expect(gp3.documents).toEqual(
      expect.arrayContaining(['questionList', 'rubric', 'technicalAids', 'referenceLiterature']),
    );
    expect(gp3.declared.roles).toEqual(
      expect.arrayContaining(['department_head', 'programme_committee']),
    );
  });

  test('§5.17 and row 7: the grading step is due by the grading window (3 days ≤ 300 works, else 5)', () => {
    const s517 = coverage.get('§5.17')!;
    expect(s517.steps.map((s) => s.id)).toEqual(['grading']);
    expect(s517.steps[0].deadline).toMatchObject({
      anchor: 'E',
      rule: 'gradingWindow',
      threshold: 300,
      offsets: [
        { when: 'upToThreshold', offset: { value: 3, unit: 'days' } },
        { when: 'aboveThreshold', offset: { value: 5, unit: 'days' } },
      ],
      shift: 'none',
    });
    expect(s517.rules.map((r) => r.id)).toEqual(['gradingWindow', 'gradingScale']);
    expect(
      coverageOf(DEFAULT_POLICY)
        .get('row 7')!
        .steps.map((s) => s.id),
    ).toEqual(['grading']);
  });

  test('§5.7, §5.16, row 11, row 12: exam events enforce who may record them', () => {
    expect(coverage.get('§5.7')!.events.map((e) => e.event)).toEqual([
      'violationFound',
      'caseClosed',
    ]);
    expect(coverage.get('row 12')!.events).toEqual([
      {
        event: 'appealFiled',
        roles: ['student', 'deans_office', 'appeal_commission'],
        covers: ['role'],
      },
    ]);
    expect(coverage.get('§5.16')!.events.map((e) => e.event)).toEqual(['violationActSent']);
    expect(coverage.get('row 11')!.events.map((e) => e.event)).toEqual(['violationFound']);
  });

  test('GP 1, GP 2 and §5.9 set nothing to enforce (procedure-only)', () => {
    expect(SOP_CLAUSES.filter((c) => c.sets.includes('procedure-only')).map((c) => c.id)).toEqual([
      'GP 1',
      'GP 2',
      '§5.9',
    ]);
    for (const id of ['GP 1', 'GP 2', '§5.9']) expect(coverage.get(id)!.uncovered).toEqual([]);
  });
});

describe('a policy that drops a step shows the gap', () => {
  test('§5.1: without ticketUpload and admissionCheck its deadline, role and document have no enforcer (its count still has)', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'no-tickets',
      steps: { ticketUpload: null, admissionCheck: null },
    });
    const s51 = coverageOf(policy).get('§5.1')!;
    expect(s51.steps).toEqual([]);
    expect(s51.uncovered).toEqual(['deadline', 'role', 'document']);
    expect(s51.rules.map((r) => r.id)).toEqual(['tickets']);
    expect(s51.checks.map((c) => c.check)).toEqual(['checkTicketSets']);
    // Other clauses of the step keep their other enforcers: §5.2 has the examiner list.
    expect(coverageOf(policy).get('§5.2')!.uncovered).toEqual([]);
  });

  test('row 5: without proctorInstructions nothing enforces it', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'no-instructions',
      steps: { proctorInstructions: null },
    });
    expect(coverageOf(policy).get('row 5')!.uncovered).toEqual(['deadline', 'role', 'document']);
  });

  test('§5.17: a counting rule alone enforces no deadline (grading dropped, gradingWindow kept)', () => {
    const policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
      version: 'no-grading',
      steps: { grading: null, gradeSheet: { after: [] } },
    });
    const s517 = coverageOf(policy).get('§5.17')!;
    expect(s517.rules.map((r) => r.id)).toEqual(['gradingWindow', 'gradingScale']);
    expect(s517.uncovered).toEqual(['deadline', 'role']);
  });
});

describe('the declared rule checks exist in sop/rules.ts', () => {
  test.each(RULE_CHECKS.map((c) => [c.check, Object.keys(c.covers).join(', '), c] as const))(
    '%s (%s) is a function of sop/rules.ts reading a rule of the policy',
    (name, _, declared) => {
      expect(typeof (rules as Record<string, unknown>)[name]).toBe('function');
      expect(Object.keys(DEFAULT_POLICY.rules)).toContain(declared.rule);
      for (const [clause, sets] of Object.entries(declared.covers)) {
        expect(SOP_CLAUSE_IDS).toContain(clause);
        for (const set of sets) expect(CLAUSE_SETS).toContain(set);
      }
    },
  );

  test('every rule of the policy says what it enforces by itself', () => {
    expect(Object.keys(RULE_COVERS).sort()).toEqual(Object.keys(DEFAULT_POLICY.rules).sort());
  });

  /** Each check run on input that breaks every rule it has: the clauses its findings name. */
  const failing: Record<string, () => string[]> = {
    checkQuestionCount: () => {
      const r = rules.checkQuestionCount(DEFAULT_POLICY.rules.questionCount, 1, 9);
      return [r.clause, ...r.findings.map((f) => f.clause)];
    },
    checkTicketSets: () => {
      const variant = { questions: ['a', 'b', 'c'] };
      const r = rules.checkTicketSets(
        DEFAULT_POLICY.rules.tickets,
        [
          { date: '2027-06-15', variants: [variant] },
          { date: '2027-06-16', variants: [variant] },
        ],
        ['a'],
      );
      return [r.clause, ...r.findings.map((f) => f.clause)];
    },
    assignTickets: () => {
      const variant = { questions: ['a', 'b'] };
      const r = rules.assignTickets(
        'seed',
        [variant],
        [{ id: 'retaker', previousVariants: [rules.variantKey(variant)] }],
      );
      return r.refused.map((f) => f.clause);
    },
    checkCommission: () => {
      const r = rules.checkCommission(DEFAULT_POLICY.rules.violation.commission, [
        { personId: 'p', roles: ['proctor'] },
      ]);
      return [r.clause, ...r.findings.map((f) => f.clause)];
    },
  };

  test.each(RULE_CHECKS.map((c) => [c.check, c] as const))(
    '%s: every clause its findings name is declared',
    (name, declared) => {
      const named = new Set(failing[name]());
      expect(named.size).toBeGreaterThan(0);
      for (const clause of named) expect(Object.keys(declared.covers)).toContain(clause);
    },
  );
});
