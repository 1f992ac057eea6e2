/**
 * Reads a question list (GP 3, row 1) from an uploaded XLSX workbook or JSON document: the
 * questions, the evaluation sheet (rubric), the technical aids and the reference literature allowed.
 *
 * XLSX layout (also in the README and the OpenAPI description of POST /exams/:id/question-lists):
 *   sheet "Questions":  No | Question | Kind         (Kind: question or situational)
 *   sheet "Rubric":     Criterion | Points
 *   sheet "Aids":       Aid                          (no rows: no aids allowed)
 *   sheet "Literature": Source                       (no rows: no literature allowed)
 * Row 1 of each sheet holds the column headers (any order, letter case ignored); blank rows are
 * skipped. JSON is a QuestionListContent (api/paperwork/documents.ts).
 *
 * Uploads are hostile input, so every size is bounded before it is paid for, as in the people
 * import (api/directory/import/parse-people.ts, whose ZIP reader this shares): the upload
 * (QUESTION_LIST_LIMITS.maxBytes), the unpacked parts (checked against the declared sizes and
 * again while inflating), the rows read per sheet (blank or not) and the columns looked at. Only
 * the four sheets are unpacked; exceljs's streaming reader never expands data validations, and is
 * handed a small archive of stored entries built here. Problems are returned, never thrown, each
 * with the `row` and `column` a person finds them at.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { stream as excelStream, type CellValue, type Row } from 'exceljs';
import { z } from 'zod';
import {
  EXCEL_MAX_ROW,
  readZipDirectory,
  resolvePartName,
  sheetArchive,
  xmlAttributes,
  type ZipEntry,
} from '../directory/import/parse-people';
import type { Question, QuestionListContent } from './documents';

export const QUESTION_LIST_LIMITS = {
  /** The upload itself (the controller's multer limit too). */
  maxBytes: 2 * 1024 * 1024,
  /** Data rows of one sheet: GP 3 asks for 40 questions at most; 500 leaves room for any policy. */
  maxRows: 500,
  /** Characters of one question, criterion, aid or source. */
  maxText: 4000,
} as const;

/**
 * `row`/`column`: where a person finds the problem in the workbook (the header is row 1; row 0 and
 * FILE_COLUMN for the file as a whole). `path`: "Questions!B7" in a workbook, "questions.6.text" in
 * JSON (where `row` is the item's 1-based position in its list).
 */
export interface UploadError {
  path: string;
  row: number;
  column: string;
  message: string;
}

export type ParsedQuestionList =
  | { ok: true; source: 'xlsx' | 'json'; content: QuestionListContent }
  | { ok: false; source?: 'xlsx' | 'json'; errors: UploadError[] };

export const FILE_COLUMN = '(file)';

/** The sheets and their columns, in the order a template has them. */
export const QUESTION_LIST_SHEETS = {
  Questions: ['No', 'Question', 'Kind'],
  Rubric: ['Criterion', 'Points'],
  Aids: ['Aid'],
  Literature: ['Source'],
} as const;
type SheetName = keyof typeof QUESTION_LIST_SHEETS;
const SHEET_NAMES = Object.keys(QUESTION_LIST_SHEETS) as SheetName[];

export const QUESTION_KINDS = ['question', 'situational'] as const;

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/** The four sheets, their shared strings and the workbook's index may unpack to 20 MB in all. */
const XLSX_MAX_UNPACKED_BYTES = 20 * 1024 * 1024;
const XLSX_MAX_INDEX_PART_BYTES = 1024 * 1024;
/** <row> elements read per sheet, blank or formatted-only ones included. */
const MAX_ROWS_READ = 10 * QUESTION_LIST_LIMITS.maxRows;
/** Columns looked at: a value further right is reported as having no header, the rest ignored. */
const MAX_COLUMNS = 26;
const SIG_LOCAL_FILE = 0x04034b50;
/** Control characters other than line breaks and tabs (Alt+Enter in a cell is a line break). */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/; // eslint-disable-line no-control-regex

const inflateRawAsync = promisify(inflateRaw);

class FileProblem extends Error {}

