/**
 * Reads an institution's people and their roles from an uploaded CSV or XLSX file: one row per
 * role assignment, columns email, full_name, language, role, scope.
 *
 * Uploaded spreadsheets are hostile input, so every size is bounded before it is paid for: the
 * upload (IMPORT_LIMITS.maxBytes), the unpacked XLSX parts (XLSX_MAX_UNPACKED_BYTES, checked
 * against the declared sizes and again while inflating, so a lying ZIP header cannot get past it),
 * the rows and the columns. Problems are returned as RowErrors, never thrown.
 *
 * XLSX: exceljs's `workbook.xlsx.load` is not used because it expands every data validation range
 * cell by cell (one drop-down on D2:D1048576 costs ~1 s and ~120 MB of heap), reads every sheet and
 * trusts the ZIP's sizes. Its streaming WorkbookReader, fed the upload as is, has three problems of
 * its own (exceljs 4.4.0, lib/stream/xlsx): it spills a worksheet to a temporary file whenever
 * sharedStrings.xml comes after it in the archive (as Excel and exceljs itself write it), it
 * inflates without any limit, and it decodes each chunk of XML separately, so a Kazakh letter (two
 * bytes in UTF-8) split across chunks turns into U+FFFD (6 of 5000 names in a test). So this module
 * reads the ZIP directory itself, inflates only the parts it needs with a hard output limit, finds
 * the first worksheet from workbook.xml, and hands exceljs a small in-memory archive of stored
 * (uncompressed) entries in the order it needs, cut into chunks at character boundaries.
 */
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { stream as excelStream, type CellValue, type Row } from 'exceljs';
import { ROLES, type Role } from '../../../sop/policy';
import { LANGUAGES, type Language } from '../../common/language';

/** The roles a person can hold: the SOP's (sop/policy.ts) without the system itself. */
export const ROLE_IDS = ROLES.filter((r): r is Exclude<Role, 'system'> => r !== 'system');
export type RoleId = Exclude<Role, 'system'>;
export type ScopeKind = 'institution' | 'school' | 'department';

export interface PersonRow {
  row: number;
  email: string;
  fullName: string;
  language: Language;
  role: RoleId;
  scope: string;
}

/**
 * One problem. `row` is the spreadsheet row number the user sees (the header is row 1; 0 when the
 * problem is the file as a whole). `column` is the header name, or FILE_COLUMN for file-level
 * problems (size, format, header, limits).
 */
export interface RowError {
  row: number;
  column: string;
  reason: string;
}

export interface ParseResult {
  rows: PersonRow[];
  errors: RowError[];
}

export const IMPORT_LIMITS = { maxBytes: 2 * 1024 * 1024, maxRows: 5000, maxColumns: 20 } as const;

/** The `column` of a RowError about the file as a whole rather than one cell. */
export const FILE_COLUMN = '(file)';

const COLUMNS = ['email', 'full_name', 'language', 'role', 'scope'] as const;
type ColumnName = (typeof COLUMNS)[number];

/** The kind of scope each role is given in; 'any' for roles that exist at every level. */
const ROLE_SCOPE: Readonly<Record<RoleId, ScopeKind | 'any'>> = {
  department_head: 'department',
  department_responsible: 'department',
  examiner: 'department',
  programme_committee: 'department',
  dean: 'school',
  deans_office: 'school',
  vice_rector: 'institution',
  testing_centre: 'institution',
  registrar: 'institution',
  distance_learning: 'institution',
  auditor: 'institution',
  admin: 'institution',
  working_group_member: 'any',
  proctor: 'any',
  exam_commission: 'any',
  violation_commission: 'any',
  appeal_commission: 'any',
  student: 'any',
};

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
/**
 * Zip-bomb guard: the XLSX parts read here (worksheet, shared strings, workbook, relationships) may
 * unpack to 50 MB in all. A real list of 5000 people is 1–5 MB of XML; a 2 MB upload of highly
 * repetitive XML can declare (or really hold) up to ~2 GB.
 */
const XLSX_MAX_UNPACKED_BYTES = 50 * 1024 * 1024;
/** workbook.xml and its relationships only name the sheets: a megabyte is plenty. */
const XLSX_MAX_INDEX_PART_BYTES = 1024 * 1024;
/**
 * Rows read, blank or not. Blank rows are skipped and do not count towards maxRows, but each still
 * costs: exceljs builds every <row> (50 MB of blank rows is ~5 s of CPU), and csv-parse builds an
 * error object for every line whose field count differs from the header's (~30 µs each, with
 * relax_column_count). Ten times maxRows leaves room for rows that only carry formatting.
 */
const MAX_ROWS_READ = 10 * IMPORT_LIMITS.maxRows;
/** Merged ranges beyond this are not worth checking one by one: the file is not a plain table. */
const XLSX_MAX_MERGES = 1000;
/** Chunk size of the XML handed to exceljs; its SAX events for one chunk are held in an array. */
const XML_CHUNK_BYTES = 64 * 1024;
export const EXCEL_MAX_ROW = 1_048_576;
const EXCEL_MAX_COLUMN = 16_384;
const MAX_FULL_NAME = 200;
/** RFC 5321: a forward path is at most 256 octets including the angle brackets. */
const MAX_EMAIL = 254;
/**
 * The "valid e-mail address" of the WHATWG HTML standard (input type=email): what a browser
 * accepts, deliberately simpler than RFC 5322.
 */
