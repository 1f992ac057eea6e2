import type { Form3Content } from '../documents';
import {
  actPdf,
  caption,
  facts,
  localDate,
  numbered,
  personText,
  signatureLine,
  studentFacts,
  wordsIn,
  type RenderInput,
} from './layout';

/**
 * Form 3 (§5.16): act № N on the student's refusal to sign the violation act — "I, (name,
 * position), in the presence of (1) (2) certify that student (name), faculty, year, group, refuses
 * to sign act № M of (date) …", signed by the three.
 */
export function form3Pdf(input: RenderInput<Form3Content>): Promise<Buffer> {
  const lang = input.language;
  const w = wordsIn(lang);
  const c = input.content;
  // Kazakh puts "in the presence of" after the witnesses (… қатысуымен), Russian before them.
  const presence = { text: w('form3Presence') };
  return actPdf(input, w('form3'), w('form3Title'), [
    { text: localDate(c.date), alignment: 'right', margin: [0, 0, 0, 12] },
    { text: `${w('form3I')} ${personText(c.certifiedBy)},` },
    caption(w('nameAndPosition'), 24),
    ...(lang === 'ru' ? [presence] : []),
    ...c.witnesses.flatMap((p, i) => [
      { text: `${i + 1}) ${personText(p)}`, margin: [8, 4, 0, 0] },
      caption(w('nameAndPosition'), 24),
    ]),
    ...(lang === 'kk' ? [presence] : []),
    { text: w('form3Certify'), margin: [0, 8, 0, 0] },
    { text: c.student.name, bold: true, margin: [8, 2, 0, 0] },
    caption(w('name'), 24),
    { stack: [facts(studentFacts(lang, c.student), 110)], margin: [0, 4, 0, 0] },
    { text: w('form3Refuses')(numbered(c.act.number), localDate(c.act.date)) },
    ...[c.certifiedBy, ...c.witnesses].map((p) =>
      signatureLine(lang, '', p.name, { dated: false }),
    ),
  ]);
}
