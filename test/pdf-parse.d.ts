/** pdf-parse 1.1.1's parser, required directly (its index runs a self-test when required). */
declare module 'pdf-parse/lib/pdf-parse.js' {
  function pdfParse(data: Buffer): Promise<{ text: string; numpages: number }>;
  export = pdfParse;
}
