import { PDF_FONT, renderPdf } from '../common/pdf';
import type { GradeSheetRow } from './grade-sheet.rows';

/**
 * The reconciliation statement (§5.19: "when the grades match, the sheets are printed as
 * reconciliation statements"), in Kazakh or Russian, with DejaVu Sans embedded (pdfmake's
 * Helvetica has no Kazakh letters; see api/history/history.pdf.ts).
 */

export type StatementLanguage = 'kk' | 'ru';
export const STATEMENT_LANGUAGES: readonly StatementLanguage[] = ['kk', 'ru'];

const WORDS = {
  title: { kk: 'Бағалау ведомосін салыстыру актісі', ru: 'Акт сверки экзаменационной ведомости' },
  discipline: { kk: 'Пән', ru: 'Дисциплина' },
  department: { kk: 'Кафедра', ru: 'Кафедра' },
  examDate: { kk: 'Емтихан күні', ru: 'Дата экзамена' },
  exam: { kk: 'Емтихан', ru: 'Экзамен' },
  version: { kk: 'Ведомость нұсқасы', ru: 'Версия ведомости' },
  reconciled: { kk: 'Салыстырылды', ru: 'Сверено' },
  notReconciled: { kk: 'салыстырылмаған', ru: 'не сверено' },
  fullName: { kk: 'Білім алушының аты-жөні', ru: 'ФИО обучающегося' },
  code: { kk: 'Шифр', ru: 'Шифр' },
  score: { kk: 'Балл', ru: 'Балл' },
  letter: { kk: 'Әріптік баға', ru: 'Буквенная оценка' },
  gpa: { kk: 'GPA', ru: 'GPA' },
  annulled: { kk: 'Күшін жойған (бұзушылық)', ru: 'Аннулировано (нарушение)' },
  confirmedBy: { kk: 'Растағандар', ru: 'Подтвердили' },
  confirmed: { kk: 'расталды', ru: 'подтверждено' },
  disputed: { kk: 'дауланды', ru: 'оспорено' },
  head: { kk: 'Кафедра меңгерушісі', ru: 'Заведующий кафедрой' },
  examiner: { kk: 'Емтихан алушы', ru: 'Экзаменатор' },
  signature: { kk: 'қолы', ru: 'подпись' },
} satisfies Record<string, Record<StatementLanguage, string>>;

export interface StatementInput {
  language: StatementLanguage;
  exam: { id: string; discipline: string; department: string; examDate: string };
  version: number;
  sha256: string;
  reconciledAt: string | null;
  rows: readonly GradeSheetRow[];
  confirmations: { fullName: string; role: string; confirmed: boolean; at: string }[];
}

export function gradeSheetPdf(input: StatementInput): Promise<Buffer> {
  const w = (key: keyof typeof WORDS) => WORDS[key][input.language];
  const role = (r: string) => (r === 'department_head' ? w('head') : w('examiner'));
  const facts: [string, string][] = [
    [w('exam'), input.exam.id],
    [w('discipline'), input.exam.discipline],
    [w('department'), input.exam.department],
    [w('examDate'), input.exam.examDate],
    [w('version'), `${input.version} (SHA-256 ${input.sha256.slice(0, 16)}…)`],
    [w('reconciled'), input.reconciledAt ?? w('notReconciled')],
  ];
  const definition = {
    info: { title: `${w('title')}: ${input.exam.discipline}`, subject: input.exam.id },
    pageSize: 'A4',
    pageMargins: [36, 36, 36, 40],
    defaultStyle: { font: PDF_FONT, fontSize: 9, lineHeight: 1.15 },
    content: [
      { text: w('title'), fontSize: 14, bold: true, alignment: 'center' },
      {
        margin: [0, 8, 0, 8],
        table: {
          widths: [120, '*'],
          body: facts.map(([label, value]) => [{ text: label, bold: true }, value]),
        },
        layout: 'noBorders',
      },
      {
        table: {
          headerRows: 1,
          dontBreakRows: true,
          widths: [18, '*', 62, 34, 40, 30, 90],
          body: [
            ['#', w('fullName'), w('code'), w('score'), w('letter'), w('gpa'), w('annulled')].map(
              (text) => ({ text, bold: true }),
            ),
            ...input.rows.map((r, i) => [
              String(i + 1),
              r.fullName,
              r.code,
              r.score.toFixed(2),
              r.letter,
              r.gpa.toFixed(2),
              r.annulled === null ? '' : r.annulled.caseId,
            ]),
          ],
        },
        layout: 'lightHorizontalLines',
      },
      { text: w('confirmedBy'), bold: true, margin: [0, 12, 0, 4] },
      ...input.confirmations.map((c) => ({
        text: `${role(c.role)}: ${c.fullName} — ${c.confirmed ? w('confirmed') : w('disputed')} ${c.at}`,
      })),
      ...input.confirmations
        .filter((c) => c.confirmed)
        .map((c) => ({
          margin: [0, 18, 0, 0],
          text: `${role(c.role)} ____________________ (${w('signature')}) ${c.fullName}`,
        })),
    ],
  };
  return renderPdf(definition);
}
