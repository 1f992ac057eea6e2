import { dirname, sep } from 'node:path';
import pdfmake from 'pdfmake';

/**
 * Every PDF of Emtihan (history timelines, Form 1, reconciliation statements) is rendered here,
 * with pdfmake 0.3 on the server and DejaVu Sans from the dejavu-fonts-ttf package embedded:
 * pdfmake's standard Helvetica has no Cyrillic or Kazakh letters and silently prints garbage for
 * them (issue 7). Documents use `font: PDF_FONT` in their default style.
 */
export const PDF_FONT = 'DejaVuSans';

const FONT = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_DIR = dirname(FONT) + sep;
pdfmake.addFonts({
  [PDF_FONT]: {
    normal: FONT,
    bold: `${FONT_DIR}DejaVuSans-Bold.ttf`,
    italics: `${FONT_DIR}DejaVuSans-Oblique.ttf`,
    bolditalics: `${FONT_DIR}DejaVuSans-BoldOblique.ttf`,
  },
});
// Nothing but the fonts: no URL is fetched, no other file is read while rendering.
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy((path) => path.startsWith(FONT_DIR));

/** A pdfmake document definition rendered to a PDF. */
export function renderPdf(definition: Record<string, unknown>): Promise<Buffer> {
  return pdfmake.createPdf(definition).getBuffer();
}
