import { letterOf, type GradingBand } from '../../sop/grading';

/**
 * The grade sheet's rows (§5.19, row 9) and the registrar's export layout (row 10). Pure: no I/O.
 */

/** A graded work once its code is opened (row 8). */
export interface OpenedGrade {
  studentId: string;
  email: string;
  fullName: string;
  code: string;
  score: number;
  letter: string;
  gpa: number;
}

/** An annulment from a confirmed violation case (§5.8, §5.16): the score becomes 0, letter F. */
export interface Annulment {
  studentId: string;
  caseId: string;
  reason: string;
}

export interface GradeSheetRow {
  studentId: string;
  email: string;
  fullName: string;
  code: string;
  score: number;
  letter: string;
  gpa: number;
  annulled: { caseId: string; reason: string } | null;
  /** Row 12: the score was changed on appeal (absent on versions formed before any appeal). */
  appealed?: { caseId: string; reason: string; previousScore: number } | null;
}

/** An upheld appeal (row 12): the student's score was changed by the appeal commission. */
export interface AppealChange {
  studentId: string;
  caseId: string;
  reason: string;
  previousScore: number;
}

/**
 * One row per student, sorted by full name then code; an annulled student's score is 0 with the
 * letter F and the grade points of 0 on the policy's scale.
 */
export function gradeSheetRows(
  scale: readonly GradingBand[],
  grades: readonly OpenedGrade[],
  annulments: readonly Annulment[],
  appeals: readonly AppealChange[] = [],
): GradeSheetRow[] {
  const annulled = new Map(annulments.map((a) => [a.studentId, a]));
  const appealed = new Map(appeals.map((a) => [a.studentId, a]));
  return grades
    .map((g) => {
      const a = annulled.get(g.studentId);
      return {
        studentId: g.studentId,
        email: g.email,
        fullName: g.fullName,
        code: g.code,
        score: a === undefined ? g.score : 0,
        letter: a === undefined ? g.letter : 'F',
        gpa: a === undefined ? g.gpa : letterOf(scale, 0).gpa,
        annulled: a === undefined ? null : { caseId: a.caseId, reason: a.reason },
        ...(appealed.has(g.studentId)
          ? {
              appealed: {
                caseId: appealed.get(g.studentId)!.caseId,
                reason: appealed.get(g.studentId)!.reason,
                previousScore: appealed.get(g.studentId)!.previousScore,
              },
            }
          : {}),
      };
    })
    .sort((x, y) =>
      x.fullName === y.fullName
        ? x.code < y.code
          ? -1
          : 1
        : x.fullName.localeCompare(y.fullName, 'ru'),
    );
}

/** Checks the optional `annulled` body; errors name their path. */
export function parseAnnulments(
  body: unknown,
): { annulments: Annulment[] } | { errors: { path: string; message: string }[] } {
  if (body === undefined || body === null) return { annulments: [] };
  if (typeof body !== 'object' || Array.isArray(body))
    return { errors: [{ path: '', message: 'must be an object { annulled?: [...] }' }] };
  const list = (body as { annulled?: unknown }).annulled;
  if (list === undefined) return { annulments: [] };
  if (!Array.isArray(list))
    return {
      errors: [{ path: 'annulled', message: 'must be an array of { studentId, caseId, reason }' }],
    };
  const errors: { path: string; message: string }[] = [];
  const annulments: Annulment[] = [];
  const seen = new Set<string>();
  list.forEach((item: unknown, i) => {
    const at = (f: string) => `annulled[${i}].${f}`;
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    const text = (f: string, max: number) => {
      const v = o[f];
      if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
        errors.push({ path: at(f), message: `is required: a string of 1–${max} characters` });
        return undefined;
      }
      return v.trim();
    };
    const studentId = text('studentId', 100);
    const caseId = text('caseId', 100);
    const reason = text('reason', 2000);
    if (studentId !== undefined && seen.has(studentId))
      errors.push({ path: at('studentId'), message: 'is annulled twice' });
    if (studentId !== undefined) seen.add(studentId);
    if (studentId !== undefined && caseId !== undefined && reason !== undefined)
      annulments.push({ studentId, caseId, reason });
  });
  return errors.length > 0 ? { errors } : { annulments };
}

/**
 * The registrar's export (row 10), in this column order (README): email, full name, score,
 * letter, gpa, annulled (the violation case id, or empty), appeal (the appeal case that changed
 * the score, or empty; row 12), version.
 */
export const EXPORT_COLUMNS = [
  'email',
  'full_name',
  'score',
  'letter',
  'gpa',
  'annulled',
  'appeal',
  'version',
] as const;

export function exportRecords(
  rows: readonly GradeSheetRow[],
  version: number,
): (string | number)[][] {
  return rows.map((r) => [
    r.email,
    r.fullName,
    r.score,
    r.letter,
    r.gpa,
    r.annulled?.caseId ?? '',
    r.appealed?.caseId ?? '',
    version,
  ]);
}

/** RFC 4180 CSV with a header row, CRLF line ends, a field quoted when it needs to be. */
export function exportCsv(rows: readonly GradeSheetRow[], version: number): string {
  const field = (v: string | number) => {
    const s = String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [EXPORT_COLUMNS as readonly (string | number)[], ...exportRecords(rows, version)]
    .map((r) => r.map(field).join(','))
    .join('\r\n')
    .concat('\r\n');
}
