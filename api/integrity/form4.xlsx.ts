import ExcelJS from 'exceljs';
import { cellText, headerName, readTable, type UploadError } from '../paperwork/upload-table';

/**
 * Form 4, the proctor review table (§5.13–§5.15), as the XLSX a working-group member sends a
 * proctor and the proctor returns filled. Row 1 holds the SOP's columns (so the returned file is
 * read with the hostile-spreadsheet defences of api/paperwork/upload-table.ts); the ACT column has
 * a drop-down on its data cells only (a whole-column validation is what makes exceljs expand a
 * million cells when reading). The title and the footer ("Checked __ works, of which acts drawn
 * __", the member's signature) are on a second sheet, and on the signed Form 4 PDF.
 */

export type Form4Language = 'kk' | 'ru';

/** The SOP's columns, in order, by language; `key` is what the code reads. */
export const FORM4_COLUMNS = [
  { key: 'no', kk: '№', ru: '№' },
  { key: 'fullName', kk: 'Аты-жөні', ru: 'ФИО' },
  { key: 'speciality', kk: 'Мамандығы', ru: 'Специальность' },
  { key: 'yearGroup', kk: 'Курсы, тобы', ru: 'Курс, группа' },
  { key: 'discipline', kk: 'Пән', ru: 'Дисциплина' },
  { key: 'examDate', kk: 'Емтихан күні', ru: 'Дата экзамена' },
  { key: 'link', kk: 'Сілтеме', ru: 'Ссылка' },
  { key: 'act', kk: 'АКТ', ru: 'АКТ' },
  { key: 'proctor', kk: 'Проктордың аты-жөні', ru: 'ФИО проктора' },
] as const;
export type Form4Key = (typeof FORM4_COLUMNS)[number]['key'];

/** The ACT drop-down's values, and every spelling accepted back. */
export const ACT_VALUES: Record<Form4Language, { drawn: string; notDrawn: string }> = {
  kk: { drawn: 'жасалды', notDrawn: 'жасалған жоқ' },
  ru: { drawn: 'составлен', notDrawn: 'не составлен' },
};
const ACCEPTED: Record<string, 'drawn' | 'not_drawn'> = {
  drawn: 'drawn',
  'not drawn': 'not_drawn',
  жасалды: 'drawn',
  'жасалған жоқ': 'not_drawn',
  жасалмады: 'not_drawn',
  составлен: 'drawn',
  'не составлен': 'not_drawn',
};

export interface Form4SheetRow {
  studentId: string;
  fullName: string;
  speciality: string;
  yearGroup: string;
  link: string;
}

export interface Form4Sheet {
  language: Form4Language;
  examId: string;
  discipline: string;
  examDate: string;
  proctor: string;
  member: string;
  rows: Form4SheetRow[];
}

/** The workbook the proctor receives (§5.13). */
export async function buildForm4Xlsx(sheet: Form4Sheet): Promise<Buffer> {
  const book = new ExcelJS.Workbook();
  book.creator = 'Emtihan';
  const lang = sheet.language;
  const table = book.addWorksheet(lang === 'kk' ? '4-нысан' : 'Форма 4');
  table.addRow(FORM4_COLUMNS.map((c) => c[lang]));
  table.getRow(1).font = { bold: true };
  const values = ACT_VALUES[lang];
  sheet.rows.forEach((r, i) => {
    table.addRow([
      i + 1,
      r.fullName,
      r.speciality,
      r.yearGroup,
      sheet.discipline,
      sheet.examDate,
      r.link === '' ? '' : { text: r.link, hyperlink: r.link },
      '',
      sheet.proctor,
    ]);
    // The drop-down on this row's ACT cell only (column H).
    table.getCell(`H${i + 2}`).dataValidation = {
      type: 'list',
      allowBlank: false,
      formulae: [`"${values.drawn},${values.notDrawn}"`],
      showErrorMessage: true,
    };
  });
  const widths = [5, 32, 22, 14, 24, 13, 40, 16, 26];
  widths.forEach((w, i) => (table.getColumn(i + 1).width = w));
  const about = book.addWorksheet(lang === 'kk' ? 'Қорытынды' : 'Итог');
  const lines =
    lang === 'kk'
      ? [
          '4-нысан. Прокторлық тексеру кестесі',
          `Емтихан: ${sheet.discipline} (${sheet.examId}), ${sheet.examDate}`,
          `Проктор: ${sheet.proctor}`,
          `Академиялық адалдықты бұзуға ${sheet.rows.length} емтихан жұмысы тексерілді, оның ішінде ___ акт жасалды`,
          `Жұмыс тобының мүшесі: ${sheet.member} ____________ (қолы) ____________ (күні)`,
        ]
      : [
          'Форма 4. Таблица проверки прокторами',
          `Экзамен: ${sheet.discipline} (${sheet.examId}), ${sheet.examDate}`,
          `Проктор: ${sheet.proctor}`,
          `Проверено ${sheet.rows.length} экзаменационных работ на нарушение академической честности, из них составлено актов ___`,
          `Член рабочей группы: ${sheet.member} ____________ (подпись) ____________ (дата)`,
        ];
  for (const line of lines) about.addRow([line]);
  about.getColumn(1).width = 110;
  return Buffer.from(await book.xlsx.writeBuffer());
}