export async function parseQuestionListFile(input: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): Promise<ParsedQuestionList> {
  const { data } = input;
  if (data.length === 0) return failure('the file is empty');
  if (data.length > QUESTION_LIST_LIMITS.maxBytes)
    return failure(
      `the file is larger than the limit of ${QUESTION_LIST_LIMITS.maxBytes / 1024 / 1024} MB`,
    );
  let format: 'xlsx' | 'json';
  try {
    format = detectFormat(input);
  } catch (error) {
    if (error instanceof FileProblem) return failure(error.message);
    throw error;
  }
  if (format === 'json') return { ...readJson(data), source: 'json' };
  let sheets: Map<SheetName, SheetRow[]>;
  try {
    sheets = await readXlsx(data);
  } catch (error) {
    if (error instanceof FileProblem) return { ...failure(error.message), source: 'xlsx' };
    throw error;
  }
  return { ...fromSheets(sheets), source: 'xlsx' };
}

function failure(message: string): { ok: false; errors: UploadError[] } {
  return { ok: false, errors: [{ path: FILE_COLUMN, row: 0, column: FILE_COLUMN, message }] };
}

function detectFormat(input: { filename: string; contentType?: string; data: Buffer }) {
  const base = input.filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const extension = dot === -1 ? '' : base.slice(dot + 1).toLowerCase();
  const mime = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
  const format =
    extension === 'json' || extension === 'xlsx'
      ? extension
      : mime === 'application/json'
        ? 'json'
        : mime === XLSX_MIME
          ? 'xlsx'
          : undefined;
  if (format === undefined) {
    const shown = /^[a-z0-9]{1,10}$/.test(extension) ? ` (.${extension})` : '';
    throw new FileProblem(`unsupported file type${shown}: upload an .xlsx or a .json file`);
  }
  const isZip = input.data.length >= 4 && input.data.readUInt32LE(0) === SIG_LOCAL_FILE;
  if (format === 'xlsx' && !isZip)
    throw new FileProblem(
      'the file is not an .xlsx workbook (password-protected and old .xls workbooks cannot be read)',
    );
  if (format === 'json' && isZip)
    throw new FileProblem('the file is an Excel workbook, not JSON: upload it as .xlsx');
  return format;
}

// ---------------------------------------------------------------------------------------------
// Items with their place in the upload, checked alike whatever the format

interface Place {
  path: string;
  row: number;
  column: string;
}

/** A value as read, or why it cannot be used. */
type Value = { text: string; number?: number } | { problem: string };

interface QuestionItem {
  number: { at: Place; value: Value };
  text: { at: Place; value: Value };
  kind: { at: Place; value: Value };
}
interface RubricItem {
  criterion: { at: Place; value: Value };
  points: { at: Place; value: Value };
}
interface ListItem {
  at: Place;
  value: Value;
}

interface Items {
  questions: QuestionItem[];
  rubric: RubricItem[];
  aids: ListItem[];
  literature: ListItem[];
  /** Where to point when a list is empty (the sheet, or the JSON field). */
  empty: { questions: Place; rubric: Place };
}

