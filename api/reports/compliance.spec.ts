import { DEFAULT_POLICY } from '../../sop/default-policy';
import { chartPng, complianceSvg, wrapLabel } from './compliance.chart';
import {
  computeCompliance,
  latenessOf,
  median,
  onTimeRate,
  type ComplianceInput,
  type ComplianceStepRow,
} from './compliance';
import { parseScope } from './reports.service';

const HOUR = 3_600_000;
const DUE = Date.parse('2027-01-15T23:59:59.999+05:00');
const NOW = DUE + 10 * 24 * HOUR;

let n = 0;
function row(over: Partial<ComplianceStepRow>): ComplianceStepRow {
  n++;
  return {
    examId: `exam-${n}`,
    sessionId: null,
    stepKey: 'departmentDiscussion',
    departmentId: 'anatomy',
    unitId: 'anatomy',
    status: 'open',
    dueAt: DUE,
    approvedAt: null,
    approvedBy: null,
    waivedAt: null,
    waivedBy: null,
    comment: null,
    assigneeId: null,
    escalationEmails: 0,
    ...over,
  };
}
const approved = (by: string, lateHours: number, over: Partial<ComplianceStepRow> = {}) =>
  row({ status: 'approved', approvedBy: by, approvedAt: DUE + lateHours * HOUR, ...over });

const NAMES = {
  anatomy: { kk: 'Қалыпты анатомия кафедрасы', ru: 'Кафедра нормальной анатомии', en: 'Anatomy' },
  biochemistry: { kk: 'Биохимия кафедрасы', ru: 'Кафедра биохимии', en: 'Biochemistry' },
};

function input(rows: ComplianceStepRow[], over: Partial<ComplianceInput> = {}): ComplianceInput {
  return {
    policy: DEFAULT_POLICY,
    now: NOW,
    scope: { kind: 'school', id: 'general-medicine' },
    rows,
    units: Object.entries(NAMES).map(([id, name]) => ({ id, name })),
    people: [
      { id: 'p-head', fullName: 'Әлия Сәрсенбаева' },
      { id: 'p-dean', fullName: 'Ерлан Мұхамедиев' },
      { id: 'p-other', fullName: 'Dana Smith' },
    ],
    holders: [
      { unitId: 'anatomy', role: 'department_head', personIds: ['p-head'] },
      { unitId: 'biochemistry', role: 'department_head', personIds: ['p-other', 'p-head'] },
    ],
    ...over,
  };
}

describe('median, lateness and rate', () => {
  test('median of an odd count is the middle value, of an even count the mean of the two middle', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([7])).toBe(7);
  });

  test('lateness in hours and days: median and worst, two decimals; none without late steps', () => {
    expect(latenessOf([])).toBeNull();
    // 2 h, 10 h, 36 h → median 10 h (0.42 d), worst 36 h (1.5 d).
    expect(latenessOf([36 * HOUR, 2 * HOUR, 10 * HOUR])).toEqual({
      count: 3,
      medianHours: 10,
      medianDays: 0.42,
      worstHours: 36,
      worstDays: 1.5,
    });
    // Even: 9.5 h and 10 h → 9.75 h.
    expect(latenessOf([10 * HOUR, 9.5 * HOUR])).toMatchObject({
      medianHours: 9.75,
      worstHours: 10,
    });
  });

  test('on-time rate = on time / (on time + late + overdue), null when nothing was due', () => {
    expect(onTimeRate({ onTime: 3, late: 3, overdue: 1 })).toBe(0.4286);
    expect(onTimeRate({ onTime: 0, late: 0, overdue: 0 })).toBeNull();
    expect(onTimeRate({ onTime: 2, late: 0, overdue: 0 })).toBe(1);
  });
});

