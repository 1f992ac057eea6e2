import { Workbook, type CellValue, type DataValidation, type Worksheet } from 'exceljs';
import type { QuestionListContent } from './documents';
import {
  FILE_COLUMN,
  firstJsonError,
  parseQuestionListFile,
  QUESTION_LIST_LIMITS,
  type ParsedQuestionList,
} from './question-lists.parse';

type Rows = (readonly CellValue[])[];

const QUESTIONS: Rows = [
  ['No', 'Question', 'Kind'],
  ...Array.from({ length: 10 }, (_, i): CellValue[] => [
    i + 1,
    `Сұрақ ${i + 1}: қаңқа сүйектері`,
    i === 9 ? 'situational' : 'question',
  ]),
];
const RUBRIC: Rows = [
  ['Criterion', 'Points'],
  ['Толық жауап', 10],
  ['Clinical reasoning', '2,5'],
];
const AIDS: Rows = [['Aid'], ['Calculator']];
const LITERATURE: Rows = [['Source'], ['Gray’s Anatomy, 42nd ed.'], ['Сапин М.Р. Анатомия']];

const CONTENT: QuestionListContent = {
  questions: Array.from({ length: 10 }, (_, i) => ({
    number: i + 1,
    text: `Сұрақ ${i + 1}: қаңқа сүйектері`,
    kind: i === 9 ? ('situational' as const) : ('question' as const),
  })),
  rubric: [
    { criterion: 'Толық жауап', points: 10 },
    { criterion: 'Clinical reasoning', points: 2.5 },
  ],
  aids: ['Calculator'],
  literature: ['Gray’s Anatomy, 42nd ed.', 'Сапин М.Р. Анатомия'],
};

