import type { TicketVariantContent } from './documents';
import {
  cellText,
  extensionOf,
  FILE_COLUMN,
  readTable,
  type UploadError,
  type TableRow,
} from './upload-table';

/**
 * A day's ticket set as uploaded (§5.1, Form 1), before the SOP's rules are checked.
 *
 * XLSX (or CSV with the same header): one row per variant, in the first worksheet:
 *
 * | Variant | Item 1 | Item 1 kind | Item 2 | Item 2 kind |
 * |---|---|---|---|---|
 * | 1 | text of a question | question | text of a question or a task | question / situational |
 *
 * `Variant` numbers the rows 1, 2, … n (only to find a row again: Form 1's tickets carry no number
 * and are printed without it). The kinds are `question` or `situational` (a situational task).
 * Headers are matched without regard to case.
 *
 * JSON: a TicketSetContent without `day` (the route names the day):
 * `{ "questionListVersion"?: n, "variants": [{ "items": [{ "kind": "question", "text": "…" }, …] }] }`.
 *
 * The shape is checked here (400, with row and column: the XLSX row and header, or for JSON the
 * variant's number and the JSON path); the count, the renewal across days, the two items and the
 * approved list are the SOP's rules (sop/rules.ts), checked by the service (422, naming the clause).
 */
export interface ParsedTicketSet {
  source: 'json' | 'xlsx';
  questionListVersion?: number;
  variants: TicketVariantContent[];
  /** Where each variant came from: its spreadsheet row (XLSX) or its number (JSON). */
  rows: number[];
}

export const TICKET_COLUMNS = [
  'variant',
  'item 1',
  'item 1 kind',
  'item 2',
  'item 2 kind',
] as const;
export const ITEM_KINDS = ['question', 'situational'] as const;
/** A ticket set has at most 20 variants (§5.1); far more rows are not a ticket set. */
const MAX_VARIANTS = 200;
const MAX_ITEMS = 10;
const MAX_TEXT = 4000;
/** Control and invisible format characters other than line breaks and tabs. */
// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const INVISIBLE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\p{Cf}]/u;

type Kind = (typeof ITEM_KINDS)[number];

