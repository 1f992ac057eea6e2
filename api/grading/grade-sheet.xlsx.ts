import { Workbook } from 'exceljs';
import { EXPORT_COLUMNS, exportRecords, type GradeSheetRow } from './grade-sheet.rows';

/** Row 10: the registrar's export as one worksheet, the CSV's columns (README). */
export async function gradeSheetXlsx(
  rows: readonly GradeSheetRow[],
  version: number,
): Promise<Buffer> {
  const book = new Workbook();
  const sheet = book.addWorksheet('grade sheet');
  sheet.addRow([...EXPORT_COLUMNS]);
  for (const record of exportRecords(rows, version)) sheet.addRow(record);
  return Buffer.from(await book.xlsx.writeBuffer());
}
