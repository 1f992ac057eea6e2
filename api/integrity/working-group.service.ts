import { createHash, randomUUID } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import { isIsoDate } from '../../sop/dates';
import type { Role } from '../../sop/policy';
import type { StepSubject } from '../../workflows/exam.contract';
import { holdsIn, type Principal } from '../auth/principal';
import { fieldsOf } from '../common/validation';
import { conflict, invalidFields, ProblemException } from '../common/problem';
import { findUnit, holdersCovering, unitChain } from '../directory/directory.repository';
import type { ExamsService } from '../exams/exams.service';

type Field = { path: string; message: string };

/** §5.10/§5.11: the order is the vice-rector's; the testing centre records it for them. */
export const ORDER_RECORDERS: Role[] = ['vice_rector', 'testing_centre'];
/** §5.12, row 3: the testing centre assigns members and proctors to exams by the schedule. */
export const PROCTOR_ASSIGNERS: Role[] = ['testing_centre'];

const ids = (value: unknown, path: string, errors: Field[]): string[] => {
  if (
    !Array.isArray(value) ||
    value.length === 0 ||
    value.length > 200 ||
    !value.every((v) => typeof v === 'string' && v.trim() !== '' && v.length <= 100)
  ) {
    errors.push({ path, message: 'is required: a list of person ids' });
    return [];
  }
  if (new Set(value).size !== value.length) errors.push({ path, message: 'names someone twice' });
  return value as string[];
};

/** At most this many exam ids are named in row 3's refusal (the count says how many in all). */
export const UNASSIGNED_LISTED = 20;

/**
 * Row 3, §5.12: what approving "proctors and responsible staff approved" of a session approves —
 * every exam of the session has its proctors assigned (`PUT /exams/:id/proctors`). A session with
 * an exam that has none is a 409 naming those exams (the first UNASSIGNED_LISTED of them, in
 * date order); otherwise the subject records the assignments: the exams, the distinct proctors,
 * the working-group orders and the SHA-256 of the sorted (exam, proctor, member, order) rows.
 */
export async function proctorAssignmentsSubject(
  db: Pick<EntityManager, 'query'>,
  sessionId: string,
): Promise<Extract<StepSubject, { kind: 'proctorAssignments' }>> {
  const exams = await db.query<{ id: string; proctors: number }[]>(
    `SELECT e.id, count(a.proctor_id)::int AS proctors
       FROM exam e LEFT JOIN proctor_assignment a ON a.exam_id = e.id
      WHERE e.session_id = $1 GROUP BY e.id ORDER BY e.exam_date, e.id`,
    [sessionId],
  );
  const unassigned = exams.filter((e) => e.proctors === 0).map((e) => e.id);
  if (unassigned.length > 0) {
    const listed = unassigned.slice(0, UNASSIGNED_LISTED);
    const more = unassigned.length - listed.length;
    throw conflict(
      `row 3, §5.12: proctors and responsible staff are approved when every exam of the session ` +
        `has its proctors; ${unassigned.length} of ${exams.length} have none: ${listed.join(', ')}` +
        `${more > 0 ? ` and ${more} more` : ''} (assign them with PUT /exams/:id/proctors)`,
      { clauses: ['row 3', '§5.12'], examsWithoutProctors: listed, unassigned: unassigned.length },
    );
  }
  const rows = await db.query<
    { exam_id: string; proctor_id: string; member_id: string; order_id: string; number: string }[]
  >(
    `SELECT a.exam_id, a.proctor_id, a.member_id, a.order_id, o.number
       FROM proctor_assignment a JOIN exam e ON e.id = a.exam_id
       JOIN working_group_order o ON o.id = a.order_id
      WHERE e.session_id = $1 ORDER BY a.exam_id, a.proctor_id`,
    [sessionId],
  );
  const orders = new Map(rows.map((r) => [r.order_id, r.number]));
  return {
    kind: 'proctorAssignments',
    exams: exams.length,
    proctors: new Set(rows.map((r) => r.proctor_id)).size,
    orders: [...orders]
      .map(([id, number]) => ({ id, number }))
      .sort((a, b) => (a.id < b.id ? -1 : 1)),
    sha256: createHash('sha256')
      .update(
        rows.map((r) => [r.exam_id, r.proctor_id, r.member_id, r.order_id].join('\t')).join('\n'),
      )
      .digest('hex'),
  };
}

