import { renderPdf } from '../../common/pdf';
import type { Form4Content } from '../documents';
import {
  facts,
  localDate,
  numbered,
  page,
  signatureLine,
  wordsIn,
  type RenderInput,
} from './layout';

/**
 * Form 4 (§5.13–§5.15) as the working-group member signs it: the proctor review table — № , full
 * name, speciality, year and group, discipline, exam date, the recording's link, ACT drawn / not
 * drawn, the proctor — then "checked N works, of which acts drawn K" and the member's signature.
 */
export function form4Pdf(input: RenderInput<Form4Content>): Promise<Buffer> {
  const lang = input.language;
  const w = wordsIn(lang);
  const c = input.content;
  const title = `${w('form4Title')} ${numbered(input.number)}`;
  const examDate = localDate(c.examDate);
  const drawn = c.rows.filter((r) => r.act === 'drawn').length;
  const head = [
    'colNo',
    'colName',
    'colSpeciality',
    'colYearGroup',
    'colDiscipline',
    'colExamDate',
    'colLink',
    'colAct',
    'colProctor',
  ] as const;
  return renderPdf(
    page(lang, {
      id: input.id,
      title,
      landscape: true,
      content: [
        { text: w('form4'), alignment: 'right', fontSize: 9, italics: true, margin: [0, 0, 0, 4] },
        { text: title, fontSize: 13, bold: true, alignment: 'center', margin: [0, 0, 0, 10] },
        facts(
          [
            [w('discipline'), c.discipline],
            [w('exam'), c.examId],
            [w('examDate'), examDate],
            [w('proctor'), c.proctor],
          ],
          110,
        ),
        {
          fontSize: 8.5,
          table: {
            headerRows: 1,
            dontBreakRows: true,
            widths: [16, '*', 80, 62, 80, 52, 120, 70, 85],
            body: [
              head.map((key) => ({ text: w(key), bold: true, fillColor: '#eeeeee' })),
              ...c.rows.map((r, i) => [
                String(i + 1),
                r.fullName,
                r.speciality,
                r.year > 0 ? `${r.year}, ${r.group}` : r.group,
                c.discipline,
                examDate,
                { text: r.link, fontSize: 7.5 },
                { text: r.act === 'drawn' ? w('drawn') : w('notDrawn'), bold: r.act === 'drawn' },
                c.proctor,
              ]),
            ],
          },
        },
        { text: w('checked')(c.rows.length), margin: [0, 12, 0, 0] },
        { text: w('actsDrawn')(drawn) },
        signatureLine(lang, w('member'), c.member, { dated: false }),
        {
          // Form 4's footer: "Date: ____" under the member's signature.
          stack: [
            facts(
              [[w('date'), c.signedOn === undefined ? '______________' : localDate(c.signedOn)]],
              110,
            ),
          ],
          margin: [0, 8, 0, 0],
        },
      ],
    }),
  );
}
