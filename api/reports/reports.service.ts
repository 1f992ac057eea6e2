import type { DataSource } from 'typeorm';
import type { Policy, Role } from '../../sop/policy';
import { findStep } from '../../sop/units';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsAny, type Principal } from '../auth/principal';
import { badRequest, notFound, ProblemException } from '../common/problem';
import { holdersCovering, listUnits, type Unit } from '../directory/directory.repository';
import {
  computeCompliance,
  outcomeOf,
  peopleNamed,
  type ComplianceReport,
  type ComplianceStepRow,
  type ScopeKind,
} from './compliance';

/** Who may read compliance reports (the service then checks the scope). */
export const REPORT_READERS: Role[] = [
  'auditor',
  'admin',
  'vice_rector',
  'dean',
  'department_head',
];
/** These read every scope of the institution. */
const READ_ANY: Role[] = ['auditor', 'admin', 'vice_rector'];
/** These read the units they hold their role in (a dean's school, a head's department) and below. */
const READ_OWN: Role[] = ['dean', 'department_head'];

export const SCOPE_PARAMETERS = {
  sessionId: 'session',
  schoolId: 'school',
  departmentId: 'department',
} as const satisfies Record<string, ScopeKind>;
export type ScopeParameter = keyof typeof SCOPE_PARAMETERS;

export interface ComplianceScope {
  kind: ScopeKind;
  id: string;
}

/** Exactly one of sessionId, schoolId, departmentId: a 400 naming the field otherwise. */
export function parseScope(query: Record<string, unknown>): ComplianceScope {
  const given = (Object.keys(SCOPE_PARAMETERS) as ScopeParameter[]).filter(
    (name) => query[name] !== undefined,
  );
  if (given.length === 0)
    throw badRequest('sessionId', 'give exactly one of sessionId, schoolId or departmentId');
  if (given.length > 1)
    throw new ProblemException({
      status: 400,
      detail: `give exactly one of sessionId, schoolId or departmentId (got ${given.join(', ')})`,
      errors: given.map((path) => ({ path, message: 'only one scope parameter is allowed' })),
    });
  const name = given[0];
  const value = query[name];
  if (typeof value !== 'string' || value === '' || value.length > 64 || CONTROL.test(value))
    throw badRequest(name, 'must be one id of 1–64 characters without control characters');
  return { kind: SCOPE_PARAMETERS[name], id: value };
}

// eslint-disable-next-line no-control-regex -- control characters are what this rejects
const CONTROL = /[\u0000-\u001f\u007f]/;

interface StepDbRow {
  exam_id: string | null;
  session_id: string | null;
  step_id: string;
  department_id: string | null;
  unit_id: string;
  status: string;
  due_at: Date;
  approved_at: Date | null;
  approved_by: string | null;
  waived_at: Date | null;
  waived_by: string | null;
  comment: string | null;
  assignee_id: string | null;
}

const SELECT_STEP = `s.step_id, s.status, s.due_at, s.approved_at, s.approved_by, s.waived_at,
  s.waived_by, s.comment, s.assignee_id`;

/**
 * Compliance reports from the read model (exam_step, session_step), the audit log (escalation
 * emails) and the directory (names, who holds the owner role now); the numbers come from the pure
 * computeCompliance (compliance.ts).
 */
export class ReportsService {
  constructor(
    private readonly db: DataSource,
    private readonly policy: Policy,
  ) {}

  /** The report a principal may read, their reading of people's names audited; 404 outside their scope. */
  async complianceFor(
    principal: Principal,
    scope: ComplianceScope,
    now: number,
    /** The resource read, for the audit of personal data; null for a view naming no one (the chart). */
    resource: string | null,
  ): Promise<ComplianceReport> {
    const units = await listUnits(this.db);
    const restrictedTo = await this.access(principal, scope, units);
    const report = await this.compliance(scope, now, restrictedTo, units);
    const personIds = peopleNamed(report);
    if (resource !== null && personIds.length > 0)
      await auditPersonalDataRead(this.db, principal, {
        resource,
        personIds,
        ...(scope.kind === 'session' ? { sessionId: scope.id } : { scopeId: scope.id }),
        query: { [`${scope.kind}Id`]: scope.id },
      });
    return report;
  }

