/**
 * Letters and grade points from a 100-point score (issue 8, §5.17, row 7). The scale is policy
 * data (`rules.gradingScale`); the default is the Kazakh credit system's (sop/default-policy.ts).
 * Pure: no I/O.
 */

export interface GradingBand {
  letter: string;
  /** Inclusive bounds on the 100-point scale. */
  min: number;
  max: number;
  gpa: number;
}

export interface LetterGrade {
  letter: string;
  gpa: number;
}

/**
 * The band a score falls in. Bands are inclusive and whole-numbered (95–100, 90–94 …): a
 * fractional score belongs to the band of its whole part (94.5 is A−), so the gaps between bands
 * are never a hole. Throws on a score outside 0–100 or not covered by the scale.
 */
export function letterOf(scale: readonly GradingBand[], score: number): LetterGrade {
  if (!Number.isFinite(score) || score < 0 || score > 100)
    throw new RangeError(`score ${score} is outside the 100-point scale`);
  const whole = Math.floor(score);
  const band = scale.find((b) => whole >= b.min && whole <= b.max);
  if (band === undefined)
    throw new RangeError(`score ${score} is not covered by the grading scale`);
  return { letter: band.letter, gpa: band.gpa };
}

/** Problems of a scale: overlaps and holes in 0–100 (empty when the scale is usable). */
export function scaleProblems(scale: readonly GradingBand[]): string[] {
  const problems: string[] = [];
  for (let n = 0; n <= 100; n++) {
    const bands = scale.filter((b) => n >= b.min && n <= b.max);
    if (bands.length === 0) problems.push(`${n} is in no band`);
    else if (bands.length > 1)
      problems.push(`${n} is in more than one band (${bands.map((b) => b.letter).join(', ')})`);
  }
  return problems;
}
