import { Workbook, type Worksheet } from 'exceljs';
import type { Language } from '../common/language';
import type { ComplianceReport, Lateness, Tally } from './compliance';

/**
 * The compliance report as a workbook: Summary, By step, By department, By person, Waivers and
 * Chart (the chart's PNG). Numbers are numbers (rates formatted as percentages), so the sheets can
 * be filtered and summed; column headings are in English, names and step titles in `lang`.
 */

const TALLY_COLUMNS: [string, (t: Tally) => number | null][] = [
  ['Total', (t) => t.total],
  ['On time', (t) => t.onTime],
  ['Late', (t) => t.late],
  ['Overdue', (t) => t.overdue],
  ['Open (not yet due)', (t) => t.open],
  ['Waived', (t) => t.waived],
  ['Closed', (t) => t.closed],
  ['Escalated', (t) => t.escalated],
  ['Escalation emails', (t) => t.escalationEmails],
  ['On-time rate', (t) => t.onTimeRate],
  ...latenessColumns((t: Tally) => t.lateness),
];

function latenessColumns<T>(
  of: (row: T) => Lateness | null,
): [string, (row: T) => number | null][] {
  return [
    ['Median lateness (hours)', (r) => of(r)?.medianHours ?? null],
    ['Median lateness (days)', (r) => of(r)?.medianDays ?? null],
    ['Worst lateness (hours)', (r) => of(r)?.worstHours ?? null],
    ['Worst lateness (days)', (r) => of(r)?.worstDays ?? null],
  ];
}

function table<T>(
  sheet: Worksheet,
  columns: [string, (row: T) => string | number | null][],
  rows: readonly T[],
): void {
  sheet.columns = columns.map(([header]) => ({
    header,
    width: Math.max(12, Math.min(60, header.length + 4)),
  }));
  for (const row of rows) sheet.addRow(columns.map(([, value]) => value(row)));
  sheet.getRow(1).font = { bold: true };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
  columns.forEach(([header], i) => {
    if (header === 'On-time rate') sheet.getColumn(i + 1).numFmt = '0.0%';
  });
}

export async function complianceXlsx(
  report: ComplianceReport,
  lang: Language,
  png: Buffer,
): Promise<Buffer> {
  const book = new Workbook();
  book.creator = 'Emtihan';
  book.created = new Date(report.generatedAt);

  const summary = book.addWorksheet('Summary');
  summary.columns = [
    { header: 'Item', width: 28 },
    { header: 'Value', width: 60 },
  ];
  const rows: [string, string | number | null][] = [
    ['Scope', report.scope.kind],
    ['Scope id', report.scope.id],
    ['Scope name', report.scope.name?.[lang] ?? null],
    ['Policy version', report.policyVersion],
    ['Generated at', report.generatedAt],
    ['Time zone', report.timeZone],
    ['Restricted to', report.restrictedTo?.join(', ') ?? null],
    ...TALLY_COLUMNS.map(([label, value]): [string, number | null] => [
      label,
      value(report.totals),
    ]),
    ...report.excluded.map((e): [string, string] => [
      `Not counted: ${e.ruleId} (${e.kind})`,
      `${e.total}: ${Object.entries(e.byStatus)
        .map(([s, n]) => `${s} ${n}`)
        .join(', ')}`,
    ]),
    ...Object.entries(report.definitions).map(([k, v]): [string, string] => [
      `Definition: ${k}`,
      v,
    ]),
  ];
  for (const row of rows) summary.addRow(row);
  summary.getRow(1).font = { bold: true };
  const rateRow = rows.findIndex(([label]) => label === 'On-time rate') + 2;
  summary.getCell(rateRow, 2).numFmt = '0.0%';

  type StepRow = ComplianceReport['byStep'][number];
  table<StepRow>(
    book.addWorksheet('By step'),
    [
      ['Rule id', (s) => s.ruleId],
      ['Step', (s) => s.title?.[lang] ?? s.ruleId],
      ['Clauses', (s) => s.clauses.join(', ')],
      ['Owner role', (s) => s.ownerRole],
      ...TALLY_COLUMNS,
    ],
    report.byStep,
  );

  type DepartmentRow = ComplianceReport['byDepartment'][number];
  table<DepartmentRow>(
    book.addWorksheet('By department'),
    [
      ['Department id', (d) => d.departmentId ?? '(session-wide)'],
      ['Department', (d) => d.name?.[lang] ?? null],
      ...TALLY_COLUMNS,
    ],
    report.byDepartment,
  );

  type PersonRow = ComplianceReport['byPerson'][number];
  table<PersonRow>(
    book.addWorksheet('By person'),
    [
      ['Person id', (p) => p.personId],
      ['Name', (p) => p.fullName],
      ['Approved on time', (p) => p.approvedOnTime],
      ['Approved late', (p) => p.approvedLate],
      ['Waived', (p) => p.waived],
      ['Overdue (answerable)', (p) => p.overdueAnswerable],
      ...latenessColumns<PersonRow>((p) => p.lateness),
    ],
    report.byPerson,
  );

  type WaiverRow = ComplianceReport['waivers'][number];
  table<WaiverRow>(
    book.addWorksheet('Waivers'),
    [
      ['Exam', (w) => w.examId],
      ['Session', (w) => w.sessionId],
      ['Step', (w) => w.stepKey],
      ['Rule id', (w) => w.ruleId],
      ['Department id', (w) => w.departmentId],
      ['Due', (w) => w.dueAt],
      ['Waived at', (w) => w.waivedAt],
      ['Waived by', (w) => w.waivedBy?.fullName ?? null],
      ['Waived by (id)', (w) => w.waivedBy?.personId ?? null],
      ['Reason', (w) => w.reason],
    ],
    report.waivers,
  );

  const chart = book.addWorksheet('Chart');
  const image = book.addImage({
    // exceljs's Buffer type predates @types/node's generic Buffer.
    buffer: png as unknown as Parameters<Workbook['addImage']>[0]['buffer'],
    extension: 'png',
  });
  const { width, height } = pngSize(png);
  // Drawn at half its pixels: the PNG is rendered at twice the SVG's size.
  chart.addImage(image, { tl: { col: 0, row: 0 }, ext: { width: width / 2, height: height / 2 } });

  return Buffer.from(await book.xlsx.writeBuffer());
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } {
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}
