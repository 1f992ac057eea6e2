import { cellText, FILE_COLUMN, readTable, type UploadError } from './upload-table';

/**
 * The admission-rating statement (§5.1: "the testing centre checks admission against the
 * admission-rating statement") as the testing centre uploads it, CSV or XLSX, first worksheet:
 *
 * | email | rating | admitted | day | retake |
 * |---|---|---|---|---|
 * | student@… | 0–100, decimal (`,` or `.`) | yes / no | 1 … days (optional, 1) | yes / no (optional, no) |
 *
 * `email` must be a person of the directory holding the role student (checked by the service, which
 * knows the directory); every other problem is found here. yes/no also read as иә/жоқ, да/нет,
 * true/false, 1/0. Errors give the row and the column; nothing is saved when there is one.
 */
export interface AdmissionRow {
  row: number;
  email: string;
  rating: number;
  admitted: boolean;
  day: number;
  retake: boolean;
}

export const ADMISSION_COLUMNS = {
  required: ['email', 'rating', 'admitted'],
  optional: ['day', 'retake'],
} as const;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const YES = ['yes', 'y', 'true', '1', 'иә', 'ия', 'да'];
const NO = ['no', 'n', 'false', '0', 'жоқ', 'нет'];
/** A faculty's admission list is hundreds of rows; far more is not one. */
const MAX_ROWS = 5000;

function yesNo(text: string): boolean | undefined {
  const t = text.trim().toLowerCase();
  return YES.includes(t) ? true : NO.includes(t) ? false : undefined;
}

export async function parseAdmission(
  file: { filename: string; contentType?: string; data: Buffer },
  days: number,
): Promise<{ rows: AdmissionRow[] } | { errors: UploadError[] }> {
  const table = await readTable(file, ADMISSION_COLUMNS);
  if ('errors' in table) return table;
  if (table.rows.length > MAX_ROWS)
    return {
      errors: [{ row: 0, column: FILE_COLUMN, reason: `the file has more than ${MAX_ROWS} rows` }],
    };
  const errors: UploadError[] = [];
  const rows: AdmissionRow[] = [];
  const seen = new Map<string, number>();
  for (const line of table.rows) {
    const before = errors.length;
    const error = (column: string, reason: string) =>
      errors.push({ row: line.row, column, reason });
    const text = (column: string): string | undefined => {
      const read = cellText(line.cell(column));
      if (!read.ok) {
        error(column, read.reason);
        return undefined;
      }
      return read.text;
    };

    const email = text('email')?.toLowerCase();
    if (email === '') error('email', 'is required');
    else if (email !== undefined && (email.length > 254 || !EMAIL.test(email)))
      error('email', `"${email.slice(0, 60)}" is not an email address`);
    else if (email !== undefined) {
      const first = seen.get(email);
      if (first !== undefined) error('email', `the same student as row ${first}`);
      else seen.set(email, line.row);
    }

    const ratingText = text('rating');
    const rating = ratingText === undefined ? NaN : Number(ratingText.replace(',', '.'));
    if (ratingText === '') error('rating', 'is required: a number from 0 to 100');
    else if (
      ratingText !== undefined &&
      (!/^\d{1,3}([.,]\d{1,2})?$/.test(ratingText) || rating < 0 || rating > 100)
    )
      error(
        'rating',
        `"${ratingText.slice(0, 20)}" is not a number from 0 to 100 (at most 2 decimals)`,
      );

    const admittedText = text('admitted');
    const admitted = admittedText === undefined ? undefined : yesNo(admittedText);
    if (admittedText !== undefined && admitted === undefined)
      error(
        'admitted',
        admittedText === ''
          ? 'is required: yes or no'
          : `"${admittedText.slice(0, 20)}" is not yes or no`,
      );

    const dayText = text('day');
    const day = dayText === undefined || dayText === '' ? 1 : Number(dayText);
    if (
      dayText !== undefined &&
      dayText !== '' &&
      (!/^\d{1,3}$/.test(dayText) || day < 1 || day > days)
    )
      error('day', `"${dayText.slice(0, 20)}" is not an exam day from 1 to ${days}`);

    const retakeText = text('retake');
    const retake = retakeText === undefined || retakeText === '' ? false : yesNo(retakeText);
    if (retake === undefined) error('retake', `"${retakeText?.slice(0, 20)}" is not yes or no`);

    if (
      errors.length === before &&
      email !== undefined &&
      admitted !== undefined &&
      retake !== undefined
    )
      rows.push({ row: line.row, email, rating, admitted, day, retake });
  }
  return errors.length > 0 ? { errors } : { rows };
}
