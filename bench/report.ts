import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spread, type Spread } from './stats';

/** One line of the table: a figure of ours, its baseline, and their ratio against a target. */
export interface Row {
  bench: string;
  figure: string;
  unit: string;
  ours: number[];
  baseline: number[];
  /** ours / baseline per run (medians compared), or undefined when there is no baseline. */
  ratioOf?: 'ours/baseline';
  /** e.g. { op: '>=', value: 0.8, of: 'ratio' } */
  target?: { of: 'ratio' | 'ours'; op: '>=' | '<='; value: number };
  note?: string;
}

export interface Report {
  startedAt: string;
  finishedAt: string;
  machine: { cpus: number; memoryGiB: number; node: string; note: string };
  sizes: Record<string, number | string>;
  rows: (Row & { oursSpread: Spread; baselineSpread?: Spread; ratio?: number; met?: boolean })[];
  notes: string[];
}

export function finish(row: Row): Report['rows'][number] {
  const oursSpread = spread(row.ours);
  const baselineSpread = row.baseline.length > 0 ? spread(row.baseline) : undefined;
  const ratio =
    row.ratioOf !== undefined && baselineSpread !== undefined
      ? oursSpread.median / baselineSpread.median
      : undefined;
  const value = row.target?.of === 'ratio' ? ratio : oursSpread.median;
  const met =
    row.target === undefined || value === undefined
      ? undefined
      : row.target.op === '>='
        ? value >= row.target.value
        : value <= row.target.value;
  return { ...row, oursSpread, baselineSpread, ratio, met };
}

const num = (n: number): string =>
  !Number.isFinite(n)
    ? '–'
    : Math.abs(n) >= 100
      ? Math.round(n).toLocaleString('en-US')
      : Math.abs(n) >= 10
        ? n.toFixed(1)
        : n.toFixed(2);
const tri = (s: Spread | undefined): string =>
  s === undefined ? '–' : `${num(s.min)} / ${num(s.median)} / ${num(s.max)}`;

export function tableLines(report: Report): string[] {
  const header = [
    'benchmark',
    'figure',
    'ours min / median / max',
    'baseline min / median / max',
    'ratio',
    'target',
    '',
  ];
  const lines = report.rows.map((r) => [
    r.bench,
    `${r.figure} (${r.unit})`,
    tri(r.oursSpread),
    tri(r.baselineSpread),
    r.ratio === undefined ? '–' : r.ratio.toFixed(2),
    r.target === undefined ? '–' : `${r.target.of} ${r.target.op} ${r.target.value}`,
    r.met === undefined ? '' : r.met ? 'met' : 'MISSED',
  ]);
  return [header, ...lines]
    .map((cells) => `| ${cells.join(' | ')} |`)
    .flatMap((line, i) => (i === 0 ? [line, `|${header.map(() => '---').join('|')}|`] : [line]));
}

/** The plain-text table for the terminal (aligned columns). */
export function printTable(report: Report): string {
  const rows = tableLines(report)
    .filter((l) => !l.startsWith('|---'))
    .map((l) => l.slice(2, -2).split(' | '));
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows
    .map((r, i) => {
      const line = r.map((cell, c) => cell.padEnd(widths[c])).join('  ');
      return i === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

export function markdown(report: Report): string {
  const sizes = Object.entries(report.sizes)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return [
    `# npm run bench — ${report.startedAt}`,
    '',
    `Machine: ${report.machine.cpus} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}. ${report.machine.note}`,
    '',
    `Sizes: ${sizes}.`,
    '',
    ...tableLines(report),
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}

/** bench/results/<stamp>.json and .md, and latest.json / latest.md. */
export function save(report: Report, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const stamp = report.startedAt.replace(/[:.]/g, '-');
  const files: string[] = [];
  for (const name of [stamp, 'latest']) {
    writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
    writeFileSync(join(dir, `${name}.md`), markdown(report));
    files.push(join(dir, `${name}.json`), join(dir, `${name}.md`));
  }
  return files.slice(0, 2);
}
