import { PDF_FONT, renderPdf } from '../common/pdf';
import type { TicketSetContent } from './documents';

/**
 * Form 1 (exam tickets) as a PDF, in Kazakh or Russian: the head's approval block at the top
 * right ("Бекітемін / Утверждаю", head of department, signature line, date line), the exam's
 * discipline, department and day, then the tickets WITHOUT numbers, each "1. … 2. …". The font is
 * DejaVu Sans, embedded (api/common/pdf.ts): the standard fonts have no Kazakh letters.
 */

export type Form1Language = 'kk' | 'ru';
export const FORM1_LANGUAGES: readonly Form1Language[] = ['kk', 'ru'];

const WORDS = {
  approved: { kk: 'Бекітемін:', ru: 'Утверждаю:' },
  head: { kk: 'кафедра меңгерушісі', ru: 'заведующий кафедрой' },
  date: { kk: 'күні «____» ______________ 20___ ж.', ru: 'дата «____» ______________ 20___ г.' },
  title: { kk: 'Емтихан билеттері', ru: 'Экзаменационные билеты' },
  form: { kk: '1-нысан', ru: 'Форма 1' },
  discipline: { kk: 'Пән', ru: 'Дисциплина' },
  department: { kk: 'Кафедра', ru: 'Кафедра' },
  day: { kk: 'Емтихан күні', ru: 'День экзамена' },
  ticket: { kk: 'Билет', ru: 'Билет' },
  page: { kk: 'Бет', ru: 'Страница' },
} satisfies Record<string, Record<Form1Language, string>>;

export interface Form1Input {
  language: Form1Language;
  discipline: string;
  department: string;
  /** 1-based exam day and its date (YYYY-MM-DD). */
  day: number;
  date: string;
  version: number;
  sha256: string;
  content: TicketSetContent;
}

/** 2027-03-16 → 16.03.2027, as dates are written in both languages. */
function localDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return d !== undefined ? `${d}.${m}.${y}` : iso;
}

export function form1Pdf(input: Form1Input): Promise<Buffer> {
  const lang = input.language;
  const w = (key: keyof typeof WORDS) => WORDS[key][lang];
  const dayText =
    lang === 'kk'
      ? `${input.day}-күн, ${localDate(input.date)}`
      : `${input.day}-й день, ${localDate(input.date)}`;
  const definition = {
    info: { title: `${w('title')}: ${input.discipline}`, subject: w('form') },
    pageSize: 'A4',
    pageMargins: [56, 48, 48, 52],
    defaultStyle: { font: PDF_FONT, fontSize: 11, lineHeight: 1.2 },
    footer: (currentPage: number, pageCount: number) => ({
      columns: [
        {
          // Which stored version this is (not a ticket's number): v<version> and its hash.
          text: `v${input.version} · sha256 ${input.sha256.slice(0, 16)}`,
          fontSize: 7,
          color: '#666666',
        },
        { text: `${w('page')} ${currentPage} / ${pageCount}`, alignment: 'right', fontSize: 8 },
      ],
      margin: [56, 16, 48, 0],
    }),
    content: [
      { text: w('form'), alignment: 'right', fontSize: 9, italics: true, margin: [0, 0, 0, 6] },
      {
        // Form 1's header: the head of department approves the tickets (signature and date).
        columns: [
          { width: '*', text: '' },
          {
            width: 265,
            stack: [
              { text: w('approved'), bold: true },
              { text: `${w('head')} ______________` },
              { text: w('date'), margin: [0, 6, 0, 0] },
            ],
          },
        ],
        margin: [0, 0, 0, 18],
      },
      { text: w('title'), fontSize: 15, bold: true, alignment: 'center', margin: [0, 0, 0, 10] },
      {
        table: {
          widths: [110, '*'],
          body: [
            [{ text: w('discipline'), bold: true }, input.discipline],
            [{ text: w('department'), bold: true }, input.department],
            [{ text: w('day'), bold: true }, dayText],
          ],
        },
        layout: 'noBorders',
        margin: [0, 0, 0, 14],
      },
      // The tickets carry no number (Form 1): each is a box headed "Билет" with its items 1., 2.
      ...input.content.variants.map((variant) => ({
        unbreakable: true,
        margin: [0, 0, 0, 10],
        table: {
          widths: ['*'],
          body: [
            [
              {
                stack: [
                  { text: w('ticket'), bold: true, alignment: 'center', margin: [0, 0, 0, 4] },
                  // "1." and "2." hang to the left of their text, as in Form 1.
                  ...variant.items.map((item, i) => ({
                    columns: [
                      { text: `${i + 1}.`, width: 16 },
                      { text: item.text, width: '*' },
                    ],
                    columnGap: 2,
                    margin: [0, 2, 0, 2],
                  })),
                ],
                margin: [6, 4, 6, 4],
              },
            ],
          ],
        },
        layout: {
          hLineWidth: () => 0.6,
          vLineWidth: () => 0.6,
          hLineColor: () => '#444444',
          vLineColor: () => '#444444',
        },
      })),
    ],
  };
  return renderPdf(definition);
}
