import { Workbook, type CellValue } from 'exceljs';
import { parseTicketSet, TICKET_COLUMNS } from './tickets.parse';

const HEADER = ['Variant', 'Item 1', 'Item 1 kind', 'Item 2', 'Item 2 kind'];

async function xlsx(rows: CellValue[][]): Promise<Buffer> {
  const book = new Workbook();
  const sheet = book.addWorksheet('Tickets');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const file = (filename: string, data: Buffer | string) => ({
  filename,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
});

describe('parseTicketSet (§5.1, Form 1 layout)', () => {
  test('reads one variant per XLSX row, numbers as numbers, Kazakh text intact', async () => {
    const data = await xlsx([
      HEADER,
      [
        1,
        'Жүрек қақпақшалары',
        'question',
        'Науқас әйел, 45 жаста: диагноз қойыңыз',
        'situational',
      ],
      [2, '  Бүйрек   құрылысы ', 'Question', 'Өкпе', 'question'],
    ]);
    const parsed = await parseTicketSet(file('day1.xlsx', data));
    expect(parsed).toEqual({
      set: {
        source: 'xlsx',
        rows: [2, 3],
        variants: [
          {
            items: [
              { kind: 'question', text: 'Жүрек қақпақшалары' },
              { kind: 'situational', text: 'Науқас әйел, 45 жаста: диагноз қойыңыз' },
            ],
          },
          {
            items: [
              { kind: 'question', text: 'Бүйрек құрылысы' },
              { kind: 'question', text: 'Өкпе' },
            ],
          },
        ],
      },
    });
  });

  test('a wrong column, a bad kind, a variant out of order: 400-style errors with row and column', async () => {
    const wrongHeader = await parseTicketSet(
      file(
        'day1.xlsx',
        await xlsx([['Variant', 'Question', 'Item 1 kind', 'Item 2', 'Item 2 kind']]),
      ),
    );
    expect(wrongHeader).toEqual({
      errors: expect.arrayContaining([
        expect.objectContaining({ row: 1, column: 'question' }),
        expect.objectContaining({ row: 1, column: 'item 1' }),
      ]) as unknown,
    });
    const bad = await parseTicketSet(
      file(
        'day1.xlsx',
        await xlsx([
          HEADER,
          [1, 'A', 'question', 'B', 'essay'],
          [3, 'C', 'question', 'D', 'question'],
          [3, '', 'question', 'E', 'question'],
        ]),
      ),
    );
    expect('errors' in bad && bad.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'item 2 kind'],
      [3, 'variant'],
      [4, 'item 1'],
    ]);
  });

  test('a blank second item is a one-item variant (Form 1 decides: 422, not 400)', async () => {
    const parsed = await parseTicketSet(
      file('day1.xlsx', await xlsx([HEADER, [1, 'A', 'question']])),
    );
    expect(parsed).toEqual({
      set: expect.objectContaining({
        variants: [{ items: [{ kind: 'question', text: 'A' }] }],
      }) as unknown,
    });
  });

  test('CSV with the same header is read too', async () => {
    const parsed = await parseTicketSet(
      file('day1.csv', `${TICKET_COLUMNS.join(',')}\n1,Жүрек,question,Өкпе,situational\n`),
    );
    expect('set' in parsed && parsed.set.variants[0].items[1]).toEqual({
      kind: 'situational',
      text: 'Өкпе',
    });
  });

  test('JSON: TicketSetContent without day; errors name the variant and the path', async () => {
    const ok = await parseTicketSet(
      file(
        'day1.json',
        JSON.stringify({
          questionListVersion: 2,
          variants: [
            {
              items: [
                { kind: 'question', text: 'Жүрек' },
                { kind: 'situational', text: 'Есеп' },
              ],
            },
          ],
        }),
      ),
    );
    expect(ok).toEqual({
      set: {
        source: 'json',
        questionListVersion: 2,
        rows: [1],
        variants: [
          {
            items: [
              { kind: 'question', text: 'Жүрек' },
              { kind: 'situational', text: 'Есеп' },
            ],
          },
        ],
      },
    });
    const bad = await parseTicketSet(
      file(
        'day1.json',
        JSON.stringify({
          variants: [
            { items: [{ kind: 'question', text: 'A' }] },
            { items: [{ kind: 'essay', text: '' }] },
          ],
        }),
      ),
    );
    expect('errors' in bad && bad.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'variants[1].items[0].kind'],
      [2, 'variants[1].items[0].text'],
    ]);
    expect(await parseTicketSet(file('day1.json', '{ not json'))).toEqual({
      errors: [{ row: 0, column: '(file)', reason: 'the file is not UTF-8 JSON' }],
    });
    expect(await parseTicketSet(file('day1.json', '{"day":1,"variants":[]}'))).toEqual({
      errors: [expect.objectContaining({ column: 'day' })],
    });
  });

  test('other file types are refused', async () => {
    expect(await parseTicketSet(file('day1.docx', 'x'))).toEqual({
      errors: [
        expect.objectContaining({ row: 0, reason: expect.stringContaining('.docx') as unknown }),
      ],
    });
  });
});
