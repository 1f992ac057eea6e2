import { deflateRawSync } from 'node:zlib';
import { Workbook, type CellValue, type DataValidation, type Worksheet } from 'exceljs';
import {
  FILE_COLUMN,
  IMPORT_LIMITS,
  parsePeopleFile,
  type ParseResult,
  type PersonRow,
  type ScopeKind,
} from './parse-people';

const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

const SCOPES: ReadonlyMap<string, ScopeKind> = new Map<string, ScopeKind>([
  ['KAZNMU', 'institution'],
  ['SCH-MED', 'school'],
  ['DEP-ANAT', 'department'],
]);

const HEADER = ['email', 'full_name', 'language', 'role', 'scope'];
/** Every Kazakh-specific letter, lower and upper case. */
const KAZAKH = 'әғқңөұүһі ӘҒҚҢӨҰҮҺІ';
const GOOD = [
  HEADER,
  ['Aigerim.Sarsen@KazNMU.kz', 'Әлихан Ғабитұлы Қоңырбаев', 'kk', 'examiner', 'DEP-ANAT'],
  ['aigerim.sarsen@kaznmu.kz', 'Әлихан Ғабитұлы Қоңырбаев', 'kk', 'proctor', 'SCH-MED'],
  ['omirzak@kaznmu.kz', 'Өмірзақ Үсенұлы Шаһмарданов', 'kk', 'dean', 'SCH-MED'],
  ['ivan.petrov@kaznmu.kz', 'Иван Петров', 'ru', 'registrar', 'KAZNMU'],
  ['john.smith@kaznmu.kz', 'John Smith', 'en', 'student', 'DEP-ANAT'],
];
const GOOD_ROWS: PersonRow[] = [
  {
    row: 2,
    email: 'aigerim.sarsen@kaznmu.kz',
    fullName: 'Әлихан Ғабитұлы Қоңырбаев',
    language: 'kk',
    role: 'examiner',
    scope: 'DEP-ANAT',
  },
  {
    row: 3,
    email: 'aigerim.sarsen@kaznmu.kz',
    fullName: 'Әлихан Ғабитұлы Қоңырбаев',
    language: 'kk',
    role: 'proctor',
    scope: 'SCH-MED',
  },
  {
    row: 4,
    email: 'omirzak@kaznmu.kz',
    fullName: 'Өмірзақ Үсенұлы Шаһмарданов',
    language: 'kk',
    role: 'dean',
    scope: 'SCH-MED',
  },
  {
    row: 5,
    email: 'ivan.petrov@kaznmu.kz',
    fullName: 'Иван Петров',
    language: 'ru',
    role: 'registrar',
    scope: 'KAZNMU',
  },
  {
    row: 6,
    email: 'john.smith@kaznmu.kz',
    fullName: 'John Smith',
    language: 'en',
    role: 'student',
    scope: 'DEP-ANAT',
  },
];