const EMAIL =
  /^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
/** Control and invisible format characters (incl. bidi overrides): never part of a real name. */
const INVISIBLE = /[\p{Cc}\p{Cf}]/u;
/** OWASP "CSV injection": a stored name starting with these becomes a formula when re-exported. */
const FORMULA_START = /^[=+\-@]/;

const SIG_LOCAL_FILE = 0x04034b50;
const SIG_CENTRAL_FILE = 0x02014b50;
const SIG_END_OF_DIRECTORY = 0x06054b50;

const inflateRawAsync = promisify(inflateRaw);

/** A problem with the whole file: its message is shown to the user as the reason. */
class FileProblem extends Error {}

/**
 * One cell as read from the file: its text, or why it cannot be used as text. A number cell (or a
 * formula's numeric result) keeps its value in `number`, for uploads whose columns are numbers
 * (ratings, variant numbers: `readSpreadsheet`); the people import treats it as the problem.
 */
export type Cell =
  { readonly text: string } | { readonly problem: string; readonly number?: number };
const BLANK: Cell = { text: '' };

/** A non-blank row; `cells[0]` is column A, trailing blank cells are dropped. */
export interface SheetRow {
  readonly row: number;
  readonly cells: readonly Cell[];
}

export interface MergedRange {
  readonly ref: string;
  readonly top: number;
  readonly left: number;
  readonly bottom: number;
  readonly right: number;
}

export interface Sheet {
  readonly rows: readonly SheetRow[];
  readonly merges: readonly MergedRange[];
}

/**
 * The first worksheet of an uploaded CSV or XLSX file with the same limits and defences as the
 * people import (issue 8's uploads: ticket sets, the admission list, read their own columns), or
 * the problem with the file as a whole.
 */
export async function readSpreadsheet(input: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): Promise<{ sheet: Sheet } | { error: RowError }> {
  if (input.data.length === 0) return { error: failure('the file is empty').errors[0] };
  if (input.data.length > IMPORT_LIMITS.maxBytes)
    return {
      error: failure(`the file is larger than the limit of ${megabytes(IMPORT_LIMITS.maxBytes)} MB`)
        .errors[0],
    };
  try {
    return {
      sheet: detectFormat(input) === 'csv' ? readCsv(input.data) : await readXlsx(input.data),
    };
  } catch (error) {
    if (error instanceof FileProblem) return { error: failure(error.message).errors[0] };
    throw error;
  }
}

export async function parsePeopleFile(
  input: { filename: string; contentType?: string; data: Buffer },
  knownScopes: ReadonlyMap<string, ScopeKind>,
): Promise<ParseResult> {
  const { data } = input;
  if (data.length === 0) return failure('the file is empty');
  if (data.length > IMPORT_LIMITS.maxBytes) {
    return failure(`the file is larger than the limit of ${megabytes(IMPORT_LIMITS.maxBytes)} MB`);
  }
  let sheet: Sheet;
  try {
    sheet = detectFormat(input) === 'csv' ? readCsv(data) : await readXlsx(data);
  } catch (error) {
    if (error instanceof FileProblem) return failure(error.message);
    throw error;
  }
  return validate(sheet, knownScopes);
}