export interface Form4Returned {
  rows: { no: number; studentId: string; fullName: string; act: 'drawn' | 'not_drawn' }[];
}

/**
 * Reads a returned Form 4 against what was sent (§5.14): every sent student exactly once (by No.
 * and full name), no other rows, ACT filled with one of its values. Problems carry the row and the
 * column's header; none means the file can be saved.
 */
export async function readForm4Xlsx(
  file: { filename: string; contentType?: string; data: Buffer },
  sent: Form4Sheet,
): Promise<Form4Returned | { errors: UploadError[] }> {
  const lang = sent.language;
  const header = (key: Form4Key) => headerName(FORM4_COLUMNS.find((c) => c.key === key)![lang]);
  const table = await readTable(file, { required: FORM4_COLUMNS.map((c) => headerName(c[lang])) });
  if ('errors' in table) return table;
  const errors: UploadError[] = [];
  const seen = new Map<number, number>();
  /** Sent rows the file has a row for (well formed or not): the others are missing. */
  const present = new Set<number>();
  const rows: Form4Returned['rows'] = [];
  for (const row of table.rows) {
    const no = cellText(row.cell(header('no')));
    const name = cellText(row.cell(header('fullName')));
    const act = cellText(row.cell(header('act')));
    if (!no.ok || !/^\d{1,5}$/.test(no.text)) {
      errors.push({
        row: row.row,
        column: header('no'),
        reason: no.ok ? `"${no.text}" is not a row number of the form` : no.reason,
      });
      continue;
    }
    const n = Number(no.text);
    const expected = sent.rows[n - 1];
    if (expected === undefined) {
      errors.push({
        row: row.row,
        column: header('no'),
        reason: `row ${n} was not in the form sent (${sent.rows.length} students): no rows may be added`,
      });
      continue;
    }
    present.add(n);
    if (!name.ok || name.text.replace(/\s+/g, ' ') !== expected.fullName.replace(/\s+/g, ' ')) {
      errors.push({
        row: row.row,
        column: header('fullName'),
        reason: `row ${n} was sent for "${expected.fullName}", not "${name.ok ? name.text : '?'}"`,
      });
      continue;
    }
    if (seen.has(n)) {
      errors.push({
        row: row.row,
        column: header('no'),
        reason: `${expected.fullName} appears twice (rows ${seen.get(n)} and ${row.row})`,
      });
      continue;
    }
    seen.set(n, row.row);
    const value = act.ok ? ACCEPTED[act.text.toLowerCase().replace(/\s+/g, ' ')] : undefined;
    if (!act.ok || act.text === '' || value === undefined) {
      errors.push({
        row: row.row,
        column: header('act'),
        reason: !act.ok
          ? act.reason
          : act.text === ''
            ? `ACT is empty: choose "${ACT_VALUES[lang].drawn}" or "${ACT_VALUES[lang].notDrawn}"`
            : `"${act.text}" is not "${ACT_VALUES[lang].drawn}" or "${ACT_VALUES[lang].notDrawn}"`,
      });
      continue;
    }
    rows.push({ no: n, studentId: expected.studentId, fullName: expected.fullName, act: value });
  }
  sent.rows.forEach((r, i) => {
    if (!present.has(i + 1))
      errors.push({
        row: 0,
        column: header('fullName'),
        reason: `${r.fullName} (row ${i + 1} of the form sent) is missing`,
      });
  });
  return errors.length > 0 ? { errors } : { rows: rows.sort((a, b) => a.no - b.no) };
}
