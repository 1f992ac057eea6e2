import { readSpreadsheet } from '../directory/import/parse-people';
import { cellText, FILE_COLUMN, headerName, type UploadError } from '../paperwork/upload-table';

/**
 * Grades as examiners enter them (§5.17, row 7: "graded answers in the system"), on the
 * 100-point scale with at most two decimals:
 *
 * - JSON: `[{ "code": "K7M2QX9A", "score": 87.5 }, …]`;
 * - Moodle's gradebook export (Grades → Export → Plain text file, or Excel spreadsheet), first
 *   worksheet, header in row 1. Columns read (case-insensitive; every other column — First name,
 *   Last name, Institution, Email address, Last downloaded … — is ignored):
 *   - the work code: `ID number` (Moodle's user ID number field, set to the work code for the
 *     exam's anonymised attempts) or `code`;
 *   - the score: `score`, else the one grade item exported in the Real display type
 *     (`<item name> (Real)`), else `Course total (Real)`. A score may use `,` or `.`.
 *   A row whose score is empty or `-` (not graded in Moodle) is an error: every row uploaded is
 *   a grade. Errors give the row and the column; nothing is saved when there is one.
 */
export interface GradeEntry {
  /** The sheet row (CSV/XLSX) or the array index + 1 (JSON), for the error a person reads. */
  row: number;
  code: string;
  score: number;
}

const CODE = /^[A-Z0-9]{4,16}$/;
const MAX_ROWS = 5000;
const CODE_COLUMNS = ['id number', 'code'];
const COURSE_TOTAL = 'course total (real)';

/** A 100-point score with at most two decimals, or why not. */
export function readScore(text: string): number | string {
  const t = text.trim().replace(',', '.');
  if (t === '' || t === '-') return 'is not graded (empty)';
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(t))
    return `"${text}" is not a score: a number from 0 to 100 with at most two decimals`;
  const n = Number(t);
  if (n > 100) return `${t} is above 100: the exam is graded on the 100-point scale`;
  return n;
}

function readCode(text: string): string | { reason: string } {
  const code = text.trim().toUpperCase();
  if (!CODE.test(code))
    return { reason: `"${text}" is not a work code (4–16 capital letters and digits)` };
  return code;
}

function duplicates(rows: readonly GradeEntry[], column: string): UploadError[] {
  const seen = new Map<string, number>();
  const errors: UploadError[] = [];
  for (const r of rows) {
    const first = seen.get(r.code);
    if (first !== undefined)
      errors.push({
        row: r.row,
        column,
        reason: `work ${r.code} is graded twice (also row ${first})`,
      });
    else seen.set(r.code, r.row);
  }
  return errors;
}

/** The JSON body: errors carry the index as their row and the field as their column. */
export function parseGradesJson(body: unknown): { rows: GradeEntry[] } | { errors: UploadError[] } {
  if (!Array.isArray(body) || body.length === 0)
    return {
      errors: [
        {
          row: 0,
          column: FILE_COLUMN,
          reason: 'the body must be a non-empty array of { code, score }',
        },
      ],
    };
  if (body.length > MAX_ROWS)
    return { errors: [{ row: 0, column: FILE_COLUMN, reason: `more than ${MAX_ROWS} grades` }] };
  const errors: UploadError[] = [];
  const rows: GradeEntry[] = [];
  body.forEach((item: unknown, i) => {
    const row = i + 1;
    if (typeof item !== 'object' || item === null) {
      errors.push({ row, column: FILE_COLUMN, reason: 'must be an object { code, score }' });
      return;
    }
    const { code, score } = item as { code?: unknown; score?: unknown };
    const c = typeof code === 'string' ? readCode(code) : { reason: 'is required (a string)' };
    const s =
      typeof score === 'number' && Number.isFinite(score)
        ? readScore(String(score))
        : typeof score === 'string'
          ? readScore(score)
          : 'is required (a number from 0 to 100)';
    if (typeof c !== 'string') errors.push({ row, column: 'code', reason: c.reason });
    if (typeof s === 'string') errors.push({ row, column: 'score', reason: s });
    if (typeof c === 'string' && typeof s === 'number') rows.push({ row, code: c, score: s });
  });
  errors.push(...duplicates(rows, 'code'));
  return errors.length > 0 ? { errors } : { rows };
}

/** Moodle's gradebook export (CSV or XLSX), as documented above. */
export async function parseGradesFile(file: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): Promise<{ rows: GradeEntry[] } | { errors: UploadError[] }> {
  const read = await readSpreadsheet(file);
  if ('error' in read) return { errors: [read.error] };
  const [header, ...data] = read.sheet.rows;
  const fileError = (reason: string, row = 1) => ({
    errors: [{ row, column: FILE_COLUMN, reason }],
  });
  if (header === undefined || header.row !== 1)
    return fileError('row 1 must hold the column headers (ID number or code, and the score)', 0);
  const names = header.cells.map((c) => ('text' in c ? headerName(c.text) : ''));
  const codeIndex = names.findIndex((n) => CODE_COLUMNS.includes(n));
  if (codeIndex === -1)
    return {
      errors: [
        { row: 1, column: 'id number', reason: 'no work-code column: "ID number" or "code"' },
      ],
    };
  const items = names
    .map((n, i) => ({ n, i }))
    .filter(({ n }) => n.endsWith('(real)') && n !== COURSE_TOTAL);
  const scoreIndex =
    names.indexOf('score') !== -1
      ? names.indexOf('score')
      : items.length === 1
        ? items[0].i
        : items.length === 0
          ? names.indexOf(COURSE_TOTAL)
          : -2;
  if (scoreIndex === -2)
    return {
      errors: [
        {
          row: 1,
          column: 'score',
          reason: `more than one grade item (${items.map((x) => x.n).join(', ')}): export the exam's item only, or name its column "score"`,
        },
      ],
    };
  if (scoreIndex === -1)
    return {
      errors: [
        {
          row: 1,
          column: 'score',
          reason: 'no score column: "score", "<item> (Real)" or "Course total (Real)"',
        },
      ],
    };
  if (data.length === 0) return fileError('the file has a header row but no data rows');
  if (data.length > MAX_ROWS) return fileError(`the file has more than ${MAX_ROWS} rows`, 0);
  const codeColumn = names[codeIndex];
  const scoreColumn = names[scoreIndex];
  const errors: UploadError[] = [];
  const rows: GradeEntry[] = [];
  for (const { row, cells } of data) {
    const code = cellText(cells[codeIndex] ?? { text: '' });
    const score = cellText(cells[scoreIndex] ?? { text: '' });
    let c: string | { reason: string } = { reason: '' };
    if (!code.ok) errors.push({ row, column: codeColumn, reason: code.reason });
    else {
      c = readCode(code.text);
      if (typeof c !== 'string') errors.push({ row, column: codeColumn, reason: c.reason });
    }
    let s: number | string = '';
    if (!score.ok) errors.push({ row, column: scoreColumn, reason: score.reason });
    else {
      s = readScore(score.text);
      if (typeof s === 'string') errors.push({ row, column: scoreColumn, reason: s });
    }
    if (typeof c === 'string' && typeof s === 'number') rows.push({ row, code: c, score: s });
  }
  errors.push(...duplicates(rows, codeColumn));
  return errors.length > 0 ? { errors } : { rows };
}