function failure(reason: string, row = 0): ParseResult {
  return { rows: [], errors: [{ row, column: FILE_COLUMN, reason }] };
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

// ---------------------------------------------------------------------------------------------
// Format

function detectFormat(input: {
  filename: string;
  contentType?: string;
  data: Buffer;
}): 'csv' | 'xlsx' {
  const base = input.filename.split(/[\\/]/).pop() ?? '';
  const dot = base.lastIndexOf('.');
  const extension = dot === -1 ? '' : base.slice(dot + 1).toLowerCase();
  const mime = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
  // The extension decides when it is known: browsers on Windows send application/vnd.ms-excel for
  // .csv files. The content type is only a fallback for names without a usable extension.
  const format =
    extension === 'csv' || extension === 'xlsx'
      ? extension
      : mime === 'text/csv'
        ? 'csv'
        : mime === XLSX_MIME
          ? 'xlsx'
          : undefined;
  if (format === undefined) {
    if (extension === 'xls') {
      throw new FileProblem(
        'old Excel .xls files cannot be read: save the file as .xlsx or as CSV UTF-8',
      );
    }
    const shown = /^[a-z0-9]{1,10}$/.test(extension) ? ` (.${extension})` : '';
    throw new FileProblem(`unsupported file type${shown}: upload a .csv or .xlsx file`);
  }
  // An XLSX file is a ZIP archive, and every ZIP starts with a local file header "PK\x03\x04".
  const isZip = input.data.length >= 4 && input.data.readUInt32LE(0) === SIG_LOCAL_FILE;
  if (format === 'xlsx' && !isZip) {
    throw new FileProblem(
      'the file is not an .xlsx workbook (password-protected and old .xls workbooks cannot be read)',
    );
  }
  if (format === 'csv' && isZip) {
    throw new FileProblem(
      'the file is an Excel workbook, not CSV: upload it with the .xlsx extension',
    );
  }
  return format;
}

// ---------------------------------------------------------------------------------------------
// CSV

function readCsv(data: Buffer): Sheet {
  if (data.length >= 2 && (data.readUInt16LE(0) === 0xfeff || data.readUInt16LE(0) === 0xfffe)) {
    throw new FileProblem('the CSV file is UTF-16 text: save it as "CSV UTF-8" instead');
  }
  let text: string;
  try {
    // fatal: a Windows-1251 export would otherwise become U+FFFD silently. A UTF-8 BOM (Excel's
    // "CSV UTF-8") is stripped by the decoder (ignoreBOM defaults to false).
    text = new TextDecoder('utf-8', { fatal: true }).decode(data);
  } catch {
    throw new FileProblem('the CSV file is not UTF-8 text: in Excel, save it as "CSV UTF-8"');
  }
  const rows: SheetRow[] = [];
  const stop: { problem?: FileProblem } = {};
  try {
    parseCsv(text, {
      delimiter: detectDelimiter(text),
      relax_column_count: true,
      // Empty lines are skipped cheaply by csv-parse; they still are rows in Excel, so the row
      // number is the records so far plus the empty lines so far.
      skip_empty_lines: true,
      on_record: (record: string[], context) => {
        try {
          const row = context.records + context.empty_lines;
          if (context.records > MAX_ROWS_READ) throw tooManyRowsRead();
          // Width first, from the strings: a hostile line of 2 million commas must not become
          // 2 million cells.
          let width = record.length;
          while (width > 0 && record[width - 1].trim() === '') width--;
          if (width > IMPORT_LIMITS.maxColumns) throw tooManyColumns(width, row);
          if (width > 0) {
            const cells = record.slice(0, width).map((text): Cell => ({ text }));
            addRow(rows, { row, cells });
          }
        } catch (error) {
          if (error instanceof FileProblem) stop.problem = error;
          throw error;
        }
        // Nothing is collected by csv-parse itself: `rows` holds the non-blank rows.
        return null;
      },
    });
  } catch (error) {
    if (stop.problem) throw stop.problem;
    const message = error instanceof Error ? error.message : String(error);
    throw new FileProblem(`the CSV file could not be read: ${message}`);
  }
  return { rows, merges: [] };
}

/** Semicolons when the header line has more of them than commas (Excel's CSV in ru/kk locales). */
function detectDelimiter(text: string): ',' | ';' {
  let commas = 0;
  let semicolons = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (quoted) continue;
    else if (ch === '\n' || ch === '\r') break;
    else if (ch === ',') commas++;
    else if (ch === ';') semicolons++;
  }
  return semicolons > commas ? ';' : ',';
}

// ---------------------------------------------------------------------------------------------
// Rows shared by both formats

function isBlank(cell: Cell): boolean {
  return 'text' in cell && cell.text.trim() === '';
}

function tooManyRowsRead(): FileProblem {
  return new FileProblem(
    `the file has more than ${MAX_ROWS_READ} rows, counting empty ones that only carry formatting or separators: delete the unused rows`,
  );
}

function tooManyColumns(column: number, row: number): FileProblem {
  return new FileProblem(
    `the file has more than ${IMPORT_LIMITS.maxColumns} columns (cell ${columnLetter(column - 1)}${row} has a value)`,
  );
}