function checkItems(items: Items): { ok: true; content: QuestionListContent } | Failed {
  const errors: UploadError[] = [];
  const fail = (at: Place, message: string) => errors.push({ ...at, message });
  const text = (at: Place, value: Value, what: string): string | undefined => {
    if ('problem' in value) return void fail(at, `${what} ${value.problem}`);
    // A date is a number in a workbook read without styles: neither is a text.
    if (value.number !== undefined)
      return void fail(at, `${what} must be text, but the cell holds a number or a date`);
    const clean = value.text.normalize('NFC').trim();
    if (clean === '') return void fail(at, `${what} is required`);
    if (CONTROL.test(clean)) return void fail(at, `${what} contains control characters`);
    if ([...clean].length > QUESTION_LIST_LIMITS.maxText)
      return void fail(at, `${what} is longer than ${QUESTION_LIST_LIMITS.maxText} characters`);
    return clean;
  };

  const questions: Question[] = [];
  const numbers = new Map<number, Place>();
  const texts = new Map<string, Place>();
  if (items.questions.length === 0) fail(items.empty.questions, 'the list has no questions (GP 3)');
  for (const item of items.questions) {
    const number = wholeNumber(item.number.value);
    if (typeof number === 'string') fail(item.number.at, `No ${number}`);
    else {
      const first = numbers.get(number);
      if (first !== undefined) fail(item.number.at, `No ${number} is also at ${first.path}`);
      else numbers.set(number, item.number.at);
    }
    const question = text(item.text.at, item.text.value, 'Question');
    if (question !== undefined) {
      const key = question.replace(/\s+/gu, ' ').toLocaleLowerCase('kk');
      const first = texts.get(key);
      if (first !== undefined)
        fail(item.text.at, `the same question as at ${first.path}: each question appears once`);
      else texts.set(key, item.text.at);
    }
    const kindText = text(item.kind.at, item.kind.value, 'Kind');
    const kind = QUESTION_KINDS.find((k) => k === kindText?.toLowerCase());
    if (kindText !== undefined && kind === undefined)
      fail(item.kind.at, `Kind ${quote(kindText)} must be one of: ${QUESTION_KINDS.join(', ')}`);
    if (typeof number === 'number' && question !== undefined && kind !== undefined)
      questions.push({ number, text: question, kind });
  }

  const rubric: QuestionListContent['rubric'] = [];
  const criteria = new Map<string, Place>();
  if (items.rubric.length === 0)
    fail(items.empty.rubric, 'the evaluation sheet has no criteria (GP 3)');
  for (const item of items.rubric) {
    const criterion = text(item.criterion.at, item.criterion.value, 'Criterion');
    if (criterion !== undefined) {
      const first = criteria.get(criterion.toLocaleLowerCase('kk'));
      if (first !== undefined) fail(item.criterion.at, `the same criterion as at ${first.path}`);
      else criteria.set(criterion.toLocaleLowerCase('kk'), item.criterion.at);
    }
    const points = pointsOf(item.points.value);
    if (typeof points === 'string') fail(item.points.at, `Points ${points}`);
    if (criterion !== undefined && typeof points === 'number') rubric.push({ criterion, points });
  }

  const list = (entries: ListItem[], what: string): string[] => {
    const seen = new Map<string, Place>();
    const out: string[] = [];
    for (const entry of entries) {
      const value = text(entry.at, entry.value, what);
      if (value === undefined) continue;
      const first = seen.get(value.toLocaleLowerCase('kk'));
      if (first !== undefined) fail(entry.at, `the same ${what} as at ${first.path}`);
      else {
        seen.set(value.toLocaleLowerCase('kk'), entry.at);
        out.push(value);
      }
    }
    return out;
  };
  const aids = list(items.aids, 'Aid');
  const literature = list(items.literature, 'Source');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, content: { questions, rubric, aids, literature } };
}

type Failed = { ok: false; errors: UploadError[] };

function wholeNumber(value: Value): number | string {
  if ('problem' in value) return value.problem;
  const n = value.number ?? (/^\s*\d{1,6}\s*$/.test(value.text) ? Number(value.text) : NaN);
  if (!Number.isInteger(n) || n < 1 || n > 1_000_000)
    return value.text.trim() === '' ? 'is required' : 'must be a whole number from 1';
  return n;
}

function pointsOf(value: Value): number | string {
  if ('problem' in value) return value.problem;
  const text = value.text.trim();
  if (value.number === undefined && text === '') return 'is required';
  // A comma decimal ("2,5") is how ru/kk locales write a number as text.
  const n =
    value.number ?? (/^\d{1,6}([.,]\d{1,4})?$/.test(text) ? Number(text.replace(',', '.')) : NaN);
  if (!Number.isFinite(n) || n < 0 || n > 1_000_000) return 'must be a number of points, 0 or more';
  return n;
}

/** A user value inside a message: quoted, escaped and short (it may be hostile or huge). */
function quote(value: string): string {
  return JSON.stringify([...value].length > 60 ? [...value].slice(0, 57).join('') + '…' : value);
}

// ---------------------------------------------------------------------------------------------
// JSON

const textField = z.string();
const jsonSchema = z.strictObject({
  questions: z
    .array(
      z.strictObject({
        number: z.number(),
        text: textField,
        kind: z.string(),
      }),
    )
    .max(QUESTION_LIST_LIMITS.maxRows),
  rubric: z
    .array(z.strictObject({ criterion: textField, points: z.number() }))
    .max(QUESTION_LIST_LIMITS.maxRows),
  aids: z.array(textField).max(QUESTION_LIST_LIMITS.maxRows),
  literature: z.array(textField).max(QUESTION_LIST_LIMITS.maxRows),
});

