import type { Localized, Policy, Role } from '../../sop/policy';
import { ruleIdOf } from '../../sop/units';
import { isoInZone } from '../common/time';

/**
 * Compliance with the SOP's deadlines (issue 7, "Compliance reports"), computed over plain rows so
 * that every number can be checked by hand. Definitions (also in the report's `definitions`):
 *
 * - A step counts by the due in force when it was decided or now (`due_at` of the read model: a
 *   step returned for changes has the new due the policy's rework rule gave it; a rescheduled one
 *   its new due).
 * - on time: approved at or before its due; late: approved after it. Lateness = approval instant −
 *   due instant, for approved steps only, in hours and days (24 hours).
 * - overdue: still open (not approved, waived or closed) and its due has passed at `now`, whatever
 *   the read model's status says; open: still open and not yet due.
 * - waived: waived by a role above the owner (GP 3 and the policy's chains), with its reason.
 * - closed: closed by the workflow, not decided by a person (§5.16: the student's acknowledgement
 *   superseded by a Form 3 refusal act); neither on time nor late.
 * - escalated: at least one escalation email went out (audit action `step.escalation-sent`),
 *   counted alongside the other states (a late step may be escalated too).
 * - on-time rate = on time / (on time + late + overdue); null when that is 0.
 * - Windows (a period in which someone may act, row 12's appeal filing) and automatic steps (the
 *   video purge, §5.7) are not duties of a person: they are left out of every count above and
 *   listed in `excluded` with their statuses.
 * - Per person: a decision counts for the person who took it (`approvedBy` on time / late,
 *   `waivedBy` waived); an overdue step counts against the people answerable for it now: the
 *   person it was reassigned to, or else every current holder of its owner role in a scope
 *   covering its unit (so one overdue step may count against two holders).
 */

export type ScopeKind = 'session' | 'school' | 'department';

/** One step of an exam or a session, as the read model has it. */
export interface ComplianceStepRow {
  examId: string | null;
  sessionId: string | null;
  /** The planned step's key: `examinerList`, `ticketUpload#2`, `commissionComposition@surgery`. */
  stepKey: string;
  /** The department it belongs to; null for a session-wide step (row 4's schedule). */
  departmentId: string | null;
  /** The unit whose role holders own it: the department, or the session's scope. */
  unitId: string;
  status: string;
  dueAt: number;
  approvedAt: number | null;
  approvedBy: string | null;
  waivedAt: number | null;
  waivedBy: string | null;
  comment: string | null;
  assigneeId: string | null;
  /** Escalation emails sent for it (audit records `step.escalation-sent`). */
  escalationEmails: number;
}

export interface ComplianceInput {
  policy: Pick<Policy, 'version' | 'steps' | 'timeZone'>;
  now: number;
  scope: { kind: ScopeKind; id: string; name?: Localized };
  rows: ComplianceStepRow[];
  units: { id: string; name: Localized }[];
  people: { id: string; fullName: string }[];
  /** Who holds a role over a unit now (in it or above it): answerable for its overdue steps. */
  holders: { unitId: string; role: Role; personIds: string[] }[];
  /** Set when the reader sees only part of the scope (a head reading a session): their units. */
  restrictedTo?: string[];
}

export interface Lateness {
  count: number;
  medianHours: number;
  medianDays: number;
  worstHours: number;
  worstDays: number;
}

export interface Tally {
  total: number;
  onTime: number;
  late: number;
  overdue: number;
  open: number;
  waived: number;
  closed: number;
  escalated: number;
  escalationEmails: number;
  /** on time / (on time + late + overdue), 0–1, four decimals; null when nothing was due. */
  onTimeRate: number | null;
  lateness: Lateness | null;
}

export type Outcome = 'onTime' | 'late' | 'overdue' | 'open' | 'waived' | 'closed';

export interface ComplianceReport {
  scope: { kind: ScopeKind; id: string; name: Localized | null };
  policyVersion: string;
  timeZone: string;
  generatedAt: string;
  restrictedTo: string[] | null;
  definitions: Record<string, string>;
  totals: Tally;
  byStep: (Tally & {
    ruleId: string;
    title: Localized | null;
    clauses: string[];
    ownerRole: Role | null;
  })[];
  byDepartment: (Tally & { departmentId: string | null; name: Localized | null })[];
  byPerson: {
    personId: string;
    fullName: string;
    approvedOnTime: number;
    approvedLate: number;
    waived: number;
    overdueAnswerable: number;
    lateness: Lateness | null;
  }[];
  waivers: {
    examId: string | null;
    sessionId: string | null;
    stepKey: string;
    ruleId: string;
    departmentId: string | null;
    dueAt: string;
    waivedAt: string | null;
    waivedBy: { personId: string; fullName: string } | null;
    reason: string | null;
  }[];
  excluded: {
    ruleId: string;
    kind: 'window' | 'automatic';
    title: Localized;
    clauses: string[];
    total: number;
    byStatus: Record<string, number>;
  }[];
}