function csvFile(rows: readonly (readonly string[])[], delimiter = ','): Buffer {
  const field = (value: string): string =>
    /[",;\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
  return Buffer.from(rows.map((row) => row.map(field).join(delimiter)).join('\r\n') + '\r\n');
}

async function xlsxFile(
  rows: readonly (readonly CellValue[])[],
  adjust?: (worksheet: Worksheet, workbook: Workbook) => void,
): Promise<Buffer> {
  const workbook = new Workbook();
  const worksheet = workbook.addWorksheet('People');
  for (const row of rows) worksheet.addRow([...row]);
  adjust?.(worksheet, workbook);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** Worksheet.dataValidations exists at runtime (lib/doc/worksheet.js) but not in the typings. */
function addValidation(worksheet: Worksheet, range: string, validation: DataValidation): void {
  const sheet = worksheet as unknown as {
    dataValidations: { add(range: string, validation: DataValidation): void };
  };
  sheet.dataValidations.add(range, validation);
}

function parseCsv(data: Buffer): Promise<ParseResult> {
  return parsePeopleFile({ filename: 'people.csv', contentType: 'text/csv', data }, SCOPES);
}

function parseXlsx(data: Buffer): Promise<ParseResult> {
  return parsePeopleFile({ filename: 'people.xlsx', contentType: XLSX_MIME, data }, SCOPES);
}

/** The file-level reasons of a result (and that there are no rows). */
function fileReasons(result: ParseResult): string[] {
  expect(result.rows).toEqual([]);
  return result.errors.filter((e) => e.column === FILE_COLUMN).map((e) => e.reason);
}

/** A ZIP written by hand, for archives exceljs would never write (bombs, lying headers). */
function handZip(
  entries: readonly { name: string; content: string | Buffer; declaredSize?: number }[],
): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const raw = typeof entry.content === 'string' ? Buffer.from(entry.content) : entry.content;
    const packed = deflateRawSync(raw);
    const size = entry.declaredSize ?? raw.length;
    const name = Buffer.from(entry.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const directory = Buffer.alloc(46);
    directory.writeUInt32LE(0x02014b50, 0);
    directory.writeUInt16LE(20, 4);
    directory.writeUInt16LE(20, 6);
    directory.writeUInt16LE(8, 10);
    directory.writeUInt32LE(packed.length, 20);
    directory.writeUInt32LE(size, 24);
    directory.writeUInt16LE(name.length, 28);
    directory.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    central.push(directory, name);
    offset += 30 + name.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const NS_RELS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

/** Worksheet XML with inline strings (no sharedStrings.xml, as some generators write). */
function inlineSheetXml(rows: readonly (readonly string[])[]): string {
  const escape = (text: string): string =>
    text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  const body = rows
    .map((row, r) => {
      const cells = row
        .map((value, c) => {
          const ref = `${String.fromCharCode(65 + c)}${r + 1}`;
          return `<c r="${ref}" t="inlineStr"><is><t>${escape(value)}</t></is></c>`;
        })
        .join('');
      return `<row r="${r + 1}">${cells}</row>`;
    })
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="${NS_MAIN}"><sheetData>${body}</sheetData></worksheet>`;
}

/** A workbook whose tabs, in order, are the given parts (paths relative to xl/). */
function handWorkbook(
  sheets: readonly { target: string; xml: string | Buffer; declaredSize?: number }[],
): Buffer {
  const tabs = sheets
    .map((_, i) => `<sheet name="Sheet ${i + 1}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('');
  const rels = sheets
    .map(
      (sheet, i) =>
        `<Relationship Id="rId${i + 1}" Type="${NS_RELS}/worksheet" Target="${sheet.target}"/>`,
    )
    .join('');
  return handZip([
    {
      name: 'xl/workbook.xml',
      content: `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="${NS_MAIN}" xmlns:r="${NS_RELS}"><sheets>${tabs}</sheets></workbook>`,
    },
    {
      name: 'xl/_rels/workbook.xml.rels',
      content: `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels}</Relationships>`,
    },
    ...sheets.map((sheet) => ({
      name: `xl/${sheet.target}`,
      content: sheet.xml,
      declaredSize: sheet.declaredSize,
    })),
  ]);
}

describe('parsePeopleFile: good files', () => {
  test('a good CSV file gives one row per role assignment, emails lower-cased', async () => {
    expect(await parseCsv(csvFile(GOOD))).toEqual({ rows: GOOD_ROWS, errors: [] });
  });

  test('the same file as XLSX gives the same rows', async () => {
    expect(await parseXlsx(await xlsxFile(GOOD))).toEqual({ rows: GOOD_ROWS, errors: [] });
  });

  test('a semicolon CSV with a UTF-8 BOM (Excel "CSV UTF-8" in ru/kk locales) gives the same rows', async () => {
    const data = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), csvFile(GOOD, ';')]);
    expect(await parseCsv(data)).toEqual({ rows: GOOD_ROWS, errors: [] });
  });

  test(`Kazakh letters (${KAZAKH}) survive intact in CSV and XLSX`, async () => {
    const rows = [HEADER, ['a@kaznmu.kz', `Ә ${KAZAKH}`, 'kk', 'student', 'KAZNMU']];
    for (const result of [await parseCsv(csvFile(rows)), await parseXlsx(await xlsxFile(rows))]) {
      expect(result.errors).toEqual([]);
      expect(result.rows[0].fullName).toBe(`Ә ${KAZAKH}`);
    }
  });

  test('5000 Kazakh names in one XLSX all survive (shared strings span many XML chunks)', async () => {
    // exceljs's own streaming reader decodes each chunk separately and garbles letters split
    // across chunk boundaries; parse-people.ts cuts chunks at character boundaries.
    const rows = [HEADER];
    for (let i = 0; i < IMPORT_LIMITS.maxRows; i++) {
      rows.push([`p${i}@kaznmu.kz`, `Әлихан ${KAZAKH} ${i}`, 'kk', 'student', 'KAZNMU']);
    }
    const result = await parseXlsx(await xlsxFile(rows));
    expect(result.errors).toEqual([]);
    expect(result.rows).toHaveLength(IMPORT_LIMITS.maxRows);
    expect(result.rows.filter((r, i) => r.fullName !== `Әлихан ${KAZAKH} ${i}`)).toEqual([]);
  });

  test('headers are matched case-insensitively and trimmed, in any column order', async () => {
    const rows = [
      [' Scope', 'ROLE ', 'Language', 'Full_Name', 'EMAIL'],
      ['KAZNMU', 'Admin', 'EN', '  John   Smith ', ' john@kaznmu.kz '],
    ];
    expect(await parseCsv(csvFile(rows))).toEqual({
      rows: [
        {
          row: 2,
          email: 'john@kaznmu.kz',
          fullName: 'John Smith',
          language: 'en',
          role: 'admin',
          scope: 'KAZNMU',
        },
      ],
      errors: [],
    });
  });

  test('blank rows are skipped, not errors, and later rows keep their spreadsheet numbers', async () => {
    const rows = [HEADER, GOOD[1], ['', ' ', '', '', ''], [], GOOD[4]];
    for (const result of [await parseCsv(csvFile(rows)), await parseXlsx(await xlsxFile(rows))]) {
      expect(result.errors).toEqual([]);
      expect(result.rows.map((r) => [r.row, r.email])).toEqual([
        [2, 'aigerim.sarsen@kaznmu.kz'],
        [5, 'ivan.petrov@kaznmu.kz'],
      ]);
    }
  });

  test('quoted CSV fields keep their commas, semicolons and quotes', async () => {
    const rows = [HEADER, ['a@kaznmu.kz', 'Smith, "Jr"; John', 'en', 'student', 'KAZNMU']];
    expect((await parseCsv(csvFile(rows))).rows[0].fullName).toBe('Smith, "Jr"; John');
  });

  test('the content type decides when the file name has no known extension', async () => {
    const csv = await parsePeopleFile(
      { filename: 'upload', contentType: 'text/csv; charset=utf-8', data: csvFile(GOOD) },
      SCOPES,
    );
    const xlsx = await parsePeopleFile(
      { filename: 'blob', contentType: XLSX_MIME, data: await xlsxFile(GOOD) },
      SCOPES,
    );
    expect(csv.rows).toEqual(GOOD_ROWS);
    expect(xlsx.rows).toEqual(GOOD_ROWS);
  });

  test('the extension wins over a misleading content type (Windows sends vnd.ms-excel for CSV)', async () => {
    const result = await parsePeopleFile(
      {
        filename: 'C:\\fakepath\\people.CSV',
        contentType: 'application/vnd.ms-excel',
        data: csvFile(GOOD),
      },
      SCOPES,
    );
    expect(result.rows).toEqual(GOOD_ROWS);
  });
});

