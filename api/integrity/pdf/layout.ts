import { PDF_FONT, renderPdf } from '../../common/pdf';
import type { ActPerson, ActStudent, DocumentLanguage } from '../documents';
import { WORDS } from './words';

/**
 * The parts the integrity documents share: the page with its footer (the document's id and page
 * number), the title "АКТ № N", label–value facts, people with signature lines, and dates. The
 * font is DejaVu Sans, embedded (api/common/pdf.ts): it has every Kazakh letter and the ballot
 * boxes ☐ ☒ of Form 2's tick list.
 */

/** What a renderer gets: the content, its language, the number taken and the document's id. */
export interface RenderInput<C> {
  language: DocumentLanguage;
  number: number;
  id: string;
  content: C;
}

/** "№ 12" with a non-breaking space: the number never starts a line of its own. */
export const numbered = (n: number): string => `№\u00a0${n}`;

/** Labels in one language: w('discipline'). */
export function wordsIn(lang: DocumentLanguage) {
  // Both languages of a key have one type (a string, or a function of the same arguments).
  return <K extends keyof typeof WORDS>(key: K) => WORDS[key][lang] as (typeof WORDS)[K]['kk'];
}

/** 2027-03-16 → 16.03.2027, as both languages write dates. */
export function localDate(iso: string): string {
  const [y, m, d] = iso.split('-');
  return d !== undefined ? `${d}.${m}.${y}` : iso;
}

export type Node = Record<string, unknown> | string;

/** A small grey caption under a blank or a name: "(signature)", "(name, position)". */
export const caption = (text: string, indent = 0): Node => ({
  text: `(${text})`,
  fontSize: 7.5,
  color: '#444444',
  margin: [indent, 0, 0, 0],
});

/** A whole document: A4, the font, and a footer naming the document and the page. */
export function page(
  lang: DocumentLanguage,
  options: { id: string; title: string; landscape?: boolean; content: Node[] },
): Record<string, unknown> {
  const w = wordsIn(lang);
  return {
    info: { title: options.title, subject: options.id },
    pageSize: 'A4',
    pageOrientation: options.landscape === true ? 'landscape' : 'portrait',
    pageMargins: options.landscape === true ? [36, 36, 36, 44] : [56, 40, 48, 48],
    defaultStyle: { font: PDF_FONT, fontSize: 10.5, lineHeight: 1.2 },
    footer: (currentPage: number, pageCount: number) => ({
      columns: [
        { text: `Emtihan · ${options.id}`, fontSize: 7, color: '#666666' },
        { text: `${w('page')} ${currentPage} / ${pageCount}`, alignment: 'right', fontSize: 8 },
      ],
      margin: options.landscape === true ? [36, 16, 36, 0] : [56, 16, 48, 0],
    }),
    content: options.content,
  };
}

/** The form's name at the top right (none for the impostor act), the title and its subject. */
export function heading(form: string | null, title: string, subject: string): Node[] {
  return [
    ...(form === null
      ? []
      : [{ text: form, alignment: 'right', fontSize: 9, italics: true, margin: [0, 0, 0, 4] }]),
    { text: title, fontSize: 14, bold: true, alignment: 'center' },
    { text: subject, fontSize: 11.5, bold: true, alignment: 'center', margin: [0, 2, 0, 12] },
  ];
}

/** Label–value lines, the label bold. */
export function facts(rows: [string, string][], labelWidth = 170): Node {
  return {
    table: {
      widths: [labelWidth, '*'],
      body: rows.map(([label, value]) => [{ text: `${label}:`, bold: true }, value]),
    },
    layout: 'noBorders',
    margin: [0, 0, 0, 6],
  };
}

/** The student's faculty, year and group (Forms 2, 3 and the impostor act). */
export function studentFacts(lang: DocumentLanguage, s: ActStudent): [string, string][] {
  const w = wordsIn(lang);
  return [
    [w('faculty'), s.faculty],
    [w('year'), String(s.year)],
    [w('group'), s.group],
  ];
}

export const personText = (p: ActPerson): string => `${p.name}, ${p.position}`;

