import { Workbook, type CellValue } from 'exceljs';
import { parseAdmission } from './admission.parse';

async function xlsx(rows: CellValue[][]): Promise<Buffer> {
  const book = new Workbook();
  const sheet = book.addWorksheet('Admission');
  for (const row of rows) sheet.addRow(row);
  return Buffer.from(await book.xlsx.writeBuffer());
}

const csv = (text: string) => ({ filename: 'admission.csv', data: Buffer.from(text) });

describe('parseAdmission (§5.1: the admission-rating statement)', () => {
  test('CSV: defaults for day and retake, decimal commas, yes/no in three languages', async () => {
    const parsed = await parseAdmission(
      csv(
        'email,rating,admitted,day,retake\n' +
          'A.Student@Example.edu.kz,"85,5",yes,,\n' +
          'b.student@example.edu.kz,49,жоқ,2,иә\n' +
          'c.student@example.edu.kz,100,да,1,нет\n',
      ),
      2,
    );
    expect(parsed).toEqual({
      rows: [
        {
          row: 2,
          email: 'a.student@example.edu.kz',
          rating: 85.5,
          admitted: true,
          day: 1,
          retake: false,
        },
        {
          row: 3,
          email: 'b.student@example.edu.kz',
          rating: 49,
          admitted: false,
          day: 2,
          retake: true,
        },
        {
          row: 4,
          email: 'c.student@example.edu.kz',
          rating: 100,
          admitted: true,
          day: 1,
          retake: false,
        },
      ],
    });
  });

  test('XLSX with numeric cells (rating, day)', async () => {
    const parsed = await parseAdmission(
      {
        filename: 'admission.xlsx',
        data: await xlsx([
          ['email', 'rating', 'admitted', 'day'],
          ['s@example.edu.kz', 72.25, 'yes', 1],
        ]),
      },
      1,
    );
    expect(parsed).toEqual({
      rows: [
        { row: 2, email: 's@example.edu.kz', rating: 72.25, admitted: true, day: 1, retake: false },
      ],
    });
  });

  test('every bad value is named by row and column; nothing is returned to save', async () => {
    const parsed = await parseAdmission(
      csv(
        'email,rating,admitted,day,retake\n' +
          'not-an-email,101,maybe,3,x\n' +
          's@example.edu.kz,50,yes,1,no\n' +
          'S@example.edu.kz,-1,,1,no\n',
      ),
      2,
    );
    expect('errors' in parsed && parsed.errors.map((e) => [e.row, e.column])).toEqual([
      [2, 'email'],
      [2, 'rating'],
      [2, 'admitted'],
      [2, 'day'],
      [2, 'retake'],
      [4, 'email'],
      [4, 'rating'],
      [4, 'admitted'],
    ]);
  });

  test('a wrong or missing column is a header error (row 1)', async () => {
    const parsed = await parseAdmission(csv('mail,rating,admitted\nx@example.edu.kz,1,yes\n'), 1);
    expect('errors' in parsed && parsed.errors.map((e) => [e.row, e.column])).toEqual([
      [1, 'mail'],
      [1, 'email'],
    ]);
  });
});