describe('parsePeopleFile: row validation', () => {
  test('one bad row among good ones: that row and column are reported, the good rows still parse', async () => {
    const rows = [
      ...GOOD.slice(0, 3),
      ['not-an-email', 'Bad Row', 'kk', 'student', 'KAZNMU'],
      ...GOOD.slice(3),
    ];
    for (const result of [await parseCsv(csvFile(rows)), await parseXlsx(await xlsxFile(rows))]) {
      expect(result.errors).toEqual([
        { row: 4, column: 'email', reason: 'email "not-an-email" is not a valid email address' },
      ]);
      expect(result.rows.map((r) => r.row)).toEqual([2, 3, 5, 6, 7]);
    }
  });

  const person = ['a@kaznmu.kz', 'Айгерім Сәрсенбаева', 'kk', 'student', 'KAZNMU'];
  const withCell = (column: number, value: string): string[] =>
    person.map((v, i) => (i === column ? value : v));

  test.each([
    ['email missing', withCell(0, ''), 'email', 'email is required'],
    [
      'email without a domain',
      withCell(0, 'a@kaznmu'),
      'email',
      'email "a@kaznmu" is not a valid email address',
    ],
    [
      'email with a space',
      withCell(0, 'a b@kaznmu.kz'),
      'email',
      'email "a b@kaznmu.kz" is not a valid email address',
    ],
    [
      'email as a mailto: link',
      withCell(0, 'mailto:a@kaznmu.kz'),
      'email',
      'email "mailto:a@kaznmu.kz" is not a valid email address',
    ],
    ['full_name missing', withCell(1, '  '), 'full_name', 'full_name is required'],
    [
      'full_name over 200 characters',
      withCell(1, 'Ә'.repeat(201)),
      'full_name',
      'full_name is longer than 200 characters',
    ],
    [
      'full_name with a line break',
      withCell(1, 'Айгерім\nСәрсенбаева'),
      'full_name',
      'full_name contains control or invisible characters (a line break, a tab, a zero-width space…)',
    ],
    [
      'full_name with a right-to-left override',
      withCell(1, 'Айгерім\u202eСәрсенбаева'),
      'full_name',
      'full_name contains control or invisible characters (a line break, a tab, a zero-width space…)',
    ],
    [
      'full_name that is a formula',
      withCell(1, '=HYPERLINK("http://x")'),
      'full_name',
      'full_name must not start with =, +, - or @ (formula characters)',
    ],
    [
      'full_name without letters',
      withCell(1, '12345'),
      'full_name',
      'full_name must contain letters',
    ],
    [
      'language not kk/ru/en',
      withCell(2, 'de'),
      'language',
      'language "de" must be one of kk, ru, en',
    ],
    [
      'role unknown',
      withCell(3, 'boss'),
      'role',
      expect.stringContaining('role "boss" is not one of: department_head,') as string,
    ],
    [
      'scope unknown',
      withCell(4, 'NOWHERE'),
      'scope',
      'scope "NOWHERE" is not a known school, department or institution',
    ],
    [
      'scope in another case (scope keys are exact)',
      withCell(4, 'kaznmu'),
      'scope',
      'scope "kaznmu" is not a known school, department or institution',
    ],
  ])('%s → an error in that column', async (_, row, column, reason) => {
    const result = await parseCsv(csvFile([HEADER, row]));
    expect(result).toEqual({ rows: [], errors: [{ row: 2, column, reason }] });
  });

  test('a row with several problems gets one error per column', async () => {
    const result = await parseCsv(csvFile([HEADER, ['x', '', 'fr', 'dean', 'DEP-ANAT']]));
    expect(result.errors.map((e) => e.column)).toEqual(['email', 'full_name', 'language', 'scope']);
  });

  const kinds: ScopeKind[] = ['institution', 'school', 'department'];
  const scopeOf: Record<ScopeKind, string> = {
    institution: 'KAZNMU',
    school: 'SCH-MED',
    department: 'DEP-ANAT',
  };
  const fits: [string, ScopeKind | 'any'][] = [
    ['department_head', 'department'],
    ['department_responsible', 'department'],
    ['examiner', 'department'],
    ['programme_committee', 'department'],
    ['dean', 'school'],
    ['deans_office', 'school'],
    ['vice_rector', 'institution'],
    ['testing_centre', 'institution'],
    ['registrar', 'institution'],
    ['distance_learning', 'institution'],
    ['auditor', 'institution'],
    ['admin', 'institution'],
    ['working_group_member', 'any'],
    ['proctor', 'any'],
    ['exam_commission', 'any'],
    ['violation_commission', 'any'],
    ['appeal_commission', 'any'],
    ['student', 'any'],
  ];
  test.each(fits)('role %s is accepted only on a scope of kind %s', async (role, wanted) => {
    const rows = [
      HEADER,
      ...kinds.map((kind, i) => [`p${i}@kaznmu.kz`, 'Name', 'en', role, scopeOf[kind]]),
    ];
    const result = await parseCsv(csvFile(rows));
    const accepted = result.rows.map((r) => r.scope);
    const expected = kinds
      .filter((kind) => wanted === 'any' || kind === wanted)
      .map((kind) => scopeOf[kind]);
    expect(accepted).toEqual(expected);
    for (const error of result.errors) {
      expect(error.column).toBe('scope');
      expect(error.reason).toMatch(
        new RegExp(`^role ${role} must be given a scope of kind ${wanted}, but ".+" is of kind`),
      );
    }
    expect(result.errors).toHaveLength(kinds.length - expected.length);
  });

  test('a duplicate (email, role, scope) is reported on the later row; email case does not matter', async () => {
    const rows = [
      HEADER,
      GOOD[1],
      GOOD[4],
      ['AIGERIM.SARSEN@kaznmu.kz', GOOD[1][1], 'kk', 'examiner', 'DEP-ANAT'],
    ];
    const result = await parseCsv(csvFile(rows));
    expect(result.errors).toEqual([
      { row: 4, column: 'role', reason: 'duplicate of row 2: the same email, role and scope' },
    ]);
    expect(result.rows.map((r) => r.row)).toEqual([2, 3]);
  });

  test("one person's rows must agree on full_name and language (error on the later row)", async () => {
    const rows = [
      HEADER,
      ['a@kaznmu.kz', 'Айгерім Сәрсенбаева', 'kk', 'examiner', 'DEP-ANAT'],
      ['a@kaznmu.kz', 'Aigerim Sarsenbayeva', 'kk', 'proctor', 'DEP-ANAT'],
      ['a@kaznmu.kz', 'Айгерім Сәрсенбаева', 'ru', 'dean', 'SCH-MED'],
    ];
    expect((await parseCsv(csvFile(rows))).errors).toEqual([
      {
        row: 3,
        column: 'full_name',
        reason: 'full_name differs from row 2 ("Айгерім Сәрсенбаева") for the same email',
      },
      { row: 4, column: 'language', reason: 'language differs from row 2 (kk) for the same email' },
    ]);
  });

  test('a name typed in decomposed Unicode (и + combining breve for й) equals the composed one', async () => {
    const composed = 'Йолдас Ёрқынұлы';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const rows = [
      HEADER,
      ['a@kaznmu.kz', composed, 'kk', 'examiner', 'DEP-ANAT'],
      ['a@kaznmu.kz', decomposed, 'kk', 'proctor', 'DEP-ANAT'],
    ];
    const result = await parseCsv(csvFile(rows));
    expect(result.errors).toEqual([]);
    expect(result.rows.map((r) => r.fullName)).toEqual([composed, composed]);
  });
});