/** "1) Name, position ____ (signature)": the people who draw up an act, each signing it. */
export function signingPeople(lang: DocumentLanguage, people: ActPerson[]): Node {
  const w = wordsIn(lang);
  return {
    table: {
      widths: [16, '*', 140],
      // A person, their position and their signature line never split across pages.
      dontBreakRows: true,
      body: people.map((p, i) => [
        `${i + 1})`,
        personText(p),
        {
          stack: [{ text: '____________________' }, caption(w('signature'))],
          alignment: 'center',
        },
      ]),
    },
    layout: 'noBorders',
    margin: [0, 0, 0, 6],
  };
}

/**
 * A signature line: the role, the blank to sign on, "/ name /" (a blank when the name is not
 * known) and the date's blank, written by hand with the signature.
 */
export function signatureLine(
  lang: DocumentLanguage,
  label: string,
  name: string | undefined,
  options: { dated?: boolean; date?: string } = {},
): Node {
  const w = wordsIn(lang);
  const who = name === undefined || name.trim() === '' ? '____________________' : name;
  const dated = options.dated !== false;
  return {
    margin: [0, 14, 0, 0],
    unbreakable: true,
    columns: [
      {
        width: '*',
        stack: [
          { text: label === '' ? '' : `${label}:`, bold: true },
          {
            columns: [
              { width: 'auto', text: '______________________' },
              { width: '*', text: `/ ${who} /`, margin: [6, 0, 0, 0] },
            ],
          },
          caption(w('signature'), 40),
        ],
      },
      {
        width: 170,
        text: dated ? (options.date !== undefined ? localDate(options.date) : w('dateBlank')) : '',
        alignment: 'right',
        margin: [0, label === '' ? 0 : 13, 0, 0],
      },
    ],
  };
}

/** A bold label above text. */
export function labelled(label: string, text: Node | Node[]): Node {
  return {
    stack: [{ text: label, bold: true }, ...(Array.isArray(text) ? text : [text])],
    margin: [0, 6, 0, 4],
  };
}

/** An act: "АКТ № N" with its subject under it (and its form's name, if it has one), then body. */
export function actPdf(
  input: RenderInput<unknown>,
  form: string | null,
  subject: string,
  body: Node[],
): Promise<Buffer> {
  const title = `${WORDS.act[input.language]} ${numbered(input.number)}`;
  return renderPdf(
    page(input.language, {
      id: input.id,
      title: `${title} ${subject}`,
      content: [...heading(form, title, subject), ...body],
    }),
  );
}

/** What Form 2 and the impostor act both say of the event. */
export interface ActParticulars {
  discipline: string;
  drawnUpBy: ActPerson[];
  student: ActStudent;
  date: string;
  time: string;
}

/**
 * The upper half of Form 2 and the impostor act: the discipline, the people who draw the act up
 * (each signing), the student with faculty, year and group, the date and time, and `more` facts.
 */
export function actParticulars(
  lang: DocumentLanguage,
  c: ActParticulars,
  more: [string, string][] = [],
): Node[] {
  const w = wordsIn(lang);
  return [
    facts([[w('discipline'), c.discipline]]),
    labelled(`${w('drawnUpBy')}:`, signingPeople(lang, c.drawnUpBy)),
    facts([
      [w('studentName'), c.student.name],
      ...studentFacts(lang, c.student),
      [w('date'), localDate(c.date)],
      [w('time'), c.time],
      ...more,
    ]),
  ];
}

/**
 * The decision both acts take — annul the student's exam result — with, for an act drawn up on
 * the spot, the integrity commission that confirmed it (each signing; §5.8, §5.15), and "I have
 * read the act" kept on one page with the student's signature line.
 */
export function annulment(
  lang: DocumentLanguage,
  student: string,
  commission: ActPerson[] = [],
): Node[] {
  const w = wordsIn(lang);
  return [
    labelled(w('considering'), [
      { text: w('annul'), margin: [8, 0, 0, 0] },
      { text: student, margin: [8, 2, 0, 0], decoration: 'underline' },
      caption(w('studentName'), 8),
    ]),
    ...(commission.length === 0
      ? []
      : [labelled(`${w('commission')}:`, signingPeople(lang, commission))]),
    {
      stack: [
        { text: w('haveRead'), bold: true, margin: [0, 10, 0, 0] },
        signatureLine(lang, w('studentSignature'), student),
      ],
      unbreakable: true,
    },
  ];
}