export async function parseTicketSet(file: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): Promise<{ set: ParsedTicketSet } | { errors: UploadError[] }> {
  const extension = extensionOf(file.filename);
  const mime = (file.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (extension === 'json' || (extension === '' && mime === 'application/json'))
    return parseJson(file.data);
  if (extension === 'xlsx' || extension === 'csv' || (extension === '' && mime !== ''))
    return parseSheet(file);
  return {
    errors: [
      {
        row: 0,
        column: FILE_COLUMN,
        reason: `unsupported file type${/^[a-z0-9]{1,10}$/.test(extension) ? ` (.${extension})` : ''}: upload a .xlsx or .json file`,
      },
    ],
  };
}

function checkText(text: string): string | undefined {
  if (text === '') return 'is required';
  if ([...text].length > MAX_TEXT) return `is longer than ${MAX_TEXT} characters`;
  if (INVISIBLE.test(text)) return 'contains control or invisible characters';
  return undefined;
}

/** Text as stored: NFC, spaces within a line collapsed, lines trimmed. */
function cleanText(text: string): string {
  return text
    .normalize('NFC')
    .split(/\r\n|\r|\n/)
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .filter((line, i, all) => line !== '' || (i > 0 && i < all.length - 1))
    .join('\n');
}

function kindOf(text: string): Kind | undefined {
  return ITEM_KINDS.find((k) => k === text.trim().toLowerCase());
}

async function parseSheet(file: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): Promise<{ set: ParsedTicketSet } | { errors: UploadError[] }> {
  const table = await readTable(file, { required: TICKET_COLUMNS });
  if ('errors' in table) return table;
  if (table.rows.length > MAX_VARIANTS)
    return {
      errors: [
        {
          row: 0,
          column: FILE_COLUMN,
          reason: `the file has ${table.rows.length} rows: a ticket set has one row per variant`,
        },
      ],
    };
  const errors: UploadError[] = [];
  const variants: TicketVariantContent[] = [];
  const rows: number[] = [];
  table.rows.forEach((row, i) => {
    const before = errors.length;
    const number = cellText(row.cell('variant'));
    if (!number.ok) errors.push({ row: row.row, column: 'variant', reason: number.reason });
    else if (number.text !== String(i + 1))
      errors.push({
        row: row.row,
        column: 'variant',
        reason:
          number.text === ''
            ? `is required: the variants are numbered 1, 2, … in order (expected ${i + 1})`
            : `"${number.text.slice(0, 20)}" is not ${i + 1}: the variants are numbered 1, 2, … in order`,
      });
    const items = [readItem(row, 1, errors), readItem(row, 2, errors)];
    if (errors.length > before) return;
    variants.push({
      items: items.filter((item): item is { kind: Kind; text: string } => item !== undefined),
    });
    rows.push(row.row);
  });
  return errors.length > 0 ? { errors } : { set: { source: 'xlsx', variants, rows } };
}

/** Item n of a row; undefined when both its cells are blank (Form 1's count is a rule, 422). */
function readItem(
  row: TableRow,
  n: 1 | 2,
  errors: UploadError[],
): { kind: Kind; text: string } | undefined {
  const textColumn = `item ${n}`;
  const kindColumn = `item ${n} kind`;
  const text = cellText(row.cell(textColumn));
  const kind = cellText(row.cell(kindColumn));
  if (text.ok && kind.ok && text.text === '' && kind.text === '') return undefined;
  let ok = true;
  if (!text.ok) {
    errors.push({ row: row.row, column: textColumn, reason: text.reason });
    ok = false;
  } else {
    const problem = checkText(cleanText(text.text));
    if (problem !== undefined) {
      errors.push({ row: row.row, column: textColumn, reason: problem });
      ok = false;
    }
  }
  const k = kind.ok ? kindOf(kind.text) : undefined;
  if (k === undefined) {
    errors.push({
      row: row.row,
      column: kindColumn,
      reason: !kind.ok
        ? kind.reason
        : kind.text === ''
          ? `is required: ${ITEM_KINDS.join(' or ')}`
          : `"${kind.text.slice(0, 30)}" is not ${ITEM_KINDS.join(' or ')}`,
    });
    ok = false;
  }
  return ok && text.ok && k !== undefined ? { kind: k, text: cleanText(text.text) } : undefined;
}

function parseJson(data: Buffer): { set: ParsedTicketSet } | { errors: UploadError[] } {
  const fail = (row: number, column: string, reason: string) => ({
    errors: [{ row, column, reason }],
  });
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return fail(0, FILE_COLUMN, 'the file is not UTF-8 JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return fail(0, FILE_COLUMN, 'must be an object { questionListVersion?, variants }');
  const object = body as Record<string, unknown>;
  const unknown = Object.keys(object).filter(
    (k) => k !== 'questionListVersion' && k !== 'variants',
  );
  if (unknown.length > 0)
    return fail(
      0,
      unknown[0],
      `unexpected property; the properties are questionListVersion, variants`,
    );
  const errors: UploadError[] = [];
  const version = object.questionListVersion;
  if (version !== undefined && !(Number.isInteger(version) && (version as number) > 0))
    errors.push({ row: 0, column: 'questionListVersion', reason: 'must be a positive integer' });
  if (!Array.isArray(object.variants))
    return fail(0, 'variants', 'must be an array of variants { items: [{ kind, text }] }');
  if (object.variants.length > MAX_VARIANTS)
    return fail(0, 'variants', `has ${object.variants.length} entries: far more than a ticket set`);
  const variants: TicketVariantContent[] = [];
  object.variants.forEach((raw: unknown, v) => {
    const row = v + 1;
    const at = `variants[${v}]`;
    const items = (raw as { items?: unknown } | null)?.items;
    if (typeof raw !== 'object' || raw === null || !Array.isArray(items)) {
      errors.push({ row, column: `${at}.items`, reason: 'must be an array of { kind, text }' });
      return;
    }
    const extra = Object.keys(raw).filter((k) => k !== 'items');
    if (extra.length > 0)
      errors.push({ row, column: `${at}.${extra[0]}`, reason: 'unexpected property' });
    if (items.length > MAX_ITEMS)
      errors.push({ row, column: `${at}.items`, reason: `has more than ${MAX_ITEMS} items` });
    const variant: TicketVariantContent = { items: [] };
    items.slice(0, MAX_ITEMS).forEach((item: unknown, i) => {
      const path = `${at}.items[${i}]`;
      const { kind, text, ...rest } = (typeof item === 'object' && item !== null ? item : {}) as {
        kind?: unknown;
        text?: unknown;
      };
      if (typeof item !== 'object' || item === null) {
        errors.push({ row, column: path, reason: 'must be an object { kind, text }' });
        return;
      }
      if (Object.keys(rest).length > 0)
        errors.push({
          row,
          column: `${path}.${Object.keys(rest)[0]}`,
          reason: 'unexpected property',
        });
      const k = typeof kind === 'string' ? kindOf(kind) : undefined;
      if (k === undefined)
        errors.push({ row, column: `${path}.kind`, reason: `must be ${ITEM_KINDS.join(' or ')}` });
      const cleaned = typeof text === 'string' ? cleanText(text) : undefined;
      const problem = cleaned === undefined ? 'must be a string' : checkText(cleaned);
      if (problem !== undefined) errors.push({ row, column: `${path}.text`, reason: problem });
      if (k !== undefined && cleaned !== undefined && problem === undefined)
        variant.items.push({ kind: k, text: cleaned });
    });
    variants.push(variant);
  });
  if (errors.length > 0) return { errors };
  return {
    set: {
      source: 'json',
      ...(version !== undefined ? { questionListVersion: version as number } : {}),
      variants,
      rows: variants.map((_, v) => v + 1),
    },
  };
}