describe('parsePeopleFile: header row', () => {
  test('missing required columns are a file-level error naming them', async () => {
    const result = await parseCsv(
      csvFile([
        ['email', 'full_name', 'role'],
        ['a@kaznmu.kz', 'A', 'student'],
      ]),
    );
    expect(result).toEqual({
      rows: [],
      errors: [{ row: 1, column: FILE_COLUMN, reason: 'missing columns: language, scope' }],
    });
  });

  test('extra columns are a file-level error naming them', async () => {
    const result = await parseXlsx(
      await xlsxFile([
        [...HEADER, 'Phone', 'notes'],
        [...GOOD[1], '+7 700', 'x'],
      ]),
    );
    expect(fileReasons(result)).toEqual([
      'unexpected columns: "phone", "notes"; the columns must be: email, full_name, language, role, scope',
    ]);
  });

  test('a repeated or empty header is a file-level error', async () => {
    const repeated = await parseCsv(
      csvFile([
        [...HEADER, 'Email'],
        [...GOOD[1], 'x'],
      ]),
    );
    expect(fileReasons(repeated)).toEqual(['column "email" appears more than once']);
    const empty = await parseCsv(
      csvFile([
        ['email', '', ...HEADER.slice(1)],
        [GOOD[1][0], '', ...GOOD[1].slice(1)],
      ]),
    );
    expect(fileReasons(empty)).toEqual([
      'column B has no header (cell B1); the columns must be: email, full_name, language, role, scope',
    ]);
  });

  test('a header cell that is not text (a number in XLSX) is a file-level error naming the cell', async () => {
    const result = await parseXlsx(
      await xlsxFile([
        [...HEADER, 2024],
        [...GOOD[1], 'x'],
      ]),
    );
    expect(fileReasons(result)).toEqual([
      'header cell F1 must be text, but the cell holds a number or a date',
    ]);
  });

  test('a value in a column without a header is reported with its cell', async () => {
    const result = await parseCsv(csvFile([HEADER, GOOD[1], [...GOOD[2], '', 'stray']]));
    expect(result.errors).toEqual([
      { row: 3, column: FILE_COLUMN, reason: 'cell G3 has a value but column G has no header' },
    ]);
    expect(result.rows.map((r) => r.row)).toEqual([2]);
  });

  test('row 1 must be the header, and a header alone is not an import', async () => {
    expect(fileReasons(await parseCsv(csvFile([[], HEADER, GOOD[1]])))).toEqual([
      'row 1 must hold the column headers: the columns must be: email, full_name, language, role, scope',
    ]);
    expect(fileReasons(await parseXlsx(await xlsxFile([HEADER])))).toEqual([
      'the file has a header row but no data rows',
    ]);
  });
});