async function workbook(
  sheets: Partial<Record<string, Rows>> = {},
  adjust?: (book: Workbook) => void,
): Promise<Buffer> {
  const book = new Workbook();
  const all: Record<string, Rows | undefined> = {
    Questions: QUESTIONS,
    Rubric: RUBRIC,
    Aids: AIDS,
    Literature: LITERATURE,
    ...sheets,
  };
  for (const [name, rows] of Object.entries(all)) {
    if (rows === undefined) continue;
    const sheet = book.addWorksheet(name);
    for (const row of rows) sheet.addRow([...row]);
  }
  adjust?.(book);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const xlsx = (data: Buffer) => parseQuestionListFile({ filename: 'questions.xlsx', data });
const json = (value: unknown) =>
  parseQuestionListFile({
    filename: 'questions.json',
    data: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  });

function errors(result: ParsedQuestionList) {
  if (result.ok) throw new Error('expected errors');
  return result.errors;
}

describe('question list: good uploads', () => {
  test('an XLSX workbook with the four sheets reads as the QuestionListContent', async () => {
    expect(await xlsx(await workbook())).toEqual({ ok: true, source: 'xlsx', content: CONTENT });
  });

  test('the same list as JSON reads the same', async () => {
    expect(await json(CONTENT)).toEqual({ ok: true, source: 'json', content: CONTENT });
  });

  test('sheet names and headers ignore letter case; columns in any order; blank rows skipped', async () => {
    const result = await xlsx(
      await workbook(
        {
          Questions: undefined,
          Rubric: undefined,
          Aids: [['aid']],
          Literature: [['SOURCE'], [], ['Atlas']],
        },
        (book) => {
          const q = book.addWorksheet('questions');
          q.addRow(['kind', 'QUESTION', 'no']);
          q.addRow(['Question', 'What is a bone?', 1]);
          q.addRow([]);
          q.addRow(['situational', 'A patient …', '2']);
          const r = book.addWorksheet('RUBRIC');
          r.addRow(['Points', 'Criterion']);
          r.addRow([5, 'Answer']);
        },
      ),
    );
    expect(result).toEqual({
      ok: true,
      source: 'xlsx',
      content: {
        questions: [
          { number: 1, text: 'What is a bone?', kind: 'question' },
          { number: 2, text: 'A patient …', kind: 'situational' },
        ],
        rubric: [{ criterion: 'Answer', points: 5 }],
        aids: [],
        literature: ['Atlas'],
      },
    });
  });

  test('a whole-column drop-down on Kind (data validation) costs nothing', async () => {
    const data = await workbook({}, (book) => {
      const sheet = book.getWorksheet('Questions') as unknown as {
        dataValidations: { add(range: string, v: DataValidation): void };
      };
      sheet.dataValidations.add('C2:C1048576', {
        type: 'list',
        allowBlank: true,
        formulae: ['"question,situational"'],
      });
    });
    const started = performance.now();
    expect((await xlsx(data)).ok).toBe(true);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('question list: every bad upload names where', () => {
  test('a missing sheet is a file-level error naming it', async () => {
    expect(errors(await xlsx(await workbook({ Rubric: undefined })))).toEqual([
      {
        path: FILE_COLUMN,
        row: 0,
        column: FILE_COLUMN,
        message: expect.stringContaining('no sheet "Rubric"') as string,
      },
    ]);
  });

  test('a wrong column: the unexpected header and the missing one, at row 1', async () => {
    const found = errors(
      await xlsx(
        await workbook({
          Questions: [
            ['No', 'Text', 'Kind'],
            [1, 'Q', 'question'],
          ],
        }),
      ),
    );
    expect(found).toEqual([
      expect.objectContaining({ path: 'Questions!B1', row: 1, column: 'B' }),
      expect.objectContaining({
        path: 'Questions!1:1',
        row: 1,
        column: 'Question',
        message: expect.stringContaining('missing column Question') as string,
      }),
    ]);
  });

  test('a blank question, an unknown kind and a bad number: each with its cell, row and column', async () => {
    const rows: Rows = [
      ['No', 'Question', 'Kind'],
      [1, 'What is a bone?', 'question'],
      [2, 'What is a joint?', 'essay'],
      ['x', 'What is a muscle?', 'question'],
      [4, '', 'question'],
    ];
    // Row 5: a Kind but no question text (the row is not blank).
    expect(errors(await xlsx(await workbook({ Questions: rows })))).toEqual([
      {
        path: 'Questions!C3',
        row: 3,
        column: 'Kind',
        message: 'Kind "essay" must be one of: question, situational',
      },
      {
        path: 'Questions!A4',
        row: 4,
        column: 'No',
        message: 'No must be a whole number from 1',
      },
      { path: 'Questions!B5', row: 5, column: 'Question', message: 'Question is required' },
    ]);
  });

  test('duplicate question texts (ignoring case and spacing) are refused on the later row', async () => {
    const rows: Rows = [
      ['No', 'Question', 'Kind'],
      [1, 'What is a bone?', 'question'],
      [2, 'what  is a BONE?', 'question'],
    ];
    expect(errors(await xlsx(await workbook({ Questions: rows })))).toEqual([
      {
        path: 'Questions!B3',
        row: 3,
        column: 'Question',
        message: 'the same question as at Questions!B2: each question appears once',
      },
    ]);
  });

  test('a repeated No, negative points, a date where text belongs', async () => {
    const found = errors(
      await xlsx(
        await workbook({
          Questions: [
            ['No', 'Question', 'Kind'],
            [1, 'A', 'question'],
            [1, 'B', 'question'],
          ],
          Rubric: [
            ['Criterion', 'Points'],
            ['Answer', -1],
          ],
          Aids: [['Aid'], [new Date('2027-01-01')]],
        }),
      ),
    );
    expect(found.map((e) => [e.path, e.column])).toEqual([
      ['Questions!A3', 'No'],
      ['Rubric!B2', 'Points'],
      ['Aids!A2', 'Aid'],
    ]);
  });

  test('a value in a column without a header is reported with its cell', async () => {
    const found = errors(await xlsx(await workbook({ Aids: [['Aid'], ['Ruler', 'stray']] })));
    expect(found).toEqual([expect.objectContaining({ path: 'Aids!B2', row: 2, column: 'B' })]);
  });

  test('no questions, no rubric: errors pointing at the sheets', async () => {
    const found = errors(
      await xlsx(
        await workbook({
          Questions: [['No', 'Question', 'Kind']],
          Rubric: [['Criterion', 'Points']],
        }),
      ),
    );
    expect(found.map((e) => e.path)).toEqual(['Questions!A2', 'Rubric!A2']);
  });

  test('more rows than the limit is a file-level error', async () => {
    const many: Rows = [
      ['No', 'Question', 'Kind'],
      ...Array.from({ length: QUESTION_LIST_LIMITS.maxRows + 1 }, (_, i) => [
        i + 1,
        `Q${i}`,
        'question',
      ]),
    ];
    expect(errors(await xlsx(await workbook({ Questions: many })))[0].message).toMatch(
      /more than 500 rows/,
    );
  });

  test('merged cells are refused', async () => {
    const data = await workbook({}, (book) =>
      (book.getWorksheet('Questions') as Worksheet).mergeCells('B2:B3'),
    );
    expect(errors(await xlsx(data))[0].message).toMatch(/merged cells/);
  });

  test('an .xlsx that is not a ZIP, an unknown extension, an empty file, a file over 2 MB', async () => {
    const message = async (filename: string, data: Buffer) => {
      const found = errors(await parseQuestionListFile({ filename, data }));
      expect(found[0]).toMatchObject({ row: 0, column: FILE_COLUMN });
      return found[0].message;
    };
    expect(await message('q.xlsx', Buffer.from('hello'))).toMatch(/not an .xlsx workbook/);
    expect(await message('q.docx', Buffer.from('hello'))).toMatch(
      /unsupported file type \(.docx\)/,
    );
    expect(await message('q.json', Buffer.alloc(0))).toBe('the file is empty');
    expect(await message('q.json', Buffer.alloc(QUESTION_LIST_LIMITS.maxBytes + 1, 32))).toMatch(
      /larger than the limit of 2 MB/,
    );
  });

  test('zip bomb: a sheet declaring more than 20 MB is refused without being inflated', async () => {
    const good = await workbook();
    // Rewrite the declared size of every worksheet entry in the central directory.
    const data = Buffer.from(good);
    for (let at = 0; at < data.length - 46; at++) {
      if (data.readUInt32LE(at) !== 0x02014b50) continue;
      const name = data.toString('latin1', at + 46, at + 46 + data.readUInt16LE(at + 28));
      if (name.startsWith('xl/worksheets/')) data.writeUInt32LE(30 * 1024 * 1024, at + 24);
    }
    expect(errors(await xlsx(data))[0].message).toMatch(/unpacks to more than 20 MB/);
  });

  test('a damaged ZIP is a file-level error, not a crash', async () => {
    const good = await workbook();
    const cut = Buffer.concat([good.subarray(0, 200), Buffer.alloc(100)]);
    expect(errors(await xlsx(cut))[0].message).toMatch(/damaged/);
  });

  test('malformed JSON names its line and character', async () => {
    const found = errors(await json('{\n  "questions": [,\n]}'));
    expect(found).toEqual([
      {
        path: FILE_COLUMN,
        row: 2,
        column: expect.stringMatching(/^character \d+$/) as string,
        message: expect.stringContaining('not valid JSON') as string,
      },
    ]);
  });

  test('JSON of the wrong shape names the field', async () => {
    const found = errors(
      await json({ ...CONTENT, questions: [{ number: 1, text: 'Q' }], extra: true }),
    );
    expect(found.map((e) => e.path).sort()).toEqual(['$', 'questions.0.kind']);
  });

  test('JSON duplicates and unknown kinds name the item', async () => {
    const found = errors(
      await json({
        ...CONTENT,
        questions: [
          { number: 1, text: 'Q', kind: 'question' },
          { number: 2, text: ' q ', kind: 'quiz' },
        ],
      }),
    );
    expect(found).toEqual([
      expect.objectContaining({ path: 'questions.1.text', row: 2, column: 'text' }),
      expect.objectContaining({ path: 'questions.1.kind', row: 2, column: 'kind' }),
    ]);
  });
});

describe('firstJsonError', () => {
  test.each([
    ['{"a": [1, 2,]}', 12],
    ['{"a" 1}', 5],
    ['[1, 2] x', 7],
    ['{"a": tru}', 6],
    ['"\\q"', 2],
  ])('%s fails at %i', (text, offset) => {
    expect(() => {
      JSON.parse(text);
    }).toThrow();
    expect(firstJsonError(text)).toBe(offset);
  });
});
