import fc from 'fast-check';
import { assignmentMismatches } from '../api/paperwork/assignment.service';
import { assignTickets, variantKey, type TicketVariant } from '../sop/rules';
import { seedCommitment } from './assignment.activity';

/**
 * Property tests (fast-check) of the ticket assignment (§5.3, §5.5): uniform over many seeds, a
 * retaker never gets an earlier variant, and the assignment recomputed from a revealed seed is
 * the stored one (any change to a stored ticket shows).
 */

/**
 * The χ² quantile (Wilson–Hilferty: accurate to a few percent for df ≥ 5, enough for bounds at
 * p = 10⁻⁶). z is the standard normal quantile.
 */
function chiSquareQuantile(df: number, z: number): number {
  const a = 2 / (9 * df);
  return df * (1 - a + z * Math.sqrt(a)) ** 3;
}
/** Two-sided bounds at p = 10⁻⁶ each side (z = 4.753): a run of a few hundred checks never trips by chance. */
const Z = 4.753;
function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}
function expectUniform(counts: readonly number[]): void {
  const df = counts.length - 1;
  const x2 = chiSquare(counts);
  // Too far from uniform is bias; too close (a round-robin) is not random either.
  expect(x2).toBeLessThan(chiSquareQuantile(df, Z));
  expect(x2).toBeGreaterThan(chiSquareQuantile(df, -Z));
}

const variantsArb = fc
  .integer({ min: 10, max: 20 })
  .chain((n) =>
    fc.uniqueArray(fc.tuple(fc.string({ minLength: 1 }), fc.string({ minLength: 1 })), {
      minLength: n,
      maxLength: n,
      selector: ([a, b]) => variantKey({ questions: [a, b] }),
    }),
  )
  .map((pairs): TicketVariant[] => pairs.map(([a, b]) => ({ questions: [a, b] })));
/** A seed as the approval commits one: 32 random bytes, hex. */
const seedArb = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));