/** Keeps a non-blank row; the header plus maxRows data rows at most. */
function addRow(rows: SheetRow[], row: SheetRow): void {
  rows.push(row);
  if (rows.length > IMPORT_LIMITS.maxRows + 1) {
    throw new FileProblem(
      `the file has more than ${IMPORT_LIMITS.maxRows} data rows: split it into smaller files`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// XLSX

async function readXlsx(data: Buffer): Promise<Sheet> {
  try {
    const entries = readZipDirectory(data);
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
    const sheetPath = firstWorksheetPath(workbook.toString('utf8'), rels.toString('utf8'));
    const sheetXml = await unpack(data, entries, sheetPath, budget);
    if (!sheetXml || sheetXml.length === 0) throw damaged();
    // exceljs resolves shared strings only when it has read them before the worksheet; a workbook
    // without any (all inline strings or numbers) gets an empty table.
    const sharedStrings =
      (await unpack(data, entries, 'xl/sharedStrings.xml', budget)) ?? Buffer.from(EMPTY_SST);
    // exceljs's streaming reader keeps only the last run of an inline rich string (<is><r>…), so
    // "Әлия " + "Қасымова" would silently read "Қасымова". `<r>` occurs nowhere else in a sheet.
    if (sheetXml.includes('<r>')) {
      throw new FileProblem(
        'the worksheet has inline rich text, which cannot be read reliably: paste the cells as values into a new workbook',
      );
    }
    // exceljs never closes its SAX parser, so XML that stops early (hand-made: the ZIP sizes are
    // checked) would read as the rows before the cut. A worksheet ends with </worksheet>.
    const tail = sheetXml.toString('latin1', Math.max(0, sheetXml.length - 64));
    if (!/<\/(?:[\w.-]+:)?worksheet>\s*$/.test(tail)) throw damaged();
    const rows = await readSheetRows(sharedStrings, sheetXml);
    return { rows, merges: readMerges(sheetXml) };
  } catch (error) {
    if (error instanceof FileProblem) throw error;
    // Malformed XML or ZIP structure from exceljs, saxes or unzipper: damaged or hostile input.
    throw damaged();
  }
}

function damaged(): FileProblem {
  return new FileProblem('the .xlsx file is damaged or not an Excel workbook');
}

export interface ZipEntry {
  readonly flags: number;
  readonly method: number;
  readonly packedSize: number;
  readonly size: number;
  readonly offset: number;
}

/** The central directory (APPNOTE.TXT 4.3.12–4.3.16): names, sizes and offsets of all entries. */
export function readZipDirectory(data: Buffer): Map<string, ZipEntry> {
  // The end record is the last 22 bytes, unless a comment (at most 65535 bytes) follows it.
  let end = -1;
  for (let at = data.length - 22; at >= Math.max(0, data.length - 22 - 0xffff); at--) {
    if (data.readUInt32LE(at) === SIG_END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end === -1) throw damaged();
  const count = data.readUInt16LE(end + 10);
  const directorySize = data.readUInt32LE(end + 12);
  const directoryOffset = data.readUInt32LE(end + 16);
  // Multi-disk and ZIP64 archives (0xffff/0xffffffff markers) are never needed for 2 MB.
  if (
    data.readUInt16LE(end + 4) !== 0 ||
    data.readUInt16LE(end + 6) !== 0 ||
    count === 0xffff ||
    directoryOffset + directorySize > end
  ) {
    throw damaged();
  }
  const entries = new Map<string, ZipEntry>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || data.readUInt32LE(at) !== SIG_CENTRAL_FILE) throw damaged();
    const flags = data.readUInt16LE(at + 8);
    const nameEnd = at + 46 + data.readUInt16LE(at + 28);
    if (nameEnd > end) throw damaged();
    // Bit 11: the name is UTF-8; otherwise CP437, which matches latin1 for the ASCII part names.
    const name = data.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, nameEnd);
    // Two entries of one name could be read differently by different readers: refuse the file.
    if (entries.has(name)) throw damaged();
    entries.set(name, {
      flags,
      method: data.readUInt16LE(at + 10),
      packedSize: data.readUInt32LE(at + 20),
      size: data.readUInt32LE(at + 24),
      offset: data.readUInt32LE(at + 42),
    });
    at = nameEnd + data.readUInt16LE(at + 30) + data.readUInt16LE(at + 32);
  }
  return entries;
}

/**
 * The unpacked bytes of one entry, or undefined when the archive has none of that name. The
 * declared size is checked against what is left of the budget before anything is inflated, and
 * inflating stops at the declared size, so a header that understates it cannot get past.
 */
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
  if (entry.size > Math.min(cap, budget.left)) {
    throw new FileProblem(
      `the .xlsx file unpacks to more than ${megabytes(XLSX_MAX_UNPACKED_BYTES)} MB, far more than a list of people needs`,
    );
  }
  const header = entry.offset;
  if (header + 30 > data.length || data.readUInt32LE(header) !== SIG_LOCAL_FILE) throw damaged();
  const start = header + 30 + data.readUInt16LE(header + 26) + data.readUInt16LE(header + 28);
  if (start + entry.packedSize > data.length) throw damaged();
  const packed = data.subarray(start, start + entry.packedSize);
  let unpacked: Buffer;
  if (entry.method === 0) {
    unpacked = packed;
  } else if (entry.method === 8) {
    try {
      unpacked = await inflateRawAsync(packed, { maxOutputLength: Math.max(1, entry.size) });
    } catch {
      // ERR_BUFFER_TOO_LARGE: more data than declared (a lying header), or a broken stream.
      throw damaged();
    }
  } else {
    throw damaged();
  }
  if (unpacked.length !== entry.size) throw damaged();
  budget.left -= entry.size;
  return unpacked;
}

/**
 * The archive path of the first sheet in the workbook's tab order: the first <sheet> of
 * workbook.xml, whose r:id names a relationship in workbook.xml.rels (ECMA-376 Part 1, 18.2.19).
 * File names do not give the order: a moved tab keeps its sheetN.xml. These two small parts are
 * read with regular expressions; their size is capped by XLSX_MAX_INDEX_PART_BYTES.
 */
function firstWorksheetPath(workbookXml: string, relsXml: string): string {
  const sheet = /<(?:[\w.-]+:)?sheet\s([^>]*)>/.exec(workbookXml);
  if (!sheet) throw new FileProblem('the workbook has no sheets');
  const relId = [...xmlAttributes(sheet[1])].find(([name]) => /^[\w.-]+:id$/.test(name))?.[1];
  if (relId === undefined) throw damaged();
  for (const match of relsXml.matchAll(/<(?:[\w.-]+:)?Relationship\s([^>]*)>/g)) {
    const rel = xmlAttributes(match[1]);
    if (rel.get('Id') !== relId) continue;
    const target = rel.get('Target');
    if (!rel.get('Type')?.endsWith('/worksheet')) {
      throw new FileProblem('the first sheet of the workbook is not a worksheet (a chart?)');
    }
    if (target === undefined || rel.get('TargetMode') === 'External') throw damaged();
    return resolvePartName(target);
  }
  throw damaged();
}

