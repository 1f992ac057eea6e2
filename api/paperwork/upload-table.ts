import {
  type Cell,
  columnLetter,
  FILE_COLUMN,
  readSpreadsheet,
} from '../directory/import/parse-people';
import { ProblemException } from '../common/problem';

/**
 * The tables of issue 8's uploads (a ticket set, the admission list): the first worksheet of a CSV
 * or XLSX file, read with the people import's limits and defences, its header mapped to known
 * columns. Problems carry the spreadsheet row (the header is row 1; 0 for the file as a whole)
 * and the column's header name, as a person fixing the file needs them.
 */
export interface UploadError {
  row: number;
  column: string;
  reason: string;
}

export { FILE_COLUMN };

/** One data row: its number in the sheet and its cells by (lower-case) column name. */
export interface TableRow {
  row: number;
  cell(column: string): Cell;
}

const BLANK: Cell = { text: '' };

/** A header as compared: trimmed, lower case, runs of spaces as one. */
export function headerName(text: string): string {
  return text.trim().toLowerCase().replace(/\s+/g, ' ');
}

export async function readTable(
  file: { filename: string; contentType?: string; data: Buffer },
  columns: { required: readonly string[]; optional?: readonly string[] },
): Promise<{ rows: TableRow[] } | { errors: UploadError[] }> {
  const read = await readSpreadsheet(file);
  if ('error' in read) return { errors: [read.error] };
  const [header, ...data] = read.sheet.rows;
  const known = [...columns.required, ...(columns.optional ?? [])];
  const expected = `the columns are: ${known.join(', ')}`;
  const fileError = (reason: string, row = 1): { errors: UploadError[] } => ({
    errors: [{ row, column: FILE_COLUMN, reason }],
  });
  if (header === undefined) return fileError(`the file has no rows: ${expected}`, 0);
  if (header.row !== 1) return fileError(`row 1 must hold the column headers: ${expected}`);
  const errors: UploadError[] = [];
  const index = new Map<string, number>();
  header.cells.forEach((cell, i) => {
    const name = 'text' in cell ? headerName(cell.text) : '';
    if (name === '') {
      errors.push({
        row: 1,
        column: columnLetter(i),
        reason: `column ${columnLetter(i)} has no header; ${expected}`,
      });
    } else if (!known.includes(name)) {
      errors.push({ row: 1, column: name, reason: `unexpected column "${name}"; ${expected}` });
    } else if (index.has(name)) {
      errors.push({ row: 1, column: name, reason: `column "${name}" appears more than once` });
    } else index.set(name, i);
  });
  for (const name of columns.required)
    if (!index.has(name))
      errors.push({ row: 1, column: name, reason: `the column "${name}" is missing; ${expected}` });
  if (errors.length > 0) return { errors };
  if (data.length === 0) return fileError('the file has a header row but no data rows');
  for (const merge of read.sheet.merges) {
    if (merge.bottom >= 2)
      errors.push({
        row: Math.max(2, merge.top),
        column: FILE_COLUMN,
        reason: `merged cells are not allowed (${merge.ref}): unmerge them and fill in every cell`,
      });
  }
  if (errors.length > 0) return { errors };
  const rows: TableRow[] = [];
  for (const { row, cells } of data) {
    const stray = cells.findIndex(
      (cell, i) => i >= header.cells.length && !('text' in cell && cell.text.trim() === ''),
    );
    if (stray !== -1) {
      errors.push({
        row,
        column: columnLetter(stray),
        reason: `cell ${columnLetter(stray)}${row} has a value but its column has no header`,
      });
      continue;
    }
    rows.push({
      row,
      cell: (column) => {
        const i = index.get(column);
        return i === undefined ? BLANK : (cells[i] ?? BLANK);
      },
    });
  }
  return errors.length > 0 ? { errors } : { rows };
}

/** A cell's trimmed text; a number cell as its digits; otherwise why it cannot be read. */
export function cellText(cell: Cell): { ok: true; text: string } | { ok: false; reason: string } {
  if ('text' in cell) return { ok: true, text: cell.text.trim() };
  if (cell.number !== undefined) return { ok: true, text: String(cell.number) };
  return { ok: false, reason: cell.problem };
}

/** Nothing saved: 400 with every problem's row and column (CONVENTIONS.md "HTTP API"). */
export function uploadProblem(errors: readonly UploadError[]): ProblemException {
  const first = errors[0];
  return new ProblemException({
    status: 400,
    detail: `nothing saved: ${errors.length} problem(s); first: row ${first.row}, ${first.column}: ${first.reason}`,
    errors: errors.map((e) => ({
      path: `row ${e.row}, ${e.column}`,
      message: e.reason,
      row: e.row,
      column: e.column,
    })),
  });
}

/** The uploaded file of a multipart request (multer's fields the uploads read). */
export interface UploadedDocument {
  originalname: string;
  mimetype: string;
  buffer: Buffer;
}

/** The file's extension, lower case ('' when none). */
export function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  return dot === -1 ? '' : base.slice(dot + 1).toLowerCase();
}
