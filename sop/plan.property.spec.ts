import fc from 'fast-check';
import { DateTime } from 'luxon';
import { calendarYears, isWorkingDay } from './calendar';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE } from './default-policy';
import { resolveCalendar } from './holidays';
import { planExam, type ExamFacts } from './plan';
import { applyOverrides, type Policy } from './policy';
import { assignTickets, variantKey } from './rules';

/** Property tests (fast-check) of DEADLINES.md's invariants over random exams and policies. */

const dateArb = fc
  .integer({ min: 0, max: 3 * 365 })
  .map((n) => DateTime.fromISO('2026-01-01', { zone: 'UTC' }).plus({ days: n }).toISODate()!);
const weekArb = fc.subarray([1, 2, 3, 4, 5, 6, 7], { minLength: 1 });
const closuresArb = fc.uniqueArray(dateArb, { maxLength: 20 });

function factsFor(days: string[], works: number, summer: boolean): ExamFacts {
  const zone = 'Asia/Almaty';
  return {
    examId: 'x',
    days,
    startsAt: DateTime.fromISO(`${days[0]}T09:00`, { zone }).toMillis(),
    endsAt: DateTime.fromISO(`${days[days.length - 1]}T13:00`, { zone }).toMillis(),
    expectedWorks: works,
    summer,
    retake: false,
  };
}

const examDaysArb = fc
  .tuple(dateArb, fc.integer({ min: 1, max: 3 }))
  .map(([first, n]) =>
    Array.from({ length: n }, (_, i) =>
      DateTime.fromISO(first, { zone: 'UTC' }).plus({ days: i }).toISODate()!,
    ),
  );

describe('DEADLINES.md "Working days" (property)', () => {
  test('a before-deadline never lands on a non-working day and never later than its unshifted date', () => {
    fc.assert(
      fc.property(
        examDaysArb,
        weekArb,
        closuresArb,
        fc.boolean(),
        (days, week, closures, summer) => {
          const policy: Policy = applyOverrides(DEFAULT_POLICY_SOURCE, {
            version: 'prop',
            workingWeek: week,
            closures,
          });
          const calendar = resolveCalendar(policy, calendarYears(days));
          const plan = planExam(policy, calendar, factsFor(days, 100, summer));
          for (const step of plan.steps) {
            if (step.shift !== 'previousWorkingDay') continue;
            expect(isWorkingDay(calendar, step.dueDate)).toBe(true);
            // The unshifted date, counted independently with luxon from the anchor day.
            const anchor = step.anchor === 'Dk' ? step.day!.date : days[0];
            const unshifted = DateTime.fromISO(anchor, { zone: 'UTC' })
              .plus({ [step.offset.unit]: step.offset.value })
              .toISODate()!;
            expect(step.dueDate <= unshifted).toBe(true);
            expect(step.moved === undefined).toBe(step.dueDate === unshifted);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  test('plans are deterministic: the same input (even through JSON) gives the same plan', () => {
    fc.assert(
      fc.property(
        examDaysArb,
        fc.integer({ min: 0, max: 1000 }),
        fc.boolean(),
        (days, works, summer) => {
          const calendar = resolveCalendar(DEFAULT_POLICY, calendarYears(days));
          const first = planExam(DEFAULT_POLICY, calendar, factsFor(days, works, summer));
          const again = planExam(
            JSON.parse(JSON.stringify(DEFAULT_POLICY)) as Policy,
            JSON.parse(JSON.stringify(calendar)) as typeof calendar,
            factsFor([...days], works, summer),
          );
          expect(again).toEqual(first);
          // In due order, and every due after its own reminders.
          for (let i = 1; i < first.steps.length; i++)
            expect(first.steps[i].dueAt).toBeGreaterThanOrEqual(first.steps[i - 1].dueAt);
          for (const step of first.steps)
            for (const r of step.reminders) expect(r).toBeLessThan(step.dueAt);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("§5.3 (property): an assignment never repeats a retaker's variant", () => {
  test('whatever the variants, histories and seed', () => {
    const variantsArb = fc
      .integer({ min: 10, max: 20 })
      .chain((n) =>
        fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })), {
          minLength: n,
          maxLength: n,
          selector: ([a, b]) => variantKey({ questions: [a, b] }),
        }),
      )
      .map((pairs) => pairs.map(([a, b]) => ({ questions: [a, b] })));
    fc.assert(
      fc.property(
        variantsArb,
        fc.string(),
        fc.array(fc.array(fc.nat(), { maxLength: 25 }), { minLength: 1, maxLength: 30 }),
        (variants, seed, histories) => {
          const keys = variants.map(variantKey);
          const students = histories.map((had, i) => ({
            id: `s${i}`,
            previousVariants: had.map((h) => keys[h % keys.length]),
          }));
          const result = assignTickets(seed, variants, students);
          expect(result.assignments.length + result.refused.length).toBe(students.length);
          for (const { studentId, variant } of result.assignments) {
            const student = students.find((s) => s.id === studentId)!;
            expect(student.previousVariants).not.toContain(keys[variant]);
          }
          for (const refusal of result.refused) {
            const student = students[Number(refusal.path.split('.')[1])];
            expect(new Set(student.previousVariants).size).toBe(new Set(keys).size);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the policy (property)', () => {
  test('every step of the default policy has at least one clause reference', () => {
    fc.assert(
      fc.property(fc.constantFrom(...DEFAULT_POLICY.steps), (step) => {
        expect(step.clauses.length).toBeGreaterThan(0);
        for (const clause of step.clauses)
          expect(clause).toMatch(/^(GP \d+|§5\.\d+|row \d+|Form \d)$/);
      }),
    );
  });
});