export function xmlAttributes(source: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (const match of source.matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    attributes.set(match[1], decodeXmlText(match[2] ?? match[3] ?? ''));
  }
  return attributes;
}

function decodeXmlText(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(
    /&(?:#x([0-9a-f]{1,6})|#(\d{1,7})|(amp|lt|gt|quot|apos));/gi,
    (all: string, hex?: string, dec?: string, name?: string) => {
      const code = hex ? parseInt(hex, 16) : dec ? parseInt(dec, 10) : undefined;
      if (code === undefined) return named[(name ?? '').toLowerCase()] ?? all;
      return code <= 0x10ffff ? String.fromCodePoint(code) : all;
    },
  );
}

/** A relationship target is relative to xl/ (the workbook's folder) unless it starts with "/". */
export function resolvePartName(target: string): string {
  const segments = target.startsWith('/') ? [] : ['xl'];
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const EMPTY_SST = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="${NS_MAIN}"/>`;
/**
 * workbook.xml and its relationships as exceljs needs them to read the one worksheet: written
 * here rather than passed on, so nothing else from the upload reaches its workbook parser.
 */
const MINIMAL_RELS = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="${NS_RELS}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`;
const MINIMAL_WORKBOOK = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="${NS_MAIN}" xmlns:r="${NS_RELS}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`;

/**
 * One worksheet and its shared strings as a minimal workbook archive (relationships, workbook and
 * shared strings before the worksheet), which exceljs's streaming reader reads directly instead of
 * spilling the worksheet to a temporary file. The people import and the question lists use it.
 */
export function sheetArchive(sharedStrings: Buffer, sheetXml: Buffer): Buffer[] {
  return storedZip([
    ['xl/_rels/workbook.xml.rels', Buffer.from(MINIMAL_RELS)],
    ['xl/workbook.xml', Buffer.from(MINIMAL_WORKBOOK)],
    ['xl/sharedStrings.xml', sharedStrings],
    ['xl/worksheets/sheet1.xml', sheetXml],
  ]);
}

/**
 * The non-blank rows of the worksheet, read with exceljs's streaming reader (which never looks at
 * <dataValidations>, so a whole-column drop-down costs nothing) from an archive built here:
 * relationships, workbook and shared strings before the worksheet, so that exceljs reads it
 * directly instead of spilling it to a temporary file.
 */
async function readSheetRows(sharedStrings: Buffer, sheetXml: Buffer): Promise<SheetRow[]> {
  const archive = sheetArchive(sharedStrings, sheetXml);
  const reader = new excelStream.xlsx.WorkbookReader(Readable.from(archive), {
    worksheets: 'emit',
    sharedStrings: 'cache',
    // Hyperlinked cells still hold their shown text (an email); the link target is not needed.
    hyperlinks: 'ignore',
    // Without styles a date is its serial number, reported as "a number or a date" below.
    styles: 'ignore',
    entries: 'ignore',
  });
  const rows: SheetRow[] = [];
  let elements = 0;
  let previous = 0;
  for await (const worksheet of reader) {
    for await (const row of worksheet) {
      if (++elements > MAX_ROWS_READ) throw tooManyRowsRead();
      // Rows must come in ascending order (ECMA-376 18.3.1.73); anything else is not from Excel
      // and would break the row numbers in the errors.
      if (!Number.isInteger(row.number) || row.number <= previous || row.number > EXCEL_MAX_ROW) {
        throw damaged();
      }
      previous = row.number;
      const cells = excelRowCells(row);
      if (cells.length > 0) addRow(rows, { row: row.number, cells });
    }
    break; // the archive built above holds one worksheet
  }
  return rows;
}

/**
 * Cells of one exceljs row by column, up to the last non-blank one; a value beyond maxColumns
 * stops the file.
 */
function excelRowCells(row: Row): Cell[] {
  const cells: Cell[] = [];
  row.eachCell((cell, column) => {
    const value = cellFromExcel(cell.value, () => {
      // cell.value copies a formula's result only when it is truthy, so "", 0 and the NaN of an
      // error result would all look like "no result"; cell.result is the stored one. A shared
      // formula's clone (<f t="shared"/> without text) is kept as a plain object with its result.
      const result: unknown = cell.result;
      return result;
    });
    if (isBlank(value)) return;
    if (column > IMPORT_LIMITS.maxColumns) throw tooManyColumns(column, row.number);
    cells[column - 1] = value;
  });
  return Array.from(cells, (cell) => cell ?? BLANK);
}

/** How one exceljs cell value reads as text; `problem` completes "<column> …". */
function cellFromExcel(value: CellValue, storedResult: () => unknown): Cell {
  if (value === null || value === undefined) return BLANK;
  if (typeof value === 'string') return { text: value };
  if (typeof value === 'number') {
    return Number.isFinite(value)
      ? { problem: 'must be text, but the cell holds a number or a date', number: value }
      : { problem: 'holds a spreadsheet error' };
  }
  if (typeof value === 'boolean') return { problem: 'must be text, but the cell holds TRUE/FALSE' };
  if (value instanceof Date) return { problem: 'must be text, but the cell holds a date' };
  if ('error' in value) return { problem: `holds the spreadsheet error ${String(value.error)}` };
  if ('richText' in value) {
    // A run without <t> comes back from the streaming reader as null, whatever the typings say.
    const runs: readonly { text?: unknown }[] = value.richText;
    return { text: runs.map((run) => (typeof run.text === 'string' ? run.text : '')).join('') };
  }
  if ('hyperlink' in value) {
    // Emails typed into Excel become mailto: links; what the user sees (and means) is the text.
    const text: unknown = value.text;
    return typeof text === 'string' ? { text } : { problem: 'holds a link without text' };
  }
  if ('formula' in value || 'sharedFormula' in value) {
    return formulaResult('result' in value ? value.result : storedResult());
  }
  return { problem: 'must be text' };
}

/**
 * The cached result of a formula, which Excel stores beside it. Without one (the file was written
 * by a program that does not calculate) the cell has no value here: calculating would mean running
 * a formula engine on hostile input.
 */
function formulaResult(result: unknown): Cell {
  if (result === undefined || result === null) return { problem: 'is a formula without a value' };
  if (typeof result === 'string') return { text: result };
  if (typeof result === 'number') {
    // The streaming reader turns an error result (t="e", e.g. #N/A) into NaN.
    return Number.isFinite(result)
      ? { problem: 'must be text, but its formula gives a number', number: result }
      : { problem: 'is a formula whose result is an error' };
  }
  if (typeof result === 'boolean')
    return { problem: 'must be text, but its formula gives TRUE/FALSE' };
  if (result instanceof Date) return { problem: 'must be text, but its formula gives a date' };
  return { problem: 'is a formula whose result is not text' };
}

/**
 * Merged ranges from <mergeCells>, which follows <sheetData> in the worksheet and which exceljs's
 * streaming reader skips. Excel keeps a merged range's value in its top-left cell and writes the
 * other cells empty, so a merge never duplicates a value here; but a merged email or name over two
 * rows would silently leave the second row without it. Every non-blank row a merge touches is
 * therefore reported (see `validate`). The tag is searched in the raw bytes: in XML text, "<" is
 * always escaped, so "<mergeCell" can only be an element.
 */
function readMerges(sheetXml: Buffer): MergedRange[] {
  const merges: MergedRange[] = [];
  for (
    let at = sheetXml.indexOf('<mergeCell');
    at !== -1;
    at = sheetXml.indexOf('<mergeCell', at + 1)
  ) {
    const next = sheetXml[at + '<mergeCell'.length];
    if (next !== 0x20 && next !== 0x09 && next !== 0x0a && next !== 0x0d) continue; // <mergeCells>
    const tag = sheetXml.toString('latin1', at, Math.min(at + 256, sheetXml.length));
    const ref =
      /^<mergeCell\s[^>]*?\bref\s*=\s*["']([A-Z]{1,3})(\d{1,7})(?::([A-Z]{1,3})(\d{1,7}))?["']/i.exec(
        tag,
      );
    if (!ref) continue;
    if (merges.length === XLSX_MAX_MERGES) {
      throw new FileProblem(
        `the worksheet has more than ${XLSX_MAX_MERGES} merged cell ranges: unmerge them`,
      );
    }
    const [, left, top, right = left, bottom = top] = ref;
    merges.push({
      ref: (right === left && bottom === top
        ? `${left}${top}`
        : `${left}${top}:${right}${bottom}`
      ).toUpperCase(),
      top: Number(top),
      left: columnNumber(left),
      bottom: Number(bottom),
      right: columnNumber(right),
    });
  }
  return merges;
}

function columnNumber(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return Math.min(n, EXCEL_MAX_COLUMN);
}

/** "A".."Z", "AA".. for a 0-based column index. */
export function columnLetter(index: number): string {
  let letters = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

/**
 * A ZIP of stored entries (APPNOTE.TXT 4.3.7) for exceljs's unzipper, as chunks. The content is
 * cut at UTF-8 character boundaries: exceljs decodes every chunk on its own (browser-buffer-decode),
 * and unzipper passes stored data on in the chunks it was given. The CRC-32 fields stay zero:
 * unzipper's streaming Parse does not check them, and these bytes never leave this process.
 */
export function storedZip(parts: readonly (readonly [string, Buffer])[]): Buffer[] {
  const chunks: Buffer[] = [];
  for (const [name, content] of parts) {
    const nameBytes = Buffer.from(name, 'utf8');
    const header = Buffer.alloc(30 + nameBytes.length);
    header.writeUInt32LE(SIG_LOCAL_FILE, 0);
    header.writeUInt16LE(20, 4); // version needed to extract: 2.0
    header.writeUInt32LE(content.length, 18); // compressed size (stored: the same)
    header.writeUInt32LE(content.length, 22); // uncompressed size
    header.writeUInt16LE(nameBytes.length, 26);
    nameBytes.copy(header, 30);
    chunks.push(header);
    for (let start = 0; start < content.length;) {
      let end = Math.min(start + XML_CHUNK_BYTES, content.length);
      // 10xxxxxx is a continuation byte; a UTF-8 character has at most three of them.
      for (let k = 0; k < 3 && end < content.length && (content[end] & 0xc0) === 0x80; k++) end--;
      chunks.push(content.subarray(start, end));
      start = end;
    }
  }
  const endRecord = Buffer.alloc(22);
  endRecord.writeUInt32LE(SIG_END_OF_DIRECTORY, 0);
  chunks.push(endRecord);
  return chunks;
}

// ---------------------------------------------------------------------------------------------
// Validation

function validate(sheet: Sheet, knownScopes: ReadonlyMap<string, ScopeKind>): ParseResult {
  const [header, ...data] = sheet.rows;
  const expected = `the columns must be: ${COLUMNS.join(', ')}`;
  if (header === undefined) return failure(`the file has no rows: ${expected}`);
  if (header.row !== 1) return failure(`row 1 must hold the column headers: ${expected}`, 1);

  const merged = mergesByRow(sheet);
  const errors: RowError[] = [];
  const headerMerge = merged.get(1);
  if (headerMerge) {
    errors.push({ row: 1, column: FILE_COLUMN, reason: mergeReason(headerMerge) });
  }
  const names = header.cells.map((cell) => ('text' in cell ? cell.text.trim().toLowerCase() : ''));
  const columnOf = new Map<string, number>();
  names.forEach((name, index) => {
    const cell = columnLetter(index) + '1';
    const problem = header.cells[index];
    if ('problem' in problem) {
      errors.push(headerError(`header cell ${cell} ${problem.problem}`));
    } else if (name === '') {
      errors.push(
        headerError(`column ${columnLetter(index)} has no header (cell ${cell}); ${expected}`),
      );
    } else if (columnOf.has(name)) {
      errors.push(headerError(`column ${quote(name)} appears more than once`));
    } else {
      columnOf.set(name, index);
    }
  });
  const unknown = [...columnOf.keys()].filter(
    (name) => !(COLUMNS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    errors.push(headerError(`unexpected columns: ${unknown.map(quote).join(', ')}; ${expected}`));
  }
  const missing = COLUMNS.filter((name) => !columnOf.has(name));
  if (missing.length > 0) errors.push(headerError(`missing columns: ${missing.join(', ')}`));
  if (errors.length > 0) return { rows: [], errors };
  if (data.length === 0) return failure('the file has a header row but no data rows');

  const index = Object.fromEntries(
    COLUMNS.map((name) => [name, columnOf.get(name) ?? 0]),
  ) as Record<ColumnName, number>;
  const rows: PersonRow[] = [];
  const people = new Map<string, { row: number; fullName: string; language: Language }>();
  const assignments = new Map<string, number>();
  for (const { row, cells } of data) {
    const merge = merged.get(row);
    if (merge) {
      // The row's values cannot be trusted (some of its cells are empty parts of a merge).
      const column = names[merge.left - 1] ?? columnLetter(merge.left - 1);
      errors.push({ row, column, reason: mergeReason(merge) });
      continue;
    }
    const rowErrors: RowError[] = [];
    const stray = cells.findIndex((cell, i) => i >= names.length && !isBlank(cell));
    if (stray !== -1) {
      const letter = columnLetter(stray);
      rowErrors.push({
        row,
        column: FILE_COLUMN,
        reason: `cell ${letter}${row} has a value but column ${letter} has no header`,
      });
    }
    const cellOf = (column: ColumnName): Cell => cells[index[column]] ?? BLANK;
    const email = checkEmail(cellOf('email'));
    const fullName = checkFullName(cellOf('full_name'));
    const language = checkLanguage(cellOf('language'));
    const role = checkRole(cellOf('role'));
    let scope = checkScope(cellOf('scope'), knownScopes);
    if (role.ok && scope.ok) scope = checkFit(role.value, scope.value, knownScopes);
    const checks = { email, full_name: fullName, language, role, scope };
    for (const column of COLUMNS) {
      const check = checks[column];
      if (!check.ok) rowErrors.push({ row, column, reason: check.reason });
    }
    // A person is one account: every row of theirs must agree on name and language.
    if (email.ok && fullName.ok && language.ok) {
      const first = people.get(email.value);
      if (first === undefined) {
        people.set(email.value, { row, fullName: fullName.value, language: language.value });
      } else {
        if (first.fullName !== fullName.value) {
          rowErrors.push({
            row,
            column: 'full_name',
            reason: `full_name differs from row ${first.row} (${quote(first.fullName)}) for the same email`,
          });
        }
        if (first.language !== language.value) {
          rowErrors.push({
            row,
            column: 'language',
            reason: `language differs from row ${first.row} (${first.language}) for the same email`,
          });
        }
      }
    }
    if (email.ok && role.ok && scope.ok) {
      const key = JSON.stringify([email.value, role.value, scope.value]);
      const first = assignments.get(key);
      if (first === undefined) assignments.set(key, row);
      else {
        rowErrors.push({
          row,
          column: 'role',
          reason: `duplicate of row ${first}: the same email, role and scope`,
        });
      }
    }
    if (rowErrors.length > 0) errors.push(...rowErrors);
    else if (email.ok && fullName.ok && language.ok && role.ok && scope.ok) {
      rows.push({
        row,
        email: email.value,
        fullName: fullName.value,
        language: language.value,
        role: role.value,
        scope: scope.value,
      });
    }
  }
  return { rows, errors };
}

function headerError(reason: string): RowError {
  return { row: 1, column: FILE_COLUMN, reason };
}

function mergeReason(merge: MergedRange): string {
  return `merged cells are not allowed (${merge.ref}): unmerge them and fill in every cell`;
}

/** The first merge touching each non-blank row (rows are in ascending order). */
function mergesByRow(sheet: Sheet): Map<number, MergedRange> {
  const byRow = new Map<number, MergedRange>();
  const rows = sheet.rows;
  for (const merge of sheet.merges) {
    let low = 0;
    let high = rows.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (rows[mid].row < merge.top) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < rows.length && rows[i].row <= merge.bottom; i++) {
      if (!byRow.has(rows[i].row)) byRow.set(rows[i].row, merge);
    }
  }
  return byRow;
}

type Check<T> = { ok: true; value: T } | { ok: false; reason: string };

/** The trimmed text of a cell; required cells must not be blank. */
function requiredText(cell: Cell, column: ColumnName): Check<string> {
  if ('problem' in cell) return { ok: false, reason: `${column} ${cell.problem}` };
  const text = cell.text.trim();
  return text === '' ? { ok: false, reason: `${column} is required` } : { ok: true, value: text };
}

function checkEmail(cell: Cell): Check<string> {
  const text = requiredText(cell, 'email');
  if (!text.ok) return text;
  const email = text.value.toLowerCase();
  if (email.length > MAX_EMAIL || !EMAIL.test(email)) {
    return { ok: false, reason: `email ${quote(text.value)} is not a valid email address` };
  }
  return { ok: true, value: email };
}

function checkFullName(cell: Cell): Check<string> {
  const text = requiredText(cell, 'full_name');
  if (!text.ok) return text;
  if (INVISIBLE.test(text.value)) {
    return {
      ok: false,
      reason:
        'full_name contains control or invisible characters (a line break, a tab, a zero-width space…)',
    };
  }
  // NFC so that one name typed two ways (й as one code point, or и + combining breve) compares
  // equal across rows; runs of spaces become one.
  const fullName = text.value.normalize('NFC').replace(/\s+/gu, ' ');
  if ([...fullName].length > MAX_FULL_NAME) {
    return { ok: false, reason: `full_name is longer than ${MAX_FULL_NAME} characters` };
  }
  if (FORMULA_START.test(fullName)) {
    return { ok: false, reason: 'full_name must not start with =, +, - or @ (formula characters)' };
  }
  if (!/\p{L}/u.test(fullName)) return { ok: false, reason: 'full_name must contain letters' };
  return { ok: true, value: fullName };
}

function checkLanguage(cell: Cell): Check<Language> {
  const text = requiredText(cell, 'language');
  if (!text.ok) return text;
  const language = LANGUAGES.find((code) => code === text.value.toLowerCase());
  return language === undefined
    ? { ok: false, reason: `language ${quote(text.value)} must be one of ${LANGUAGES.join(', ')}` }
    : { ok: true, value: language };
}

function checkRole(cell: Cell): Check<RoleId> {
  const text = requiredText(cell, 'role');
  if (!text.ok) return text;
  const role = ROLE_IDS.find((id) => id === text.value.toLowerCase());
  return role === undefined
    ? { ok: false, reason: `role ${quote(text.value)} is not one of: ${ROLE_IDS.join(', ')}` }
    : { ok: true, value: role };
}

function checkScope(cell: Cell, knownScopes: ReadonlyMap<string, ScopeKind>): Check<string> {
  const text = requiredText(cell, 'scope');
  if (!text.ok) return text;
  // Scope keys are the institution's own codes: matched exactly, as stored.
  return knownScopes.has(text.value)
    ? { ok: true, value: text.value }
    : {
        ok: false,
        reason: `scope ${quote(text.value)} is not a known school, department or institution`,
      };
}

function checkFit(
  role: RoleId,
  scope: string,
  knownScopes: ReadonlyMap<string, ScopeKind>,
): Check<string> {
  const wanted = ROLE_SCOPE[role];
  const kind = knownScopes.get(scope);
  if (wanted === 'any' || wanted === kind) return { ok: true, value: scope };
  return {
    ok: false,
    reason: `role ${role} must be given a scope of kind ${wanted}, but ${quote(scope)} is of kind ${String(kind)}`,
  };
}

/** A user value inside a message: quoted, escaped and short (it may be hostile or huge). */
function quote(value: string): string {
  return JSON.stringify([...value].length > 60 ? [...value].slice(0, 57).join('') + '…' : value);
}
