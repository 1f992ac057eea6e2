import { VIOLATIONS, type Form2Content } from '../documents';
import {
  actParticulars,
  actPdf,
  annulment,
  labelled,
  signatureLine,
  wordsIn,
  type RenderInput,
} from './layout';
import { VIOLATION_WORDS } from './words';

/** ☒ ticked, ☐ not (DejaVu Sans has both). */
export const tick = (on: boolean): string => (on ? '☒' : '☐');

/**
 * Form 2 (§5.8): act № N on breaking the rules of conduct at the exam — the discipline, the three
 * (or more) people who draw it up, the student, date and time (and a remote exam's recording), the
 * violations as a tick list, the decision to annul the result (with the commission that confirmed
 * it, when others drew the act up on the spot), the student's "I have read the act" and the dean's
 * signature.
 */
export function form2Pdf(input: RenderInput<Form2Content>): Promise<Buffer> {
  const lang = input.language;
  const w = wordsIn(lang);
  const c = input.content;
  const ticked = new Set(c.violations);
  const other = c.other?.trim() ?? '';
  const recording = c.recording?.trim() ?? '';
  const list = [
    ...VIOLATIONS.map((v) => `${tick(ticked.has(v))} ${VIOLATION_WORDS[v][lang]}`),
    ...(other === '' ? [] : [`${tick(true)} ${w('other')}: ${other}`]),
  ];
  return actPdf(input, w('form2'), w('form2Title'), [
    ...actParticulars(lang, c, recording === '' ? [] : [[w('recording'), recording]]),
    labelled(
      `${w('violations')}:`,
      list.map((text) => ({ text, margin: [8, 1, 0, 1] })),
    ),
    ...annulment(lang, c.student.name, c.commission),
    signatureLine(lang, w('dean'), c.dean),
  ]);
}
