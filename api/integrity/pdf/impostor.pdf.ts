import type { ImpostorContent } from '../documents';
import {
  actParticulars,
  actPdf,
  annulment,
  signatureLine,
  wordsIn,
  type RenderInput,
} from './layout';

/**
 * The impostor act № N (§5.8; it has no form number): the discipline, the three people who draw it
 * up, the student, "an attempt by (name) to sit the exam instead of student (name) was found", the
 * decision to annul the student's result (with the commission that confirmed it), the student's and
 * the impostor's signatures, the dean's.
 */
export function impostorPdf(input: RenderInput<ImpostorContent>): Promise<Buffer> {
  const lang = input.language;
  const w = wordsIn(lang);
  const c = input.content;
  return actPdf(input, null, w('impostorTitle'), [
    ...actParticulars(lang, c),
    { text: w('impostorFound')(c.impostor, c.student.name), margin: [0, 6, 0, 6] },
    ...annulment(lang, c.student.name, c.commission),
    signatureLine(lang, w('impostorSignature'), c.impostor),
    signatureLine(lang, w('dean'), c.dean),
  ]);
}
