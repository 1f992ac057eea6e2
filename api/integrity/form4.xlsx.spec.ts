import ExcelJS from 'exceljs';
import {
  ACT_VALUES,
  buildForm4Xlsx,
  FORM4_COLUMNS,
  readForm4Xlsx,
  type Form4Sheet,
} from './form4.xlsx';

/**
 * Form 4 (§5.13–§5.15) as a workbook: what the proctor receives reads back as the exam's rows, and
 * a returned file is checked against what was sent, row and column named, hostile files included.
 */
const SENT: Form4Sheet = {
  language: 'kk',
  examId: 'anatomy-1',
  discipline: 'Адам анатомиясы',
  examDate: '2027-06-15',
  proctor: 'Ғалым Құрманғазиев',
  member: 'Әсел Жұмабекова',
  rows: [
    {
      studentId: 's1',
      fullName: 'Айдана Серікқызы',
      speciality: 'Жалпы медицина',
      yearGroup: '2, ЖМ-21-01',
      link: 'https://proctor.example/r/1',
    },
    {
      studentId: 's2',
      fullName: 'Нұрлан Әбілов',
      speciality: 'Жалпы медицина',
      yearGroup: '2, ЖМ-21-01',
      link: 'https://proctor.example/r/2',
    },
    {
      studentId: 's3',
      fullName: 'Ольга Ким',
      speciality: 'Жалпы медицина',
      yearGroup: '2, ЖМ-21-02',
      link: 'https://proctor.example/r/3',
    },
  ],
};
const { drawn, notDrawn } = ACT_VALUES.kk;
const says = (text: string) => expect.stringContaining(text) as string;
const file = (data: Buffer) => ({ filename: 'form4.xlsx', data });
const arrayBufferOf = (data: Buffer): ArrayBuffer =>
  data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;

/** The sent workbook with the proctor's edits applied to its first sheet. */
async function filled(edit: (ws: ExcelJS.Worksheet) => void): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(arrayBufferOf(await buildForm4Xlsx(SENT)));
  edit(book.worksheets[0]);
  return Buffer.from(await book.xlsx.writeBuffer());
}
const acts = (values: string[]) => (ws: ExcelJS.Worksheet) =>
  values.forEach((v, i) => (ws.getCell(`H${i + 2}`).value = v));

test('§5.13, Form 4: the sent workbook has the SOP columns, one row per student with the recording link, and a drop-down on each ACT cell only', async () => {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(arrayBufferOf(await buildForm4Xlsx(SENT)));
  const ws = book.worksheets[0];
  expect((ws.getRow(1).values as unknown[]).slice(1)).toEqual(FORM4_COLUMNS.map((c) => c.kk));
  expect(ws.getCell('B3').value).toBe('Нұрлан Әбілов');
  expect(ws.getCell('G4').value).toMatchObject({ hyperlink: 'https://proctor.example/r/3' });
  expect(ws.getCell('H2').dataValidation).toMatchObject({
    type: 'list',
    formulae: [`"${drawn},${notDrawn}"`],
  });
  expect(ws.getCell('H5').dataValidation?.type).toBeUndefined();
  expect(book.worksheets[1].getCell('A4').text).toContain('3 емтихан жұмысы тексерілді');
});

test('§5.14: a correctly filled Form 4 reads back with every student once and their ACT', async () => {
  const read = await readForm4Xlsx(file(await filled(acts([notDrawn, drawn, 'not drawn']))), SENT);
  expect(read).toEqual({
    rows: [
      { no: 1, studentId: 's1', fullName: 'Айдана Серікқызы', act: 'not_drawn' },
      { no: 2, studentId: 's2', fullName: 'Нұрлан Әбілов', act: 'drawn' },
      { no: 3, studentId: 's3', fullName: 'Ольга Ким', act: 'not_drawn' },
    ],
  });
});

test.each([
  [
    'an empty ACT cell',
    acts([notDrawn, '', drawn]),
    { row: 3, column: 'акт', reason: says('ACT is empty') },
  ],
  [
    'an unknown ACT value',
    acts([notDrawn, 'мүмкін', drawn]),
    { row: 3, column: 'акт', reason: says('"мүмкін"') },
  ],
  [
    'a missing student',
    (ws: ExcelJS.Worksheet) => {
      acts([notDrawn, drawn, drawn])(ws);
      ws.spliceRows(3, 1);
    },
    {
      row: 0,
      column: 'аты-жөні',
      reason: says('Нұрлан Әбілов (row 2 of the form sent) is missing'),
    },
  ],
  [
    'an extra row',
    (ws: ExcelJS.Worksheet) => {
      acts([notDrawn, drawn, drawn])(ws);
      ws.addRow([4, 'Бөтен Адам', '', '', '', '', '', drawn, '']);
    },
    { row: 5, column: '№', reason: says('no rows may be added') },
  ],
  [
    'another name in a row',
    (ws: ExcelJS.Worksheet) => {
      acts([notDrawn, drawn, drawn])(ws);
      ws.getCell('B4').value = 'Басқа Біреу';
    },
    { row: 4, column: 'аты-жөні', reason: says('was sent for "Ольга Ким"') },
  ],
  [
    'a formula without a saved result',
    (ws: ExcelJS.Worksheet) => {
      acts([notDrawn, drawn, drawn])(ws);
      ws.getCell('H2').value = { formula: 'IF(1,"жасалды","")' };
    },
    { row: 2, column: 'акт', reason: says('formula without a value') },
  ],
  [
    'merged cells',
    (ws: ExcelJS.Worksheet) => {
      acts([drawn, drawn, drawn])(ws);
      ws.mergeCells('H2:H4');
    },
    { row: 2, column: '(file)', reason: says('merged cells are not allowed') },
  ],
])('§5.14: refused with the row and column named — %s', async (_name, edit, problem) => {
  const read = await readForm4Xlsx(file(await filled(edit)), SENT);
  expect('errors' in read && read.errors).toEqual(expect.arrayContaining([problem]));
});

test('§5.14: a drop-down set on the whole ACT column does not blow up the read (the exceljs expansion)', async () => {
  const data = await filled((ws) => {
    acts([notDrawn, drawn, notDrawn])(ws);
    // What a spreadsheet program writes when the proctor extends the list to the column: H2:H1048576.
    (
      ws as unknown as { dataValidations: { add(ref: string, v: object): void } }
    ).dataValidations.add('H2:H1048576', {
      type: 'list',
      allowBlank: true,
      formulae: [`"${drawn},${notDrawn}"`],
    });
  });
  const before = process.memoryUsage().rss;
  const read = await readForm4Xlsx(file(data), SENT);
  expect('rows' in read && read.rows.map((r) => r.act)).toEqual([
    'not_drawn',
    'drawn',
    'not_drawn',
  ]);
  // Expanding a million cells costs hundreds of MB; the defended read costs a few.
  expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
});