function readJson(data: Buffer): { ok: true; content: QuestionListContent } | Failed {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    return failure('the JSON file is not UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // V8 names the position in some messages only; the scanner finds it for the rest.
    const position = /position (\d+)/.exec(message);
    const offset = position === null ? firstJsonError(text) : Number(position[1]);
    const where = offset === undefined ? undefined : lineAndColumn(text, offset);
    return {
      ok: false,
      errors: [
        {
          path: FILE_COLUMN,
          row: where?.line ?? 0,
          column: where === undefined ? FILE_COLUMN : `character ${where.column}`,
          message: `the file is not valid JSON: ${message.slice(0, 200)}`,
        },
      ],
    };
  }
  const shape = jsonSchema.safeParse(parsed);
  if (!shape.success)
    return {
      ok: false,
      errors: shape.error.issues.slice(0, 50).map((issue) => {
        const path = issue.path.map(String).join('.');
        const index = issue.path.find((p) => typeof p === 'number');
        return {
          path: path === '' ? '$' : path,
          row: typeof index === 'number' ? index + 1 : 0,
          column: String(issue.path[issue.path.length - 1] ?? FILE_COLUMN),
          message: issue.message,
        };
      }),
    };
  const json = shape.data;
  const at = (path: string, index: number, field: string): Place => ({
    path: `${path}.${index}${field === '' ? '' : `.${field}`}`,
    row: index + 1,
    column: field === '' ? path : field,
  });
  const value = (v: string | number): Value =>
    typeof v === 'number' ? { text: String(v), number: v } : { text: v };
  return checkItems({
    questions: json.questions.map((q, i) => ({
      number: { at: at('questions', i, 'number'), value: value(q.number) },
      text: { at: at('questions', i, 'text'), value: value(q.text) },
      kind: { at: at('questions', i, 'kind'), value: value(q.kind) },
    })),
    rubric: json.rubric.map((r, i) => ({
      criterion: { at: at('rubric', i, 'criterion'), value: value(r.criterion) },
      points: { at: at('rubric', i, 'points'), value: value(r.points) },
    })),
    aids: json.aids.map((a, i) => ({ at: at('aids', i, ''), value: value(a) })),
    literature: json.literature.map((s, i) => ({ at: at('literature', i, ''), value: value(s) })),
    empty: {
      questions: { path: 'questions', row: 0, column: 'questions' },
      rubric: { path: 'rubric', row: 0, column: 'rubric' },
    },
  });
}

/**
 * The offset of the first syntax error of a JSON text that JSON.parse refused (RFC 8259's
 * grammar), or undefined when it cannot be told (nesting deeper than a question list ever needs).
 */
export function firstJsonError(text: string): number | undefined {
  let at = 0;
  const space = () => {
    while (at < text.length && ' \t\n\r'.includes(text[at])) at++;
  };
  class Stop extends Error {}
  const stop = (): never => {
    throw new Stop();
  };
  const literal = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else stop();
  };
  const string = () => {
    at++; // the opening quote
    for (;;) {
      const ch = text[at];
      if (ch === undefined || ch < ' ') stop();
      if (ch === '"') return void at++;
      if (ch === '\\') {
        at++;
        if (text[at] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(at + 1, at + 5))) stop();
          at += 5;
        } else if ('"\\/bfnrt'.includes(text[at] ?? 'x')) at++;
        else stop();
      } else at++;
    }
  };
  const number = () => {
    const match = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(at, at + 400));
    if (match === null) stop();
    at += match![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 256) throw new RangeError('too deep');
    space();
    const ch = text[at];
    if (ch === '{' || ch === '[') {
      const close = ch === '{' ? '}' : ']';
      at++;
      space();
      if (text[at] === close) return void at++;
      for (;;) {
        if (close === '}') {
          if (text[at] !== '"') stop();
          string();
          space();
          if (text[at] !== ':') stop();
          at++;
        }
        value(depth + 1);
        space();
        if (text[at] === ',') {
          at++;
          space();
        } else if (text[at] === close) return void at++;
        else stop();
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return literal('true');
    if (ch === 'f') return literal('false');
    if (ch === 'n') return literal('null');
    if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return number();
    stop();
  };
  try {
    value(0);
    space();
    return at < text.length ? at : undefined;
  } catch (error) {
    if (error instanceof Stop) return Math.min(at, text.length);
    return undefined;
  }
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  return { line, column: position - before.lastIndexOf('\n') };
}

