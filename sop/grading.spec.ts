import fc from 'fast-check';
import { DEFAULT_POLICY } from './default-policy';
import { letterOf, scaleProblems } from './grading';
import { parsePolicy } from './policy';

const scale = DEFAULT_POLICY.rules.gradingScale.bands;

describe('letterOf (§5.17, row 7: the Kazakh credit system by default)', () => {
  test.each([
    [100, 'A', 4.0],
    [95, 'A', 4.0],
    [94, 'A-', 3.67],
    [94.5, 'A-', 3.67],
    [90, 'A-', 3.67],
    [89, 'B+', 3.33],
    [80, 'B', 3.0],
    [75, 'B-', 2.67],
    [70, 'C+', 2.33],
    [65, 'C', 2.0],
    [60, 'C-', 1.67],
    [55, 'D+', 1.33],
    [50, 'D', 1.0],
    [49.99, 'FX', 0],
    [25, 'FX', 0],
    [24, 'F', 0],
    [0, 'F', 0],
  ])('%p is %s (%p)', (score, letter, gpa) => {
    expect(letterOf(scale, score)).toEqual({ letter, gpa });
  });

  test('a score outside 0–100 is refused', () => {
    expect(() => letterOf(scale, -1)).toThrow(/outside/);
    expect(() => letterOf(scale, 100.5)).toThrow(/outside/);
    expect(() => letterOf(scale, Number.NaN)).toThrow(/outside/);
  });

  test('the grade point never falls as the score rises (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(letterOf(scale, lo).gpa).toBeLessThanOrEqual(letterOf(scale, hi).gpa);
        },
      ),
    );
  });

  test('the default scale covers 0–100 exactly once', () => {
    expect(scaleProblems(scale)).toEqual([]);
  });

  test('a policy whose scale has a hole or an overlap is refused', () => {
    const broken = structuredClone(DEFAULT_POLICY);
    broken.rules.gradingScale.bands = scale.filter((b) => b.letter !== 'C');
    expect(() => parsePolicy(broken)).toThrow(/65 is in no band/);
    const overlap = structuredClone(DEFAULT_POLICY);
    overlap.rules.gradingScale.bands = [...scale, { letter: 'X', min: 50, max: 50, gpa: 1 }];
    expect(() => parsePolicy(overlap)).toThrow(/50 is in more than one band/);
  });
});
