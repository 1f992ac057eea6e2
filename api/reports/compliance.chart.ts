import { dirname, join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import type { Language } from '../common/language';
import type { ComplianceReport, Tally } from './compliance';

/**
 * The compliance report as a chart a dean reads at a glance: the on-time rate by department and by
 * SOP step, each a horizontal bar split into on time / late / overdue with its percentage and
 * counts. A plain SVG string (no browser); chartPng turns it into a PNG with DejaVu Sans, which
 * has the Cyrillic and Kazakh letters (ә, ғ, қ, ң, ө, ұ, ү, һ, і).
 */

const TEXT = {
  title: {
    en: 'On-time completion of SOP steps',
    ru: 'Своевременность выполнения шагов СОП',
    kk: 'СОП қадамдарының уақтылы орындалуы',
  },
  byDepartment: { en: 'By department', ru: 'По кафедрам', kk: 'Кафедралар бойынша' },
  byStep: { en: 'By SOP step', ru: 'По шагам СОП', kk: 'СОП қадамдары бойынша' },
  onTime: { en: 'On time', ru: 'В срок', kk: 'Мерзімінде' },
  late: { en: 'Late', ru: 'С опозданием', kk: 'Кешігіп' },
  overdue: { en: 'Overdue', ru: 'Просрочено', kk: 'Мерзімі өткен' },
  formula: {
    en: '% = on time / (on time + late + overdue); waived and not yet due steps are not counted',
    ru: '% = в срок / (в срок + с опозданием + просрочено); отменённые и не наступившие не учитываются',
    kk: '% = мерзімінде / (мерзімінде + кешігіп + мерзімі өткен); босатылғандар мен мерзімі келмегендер есептелмейді',
  },
  sessionWide: { en: 'Session-wide steps', ru: 'Шаги сессии', kk: 'Сессия қадамдары' },
  noneDue: { en: 'nothing due yet', ru: 'сроки не наступили', kk: 'мерзімі келмеген' },
  waived: { en: 'waived', ru: 'отменено', kk: 'босатылды' },
  closed: {
    en: 'closed by the workflow',
    ru: 'закрыто процессом',
    kk: 'процесс жапты',
  },
  generated: { en: 'as of', ru: 'на', kk: 'күні' },
  policy: { en: 'policy', ru: 'политика', kk: 'саясат' },
  scope: {
    session: { en: 'Session', ru: 'Сессия', kk: 'Сессия' },
    school: { en: 'School', ru: 'Школа', kk: 'Мектеп' },
    department: { en: 'Department', ru: 'Кафедра', kk: 'Кафедра' },
  },
} as const;

export const CHART_COLOURS = {
  onTime: '#2e7d32',
  late: '#f9a825',
  overdue: '#c62828',
  track: '#e6e6e6',
  text: '#212121',
  muted: '#616161',
};

const FONT = 'DejaVu Sans';
const WIDTH = 1100;
const MARGIN = 24;
const LABEL_WIDTH = 360;
const BAR_X = MARGIN + LABEL_WIDTH + 16;
const BAR_WIDTH = 400;
const VALUE_X = BAR_X + BAR_WIDTH + 14;
const ROW = 42;
/** DejaVu Sans at 12 px: about 7 px a character (wider Cyrillic capitals included), so 50 a line. */
const LINE_CHARS = 50;

export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/**
 * Wraps a label on words into at most two lines; when it does not fit, the text is cut with … and
 * the suffix (the clauses) is kept whole at the end of the last line.
 */
export function wrapLabel(text: string, width = LINE_CHARS, suffix = ''): string[] {
  // The suffix never breaks: no-break spaces inside it.
  const tail = suffix === '' ? '' : ` ${suffix.replace(/ /g, '\u00a0')}`;
  const fits = (lines: string[]) => lines.length <= 2 && lines.every((l) => l.length <= width);
  const whole = wrapWords(`${text}${tail}`, width);
  if (fits(whole)) return whole;
  // Drop words from the end until the rest, an ellipsis and the suffix fit.
  const words = text.split(/ +/).filter((w) => w !== '');
  for (let k = words.length - 1; k > 0; k--) {
    const lines = wrapWords(`${words.slice(0, k).join(' ')}…${tail}`, width);
    if (fits(lines)) return lines;
  }
  // One word too long for a line: cut it.
  return wrapWords(`${text.slice(0, Math.max(1, width - tail.length - 1))}…${tail}`, width).slice(
    0,
    2,
  );
}

function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/ +/).filter((w) => w !== '')) {
    const next = line === '' ? word : `${line} ${word}`;
    if (next.length <= width || line === '') line = next;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}

