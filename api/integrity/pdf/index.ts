import type { DocumentContent, DocumentLanguage } from '../documents';
import { form2Pdf } from './form2.pdf';
import { form3Pdf } from './form3.pdf';
import { form4Pdf } from './form4.pdf';
import { impostorPdf } from './impostor.pdf';

export { form2Pdf, form3Pdf, form4Pdf, impostorPdf };
export type { RenderInput } from './layout';

/** Renders a document of any kind with the number it was given. */
export function renderDocument(
  input: DocumentContent & { language: DocumentLanguage; number: number; id: string },
): Promise<Buffer> {
  const { language, number, id } = input;
  switch (input.kind) {
    case 'form2':
      return form2Pdf({ language, number, id, content: input.content });
    case 'form3':
      return form3Pdf({ language, number, id, content: input.content });
    case 'impostor':
      return impostorPdf({ language, number, id, content: input.content });
    case 'form4':
      return form4Pdf({ language, number, id, content: input.content });
  }
}
