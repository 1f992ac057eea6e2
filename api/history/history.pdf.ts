import { PDF_FONT, renderPdf } from '../common/pdf';
import type { Language } from '../common/language';
import type { TimelineItem } from './timeline';

/**
 * The timeline as a PDF (pdfmake 0.3, server side). The font is DejaVu Sans from the
 * dejavu-fonts-ttf package, embedded: pdfmake's standard Helvetica has no Cyrillic or Kazakh
 * letters and silently prints garbage for them.
 */

const WORDS = {
  title: { en: 'Exam history', ru: 'История экзамена', kk: 'Емтихан тарихы' },
  discipline: { en: 'Discipline', ru: 'Дисциплина', kk: 'Пән' },
  department: { en: 'Department', ru: 'Кафедра', kk: 'Кафедра' },
  examDate: { en: 'Exam date', ru: 'Дата экзамена', kk: 'Емтихан күні' },
  startsAt: { en: 'Starts', ru: 'Начало', kk: 'Басталуы' },
  exam: { en: 'Exam', ru: 'Экзамен', kk: 'Емтихан' },
  generated: { en: 'Generated', ru: 'Сформировано', kk: 'Құрастырылды' },
  source: { en: 'Source', ru: 'Источник', kk: 'Дереккөз' },
  event: { en: 'What happened', ru: 'Что произошло', kk: 'Не болды' },
  clauses: { en: 'SOP', ru: 'СОП', kk: 'СОП' },
  page: { en: 'Page', ru: 'Страница', kk: 'Бет' },
  audit: { en: 'audit', ru: 'аудит', kk: 'аудит' },
  temporal: { en: 'Temporal', ru: 'Temporal', kk: 'Temporal' },
} satisfies Record<string, Record<Language, string>>;

export interface HistoryPdfInput {
  language: Language;
  exam: {
    id: string;
    discipline: string;
    department: string;
    examDate: string;
    startsAt: string | null;
  };
  generatedAt: string;
  /** Said under the header: where the Temporal part came from, timers fired … */
  notes: string[];
  items: readonly TimelineItem[];
}

export function historyPdf(input: HistoryPdfInput): Promise<Buffer> {
  const lang = input.language;
  const w = (key: keyof typeof WORDS) => WORDS[key][lang];
  const facts: [string, string][] = [
    [w('exam'), input.exam.id],
    [w('discipline'), input.exam.discipline],
    [w('department'), input.exam.department],
    [w('examDate'), input.exam.examDate],
    ...(input.exam.startsAt !== null
      ? [[w('startsAt'), input.exam.startsAt] as [string, string]]
      : []),
    [w('generated'), input.generatedAt],
  ];
  const definition = {
    info: { title: `${w('title')}: ${input.exam.discipline}`, subject: input.exam.id },
    pageSize: 'A4',
    pageOrientation: 'landscape',
    pageMargins: [36, 36, 36, 40],
    defaultStyle: { font: PDF_FONT, fontSize: 8.5, lineHeight: 1.15 },
    footer: (currentPage: number, pageCount: number) => ({
      text: `${w('page')} ${currentPage} / ${pageCount}`,
      alignment: 'center',
      fontSize: 8,
      margin: [0, 12, 0, 0],
    }),
    content: [
      { text: `${w('title')}: ${input.exam.discipline}`, fontSize: 15, bold: true },
      {
        margin: [0, 8, 0, 8],
        table: {
          widths: [110, '*'],
          body: facts.map(([label, value]) => [{ text: label, bold: true }, value]),
        },
        layout: 'noBorders',
      },
      ...input.notes.map((note) => ({ text: note, italics: true, margin: [0, 0, 0, 4] })),
      {
        margin: [0, 6, 0, 0],
        table: {
          headerRows: 1,
          dontBreakRows: true,
          widths: [28, 50, '*', 70],
          body: [
            ['#', w('source'), w('event'), w('clauses')].map((text) => ({ text, bold: true })),
            ...input.items.map((item, index) => [
              String(index + 1),
              w(item.source),
              item.sentence,
              item.clauses.join(', '),
            ]),
          ],
        },
        layout: 'lightHorizontalLines',
      },
    ],
  };
  return renderPdf(definition);
}