export const DEFINITIONS: Record<string, string> = {
  due: 'the due in force (after a return for changes or a reschedule, the new one)',
  onTime: 'approved at or before its due',
  late: 'approved after its due; lateness = approval instant − due instant (hours; days = hours / 24)',
  overdue: 'not approved, waived or closed, and its due has passed at generatedAt',
  open: 'not approved, waived or closed, and not yet due at generatedAt',
  waived: 'waived by a role above the owner, with a reason',
  closed: 'closed by the workflow, not by a person (§5.16: superseded by a Form 3 act)',
  escalated: 'at least one escalation email sent (audit action step.escalation-sent)',
  onTimeRate: 'onTime / (onTime + late + overdue); null when that sum is 0',
  excluded:
    'windows (row 12 appeal filing) and automatic steps (§5.7 video purge) are not counted; listed in excluded',
  byPerson:
    'decisions count for the person who took them (approvedBy, waivedBy); an overdue step counts against its assignee, or else every current holder of its owner role over its unit',
};

const HOUR = 3_600_000;
const round2 = (x: number) => Math.round(x * 100) / 100;

/** The median of a non-empty list: the middle value, or the mean of the two middle values. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Lateness of approved-late steps in milliseconds → hours and days (two decimals). */
export function latenessOf(lateMs: readonly number[]): Lateness | null {
  if (lateMs.length === 0) return null;
  const medianHours = median(lateMs) / HOUR;
  const worstHours = Math.max(...lateMs) / HOUR;
  return {
    count: lateMs.length,
    medianHours: round2(medianHours),
    medianDays: round2(medianHours / 24),
    worstHours: round2(worstHours),
    worstDays: round2(worstHours / 24),
  };
}

/** on time / (on time + late + overdue), four decimals; null when nothing was due. */
export function onTimeRate(t: { onTime: number; late: number; overdue: number }): number | null {
  const due = t.onTime + t.late + t.overdue;
  return due === 0 ? null : Math.round((t.onTime / due) * 10_000) / 10_000;
}

/** Where one step stands at `now` (see the definitions above). */
export function outcomeOf(row: ComplianceStepRow, now: number): Outcome {
  switch (row.status) {
    case 'approved':
      return row.approvedAt !== null && row.approvedAt > row.dueAt ? 'late' : 'onTime';
    case 'waived':
      return 'waived';
    case 'open':
    case 'overdue':
      return row.dueAt <= now ? 'overdue' : 'open';
    default:
      // closed, held, done: ended by the workflow itself.
      return 'closed';
  }
}

function tally(rows: readonly ComplianceStepRow[], now: number): Tally {
  const t = { total: 0, onTime: 0, late: 0, overdue: 0, open: 0, waived: 0, closed: 0 };
  const lateMs: number[] = [];
  let escalated = 0;
  let escalationEmails = 0;
  for (const row of rows) {
    const outcome = outcomeOf(row, now);
    t.total++;
    t[outcome]++;
    if (outcome === 'late') lateMs.push(row.approvedAt! - row.dueAt);
    if (row.escalationEmails > 0) escalated++;
    escalationEmails += row.escalationEmails;
  }
  return {
    ...t,
    escalated,
    escalationEmails,
    onTimeRate: onTimeRate(t),
    lateness: latenessOf(lateMs),
  };
}

function groupBy<K>(rows: readonly ComplianceStepRow[], key: (r: ComplianceStepRow) => K) {
  const groups = new Map<K, ComplianceStepRow[]>();
  for (const row of rows) {
    const k = key(row);
    const list = groups.get(k);
    if (list === undefined) groups.set(k, [row]);
    else list.push(row);
  }
  return groups;
}