describe('§5.5: uniform assignment (property)', () => {
  test('over many seeds, each seed spreads 2,000 students uniformly over 10–20 variants (χ²)', () => {
    const students = Array.from({ length: 2000 }, (_, i) => ({ id: `student-${i}` }));
    fc.assert(
      fc.property(variantsArb, seedArb, (variants, seed) => {
        const counts = new Array<number>(variants.length).fill(0);
        for (const a of assignTickets(seed, variants, students).assignments) counts[a.variant]++;
        expectUniform(counts);
      }),
      { numRuns: 80 },
    );
  });

  test("over many seeds, one student's ticket is uniform over the variants (χ²)", () => {
    fc.assert(
      fc.property(
        variantsArb,
        fc.uuid(),
        fc.string({ maxLength: 8 }),
        (variants, studentId, prefix) => {
          const counts = new Array<number>(variants.length).fill(0);
          for (let i = 0; i < 2000; i++)
            counts[
              assignTickets(`${prefix}${i}`, variants, [{ id: studentId }]).assignments[0].variant
            ]++;
          expectUniform(counts);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('§5.3: a retaker gets different tickets every time (property)', () => {
  test('never an earlier variant, uniform over the rest; refused by name only when none is left', () => {
    fc.assert(
      fc.property(
        variantsArb,
        seedArb,
        fc.array(fc.array(fc.nat(), { maxLength: 25 }), { minLength: 1, maxLength: 40 }),
        (variants, seed, histories) => {
          const keys = variants.map(variantKey);
          const students = histories.map((had, i) => ({
            id: `retaker-${i}`,
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
            expect(refusal.clause).toBe('§5.3');
            expect(refusal.message.en).toContain(student.id);
            expect(new Set(student.previousVariants)).toEqual(new Set(keys));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("a retaker's ticket over many seeds is uniform over the variants they have not had (χ²)", () => {
    fc.assert(
      fc.property(
        variantsArb.chain((variants) =>
          fc.tuple(
            fc.constant(variants),
            fc.subarray(
              variants.map((_, i) => i),
              { minLength: 1, maxLength: variants.length - 6 },
            ),
          ),
        ),
        ([variants, had]) => {
          const keys = variants.map(variantKey);
          const retaker = { id: 'retaker', previousVariants: had.map((i) => keys[i]) };
          const allowed = keys.flatMap((_, i) => (had.includes(i) ? [] : [i]));
          const counts = new Map(allowed.map((i) => [i, 0]));
          for (let s = 0; s < 2000; s++) {
            const { variant } = assignTickets(`seed-${s}`, variants, [retaker]).assignments[0];
            expect(counts.has(variant)).toBe(true);
            counts.set(variant, counts.get(variant)! + 1);
          }
          expectUniform([...counts.values()]);
        },
      ),
      { numRuns: 20 },
    );
  });
});

describe('§5.5: the revealed seed recomputes the stored assignment (property)', () => {
  const studentsArb = fc.uniqueArray(
    fc.record({ id: fc.uuid(), had: fc.array(fc.nat(), { maxLength: 22 }) }),
    { minLength: 1, maxLength: 60, selector: (s) => s.id },
  );

  test('the seed matches its commitment; the recomputation, in any order, is what was stored', () => {
    fc.assert(
      fc.property(
        variantsArb,
        seedArb,
        studentsArb,
        fc.nat(),
        (variants, seed, people, shuffleSeed) => {
          const keys = variants.map(variantKey);
          const students = people.map((p) => ({
            id: p.id,
            previousVariants: p.had.map((h) => keys[h % keys.length]),
          }));
          // At approval: only the commitment is public. At the day's start: the stored rows.
          const commitment = seedCommitment(seed);
          const drawn = assignTickets(seed, variants, students);
          const stored = drawn.assignments.map((a) => ({
            student_id: a.studentId,
            set_sha256: 'set',
            variant: a.variant + 1,
            variant_key: keys[a.variant],
          }));
          // After the exam: the revealed seed, the students in whatever order the database gives.
          const revealed = seed;
          expect(seedCommitment(revealed)).toBe(commitment);
          const shuffled = [...students].sort(
            (a, b) =>
              ((a.id.charCodeAt(0) * 31 + shuffleSeed) % 97) -
              ((b.id.charCodeAt(0) * 31 + shuffleSeed) % 97),
          );
          const again = assignTickets(revealed, variants, shuffled);
          const refused = again.refused.map((f) => shuffled[Number(f.path.split('.')[1])].id);
          expect(assignmentMismatches(again, keys, refused, stored, 'set')).toEqual([]);
          expect(new Set(refused)).toEqual(
            new Set(drawn.refused.map((f) => students[Number(f.path.split('.')[1])].id)),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  test('any one stored ticket changed (another variant, dropped, added) is named', () => {
    fc.assert(
      fc.property(
        variantsArb,
        seedArb,
        studentsArb,
        fc.nat(),
        fc.constantFrom('variant', 'dropped', 'added'),
        (variants, seed, people, pick, change) => {
          const keys = variants.map(variantKey);
          const students = people.map((p) => ({ id: p.id }));
          const drawn = assignTickets(seed, variants, students);
          const stored = drawn.assignments.map((a) => ({
            student_id: a.studentId,
            set_sha256: 'set',
            variant: a.variant + 1,
            variant_key: keys[a.variant],
          }));
          const i = pick % stored.length;
          const target = stored[i].student_id;
          if (change === 'variant')
            stored[i] = { ...stored[i], variant: (stored[i].variant % variants.length) + 1 };
          else if (change === 'dropped') stored.splice(i, 1);
          else
            stored.push({
              student_id: 'intruder',
              set_sha256: 'set',
              variant: 1,
              variant_key: keys[0],
            });
          const mismatches = assignmentMismatches(
            assignTickets(seed, variants, students),
            keys,
            [],
            stored,
            'set',
          );
          expect(mismatches.map((m) => m.studentId)).toEqual([
            change === 'added' ? 'intruder' : target,
          ]);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('another seed than the committed one does not match the commitment', () => {
    fc.assert(
      fc.property(seedArb, seedArb, (a, b) => {
        fc.pre(a !== b);
        expect(seedCommitment(b)).not.toBe(seedCommitment(a));
        expect(seedCommitment(a)).toMatch(/^[0-9a-f]{64}$/);
      }),
    );
  });
});