describe('computeCompliance over hand-made rows', () => {
  // anatomy: on time (head), late 2 h (head, escalated ×1), late 36 h (head, escalated ×3),
  //          overdue (open past due, escalated ×2), open not yet due, waived (dean, GP 3).
  // biochemistry: on time (other), overdue with the read model still saying "open".
  // A window (row 12) and the video purge (§5.7) are not counted.
  const rows = [
    approved('p-head', -48),
    approved('p-head', 2, { escalationEmails: 1 }),
    approved('p-head', 36, { stepKey: 'examinerList', escalationEmails: 3 }),
    row({ stepKey: 'examinerList', status: 'overdue', escalationEmails: 2 }),
    row({ stepKey: 'examinerList', dueAt: NOW + HOUR }),
    row({
      status: 'waived',
      waivedBy: 'p-dean',
      waivedAt: DUE - HOUR,
      comment: 'questions unchanged since last year',
    }),
    approved('p-other', 0, { departmentId: 'biochemistry', unitId: 'biochemistry' }),
    row({ departmentId: 'biochemistry', unitId: 'biochemistry', status: 'open' }),
    row({ stepKey: 'appealFiling@A-1', status: 'closed' }),
    row({ stepKey: 'videoPurge', status: 'held' }),
  ];
  const report = computeCompliance(input(rows));

  test('GP 3, §5.2: totals count on time, late, overdue (open past due too), open, waived and escalated', () => {
    expect(report.totals).toMatchObject({
      total: 8,
      onTime: 2,
      late: 2,
      overdue: 2,
      open: 1,
      waived: 1,
      closed: 0,
      escalated: 3,
      escalationEmails: 6,
      onTimeRate: 0.3333,
      lateness: { count: 2, medianHours: 19, medianDays: 0.79, worstHours: 36, worstDays: 1.5 },
    });
    expect(report.policyVersion).toBe(DEFAULT_POLICY.version);
    expect(report.generatedAt).toBe('2027-01-25T23:59:59.999+05:00');
  });

  test('by step in the policy’s order, with clauses and titles', () => {
    expect(report.byStep.map((s) => [s.ruleId, s.clauses, s.total, s.onTimeRate])).toEqual([
      ['departmentDiscussion', ['GP 3', 'row 1'], 5, 0.5],
      ['examinerList', ['§5.2'], 3, 0],
    ]);
    expect(report.byStep[0].title?.en).toMatch(/Department discusses/);
    expect(report.byStep[1]).toMatchObject({ late: 1, overdue: 1, open: 1, escalated: 2 });
  });

  test('by department, and the automatic step and the window listed apart in the policy’s order (§5.7, row 12)', () => {
    expect(report.byDepartment.map((d) => [d.departmentId, d.name?.en, d.total])).toEqual([
      ['anatomy', 'Anatomy', 6],
      ['biochemistry', 'Biochemistry', 2],
    ]);
    expect(report.byDepartment[0]).toMatchObject({
      onTime: 1,
      late: 2,
      overdue: 1,
      onTimeRate: 0.25,
    });
    expect(report.byDepartment[1]).toMatchObject({ onTime: 1, overdue: 1, onTimeRate: 0.5 });
    expect(report.excluded).toEqual([
      expect.objectContaining({
        ruleId: 'videoPurge',
        kind: 'automatic',
        total: 1,
        byStatus: { held: 1 },
      }),
      expect.objectContaining({
        ruleId: 'appealFiling',
        kind: 'window',
        total: 1,
        byStatus: { closed: 1 },
      }),
    ]);
  });

  test('by person: who decided, and every holder of the owner role answers for an overdue step', () => {
    expect(
      report.byPerson.map((p) => [
        p.fullName,
        p.approvedOnTime,
        p.approvedLate,
        p.waived,
        p.overdueAnswerable,
      ]),
    ).toEqual([
      ['Dana Smith', 1, 0, 0, 1],
      ['Әлия Сәрсенбаева', 1, 2, 0, 2],
      ['Ерлан Мұхамедиев', 0, 0, 1, 0],
    ]);
    expect(report.byPerson[1].lateness).toMatchObject({ medianHours: 19, worstHours: 36 });
  });

  test('a reassigned overdue step counts against its assignee only', () => {
    const r = computeCompliance(input([row({ status: 'overdue', assigneeId: 'p-other' })]));
    expect(r.byPerson.map((p) => [p.personId, p.overdueAnswerable])).toEqual([['p-other', 1]]);
  });

  test('GP 3: waivers carry the reason and who waived', () => {
    expect(report.waivers).toEqual([
      expect.objectContaining({
        ruleId: 'departmentDiscussion',
        departmentId: 'anatomy',
        waivedBy: { personId: 'p-dean', fullName: 'Ерлан Мұхамедиев' },
        reason: 'questions unchanged since last year',
        waivedAt: '2027-01-15T22:59:59.999+05:00',
      }),
    ]);
  });

  test('the chart has a bar and a percentage for each department and step, in the language asked', () => {
    const svg = complianceSvg(report, 'kk');
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Қалыпты анатомия кафедрасы');
    expect(svg).toContain('Биохимия кафедрасы');
    expect(svg).toContain('СОП қадамдарының уақтылы орындалуы');
    // anatomy 1 / 4 = 25 %, biochemistry 1 / 2 = 50 %; steps 50 % and 0 %.
    const rowsOf = [...svg.matchAll(/<g class="row" data-label="([^"]*)">(.*?)<\/g>/g)];
    const pct = (label: RegExp) =>
      rowsOf.find(([, l]) => label.test(l))?.[2].match(/>(\d+%)</)?.[1];
    expect(pct(/^Қалыпты анатомия/)).toBe('25%');
    expect(pct(/^Биохимия/)).toBe('50%');
    expect(pct(/GP 3, row 1/)).toBe('50%');
    expect(pct(/§5\.2/)).toBe('0%');
    expect(rowsOf.every(([, , body]) => body.includes('<rect'))).toBe(true);
    expect(complianceSvg(report, 'en')).toContain('>Anatomy<');
    expect(complianceSvg(report, 'ru')).toContain('Кафедра биохимии');
  });

  test('§5.16: a step the workflow closed (superseded) is shown as closed, not as "nothing due yet"', () => {
    const closed = computeCompliance(
      input([row({ stepKey: 'violationAcknowledgement@V-1', status: 'closed' })]),
    );
    const svg = complianceSvg(closed, 'en');
    const body = [...svg.matchAll(/<g class="row" data-label="([^"]*)">(.*?)<\/g>/g)].find(
      ([, label]) => label.includes('§5.16'),
    )?.[2];
    expect(body).toContain('closed by the workflow 1');
    expect(body).not.toContain('nothing due yet');
  });

  test('the chart renders to a PNG with DejaVu Sans', () => {
    const png = chartPng(complianceSvg(report, 'kk'));
    expect(png.subarray(0, 8)).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    // 1100 SVG units wide, drawn at twice the size.
    expect(png.readUInt32BE(16)).toBe(2200);
  });

  test('a long label wraps into two lines, cut with an ellipsis, its clauses kept whole', () => {
    expect(wrapLabel('short', 20, '(GP 3)')).toEqual(['short (GP\u00a03)']);
    const lines = wrapLabel('word '.repeat(40), 20, '(GP 4, row 2)');
    expect(lines).toHaveLength(2);
    expect(lines[1].endsWith('… (GP\u00a04,\u00a0row\u00a02)')).toBe(true);
    expect(lines.every((l) => l.length <= 20)).toBe(true);
    expect(wrapLabel('x'.repeat(50), 20)).toEqual(['x'.repeat(19) + '…']);
  });
});

describe('scope parameters', () => {
  test('exactly one of sessionId, schoolId, departmentId; a 400 names the field', () => {
    expect(parseScope({ departmentId: 'anatomy' })).toEqual({ kind: 'department', id: 'anatomy' });
    const problem = (q: Record<string, unknown>) => {
      try {
        parseScope(q);
      } catch (e) {
        return (
          e as { getResponse(): { status: number; errors: { path: string }[] } }
        ).getResponse();
      }
      throw new Error('no error');
    };
    expect(problem({})).toMatchObject({ status: 400, errors: [{ path: 'sessionId' }] });
    expect(problem({ sessionId: 'a', schoolId: 'b' })).toMatchObject({
      status: 400,
      errors: [{ path: 'sessionId' }, { path: 'schoolId' }],
    });
    expect(problem({ schoolId: ['a', 'b'] })).toMatchObject({ errors: [{ path: 'schoolId' }] });
  });
});