// ---------------------------------------------------------------------------------------------
// XLSX → rows per sheet

interface SheetRow {
  row: number;
  /** cells[0] is column A; up to MAX_COLUMNS. */
  cells: Value[];
}

const BLANK: Value = { text: '' };
const isBlank = (v: Value) => 'text' in v && v.number === undefined && v.text.trim() === '';

function damaged(): FileProblem {
  return new FileProblem('the .xlsx file is damaged or not an Excel workbook');
}

async function readXlsx(data: Buffer): Promise<Map<SheetName, SheetRow[]>> {
  try {
    let entries: Map<string, ZipEntry>;
    try {
      entries = readZipDirectory(data);
    } catch {
      throw damaged();
    }
    const budget = { left: XLSX_MAX_UNPACKED_BYTES };
    const workbook = await unpack(
      data,
      entries,
      'xl/workbook.xml',
      budget,
      XLSX_MAX_INDEX_PART_BYTES,
    );
    const rels = await unpack(
      data,
      entries,
      'xl/_rels/workbook.xml.rels',
      budget,
      XLSX_MAX_INDEX_PART_BYTES,
    );
    if (!workbook || !rels) throw new FileProblem('the file is not an Excel workbook');
    const paths = worksheetPaths(workbook.toString('utf8'), rels.toString('utf8'));
    const missing = SHEET_NAMES.filter((name) => !paths.has(name));
    if (missing.length > 0)
      throw new FileProblem(
        `the workbook has no sheet ${missing.map((m) => quote(m)).join(', ')}: it needs the sheets ${SHEET_NAMES.join(', ')} (see the README for their columns)`,
      );
    const sharedStrings =
      (await unpack(data, entries, 'xl/sharedStrings.xml', budget)) ?? Buffer.from(EMPTY_SST);
    const sheets = new Map<SheetName, SheetRow[]>();
    for (const name of SHEET_NAMES) {
      const xml = await unpack(data, entries, paths.get(name)!, budget);
      if (!xml || xml.length === 0) throw damaged();
      // exceljs's streaming reader keeps only the last run of an inline rich string (<is><r>…).
      if (xml.includes('<r>'))
        throw new FileProblem(
          `the sheet ${quote(name)} has inline rich text, which cannot be read reliably: paste the cells as values into a new workbook`,
        );
      // exceljs never closes its SAX parser: XML that stops early would read as the rows before.
      const tail = xml.toString('latin1', Math.max(0, xml.length - 64));
      if (!/<\/(?:[\w.-]+:)?worksheet>\s*$/.test(tail)) throw damaged();
      if (/<(?:[\w.-]+:)?mergeCell\s/.test(xml.toString('latin1')))
        throw new FileProblem(
          `the sheet ${quote(name)} has merged cells: unmerge them and fill in every cell`,
        );
      sheets.set(name, await readSheetRows(name, sharedStrings, xml));
    }
    return sheets;
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    throw damaged();
  }
}

async function unpack(
  data: Buffer,
  entries: ReadonlyMap<string, ZipEntry>,
  name: string,
  budget: { left: number },
  cap: number = budget.left,
): Promise<Buffer | undefined> {
  const entry = entries.get(name);
  if (entry === undefined) return undefined;
  if (entry.flags & 0x1) throw new FileProblem('the workbook is encrypted: remove its password');
  if (entry.size > Math.min(cap, budget.left))
    throw new FileProblem(
      `the .xlsx file unpacks to more than ${XLSX_MAX_UNPACKED_BYTES / 1024 / 1024} MB, far more than a question list needs`,
    );
  const header = entry.offset;
  if (header + 30 > data.length || data.readUInt32LE(header) !== SIG_LOCAL_FILE) throw damaged();
  const start = header + 30 + data.readUInt16LE(header + 26) + data.readUInt16LE(header + 28);
  if (start + entry.packedSize > data.length) throw damaged();
  const packed = data.subarray(start, start + entry.packedSize);
  let unpacked: Buffer;
  if (entry.method === 0) unpacked = packed;
  else if (entry.method === 8) {
    try {
      unpacked = await inflateRawAsync(packed, { maxOutputLength: Math.max(1, entry.size) });
    } catch {
      throw damaged();
    }
  } else throw damaged();
  if (unpacked.length !== entry.size) throw damaged();
  budget.left -= entry.size;
  return unpacked;
}