/**
 * The working group (§5.10–§5.12): the vice-rector's order appointing it (number, date, members),
 * and, per exam, which member answers for which proctor through the session. The row 3 step
 * ("proctors and responsible staff approved") is approved on these assignments.
 */
export class WorkingGroupService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
  ) {}

  /** POST /working-group/orders (§5.10/§5.11). */
  async recordOrder(principal: Principal, body: unknown) {
    const o = fieldsOf(body);
    const errors: Field[] = [];
    const number = typeof o.number === 'string' ? o.number.trim() : '';
    if (number === '' || number.length > 64)
      errors.push({ path: 'number', message: "is required: the order's number (1–64 characters)" });
    if (typeof o.signedOn !== 'string' || !isIsoDate(o.signedOn))
      errors.push({ path: 'signedOn', message: 'is required: the date signed, YYYY-MM-DD' });
    const scope = typeof o.scope === 'string' ? o.scope : '';
    const unit = scope === '' ? undefined : await findUnit(this.db, scope);
    if (unit === undefined)
      errors.push({ path: 'scope', message: 'must be a unit of the directory' });
    const signedBy = typeof o.signedBy === 'string' ? o.signedBy : '';
    const members = ids(o.members, 'members', errors);
    if (errors.length > 0) throw invalidFields(errors);
    const chain = (await unitChain(this.db, scope)).map((u) => u.id);
    if (!holdsIn(principal, ORDER_RECORDERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `recording the working group's order needs ${ORDER_RECORDERS.join(' or ')} over ${scope} (§5.10)`,
      });
    const rectors = new Set(
      (await holdersCovering(this.db, 'vice_rector', scope)).map((p) => p.id),
    );
    if (!rectors.has(signedBy))
      errors.push({
        path: 'signedBy',
        message: `§5.10: ${signedBy || '(none)'} is not a vice-rector over ${scope}`,
      });
    const group = new Set(
      (await holdersCovering(this.db, 'working_group_member', scope)).map((p) => p.id),
    );
    members.forEach((m, i) => {
      if (!group.has(m))
        errors.push({
          path: `members[${i}]`,
          message: `${m} is not a working-group member over ${scope}`,
        });
    });
    if (errors.length > 0) throw invalidFields(errors);
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      const same = await tx.query<unknown[]>(
        `SELECT 1 FROM working_group_order WHERE number = $1 AND signed_on = $2`,
        [number, o.signedOn],
      );
      if (same.length > 0)
        throw conflict(`order № ${number} of ${String(o.signedOn)} is already recorded`);
      await tx.query(
        `INSERT INTO working_group_order (id, number, signed_on, signed_by, scope_id, members, recorded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [id, number, o.signedOn, signedBy, scope, members, principal.personId],
      );
      await appendAudit(tx, {
        key: `working-group/order/${id}`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: holdsIn(principal, ['vice_rector'], chain) ? 'vice_rector' : 'testing_centre',
        action: 'workingGroup.order-recorded',
        clauses: ['§5.10', '§5.11'],
        scopeId: scope,
        after: { id, number, signedOn: o.signedOn, signedBy, members },
      });
      return { id, number, signedOn: o.signedOn, signedBy, scope, members };
    });
  }

  /** PUT /exams/:id/proctors (§5.12, row 3): the exam's proctors and who answers for each. */
  async assign(principal: Principal, examId: string, body: unknown) {
    const { exam, chain } = await this.exams.readableScope(principal, examId);
    if (!holdsIn(principal, PROCTOR_ASSIGNERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `assigning proctors needs testing_centre over ${exam.department_id} (§5.12, row 3)`,
      });
    const o = fieldsOf(body);
    const errors: Field[] = [];
    const orderId = typeof o.orderId === 'string' ? o.orderId : '';
    const orders = /^[0-9a-f-]{36}$/i.test(orderId)
      ? await this.db.query<{ id: string; number: string; scope_id: string; members: string[] }[]>(
          `SELECT id, number, scope_id, members FROM working_group_order WHERE id = $1`,
          [orderId],
        )
      : [];
    const order = orders[0];
    if (order === undefined)
      errors.push({ path: 'orderId', message: 'is not a recorded working-group order' });
    else if (!chain.includes(order.scope_id))
      errors.push({
        path: 'orderId',
        message: `order № ${order.number} does not cover ${exam.department_id}`,
      });
    const list = Array.isArray(o.assignments) ? o.assignments : [];
    if (list.length === 0 || list.length > 200)
      errors.push({ path: 'assignments', message: 'is required: [{ proctorId, memberId }, …]' });
    const proctors = new Set(
      (await holdersCovering(this.db, 'proctor', exam.department_id)).map((p) => p.id),
    );
    const seen = new Set<string>();
    const rows = list.map((item: unknown, i: number) => {
      const a = fieldsOf(item);
      const proctorId = typeof a.proctorId === 'string' ? a.proctorId : '';
      const memberId = typeof a.memberId === 'string' ? a.memberId : '';
      if (!proctors.has(proctorId))
        errors.push({
          path: `assignments[${i}].proctorId`,
          message: `${proctorId || '(none)'} is not a proctor over ${exam.department_id}`,
        });
      else if (seen.has(proctorId))
        errors.push({ path: `assignments[${i}].proctorId`, message: 'is assigned twice' });
      seen.add(proctorId);
      if (order !== undefined && !order.members.includes(memberId))
        errors.push({
          path: `assignments[${i}].memberId`,
          message: `${memberId || '(none)'} is not in order № ${order.number}`,
        });
      return { proctorId, memberId };
    });
    if (errors.length > 0) throw invalidFields(errors);
    return this.db.transaction(async (tx) => {
      await tx.query(`DELETE FROM proctor_assignment WHERE exam_id = $1`, [examId]);
      for (const r of rows)
        await tx.query(
          `INSERT INTO proctor_assignment (exam_id, proctor_id, member_id, order_id, assigned_by)
           VALUES ($1, $2, $3, $4, $5)`,
          [examId, r.proctorId, r.memberId, orderId, principal.personId],
        );
      await appendAudit(tx, {
        key: `working-group/exam/${examId}/${Date.now()}/${principal.personId}`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: 'testing_centre',
        action: 'workingGroup.proctors-assigned',
        clauses: ['§5.12', 'row 3'],
        scopeId: exam.department_id,
        examId,
        after: { orderId, assignments: rows },
      });
      return { examId, orderId, assignments: rows };
    });
  }

  /** GET /exams/:id/proctors: the exam's proctors and their members. */
  async list(principal: Principal, examId: string) {
    await this.exams.readable(principal, examId);
    const rows = await this.db.query<
      { proctor_id: string; proctor: string; member_id: string; member: string; number: string }[]
    >(
      `SELECT a.proctor_id, p.full_name AS proctor, a.member_id, m.full_name AS member, o.number
         FROM proctor_assignment a JOIN person p ON p.id = a.proctor_id
         JOIN person m ON m.id = a.member_id JOIN working_group_order o ON o.id = a.order_id
        WHERE a.exam_id = $1 ORDER BY p.full_name`,
      [examId],
    );
    return {
      examId,
      items: rows.map((r) => ({
        proctorId: r.proctor_id,
        proctor: r.proctor,
        memberId: r.member_id,
        member: r.member,
        order: r.number,
      })),
    };
  }
}