const percent = (rate: number) => `${Math.round(rate * 100)}%`;

function bar(y: number, label: string, suffix: string, t: Tally, lang: Language): string {
  const lines = wrapLabel(label, LINE_CHARS, suffix);
  const full = suffix === '' ? label : `${label} ${suffix}`;
  const out: string[] = [`<g class="row" data-label="${escapeXml(full)}">`];
  const top = lines.length === 1 ? y + 19 : y + 12;
  lines.forEach((line, i) =>
    out.push(
      `<text x="${MARGIN}" y="${top + i * 15}" font-size="12" fill="${CHART_COLOURS.text}">${escapeXml(line)}</text>`,
    ),
  );
  const barY = y + 8;
  const barH = 20;
  out.push(
    `<rect x="${BAR_X}" y="${barY}" width="${BAR_WIDTH}" height="${barH}" rx="3" fill="${CHART_COLOURS.track}"/>`,
  );
  const due = t.onTime + t.late + t.overdue;
  if (due > 0) {
    let x = BAR_X;
    for (const part of ['onTime', 'late', 'overdue'] as const) {
      const w = (t[part] / due) * BAR_WIDTH;
      if (w > 0) {
        out.push(
          `<rect class="${part}" x="${x.toFixed(1)}" y="${barY}" width="${w.toFixed(1)}" height="${barH}" fill="${CHART_COLOURS[part]}"><title>${escapeXml(`${TEXT[part][lang]}: ${t[part]}`)}</title></rect>`,
        );
        // The count inside its part, when the part is wide enough to hold it.
        if (w >= 8 * String(t[part]).length + 8)
          out.push(
            `<text x="${(x + w / 2).toFixed(1)}" y="${barY + 15}" font-size="12" font-weight="bold" text-anchor="middle" fill="${part === 'late' ? CHART_COLOURS.text : '#ffffff'}">${t[part]}</text>`,
          );
      }
      x += w;
    }
    out.push(
      `<text x="${VALUE_X}" y="${barY + 15}" font-size="14" font-weight="bold" fill="${CHART_COLOURS.text}">${percent(t.onTimeRate ?? 0)}</text>`,
      `<text x="${VALUE_X + 50}" y="${barY + 15}" font-size="12" fill="${CHART_COLOURS.muted}">${t.onTime} / ${due}${escapeXml(t.waived > 0 ? ` · ${TEXT.waived[lang]} ${t.waived}` : '')}</text>`,
    );
  } else {
    const rest = [
      ...(t.waived > 0 ? [`${TEXT.waived[lang]} ${t.waived}`] : []),
      ...(t.closed > 0 ? [`${TEXT.closed[lang]} ${t.closed}`] : []),
      ...(t.open > 0 || t.waived + t.closed === 0 ? [TEXT.noneDue[lang]] : []),
    ];
    out.push(
      `<text x="${VALUE_X}" y="${barY + 15}" font-size="12" fill="${CHART_COLOURS.muted}">— ${escapeXml(rest.join(' · '))}</text>`,
    );
  }
  out.push('</g>');
  return out.join('');
}