describe('parsePeopleFile: XLSX cell values', () => {
  test('a formula with a cached text result reads as its result, filled-down (shared) ones too', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1], GOOD[2]], (worksheet) => {
        // B2 holds the formula, B3 a shared clone of it (<f t="shared" si="0"/>).
        worksheet.fillFormula('B2:B3', 'PROPER(F2)', (row) => GOOD[row - 1][1]);
        worksheet.getCell('C2').value = { formula: 'LOWER("KK")', result: 'kk' };
      }),
    );
    expect(result).toEqual({ rows: [GOOD_ROWS[0], GOOD_ROWS[1]], errors: [] });
  });

  test('a formula without a cached value, or with an error, number or empty result, is an error in its column', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1], GOOD[2], GOOD[3], GOOD[4], GOOD[5]], (worksheet) => {
        worksheet.getCell('B2').value = { formula: 'A1' };
        worksheet.getCell('C3').value = { formula: 'NA()', result: { error: '#N/A' } };
        worksheet.getCell('B4').value = { formula: '1+1', result: 2 };
        worksheet.getCell('B5').value = { formula: 'IF(1,"","")', result: '' };
        worksheet.getCell('C6').value = { formula: '0', result: 0 };
      }),
    );
    expect(result.errors).toEqual([
      { row: 2, column: 'full_name', reason: 'full_name is a formula without a value' },
      { row: 3, column: 'language', reason: 'language is a formula whose result is an error' },
      {
        row: 4,
        column: 'full_name',
        reason: 'full_name must be text, but its formula gives a number',
      },
      { row: 5, column: 'full_name', reason: 'full_name is required' },
      {
        row: 6,
        column: 'language',
        reason: 'language must be text, but its formula gives a number',
      },
    ]);
  });

  test('a hyperlinked email (Excel turns typed emails into mailto: links) reads as its text', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1]], (worksheet) => {
        worksheet.getCell('A2').value = {
          text: 'Aigerim.Sarsen@KazNMU.kz',
          hyperlink: 'mailto:aigerim.sarsen@kaznmu.kz',
        };
      }),
    );
    expect(result).toEqual({ rows: [GOOD_ROWS[0]], errors: [] });
  });

  test('rich text reads as the joined text of its runs', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1]], (worksheet) => {
        worksheet.getCell('B2').value = {
          richText: [
            { text: 'Әлихан ', font: { bold: true } },
            { text: 'Ғабитұлы' },
            { text: ' Қоңырбаев', font: { italic: true } },
          ],
        };
      }),
    );
    expect(result).toEqual({ rows: [GOOD_ROWS[0]], errors: [] });
  });

  test('an error cell (#N/A) is reported in its column', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1]], (worksheet) => {
        worksheet.getCell('E2').value = { error: '#N/A' };
      }),
    );
    expect(result.errors).toEqual([
      { row: 2, column: 'scope', reason: 'scope holds the spreadsheet error #N/A' },
    ]);
  });

  test('numbers, dates and TRUE/FALSE in text columns are errors naming the column', async () => {
    const result = await parseXlsx(
      await xlsxFile([
        HEADER,
        [GOOD[1][0], 12345, 'kk', 'student', 'KAZNMU'],
        [GOOD[3][0], new Date('2024-09-01'), true, 'dean', 'SCH-MED'],
      ]),
    );
    expect(result.errors).toEqual([
      {
        row: 2,
        column: 'full_name',
        reason: 'full_name must be text, but the cell holds a number or a date',
      },
      {
        row: 3,
        column: 'full_name',
        reason: 'full_name must be text, but the cell holds a number or a date',
      },
      {
        row: 3,
        column: 'language',
        reason: 'language must be text, but the cell holds TRUE/FALSE',
      },
    ]);
  });

  test('merged cells are reported as not allowed on every row they touch, and no value is duplicated', async () => {
    const result = await parseXlsx(
      await xlsxFile([HEADER, GOOD[1], GOOD[2], GOOD[3], GOOD[4], GOOD[5]], (worksheet) => {
        worksheet.mergeCells('B3:C3'); // a name spread over the language cell
        worksheet.mergeCells('A4:A5'); // one email for two rows
      }),
    );
    expect(result.errors).toEqual([
      {
        row: 3,
        column: 'full_name',
        reason: 'merged cells are not allowed (B3:C3): unmerge them and fill in every cell',
      },
      {
        row: 4,
        column: 'email',
        reason: 'merged cells are not allowed (A4:A5): unmerge them and fill in every cell',
      },
      {
        row: 5,
        column: 'email',
        reason: 'merged cells are not allowed (A4:A5): unmerge them and fill in every cell',
      },
    ]);
    expect(result.rows).toEqual([GOOD_ROWS[0], GOOD_ROWS[4]]);
  });

  test('only the first worksheet is read, even when another tab holds junk', async () => {
    const result = await parseXlsx(
      await xlsxFile(GOOD, (_, workbook) => {
        const other = workbook.addWorksheet('Notes');
        other.addRow(['anything', 1, true]);
        addValidation(other, 'A1:A1048576', {
          type: 'list',
          allowBlank: true,
          formulae: ['"x,y"'],
        });
      }),
    );
    expect(result).toEqual({ rows: GOOD_ROWS, errors: [] });
  });

  test('the first worksheet is the first tab in workbook.xml, not sheet1.xml', async () => {
    const data = handWorkbook([
      { target: 'worksheets/sheet2.xml', xml: inlineSheetXml(GOOD) },
      { target: 'worksheets/sheet1.xml', xml: inlineSheetXml([['junk']]) },
    ]);
    expect(await parseXlsx(data)).toEqual({ rows: GOOD_ROWS, errors: [] });
  });

  test('a whole-column drop-down (data validation) on three columns parses fast with bounded memory', async () => {
    const data = await xlsxFile(GOOD, (worksheet) => {
      addValidation(worksheet, 'C2:C1048576', {
        type: 'list',
        allowBlank: true,
        formulae: ['"kk,ru,en"'],
      });
      addValidation(worksheet, 'D2:D1048576', {
        type: 'list',
        allowBlank: true,
        formulae: ['"examiner,dean,student"'],
      });
      addValidation(worksheet, 'E2:E1048576', {
        type: 'list',
        allowBlank: true,
        formulae: ['"KAZNMU,SCH-MED"'],
      });
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const started = performance.now();
    const result = await parseXlsx(data);
    const elapsed = performance.now() - started;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(result).toEqual({ rows: GOOD_ROWS, errors: [] });
    // workbook.xlsx.load expands each of these ranges to a million cells: ~1 s and ~120 MB each.
    expect(heapGrowth).toBeLessThan(100 * 1024 * 1024);
    expect(elapsed).toBeLessThan(5000);
  });
});