  /**
   * null: the principal reads the whole scope; a list of units: only the steps of departments
   * under them (a head reading a session of the school); 404 when they may read none of it.
   */
  private async access(
    principal: Principal,
    scope: ComplianceScope,
    units: Unit[],
  ): Promise<string[] | null> {
    await this.resolve(scope, units);
    if (holdsAny(principal, READ_ANY)) return null;
    const own = principal.grants.filter((g) => READ_OWN.includes(g.role)).map((g) => g.scopeId);
    const covered = (unitId: string) => chainOf(units, unitId).some((id) => own.includes(id));
    const hidden = notFound(`${scope.kind} ${scope.id} does not exist`);
    if (scope.kind !== 'session') {
      if (covered(scope.id)) return null;
      throw hidden;
    }
    const session = (
      await this.db.query<{ scope_id: string }[]>(
        `SELECT scope_id FROM exam_session WHERE id = $1`,
        [scope.id],
      )
    )[0];
    if (covered(session.scope_id)) return null;
    const departments = await this.db.query<{ id: string }[]>(
      `SELECT DISTINCT department_id AS id FROM exam WHERE session_id = $1 AND department_id IS NOT NULL
       UNION SELECT DISTINCT split_part(step_id, '@', 2) FROM session_step
        WHERE session_id = $1 AND position('@' in step_id) > 0`,
      [scope.id],
    );
    if (!departments.some((d) => covered(d.id))) throw hidden;
    return [...new Set(own)].sort();
  }

  /** The scope's name; 404 for an unknown id or a unit of another kind. */
  private async resolve(scope: ComplianceScope, units: Unit[]) {
    if (scope.kind === 'session') {
      const rows = await this.db.query<{ title: string }[]>(
        `SELECT title FROM exam_session WHERE id = $1`,
        [scope.id],
      );
      if (rows[0] === undefined) throw notFound(`session ${scope.id} does not exist`);
      const title = rows[0].title;
      return { kk: title, ru: title, en: title };
    }
    const unit = units.find((u) => u.id === scope.id && u.kind === scope.kind);
    if (unit === undefined) throw notFound(`${scope.kind} ${scope.id} does not exist`);
    return unit.name;
  }