/** The chart as an SVG document, its texts in `lang`. */
export function complianceSvg(report: ComplianceReport, lang: Language): string {
  const body: string[] = [];
  let y = MARGIN;
  const scopeName = report.scope.name?.[lang] ?? report.scope.id;
  body.push(
    `<text x="${MARGIN}" y="${y + 20}" font-size="20" font-weight="bold" fill="${CHART_COLOURS.text}">${escapeXml(TEXT.title[lang])}</text>`,
  );
  y += 30;
  // Scope and instant on one line, the policy on the next (a version can be long: cut to fit).
  const policy = `${TEXT.policy[lang]}: ${report.policyVersion}`;
  body.push(
    `<text x="${MARGIN}" y="${y + 16}" font-size="13" fill="${CHART_COLOURS.muted}">${escapeXml(
      `${TEXT.scope[report.scope.kind][lang]}: ${scopeName} · ${TEXT.generated[lang]} ${report.generatedAt.slice(0, 16).replace('T', ' ')}`,
    )}</text>`,
    `<text x="${MARGIN}" y="${y + 34}" font-size="11" fill="${CHART_COLOURS.muted}">${escapeXml(
      policy.length > 150 ? `${policy.slice(0, 149)}…` : policy,
    )}</text>`,
  );
  y += 48;
  // The legend: the three parts of a bar, then what the percentage means.
  let lx = MARGIN;
  for (const part of ['onTime', 'late', 'overdue'] as const) {
    body.push(
      `<rect x="${lx}" y="${y}" width="14" height="14" fill="${CHART_COLOURS[part]}"/>`,
      `<text x="${lx + 20}" y="${y + 12}" font-size="12" fill="${CHART_COLOURS.text}">${escapeXml(TEXT[part][lang])}</text>`,
    );
    lx += 20 + TEXT[part][lang].length * 8 + 24;
  }
  body.push(
    `<text x="${MARGIN}" y="${y + 34}" font-size="11" fill="${CHART_COLOURS.muted}">${escapeXml(TEXT.formula[lang])}</text>`,
  );
  y += 50;

  const section = (title: string, rows: { label: string; suffix?: string; tally: Tally }[]) => {
    body.push(
      `<text x="${MARGIN}" y="${y + 18}" font-size="15" font-weight="bold" fill="${CHART_COLOURS.text}">${escapeXml(title)}</text>`,
      `<line x1="${MARGIN}" y1="${y + 26}" x2="${WIDTH - MARGIN}" y2="${y + 26}" stroke="${CHART_COLOURS.track}"/>`,
    );
    y += 32;
    for (const row of rows) {
      body.push(bar(y, row.label, row.suffix ?? '', row.tally, lang));
      y += ROW;
    }
    y += 12;
  };
  section(
    TEXT.byDepartment[lang],
    report.byDepartment.map((d) => ({
      label:
        d.departmentId === null
          ? TEXT.sessionWide[lang]
          : (d.name?.[lang] ?? d.departmentId ?? TEXT.sessionWide[lang]),
      tally: d,
    })),
  );
  section(
    TEXT.byStep[lang],
    report.byStep.map((s) => ({
      label: s.title?.[lang] ?? s.ruleId,
      suffix: s.clauses.length > 0 ? `(${s.clauses.join(', ')})` : '',
      tally: s,
    })),
  );
  const height = y + MARGIN;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="${FONT}, sans-serif" lang="${lang}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    '</svg>',
  ].join('\n');
}

const FONT_DIR = join(dirname(require.resolve('dejavu-fonts-ttf/package.json')), 'ttf');

/** The SVG as a PNG (twice the size, for print), drawn with DejaVu Sans only: no system fonts. */
export function chartPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    font: {
      fontFiles: [join(FONT_DIR, 'DejaVuSans.ttf'), join(FONT_DIR, 'DejaVuSans-Bold.ttf')],
      loadSystemFonts: false,
      defaultFontFamily: FONT,
    },
    fitTo: { mode: 'zoom', value: 2 },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