/** The compliance report of a set of steps. Pure: the same input gives the same report. */
export function computeCompliance(input: ComplianceInput): ComplianceReport {
  const { policy, now } = input;
  const zone = policy.timeZone;
  const ruleOf = (row: ComplianceStepRow) =>
    policy.steps.find((s) => s.id === ruleIdOf(row.stepKey));
  const isExcluded = (row: ComplianceStepRow) => {
    const rule = ruleOf(row);
    return rule !== undefined && (rule.window || rule.automatic);
  };
  const counted = input.rows.filter((r) => !isExcluded(r));
  const excludedRows = input.rows.filter(isExcluded);

  const order = (ruleId: string) => {
    const i = policy.steps.findIndex((s) => s.id === ruleId);
    return i < 0 ? policy.steps.length : i;
  };
  const byStep = [...groupBy(counted, (r) => ruleIdOf(r.stepKey))]
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([ruleId, rows]) => {
      const rule = policy.steps.find((s) => s.id === ruleId);
      return {
        ruleId,
        title: rule?.title ?? null,
        clauses: rule?.clauses ?? [],
        ownerRole: rule?.ownerRole ?? null,
        ...tally(rows, now),
      };
    });

  const unitName = (id: string | null) =>
    id === null ? null : (input.units.find((u) => u.id === id)?.name ?? null);
  const byDepartment = [...groupBy(counted, (r) => r.departmentId)]
    // Departments by id; the session-wide steps (no department) last.
    .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
    .map(([departmentId, rows]) => ({
      departmentId,
      name: unitName(departmentId),
      ...tally(rows, now),
    }));

  const fullName = (id: string) => input.people.find((p) => p.id === id)?.fullName ?? id;
  const persons = new Map<
    string,
    {
      approvedOnTime: number;
      approvedLate: number;
      waived: number;
      overdueAnswerable: number;
      lateMs: number[];
    }
  >();
  const person = (id: string) => {
    let p = persons.get(id);
    if (p === undefined) {
      p = { approvedOnTime: 0, approvedLate: 0, waived: 0, overdueAnswerable: 0, lateMs: [] };
      persons.set(id, p);
    }
    return p;
  };
  for (const row of counted) {
    const outcome = outcomeOf(row, now);
    if (outcome === 'onTime' && row.approvedBy !== null) person(row.approvedBy).approvedOnTime++;
    if (outcome === 'late' && row.approvedBy !== null) {
      person(row.approvedBy).approvedLate++;
      person(row.approvedBy).lateMs.push(row.approvedAt! - row.dueAt);
    }
    if (outcome === 'waived' && row.waivedBy !== null) person(row.waivedBy).waived++;
    if (outcome === 'overdue') {
      const role = ruleOf(row)?.ownerRole;
      const answerable =
        row.assigneeId !== null
          ? [row.assigneeId]
          : (input.holders.find((h) => h.unitId === row.unitId && h.role === role)?.personIds ??
            []);
      for (const id of new Set(answerable)) person(id).overdueAnswerable++;
    }
  }
  const byPerson = [...persons]
    .map(([personId, p]) => ({
      personId,
      fullName: fullName(personId),
      approvedOnTime: p.approvedOnTime,
      approvedLate: p.approvedLate,
      waived: p.waived,
      overdueAnswerable: p.overdueAnswerable,
      lateness: latenessOf(p.lateMs),
    }))
    .sort((a, b) => a.fullName.localeCompare(b.fullName) || a.personId.localeCompare(b.personId));

  const waivers = counted
    .filter((r) => outcomeOf(r, now) === 'waived')
    .sort((a, b) => (a.waivedAt ?? 0) - (b.waivedAt ?? 0))
    .map((r) => ({
      examId: r.examId,
      sessionId: r.sessionId,
      stepKey: r.stepKey,
      ruleId: ruleIdOf(r.stepKey),
      departmentId: r.departmentId,
      dueAt: isoInZone(zone, r.dueAt),
      waivedAt: r.waivedAt === null ? null : isoInZone(zone, r.waivedAt),
      waivedBy:
        r.waivedBy === null ? null : { personId: r.waivedBy, fullName: fullName(r.waivedBy) },
      reason: r.comment,
    }));

  const excluded = [...groupBy(excludedRows, (r) => ruleIdOf(r.stepKey))]
    .sort(([a], [b]) => order(a) - order(b))
    .map(([ruleId, rows]) => {
      const rule = policy.steps.find((s) => s.id === ruleId)!;
      const byStatus: Record<string, number> = {};
      for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      return {
        ruleId,
        kind: rule.window ? ('window' as const) : ('automatic' as const),
        title: rule.title,
        clauses: rule.clauses,
        total: rows.length,
        byStatus,
      };
    });

  return {
    scope: { kind: input.scope.kind, id: input.scope.id, name: input.scope.name ?? null },
    policyVersion: policy.version,
    timeZone: zone,
    generatedAt: isoInZone(zone, now),
    restrictedTo: input.restrictedTo ?? null,
    definitions: DEFINITIONS,
    totals: tally(counted, now),
    byStep,
    byDepartment,
    byPerson,
    waivers,
    excluded,
  };
}

/** Everyone the report names (for the personal-data read audit). */
export function peopleNamed(report: ComplianceReport): string[] {
  return [
    ...new Set([
      ...report.byPerson.map((p) => p.personId),
      ...report.waivers.flatMap((w) => (w.waivedBy === null ? [] : [w.waivedBy.personId])),
    ]),
  ].sort();
}