/** Sheet name (as the template spells it, matched ignoring case and spaces) → archive path. */
function worksheetPaths(workbookXml: string, relsXml: string): Map<SheetName, string> {
  const targets = new Map<string, string>();
  for (const match of relsXml.matchAll(/<(?:[\w.-]+:)?Relationship\s([^>]*)>/g)) {
    const rel = xmlAttributes(match[1]);
    const id = rel.get('Id');
    const target = rel.get('Target');
    if (
      id !== undefined &&
      target !== undefined &&
      rel.get('Type')?.endsWith('/worksheet') === true &&
      rel.get('TargetMode') !== 'External'
    )
      targets.set(id, resolvePartName(target));
  }
  const paths = new Map<SheetName, string>();
  for (const match of workbookXml.matchAll(/<(?:[\w.-]+:)?sheet\s([^>]*)>/g)) {
    const attributes = xmlAttributes(match[1]);
    const name = attributes.get('name')?.trim().toLowerCase();
    const relId = [...attributes].find(([key]) => /^[\w.-]+:id$/.test(key))?.[1];
    const wanted = SHEET_NAMES.find((s) => s.toLowerCase() === name);
    if (wanted === undefined || relId === undefined || paths.has(wanted)) continue;
    const path = targets.get(relId);
    if (path !== undefined) paths.set(wanted, path);
  }
  return paths;
}

