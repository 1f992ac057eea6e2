import { parseGradesFile, parseGradesJson, readScore } from './grades.parse';

const matching = (re: RegExp) => expect.stringMatching(re) as string;
const containing = (o: object) => expect.objectContaining(o) as object;
const csv = (text: string) =>
  parseGradesFile({ filename: 'grades.csv', contentType: 'text/csv', data: Buffer.from(text) });

describe('grades as examiners enter them (§5.17, row 7)', () => {
  test('a score is 0–100 with at most two decimals, "," or "."', () => {
    expect(readScore('87,5')).toBe(87.5);
    expect(readScore('100')).toBe(100);
    expect(readScore('0')).toBe(0);
    expect(readScore('100.5')).toMatch(/above 100/);
    expect(readScore('-')).toMatch(/not graded/);
    expect(readScore('8.125')).toMatch(/two decimals/);
    expect(readScore('-3')).toMatch(/not a score/);
  });

  test('JSON: codes upper-cased, every problem with its index and field', () => {
    expect(parseGradesJson([{ code: 'k7m2qx9a', score: 91 }])).toEqual({
      rows: [{ row: 1, code: 'K7M2QX9A', score: 91 }],
    });
    expect(
      parseGradesJson([
        { code: 'K7M2QX9A', score: 101 },
        { code: 'bad code', score: 50 },
        { code: 'AAAA2222', score: 50 },
        { code: 'AAAA2222', score: 60 },
      ]),
    ).toEqual({
      errors: [
        { row: 1, column: 'score', reason: matching(/above 100/) },
        { row: 2, column: 'code', reason: matching(/not a work code/) },
        { row: 4, column: 'code', reason: matching(/graded twice \(also row 3\)/) },
      ],
    });
    expect(parseGradesJson({})).toEqual({ errors: [containing({ row: 0 })] });
  });

  test("Moodle's gradebook export: ID number and the one (Real) item, other columns ignored", async () => {
    const text = [
      'First name,Last name,ID number,Institution,Department,Email address,Written exam (Real),Course total (Real),Last downloaded from this course',
      ',,K7M2QX9A,,,,"87,50",87.50,1718000000',
      ',,aaaa2222,,,,64.00,64.00,1718000000',
    ].join('\n');
    expect(await csv(text)).toEqual({
      rows: [
        { row: 2, code: 'K7M2QX9A', score: 87.5 },
        { row: 3, code: 'AAAA2222', score: 64 },
      ],
    });
  });

  test('Moodle export: an ungraded row or a bad code names its row and column', async () => {
    const text = ['ID number,Course total (Real)', 'K7M2QX9A,-', 'x,50'].join('\n');
    expect(await csv(text)).toEqual({
      errors: [
        { row: 2, column: 'course total (real)', reason: matching(/not graded/) },
        { row: 3, column: 'id number', reason: matching(/not a work code/) },
      ],
    });
  });

  test('a file without a code column, or with two grade items, is refused at row 1', async () => {
    expect(await csv('Email address,score\na@b.kz,50')).toEqual({
      errors: [containing({ row: 1, column: 'id number' })],
    });
    expect(await csv('code,Quiz (Real),Exam (Real)\nAAAA2222,1,2')).toEqual({
      errors: [containing({ row: 1, column: 'score' })],
    });
  });
});