  /** The whole report of a scope at `now` (restricted to departments under `restrictedTo`). */
  async compliance(
    scope: ComplianceScope,
    now: number,
    restrictedTo: string[] | null = null,
    units?: Unit[],
  ): Promise<ComplianceReport> {
    const allUnits = units ?? (await listUnits(this.db));
    const name = await this.resolve(scope, allUnits);
    const examSteps = await this.db.query<StepDbRow[]>(
      `SELECT s.exam_id, e.session_id, e.department_id, e.department_id AS unit_id, ${SELECT_STEP}
         FROM exam_step s
         JOIN exam e ON e.id = s.exam_id
         JOIN org_unit d ON d.id = e.department_id
        WHERE CASE $1 WHEN 'session' THEN e.session_id = $2
                      WHEN 'school' THEN d.parent_id = $2
                      ELSE e.department_id = $2 END`,
      [scope.kind, scope.id],
    );
    // Session steps: the session's own (row 4 …) in a session's report; a department's GP 4 step
    // (commissionComposition@<department>) also in its department's and school's report.
    const sessionSteps = await this.db.query<StepDbRow[]>(
      `SELECT NULL::text AS exam_id, s.session_id, d.id AS department_id,
              COALESCE(d.id, x.scope_id) AS unit_id, ${SELECT_STEP}
         FROM session_step s
         JOIN exam_session x ON x.id = s.session_id
         LEFT JOIN org_unit d ON d.kind = 'department' AND position('@' in s.step_id) > 0
                             AND d.id = split_part(s.step_id, '@', 2)
        WHERE CASE $1 WHEN 'session' THEN s.session_id = $2
                      WHEN 'school' THEN d.parent_id = $2
                      ELSE d.id = $2 END`,
      [scope.kind, scope.id],
    );
    let dbRows = [...examSteps, ...sessionSteps];
    if (restrictedTo !== null)
      dbRows = dbRows.filter(
        (r) =>
          r.department_id !== null &&
          chainOf(allUnits, r.department_id).some((id) => restrictedTo.includes(id)),
      );

    const escalations = await this.db.query<
      { exam_id: string | null; session_id: string | null; step_id: string; n: number }[]
    >(
      `SELECT exam_id, session_id, step_id, count(*)::int AS n FROM audit_log
        WHERE action = 'step.escalation-sent'
          AND (exam_id = ANY($1) OR (exam_id IS NULL AND session_id = ANY($2)))
        GROUP BY exam_id, session_id, step_id`,
      [
        [...new Set(dbRows.flatMap((r) => (r.exam_id === null ? [] : [r.exam_id])))],
        [...new Set(dbRows.flatMap((r) => (r.exam_id === null ? [r.session_id!] : [])))],
      ],
    );
    const stepRef = (examId: string | null, sessionId: string | null, step: string) =>
      examId !== null ? `exam/${examId}/${step}` : `session/${sessionId}/${step}`;
    const emails = new Map(
      escalations.map((e) => [stepRef(e.exam_id, e.session_id, e.step_id), e.n]),
    );

    const rows: ComplianceStepRow[] = dbRows.map((r) => ({
      examId: r.exam_id,
      sessionId: r.session_id,
      stepKey: r.step_id,
      departmentId: r.department_id,
      unitId: r.unit_id,
      status: r.status,
      dueAt: r.due_at.getTime(),
      approvedAt: r.approved_at?.getTime() ?? null,
      approvedBy: r.approved_by,
      waivedAt: r.waived_at?.getTime() ?? null,
      waivedBy: r.waived_by,
      comment: r.comment,
      assigneeId: r.assignee_id,
      escalationEmails: emails.get(stepRef(r.exam_id, r.session_id, r.step_id)) ?? 0,
    }));

    // Who answers for each overdue step now: the holders of its owner role over its unit.
    const holders: { unitId: string; role: Role; personIds: string[] }[] = [];
    for (const row of rows) {
      if (row.assigneeId !== null || outcomeOf(row, now) !== 'overdue') continue;
      const role = findStep(this.policy, row.stepKey)?.ownerRole;
      if (role === undefined || holders.some((h) => h.unitId === row.unitId && h.role === role))
        continue;
      const people = await holdersCovering(this.db, role, row.unitId);
      holders.push({ unitId: row.unitId, role, personIds: people.map((p) => p.id) });
    }
    const ids = [
      ...new Set([
        ...rows.flatMap((r) => [r.approvedBy, r.waivedBy, r.assigneeId]),
        ...holders.flatMap((h) => h.personIds),
      ]),
    ].filter((id): id is string => id !== null);
    const people = await this.db.query<{ id: string; full_name: string }[]>(
      `SELECT id, full_name FROM person WHERE id = ANY($1)`,
      [ids],
    );
    const departmentIds = new Set(rows.map((r) => r.departmentId));
    return computeCompliance({
      policy: this.policy,
      now,
      scope: { ...scope, name },
      rows,
      units: allUnits
        .filter((u) => departmentIds.has(u.id))
        .map((u) => ({ id: u.id, name: u.name })),
      people: people.map((p) => ({ id: p.id, fullName: p.full_name })),
      holders,
      ...(restrictedTo !== null ? { restrictedTo } : {}),
    });
  }
}

/** A unit and its ancestors' ids (department, school, institution). */
function chainOf(units: Unit[], id: string): string[] {
  const chain: string[] = [];
  let unit = units.find((u) => u.id === id);
  while (unit !== undefined && !chain.includes(unit.id)) {
    chain.push(unit.id);
    unit = unit.parentId === null ? undefined : units.find((u) => u.id === unit!.parentId);
  }
  return chain;
}