const EMPTY_SST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>`;

async function readSheetRows(
  name: SheetName,
  sharedStrings: Buffer,
  sheetXml: Buffer,
): Promise<SheetRow[]> {
  const archive = sheetArchive(sharedStrings, sheetXml);
  const reader = new excelStream.xlsx.WorkbookReader(Readable.from(archive), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    hyperlinks: 'ignore',
    styles: 'ignore',
    entries: 'ignore',
  });
  const rows: SheetRow[] = [];
  let elements = 0;
  let previous = 0;
  for await (const worksheet of reader) {
    for await (const row of worksheet) {
      if (++elements > MAX_ROWS_READ)
        throw new FileProblem(
          `the sheet ${quote(name)} has more than ${MAX_ROWS_READ} rows, counting empty ones that only carry formatting: delete the unused rows`,
        );
      if (!Number.isInteger(row.number) || row.number <= previous || row.number > EXCEL_MAX_ROW)
        throw damaged();
      previous = row.number;
      const cells = rowCells(row);
      if (cells.some((c) => !isBlank(c))) {
        rows.push({ row: row.number, cells });
        if (rows.length > QUESTION_LIST_LIMITS.maxRows + 1)
          throw new FileProblem(
            `the sheet ${quote(name)} has more than ${QUESTION_LIST_LIMITS.maxRows} rows of data`,
          );
      }
    }
    break; // the archive built above holds one worksheet
  }
  return rows;
}

function rowCells(row: Row): Value[] {
  const cells: Value[] = [];
  row.eachCell((cell, column) => {
    if (column > MAX_COLUMNS) return;
    const stored: unknown = cell.result;
    cells[column - 1] = cellValue(cell.value, stored);
  });
  return Array.from(cells, (cell) => cell ?? BLANK);
}

function cellValue(value: CellValue, storedResult: unknown): Value {
  if (value === null || value === undefined) return BLANK;
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number')
    return Number.isFinite(value)
      ? { text: String(value), number: value }
      : { problem: 'holds a spreadsheet error' };
  if (typeof value === 'boolean') return { problem: 'holds TRUE/FALSE, not text' };
  if (value instanceof Date) return { problem: 'holds a date, not text' };
  if ('error' in value) return { problem: `holds the spreadsheet error ${String(value.error)}` };
  if ('richText' in value) {
    const runs: readonly { text?: unknown }[] = value.richText;
    return { text: runs.map((run) => (typeof run.text === 'string' ? run.text : '')).join('') };
  }
  if ('hyperlink' in value) {
    const text: unknown = value.text;
    return typeof text === 'string' ? { text } : { problem: 'holds a link without text' };
  }
  if ('formula' in value || 'sharedFormula' in value) {
    const result: unknown = 'result' in value ? value.result : storedResult;
    if (typeof result === 'string') return { text: result };
    if (typeof result === 'number' && Number.isFinite(result))
      return { text: String(result), number: result };
    return { problem: 'is a formula without a text or number value' };
  }
  return { problem: 'must be text' };
}

/** "A".."Z" for a 0-based column index (MAX_COLUMNS is 26). */
const letter = (index: number) => String.fromCharCode(65 + index);

/** The sheets' rows as items, after checking each sheet's header. */
function fromSheets(sheets: Map<SheetName, SheetRow[]>) {
  const errors: UploadError[] = [];
  const tables = new Map<SheetName, { rows: SheetRow[]; index: Map<string, number> }>();
  for (const name of SHEET_NAMES) {
    const columns = QUESTION_LIST_SHEETS[name] as readonly string[];
    const rows = sheets.get(name) ?? [];
    const header = rows[0];
    const expected = `the columns of sheet ${name} must be: ${columns.join(', ')}`;
    const headerAt = (column: string, cell = '1:1'): Place => ({
      path: `${name}!${cell}`,
      row: 1,
      column,
    });
    if (header === undefined || header.row !== 1) {
      errors.push({
        ...headerAt(FILE_COLUMN),
        message: `row 1 must hold the headers: ${expected}`,
      });
      continue;
    }
    const index = new Map<string, number>();
    header.cells.forEach((cell, i) => {
      if (isBlank(cell)) return;
      const text = 'text' in cell ? cell.text.trim().toLowerCase() : '';
      const column = columns.find((c) => c.toLowerCase() === text);
      const at = headerAt(column ?? letter(i), `${letter(i)}1`);
      if (column === undefined)
        errors.push({
          ...at,
          message: `unexpected column ${'text' in cell ? quote(cell.text.trim()) : letter(i)}: ${expected}`,
        });
      else if (index.has(column))
        errors.push({ ...at, message: `column ${column} appears more than once` });
      else index.set(column, i);
    });
    for (const column of columns)
      if (!index.has(column))
        errors.push({ ...headerAt(column), message: `missing column ${column}: ${expected}` });
    tables.set(name, { rows: rows.slice(1), index });
  }
  if (errors.length > 0) return { ok: false as const, errors };

  const cellOf = (name: SheetName, row: SheetRow, column: string) => {
    const i = tables.get(name)!.index.get(column)!;
    return {
      at: { path: `${name}!${letter(i)}${row.row}`, row: row.row, column },
      value: row.cells[i] ?? BLANK,
    };
  };
  // A value where no column is: a question typed one column too far right must not vanish.
  for (const name of SHEET_NAMES) {
    const { rows, index } = tables.get(name)!;
    const used = new Set(index.values());
    for (const row of rows) {
      const stray = row.cells.findIndex((c, i) => !used.has(i) && !isBlank(c));
      if (stray !== -1)
        errors.push({
          path: `${name}!${letter(stray)}${row.row}`,
          row: row.row,
          column: letter(stray),
          message: `cell ${letter(stray)}${row.row} has a value but column ${letter(stray)} has no header`,
        });
    }
  }
  const rows = (name: SheetName) => tables.get(name)!.rows;
  const checked = checkItems({
    questions: rows('Questions').map((row) => ({
      number: cellOf('Questions', row, 'No'),
      text: cellOf('Questions', row, 'Question'),
      kind: cellOf('Questions', row, 'Kind'),
    })),
    rubric: rows('Rubric').map((row) => ({
      criterion: cellOf('Rubric', row, 'Criterion'),
      points: cellOf('Rubric', row, 'Points'),
    })),
    aids: rows('Aids').map((row) => cellOf('Aids', row, 'Aid')),
    literature: rows('Literature').map((row) => cellOf('Literature', row, 'Source')),
    empty: {
      questions: { path: 'Questions!A2', row: 2, column: 'Question' },
      rubric: { path: 'Rubric!A2', row: 2, column: 'Criterion' },
    },
  });
  if (errors.length > 0)
    return { ok: false as const, errors: [...errors, ...(checked.ok ? [] : checked.errors)] };
  return checked;
}