describe('parsePeopleFile: limits and hostile files', () => {
  test('an empty upload is a file-level error', async () => {
    expect(fileReasons(await parseCsv(Buffer.alloc(0)))).toEqual(['the file is empty']);
  });

  test('a file over 2 MB is refused before it is parsed', async () => {
    const data = Buffer.alloc(IMPORT_LIMITS.maxBytes + 1, 'a');
    expect(fileReasons(await parseCsv(data))).toEqual([
      'the file is larger than the limit of 2 MB',
    ]);
    expect(fileReasons(await parseXlsx(data))).toEqual([
      'the file is larger than the limit of 2 MB',
    ]);
  });

  test('more than 5000 data rows is a file-level error (CSV)', async () => {
    const rows = [HEADER];
    for (let i = 0; i <= IMPORT_LIMITS.maxRows; i++)
      rows.push([`p${i}@kaznmu.kz`, 'Name', 'en', 'student', 'KAZNMU']);
    expect(fileReasons(await parseCsv(csvFile(rows)))).toEqual([
      'the file has more than 5000 data rows: split it into smaller files',
    ]);
  });

  test('more than 5000 data rows is a file-level error (XLSX)', async () => {
    const rows = [HEADER];
    for (let i = 0; i <= IMPORT_LIMITS.maxRows; i++)
      rows.push([`p${i}@kaznmu.kz`, 'Name', 'en', 'student', 'KAZNMU']);
    expect(fileReasons(await parseXlsx(await xlsxFile(rows)))).toEqual([
      'the file has more than 5000 data rows: split it into smaller files',
    ]);
  });

  test('empty lines cost nothing: a CSV of 2 MB of line breaks is just a header without data', async () => {
    const data = Buffer.concat([
      Buffer.from(`${HEADER.join(',')}\n`),
      Buffer.alloc(IMPORT_LIMITS.maxBytes - 100, '\n'),
    ]);
    expect(fileReasons(await parseCsv(data))).toEqual([
      'the file has a header row but no data rows',
    ]);
  });

  test('blank rows count towards a cap of 50000 rows read (CSV ",,,," lines, XLSX <row> elements)', async () => {
    const reason =
      'the file has more than 50000 rows, counting empty ones that only carry formatting or separators: delete the unused rows';
    // Excel's CSV export writes ",,,," for a row that only carries formatting.
    const csv = Buffer.concat([
      Buffer.from(`${HEADER.join(',')}\n`),
      Buffer.from(',,,,\n'.repeat(60_000)),
    ]);
    expect(fileReasons(await parseCsv(csv))).toEqual([reason]);
    const rows = Array.from(
      { length: 60_000 },
      (_, i) => `<row r="${i + 7}" s="1" customFormat="1"/>`,
    );
    const xml = inlineSheetXml(GOOD).replace('</sheetData>', `${rows.join('')}</sheetData>`);
    const xlsx = handWorkbook([{ target: 'worksheets/sheet1.xml', xml }]);
    expect(fileReasons(await parseXlsx(xlsx))).toEqual([reason]);
  });

  test('more than 20 columns is a file-level error (CSV and XLSX)', async () => {
    const wide = [[...HEADER, ...Array.from({ length: 16 }, (_, i) => `extra${i}`)], GOOD[1]];
    const reason = 'the file has more than 20 columns (cell U1 has a value)';
    expect(fileReasons(await parseCsv(csvFile(wide)))).toEqual([reason]);
    expect(fileReasons(await parseXlsx(await xlsxFile(wide)))).toEqual([reason]);
  });

  test('trailing empty columns (Excel CSV exports write ";;;;") do not count as columns', async () => {
    const rows = [
      [...HEADER, ...Array<string>(30).fill('')],
      [...GOOD[1], ...Array<string>(30).fill('')],
    ];
    expect((await parseCsv(csvFile(rows, ';'))).rows).toEqual([GOOD_ROWS[0]]);
  });

  test.each([
    [
      'people.xls',
      undefined,
      'old Excel .xls files cannot be read: save the file as .xlsx or as CSV UTF-8',
    ],
    ['people.pdf', 'application/pdf', 'unsupported file type (.pdf): upload a .csv or .xlsx file'],
    ['people.txt', 'text/plain', 'unsupported file type (.txt): upload a .csv or .xlsx file'],
    ['people', undefined, 'unsupported file type: upload a .csv or .xlsx file'],
  ])('a wrong file type (%s, %s) is a file-level error', async (filename, contentType, reason) => {
    const result = await parsePeopleFile({ filename, contentType, data: csvFile(GOOD) }, SCOPES);
    expect(fileReasons(result)).toEqual([reason]);
  });

  test('an .xlsx that is not a ZIP, and a .csv that is, are file-level errors', async () => {
    expect(fileReasons(await parseXlsx(csvFile(GOOD)))).toEqual([
      'the file is not an .xlsx workbook (password-protected and old .xls workbooks cannot be read)',
    ]);
    expect(fileReasons(await parseCsv(await xlsxFile(GOOD)))).toEqual([
      'the file is an Excel workbook, not CSV: upload it with the .xlsx extension',
    ]);
  });

  test('a CSV that is not UTF-8 (a Windows-1251 export) is refused, not garbled', async () => {
    // "Иван" in Windows-1251.
    const data = Buffer.concat([
      Buffer.from(`${HEADER.join(',')}\r\na@kaznmu.kz,`),
      Buffer.from([0xc8, 0xe2, 0xe0, 0xed]),
      Buffer.from(',ru,student,KAZNMU\r\n'),
    ]);
    expect(fileReasons(await parseCsv(data))).toEqual([
      'the CSV file is not UTF-8 text: in Excel, save it as "CSV UTF-8"',
    ]);
  });

  test('a CSV with an unclosed quote is a file-level error', async () => {
    const data = Buffer.from(`${HEADER.join(',')}\na@kaznmu.kz,"Unclosed,kk,student,KAZNMU\n`);
    expect(fileReasons(await parseCsv(data))).toEqual([
      expect.stringMatching(/^the CSV file could not be read: Quote Not Closed/),
    ]);
  });

  test('zip bomb: a worksheet declaring more than 50 MB is refused without being inflated', async () => {
    const data = handWorkbook([
      {
        target: 'worksheets/sheet1.xml',
        xml: inlineSheetXml(GOOD),
        declaredSize: 60 * 1024 * 1024,
      },
    ]);
    expect(fileReasons(await parseXlsx(data))).toEqual([
      'the .xlsx file unpacks to more than 50 MB, far more than a list of people needs',
    ]);
  });

  test('zip bomb: a worksheet that inflates beyond its declared size is cut off and refused', async () => {
    // 60 MB of spaces deflate to ~60 KB; the header claims 1 KB.
    const xml = Buffer.concat([
      Buffer.from(inlineSheetXml(GOOD)),
      Buffer.alloc(60 * 1024 * 1024, ' '),
    ]);
    const data = handWorkbook([{ target: 'worksheets/sheet1.xml', xml, declaredSize: 1024 }]);
    expect(data.length).toBeLessThan(IMPORT_LIMITS.maxBytes);
    const heapBefore = process.memoryUsage().heapUsed;
    expect(fileReasons(await parseXlsx(data))).toEqual([
      'the .xlsx file is damaged or not an Excel workbook',
    ]);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(50 * 1024 * 1024);
  });

  test.each([
    [
      'cut off',
      '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>email</t></is></c></row><row',
    ],
    ['badly nested', '<worksheet><sheetData><row r="1"><c r="A1"></row></sheetData></worksheet>'],
    [
      'a cell without a reference',
      '<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>email</t></is></c></row></sheetData></worksheet>',
    ],
  ])('malformed worksheet XML (%s) is a file-level error, not a crash', async (_, xml) => {
    const data = handWorkbook([{ target: 'worksheets/sheet1.xml', xml }]);
    expect(fileReasons(await parseXlsx(data))).toEqual([
      'the .xlsx file is damaged or not an Excel workbook',
    ]);
  });

  test('rows out of order (never written by Excel) are refused', async () => {
    const xml = inlineSheetXml(GOOD).replace('<row r="3">', '<row r="1">');
    expect(
      fileReasons(await parseXlsx(handWorkbook([{ target: 'worksheets/sheet1.xml', xml }]))),
    ).toEqual(['the .xlsx file is damaged or not an Excel workbook']);
  });

  test('inline rich text, which exceljs would read as its last run only, is refused', async () => {
    const xml = inlineSheetXml(GOOD).replace(
      '<is><t>Иван Петров</t></is>',
      '<is><r><t>Иван </t></r><r><t>Петров</t></r></is>',
    );
    expect(
      fileReasons(await parseXlsx(handWorkbook([{ target: 'worksheets/sheet1.xml', xml }]))),
    ).toEqual([
      'the worksheet has inline rich text, which cannot be read reliably: paste the cells as values into a new workbook',
    ]);
  });

  test('a ZIP without a workbook is a file-level error', async () => {
    const data = handZip([{ name: 'word/document.xml', content: '<document/>' }]);
    expect(fileReasons(await parseXlsx(data))).toEqual(['the file is not an Excel workbook']);
  });
});
