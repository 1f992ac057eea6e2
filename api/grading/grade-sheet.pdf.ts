import { DateTime } from 'luxon';
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
  letter: { kk: 'Әріп', ru: 'Буква' },
  gpa: { kk: 'GPA', ru: 'GPA' },
  annulled: { kk: 'Күші жойылды', ru: 'Аннулировано' },
  appeal: { kk: 'Апелляция', ru: 'Апелляция' },
  basis: { kk: 'Нұсқаның негізі', ru: 'Основание версии' },
  formed: { kk: 'бағалардан жасалды', ru: 'сформирована по оценкам' },
  commission: {
    kk: 'Апелляциялық комиссия мүшесі',
    ru: 'Член апелляционной комиссии',
  },
  decidedAppeal: { kk: 'апелляция бойынша шешім', ru: 'решение по апелляции' },
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
  /** The institution's zone: instants print as its local date and time. */
  timeZone: string;
  version: number;
  /** Why the version was formed: 'formed' (from the grades) or an appeal's case and reasons. */
  reason: string;
  /** Row 12: the appeal commission's decision that reconciled this version, if one did. */
  appealDecision?: { caseId: string; members: string[]; decidedAt: string };
  sha256: string;
  reconciledAt: string | null;
  rows: readonly GradeSheetRow[];
  confirmations: { fullName: string; role: string; confirmed: boolean; at: string }[];
}

export function gradeSheetPdf(input: StatementInput): Promise<Buffer> {
  const w = (key: keyof typeof WORDS) => WORDS[key][input.language];
  const role = (r: string) => (r === 'department_head' ? w('head') : w('examiner'));
  const local = (iso: string) =>
    DateTime.fromISO(iso).setZone(input.timeZone).toFormat('dd.MM.yyyy HH:mm');
  const decision = input.appealDecision;
  const facts: [string, string][] = [
    [w('exam'), input.exam.id],
    [w('discipline'), input.exam.discipline],
    [w('department'), input.exam.department],
    [w('examDate'), input.exam.examDate],
    [w('version'), `${input.version} (SHA-256 ${input.sha256.slice(0, 16)}…)`],
    [w('basis'), input.reason === 'formed' ? w('formed') : input.reason],
    [
      w('reconciled'),
      input.reconciledAt === null
        ? w('notReconciled')
        : `${local(input.reconciledAt)}${decision !== undefined ? ` (${w('decidedAppeal')} ${decision.caseId})` : ''}`,
    ],
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
          widths: [14, '*', 52, 36, 34, 26, 46, 56],
          body: [
            [
              '#',
              w('fullName'),
              w('code'),
              w('score'),
              w('letter'),
              w('gpa'),
              w('annulled'),
              w('appeal'),
            ].map((text) => ({ text, bold: true, fontSize: 8 })),
            ...input.rows.map((r, i) => [
              String(i + 1),
              r.fullName,
              r.code,
              r.score.toFixed(2),
              r.letter,
              r.gpa.toFixed(2),
              r.annulled === null ? '' : r.annulled.caseId,
              r.appealed == null
                ? ''
                : `${r.appealed.caseId}: ${r.appealed.previousScore.toFixed(2)} → ${r.score.toFixed(2)}`,
            ]),
          ],
        },
        layout: 'lightHorizontalLines',
      },
      { text: w('confirmedBy'), bold: true, margin: [0, 12, 0, 4] },
      ...input.confirmations.map((c) => ({
        text: `${role(c.role)}: ${c.fullName} — ${c.confirmed ? w('confirmed') : w('disputed')} ${local(c.at)}`,
      })),
      ...(decision === undefined
        ? []
        : [
            ...decision.members.map((name) => ({
              text: `${w('commission')}: ${name} — ${w('decidedAppeal')} ${decision.caseId}, ${local(decision.decidedAt)}`,
            })),
            ...decision.members.map((name) => ({
              margin: [0, 18, 0, 0],
              text: `${w('commission')} ____________________ (${w('signature')}) ${name}`,
            })),
          ]),
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
