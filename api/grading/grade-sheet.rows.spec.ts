import { DEFAULT_POLICY } from '../../sop/default-policy';
import { exportCsv, gradeSheetRows, parseAnnulments } from './grade-sheet.rows';

const scale = DEFAULT_POLICY.rules.gradingScale.bands;
const grade = (name: string, code: string, score: number, letter: string, gpa: number) => ({
  studentId: `id-${code}`,
  email: `${code.toLowerCase()}@example.edu.kz`,
  fullName: name,
  code,
  score,
  letter,
  gpa,
});

describe('the grade sheet (§5.19, rows 9–10)', () => {
  test('one row per student sorted by name; an annulment sets 0 and F and names its case', () => {
    const rows = gradeSheetRows(
      scale,
      [
        grade('Әсел Б', 'BBBB2222', 72.25, 'C+', 2.33),
        grade('Айдар А', 'AAAA2222', 94.5, 'A-', 3.67),
      ],
      [{ studentId: 'id-BBBB2222', caseId: 'V-7', reason: 'phone' }],
    );
    expect(rows.map((r) => [r.fullName, r.score, r.letter, r.gpa, r.annulled])).toEqual([
      ['Айдар А', 94.5, 'A-', 3.67, null],
      ['Әсел Б', 0, 'F', 0, { caseId: 'V-7', reason: 'phone' }],
    ]);
  });

  test('annulments: each field required, a student once', () => {
    expect(parseAnnulments(undefined)).toEqual({ annulments: [] });
    expect(parseAnnulments({})).toEqual({ annulments: [] });
    expect(
      parseAnnulments({
        annulled: [
          { studentId: 's', caseId: 'V-1', reason: 'r' },
          { studentId: 's', caseId: '', reason: 'r' },
        ],
      }),
    ).toEqual({
      errors: [
        { path: 'annulled[1].caseId', message: expect.stringMatching(/required/) as string },
        { path: 'annulled[1].studentId', message: 'is annulled twice' },
      ],
    });
  });

  test('CSV export: documented columns, quoting, CRLF', () => {
    const rows = gradeSheetRows(scale, [grade('Doe, "J"', 'AAAA2222', 90, 'A-', 3.67)], []);
    expect(exportCsv(rows, 3)).toBe(
      'email,full_name,score,letter,gpa,annulled,appeal,version\r\naaaa2222@example.edu.kz,"Doe, ""J""",90,A-,3.67,,,3\r\n',
    );
  });
});
