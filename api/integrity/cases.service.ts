import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit, type AuditEntry } from '../../activities/audit-log';
import type { Policy, Role } from '../../sop/policy';
import type { StepSubject } from '../../workflows/exam.contract';
import {
  ACKNOWLEDGEMENTS,
  CASE_SOURCES,
  violationCaseWorkflowId,
  type Acknowledgement,
  type CaseSource,
} from '../../workflows/violation-case.contract';
import { auditPersonalDataRead } from '../audit/personal-data';
import type { ViolationEvidence, ViolationFlagHandler } from '../proctoring/violation-flag';
import { holdsIn, type Principal } from '../auth/principal';
import { fieldsOf } from '../common/validation';
import { conflict, invalidFields, notFound, ProblemException } from '../common/problem';
import { dateInZone } from '../common/time';
import { findPerson, holdersCovering, unitChain } from '../directory/directory.repository';
import type { ExamsService } from '../exams/exams.service';
import type { GradeSheetService } from '../grading/grade-sheet.service';
import {
  DocumentContentError,
  issueDocument,
  readDocument,
  VIOLATIONS,
  type ActPerson,
  type DocumentLanguage,
  type Violation,
} from './documents';

type Queryable = Pick<EntityManager, 'query'>;
type Field = { path: string; message: string };

/** The actor of cases the proctoring system's flags open. */
export const PROCTORING_SYSTEM = 'system:proctoring';

/** §5.7, row 11: who opens a case (the roles that report a violation). */
export const CASE_OPENERS: Role[] = [
  'proctor',
  'working_group_member',
  'testing_centre',
  'distance_learning',
];
/** §5.8: the integrity commission decides; §5.16: it draws up Form 3. */
export const CASE_DECIDERS: Role[] = ['violation_commission'];
/** §5.16: the dean's office sends the act to the student. */
export const ACT_SENDERS: Role[] = ['deans_office'];
/** Who reads an exam's cases (they name students). */
export const CASE_READERS: Role[] = [
  'violation_commission',
  'working_group_member',
  'deans_office',
  'dean',
  'testing_centre',
  'registrar',
  'auditor',
];

const invalid = invalidFields;

/**
 * §5.8, Form 2: the sources whose act is drawn up on the spot — an in-person Form 2 and the
 * impostor act — by the people who sign it, named when the case is opened. A Form 4 row or a
 * proctoring flag has no such act: its act is drawn up by the commission that confirms it.
 */
export const DRAWN_ON_THE_SPOT: readonly CaseSource[] = ['form2', 'impostor'];
/** §5.8, Form 2: "the (three) people drawing up the act" — at least three. */
export const ACT_DRAWERS_MIN = 3;
const ACT_DRAWERS_MAX = 20;

/**
 * The roles whose policy title is printed as a person's position on an act (the first one held
 * over the exam's department): the commission's members, and the people who drew an act up.
 */
const SEATS = [
  'proctor',
  'testing_centre',
  'deans_office',
  'violation_commission',
  'working_group_member',
] as const satisfies readonly Role[];
type Seat = (typeof SEATS)[number];

/** Someone who drew an act up on the spot, as stored in `violation_case.drawn_up_by`. */
export interface ActDrawer {
  personId: string;
  name: string;
  /** The seat whose title the act prints as their position. */
  role: Seat;
}

interface CaseRow {
  exam_id: string;
  case_id: string;
  student_id: string;
  source: CaseSource;
  status: 'open' | 'confirmed' | 'dismissed' | 'closed';
  act_document: string | null;
  evidence: Record<string, unknown>;
  commission: string[] | null;
  decision_reason: string | null;
  decided_at: Date | null;
  acknowledgement: Acknowledgement | null;
  acknowledged_at: Date | null;
  refusal_document: string | null;
  workflow_id: string;
  opened_by: string;
  opened_at: Date;
  closed_at: Date | null;
  /** §5.8, Form 2: who drew the act up on the spot (form2 and impostor cases). */
  drawn_up_by: ActDrawer[] | null;
}

const text = (
  o: Record<string, unknown>,
  name: string,
  max: number,
  errors: Field[],
  path = name,
) => {
  const v = o[name];
  if (typeof v !== 'string' || v.trim() === '' || v.length > max) {
    errors.push({ path, message: `is required: 1–${max} characters` });
    return '';
  }
  return v.trim();
};

/**
 * §5.8, Form 2: the `drawnUpBy` of an act drawn up on the spot — the ids of at least three distinct
 * people (checked against the directory by the caller); problems go to `errors`.
 */
function drawnUpByIds(value: unknown, errors: Field[]): string[] {
  const need = `is required: the ids of at least ${ACT_DRAWERS_MIN} people who drew up the act on the spot (§5.8, Form 2)`;
  if (!Array.isArray(value)) {
    errors.push({ path: 'drawnUpBy', message: need });
    return [];
  }
  if (value.length > ACT_DRAWERS_MAX) {
    errors.push({ path: 'drawnUpBy', message: `at most ${ACT_DRAWERS_MAX} people` });
    return [];
  }
  const first = new Map<string, number>();
  value.forEach((v, i) => {
    const id = typeof v === 'string' ? v.trim() : '';
    if (id === '' || id.length > 100)
      errors.push({ path: `drawnUpBy[${i}]`, message: 'is required: a person id' });
    else if (first.has(id))
      errors.push({
        path: `drawnUpBy[${i}]`,
        message: `names ${id} again (drawnUpBy[${first.get(id)}]): three distinct people`,
      });
    else first.set(id, i);
  });
  const ids = [...first.keys()];
  if (ids.length < ACT_DRAWERS_MIN)
    errors.push({
      path: 'drawnUpBy',
      message: `at least ${ACT_DRAWERS_MIN} people drew up the act on the spot (§5.8, Form 2): ${ids.length} named`,
    });
  return ids;
}

/**
 * Violation cases (issue 9; §5.8, §5.14–§5.16, row 11). A case is opened by a "drawn" Form 4 row,
 * the proctoring system's flag, or an act drawn up on the spot (Form 2, the impostor act); it runs
 * in its own workflow (workflows/violation-case.workflow.ts). Every decision is recorded here with
 * its documents and passed to the workflow as an approval in the same transaction: a refusal by
 * the workflow saves nothing.
 */
export class CasesService implements ViolationFlagHandler {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly sheets: GradeSheetService,
    private readonly policy: Policy,
  ) {}

  private context(principal: Principal, examId: string) {
    return this.exams.readableScope(principal, examId);
  }

  private async caseRow(db: Queryable, examId: string, caseId: string, lock = false) {
    const rows = await db.query<CaseRow[]>(
      `SELECT * FROM violation_case WHERE exam_id = $1 AND case_id = $2${lock ? ' FOR UPDATE' : ''}`,
      [examId, caseId],
    );
    if (rows[0] === undefined) throw notFound(`exam ${examId} has no case ${caseId}`);
    return rows[0];
  }

  private forbid(principal: Principal, roles: Role[], chain: string[], act: string) {
    if (!holdsIn(principal, roles, chain))
      throw new ProblemException({ status: 403, detail: `${act} needs ${roles.join(' or ')}` });
  }

  /** POST /exams/:id/cases: a violation found (§5.7, row 11); the case's workflow starts. */
  async open(principal: Principal, examId: string, body: unknown, updateId: string) {
    const { departmentId, chain } = await this.context(principal, examId);
    this.forbid(principal, CASE_OPENERS, chain, 'opening a violation case (§5.7, row 11)');
    const o = fieldsOf(body);
    const errors: Field[] = [];
    const studentId = text(o, 'studentId', 100, errors);
    const source = o.source as CaseSource;
    if (!(CASE_SOURCES as readonly string[]).includes(source))
      errors.push({ path: 'source', message: `must be one of ${CASE_SOURCES.join(', ')}` });
    const note = typeof o.note === 'string' ? o.note.trim().slice(0, 2000) : '';
    const violations = Array.isArray(o.violations) ? o.violations : [];
    violations.forEach((v, i) => {
      if (!(VIOLATIONS as readonly unknown[]).includes(v))
        errors.push({
          path: `violations[${i}]`,
          message: `must be one of ${VIOLATIONS.join(', ')}`,
        });
    });
    if (source === 'impostor' && (typeof o.impostor !== 'string' || o.impostor.trim() === ''))
      errors.push({
        path: 'impostor',
        message: 'is required for an impostor act: who sat the exam',
      });
    const onTheSpot = DRAWN_ON_THE_SPOT.includes(source);
    // §5.8, Form 2: only an act drawn up on the spot names who drew it up; any other case's act is
    // drawn up by the commission that confirms it, so a list sent with it is refused, not ignored.
    if (!onTheSpot && o.drawnUpBy !== undefined && errors.every((e) => e.path !== 'source'))
      errors.push({
        path: 'drawnUpBy',
        message: `is only for an act drawn up on the spot (${DRAWN_ON_THE_SPOT.join(', ')}); a ${source} case's act is drawn up by the commission that confirms it`,
      });
    const drawerIds = onTheSpot ? drawnUpByIds(o.drawnUpBy, errors) : [];
    if (errors.length > 0) throw invalid(errors);
    const sat = await this.db.query<unknown[]>(
      `SELECT 1 FROM admission WHERE exam_id = $1 AND student_id = $2 AND admitted
       UNION SELECT 1 FROM recording WHERE exam_id = $1 AND student_id = $2`,
      [examId, studentId],
    );
    if (sat.length === 0)
      errors.push({ path: 'studentId', message: `${studentId} did not sit exam ${examId}` });
    const drawnUpBy = onTheSpot ? await this.drawers(drawerIds, departmentId, errors) : undefined;
    if (errors.length > 0) throw invalid(errors);
    const evidence = {
      note,
      violations,
      ...(typeof o.impostor === 'string' ? { impostor: o.impostor.trim() } : {}),
      ...(typeof o.recording === 'string' ? { recording: o.recording.trim().slice(0, 500) } : {}),
      ...(typeof o.time === 'string' && /^\d{2}:\d{2}$/.test(o.time) ? { time: o.time } : {}),
    };
    return this.db.transaction((tx) =>
      this.openIn(tx, principal, examId, departmentId, chain, {
        studentId,
        source,
        evidence,
        note,
        updateId,
        ...(drawnUpBy !== undefined ? { drawnUpBy } : {}),
      }),
    );
  }

  /**
   * Opens a case in the caller's transaction: the row, the exam's Update (it holds the recordings
   * and starts the case's workflow; a refusal throws, rolling the transaction back), then the audit
   * record (after the Update: the workflow's own record needs the audit chain's lock).
   */
  private async openIn(
    tx: Queryable,
    principal: Principal,
    examId: string,
    departmentId: string,
    chain: string[],
    input: {
      studentId: string;
      source: CaseSource;
      evidence: Record<string, unknown>;
      note: string;
      updateId: string;
      /** §5.8, Form 2: who drew the act up on the spot (form2, impostor). */
      drawnUpBy?: ActDrawer[];
    },
    /** Return the audit record instead of appending it (more Updates follow in the transaction). */
    deferAudit = false,
  ) {
    const { studentId, source, evidence, note, updateId, drawnUpBy } = input;
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`cases/${examId}`]);
    const same = await tx.query<{ case_id: string }[]>(
      `SELECT case_id FROM violation_case WHERE exam_id = $1 AND student_id = $2 AND source = $3`,
      [examId, studentId, source],
    );
    if (same[0] !== undefined)
      throw conflict(`case ${same[0].case_id} already records this (${source})`, {
        clauses: ['§5.7'],
      });
    const next = await tx.query<{ n: number }[]>(
      `SELECT count(*)::int + 1 AS n FROM violation_case WHERE exam_id = $1`,
      [examId],
    );
    const caseId = `V-${next[0].n}`;
    const workflowId = violationCaseWorkflowId(examId, caseId);
    await tx.query(
      `INSERT INTO violation_case (exam_id, case_id, student_id, source, evidence, workflow_id, opened_by,
                                   drawn_up_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        examId,
        caseId,
        studentId,
        source,
        JSON.stringify(evidence),
        workflowId,
        principal.personId,
        drawnUpBy === undefined ? null : JSON.stringify(drawnUpBy),
      ],
    );
    const event = await this.exams.recordEvent(
      principal,
      examId,
      { event: 'violationFound', caseId, comment: note || source, case: { studentId, source } },
      updateId,
    );
    const record: AuditEntry = {
      key: `case/${examId}/${caseId}/opened`,
      at: Date.now(),
      actor: principal.personId,
      actorRole: CASE_OPENERS.find((r) => holdsIn(principal, [r], chain)) ?? null,
      action: 'case.opened',
      clauses: [
        '§5.7',
        '§5.8',
        'row 11',
        ...(drawnUpBy === undefined ? [] : [source === 'impostor' ? 'impostor act' : 'Form 2']),
      ],
      scopeId: departmentId,
      examId,
      after: {
        caseId,
        studentId,
        source,
        evidence,
        workflowId,
        ...(drawnUpBy !== undefined ? { drawnUpBy: drawnUpBy.map((d) => d.personId) } : {}),
      },
    };
    if (!deferAudit) await appendAudit(tx, record);
    return {
      examId,
      caseId,
      studentId,
      source,
      ...(drawnUpBy !== undefined ? { drawnUpBy } : {}),
      workflowId,
      status: 'open',
      holds: event.holds,
      ...(deferAudit ? { audit: record } : {}),
    };
  }

  /**
   * Row 11, §5.15: a "drawn" row of a signed Form 4 opens a case (once per student), in the
   * signing's transaction; the audit record is returned for the caller to append after its last
   * Update.
   */
  async openFromForm4(
    tx: Queryable,
    principal: Principal,
    examId: string,
    departmentId: string,
    chain: string[],
    input: { studentId: string; proctorId: string; updateId: string },
  ): Promise<{ caseId: string; audit: AuditEntry } | undefined> {
    const existing = await tx.query<unknown[]>(
      `SELECT 1 FROM violation_case WHERE exam_id = $1 AND student_id = $2 AND source = 'form4'`,
      [examId, input.studentId],
    );
    if (existing.length > 0) return undefined;
    const opened = await this.openIn(
      tx,
      principal,
      examId,
      departmentId,
      chain,
      {
        studentId: input.studentId,
        source: 'form4',
        evidence: { note: 'Form 4', violations: [], proctorId: input.proctorId },
        note: 'Form 4',
        updateId: input.updateId,
      },
      true,
    );
    return { caseId: opened.caseId, audit: opened.audit! };
  }

  /**
   * The proctoring system's flag (§5.7, §5.14; VIOLATION_FLAG_HANDLER): a case with source 'flag'
   * opened in the webhook event's transaction, by the proctoring system acting as a proctor. A
   * student already flagged in the exam keeps their one case (the event is still stored).
   */
  async onViolationFlagged(
    examId: string,
    studentId: string,
    evidence: ViolationEvidence,
    tx: EntityManager,
  ): Promise<void> {
    const exams = await tx.query<{ department_id: string }[]>(
      `SELECT department_id FROM exam WHERE id = $1`,
      [examId],
    );
    if (exams[0] === undefined) return;
    const departmentId = exams[0].department_id;
    const flagged = await tx.query<unknown[]>(
      `SELECT 1 FROM violation_case WHERE exam_id = $1 AND student_id = $2 AND source = 'flag'`,
      [examId, studentId],
    );
    if (flagged.length > 0) return;
    const system: Principal = {
      personId: PROCTORING_SYSTEM,
      email: '',
      fullName: 'Proctoring system',
      language: 'en',
      grants: [{ role: 'proctor', scopeId: departmentId, scopeKind: 'department' }],
      via: 'apiKey',
    };
    // An exam whose workflow has ended (or never ran here) cannot hold a case: the flag is still
    // stored and audited by the webhook, the case is not opened.
    await tx.query(`SAVEPOINT flag_case`);
    try {
      await this.openFlagged(tx, system, examId, departmentId, studentId, evidence);
    } catch (error) {
      if (!(error instanceof ProblemException) || error.getStatus() !== 409) throw error;
      await tx.query(`ROLLBACK TO SAVEPOINT flag_case`);
    }
  }

  private async openFlagged(
    tx: EntityManager,
    system: Principal,
    examId: string,
    departmentId: string,
    studentId: string,
    evidence: ViolationEvidence,
  ) {
    await this.openIn(tx, system, examId, departmentId, await this.exams.chain(departmentId), {
      studentId,
      source: 'flag',
      evidence: {
        note: evidence.note ?? evidence.kind,
        violations: [],
        recording: evidence.recording.link ?? evidence.recording.externalId,
        eventId: evidence.eventId,
        at: evidence.at,
      },
      note: evidence.note ?? evidence.kind,
      updateId: `proctoring-flag/${evidence.eventId}`,
    });
  }

  /** The commission's members checked against the policy (§5.8): errors name the field. */
  private async commission(members: unknown, principal: Principal, departmentId: string) {
    const { minMembers, requiredRoles } = this.policy.rules.violation.commission;
    if (
      !Array.isArray(members) ||
      members.length === 0 ||
      members.length > 20 ||
      !members.every((m) => typeof m === 'string' && m.trim() !== '')
    )
      throw invalid([
        { path: 'members', message: 'is required: the ids of the commission members' },
      ]);
    const ids = members as string[];
    const problems: Field[] = [];
    if (new Set(ids).size !== ids.length)
      problems.push({ path: 'members', message: 'names a member twice' });
    const people = await Promise.all(ids.map((id) => findPerson(this.db, id)));
    people.forEach((p, i) => {
      if (p === undefined || !p.active)
        problems.push({
          path: `members[${i}]`,
          message: `${ids[i]} is not an active person of the directory`,
        });
    });
    if (ids.length < minMembers)
      problems.push({
        path: 'members',
        message: `§5.8: a commission of at least ${minMembers} people (${ids.length} named)`,
      });
    for (const role of requiredRoles) {
      const holders = new Set(
        (await holdersCovering(this.db, role, departmentId)).map((p) => p.id),
      );
      if (!ids.some((id) => holders.has(id)))
        problems.push({
          path: 'members',
          message: `§5.8: the commission includes a ${role} member`,
        });
    }
    if (!ids.includes(principal.personId))
      problems.push({
        path: 'members',
        message: 'must include you, the member recording the decision',
      });
    if (problems.length > 0) throw invalid(problems);
    return people as NonNullable<(typeof people)[number]>[];
  }

  /**
   * The seat each person sits for over the department (the first of SEATS they hold; undefined
   * when none): the holders of each seat read once for the whole list.
   */
  private async seats(ids: string[], departmentId: string): Promise<(Seat | undefined)[]> {
    const resolved = await Promise.all(
      SEATS.map(async (role) => ({
        role,
        ids: new Set((await holdersCovering(this.db, role, departmentId)).map((p) => p.id)),
      })),
    );
    return ids.map((id) => resolved.find((s) => s.ids.has(id))?.role);
  }

  /** A seat's title in the act's language: the policy's title of the role. */
  private position(role: Seat, language: DocumentLanguage): string {
    return this.policy.roles.find((r) => r.id === role)?.title[language] ?? role;
  }

  /** The commission members' positions on the act (a member without a seat: "member"). */
  private async positions(
    members: string[],
    departmentId: string,
    language: DocumentLanguage,
  ): Promise<string[]> {
    return (await this.seats(members, departmentId)).map((seat) =>
      seat === undefined
        ? language === 'kk'
          ? 'комиссия мүшесі'
          : 'член комиссии'
        : this.position(seat, language),
    );
  }

  /**
   * §5.8, Form 2: the people who drew the act up on the spot, each an active person of the
   * directory with a seat over the exam's department (its title is their position on the act);
   * problems go to `errors`, named `drawnUpBy[i]`.
   */
  private async drawers(
    ids: string[],
    departmentId: string,
    errors: Field[],
  ): Promise<ActDrawer[]> {
    const people = await Promise.all(ids.map((id) => findPerson(this.db, id)));
    const seats = await this.seats(ids, departmentId);
    const drawers: ActDrawer[] = [];
    ids.forEach((id, i) => {
      const person = people[i];
      const seat = seats[i];
      if (person === undefined || !person.active)
        errors.push({
          path: `drawnUpBy[${i}]`,
          message: `no active person ${id} in the directory`,
        });
      else if (seat === undefined)
        errors.push({
          path: `drawnUpBy[${i}]`,
          message: `§5.8: ${person.fullName} holds no position over ${departmentId} to print on the act (one of ${SEATS.join(', ')})`,
        });
      else drawers.push({ personId: id, name: person.fullName, role: seat });
    });
    return drawers;
  }

  /** POST /exams/:id/cases/:caseId/decision (§5.8, §5.15): confirmed (a numbered act) or dismissed. */
  async decide(
    principal: Principal,
    examId: string,
    caseId: string,
    body: unknown,
    updateId: string,
  ) {
    const { exam, departmentId, chain } = await this.context(principal, examId);
    this.forbid(principal, CASE_DECIDERS, chain, 'deciding a violation case (§5.8)');
    const o = fieldsOf(body);
    const errors: Field[] = [];
    const decision = o.decision;
    if (decision !== 'confirmed' && decision !== 'dismissed')
      errors.push({ path: 'decision', message: "must be 'confirmed' or 'dismissed'" });
    const reason = text(o, 'reason', 2000, errors);
    const language: DocumentLanguage = o.language === 'ru' ? 'ru' : 'kk';
    const student = fieldsOf(o.student);
    if (decision === 'confirmed') {
      if (
        !Number.isInteger(student.year) ||
        (student.year as number) < 1 ||
        (student.year as number) > 7
      )
        errors.push({ path: 'student.year', message: 'is required: the year of study (1–7)' });
      text(student, 'group', 50, errors, 'student.group');
    }
    if (errors.length > 0) throw invalid(errors);
    const people = await this.commission(o.members, principal, departmentId);
    const chainUnits = await unitChain(this.db, departmentId);
    const school = chainUnits.find((u) => u.kind === 'school') ?? chainUnits[0];
    const institution = chainUnits[chainUnits.length - 1].id;
    return this.db.transaction(async (tx) => {
      const row = await this.caseRow(tx, examId, caseId, true);
      if (row.status !== 'open' || row.decided_at !== null)
        throw conflict(`§5.8: case ${caseId} is already decided (${row.status})`, {
          clauses: ['§5.8'],
        });
      const studentPerson = await findPerson(tx, row.student_id);
      const at = Date.now();
      let act: { documentId: string; number: number; year: number; sha256: string } | null = null;
      const members = people.map((p) => p.id);
      const positions = await this.positions(members, departmentId, language);
      const commission: ActPerson[] = people.map((p, i) => ({
        name: p.fullName,
        position: positions[i],
      }));
      // §5.8, Form 2: an act drawn up on the spot names those who drew it up, and the commission
      // that confirms it apart; any other case's act (Form 4, a flag — or a case opened before the
      // people were recorded) is drawn up by the commission itself.
      const drawnUpBy: ActPerson[] =
        row.drawn_up_by === null
          ? commission
          : row.drawn_up_by.map((d) => ({
              name: d.name,
              position: this.position(d.role, language),
            }));
      const confirmedBy = row.drawn_up_by === null ? {} : { commission };
      let issued: Awaited<ReturnType<typeof issueDocument>> | undefined;
      if (decision === 'confirmed') {
        const date = dateInZone(this.policy.timeZone, at);
        const actStudent = {
          name: studentPerson?.fullName ?? row.student_id,
          faculty: school?.name[language] ?? departmentId,
          year: student.year as number,
          group: String(student.group).trim(),
        };
        const evidence = row.evidence as {
          violations?: Violation[];
          note?: string;
          impostor?: string;
          recording?: string;
          time?: string;
        };
        try {
          issued = await issueDocument(tx, {
            ...(row.source === 'impostor'
              ? {
                  kind: 'impostor' as const,
                  content: {
                    discipline: exam.discipline,
                    drawnUpBy,
                    student: actStudent,
                    impostor: evidence.impostor ?? '',
                    date,
                    time: evidence.time ?? '00:00',
                    ...confirmedBy,
                  },
                }
              : {
                  kind: 'form2' as const,
                  content: {
                    discipline: exam.discipline,
                    drawnUpBy,
                    student: actStudent,
                    date,
                    time: evidence.time ?? '00:00',
                    violations: evidence.violations ?? [],
                    ...(evidence.note ? { other: evidence.note } : {}),
                    ...(evidence.recording ? { recording: evidence.recording } : {}),
                    ...confirmedBy,
                  },
                }),
            key: `case/${examId}/${caseId}/act`,
            institution,
            language,
            at,
            timeZone: this.policy.timeZone,
            examId,
            caseId,
            createdBy: principal.personId,
            deferAudit: true,
          });
        } catch (error) {
          if (error instanceof DocumentContentError)
            throw invalid(error.problems.map((p) => ({ path: 'act', message: p })));
          throw error;
        }
        act = {
          documentId: issued.id,
          number: issued.number,
          year: issued.year,
          sha256: issued.sha256,
        };
      }
      await tx.query(
        `UPDATE violation_case SET commission = $3, decision_reason = $4, act_document = $5
          WHERE exam_id = $1 AND case_id = $2`,
        [examId, caseId, members, reason, act?.documentId ?? null],
      );
      const subject: StepSubject = {
        kind: 'caseDecision',
        caseId,
        decision: decision as 'confirmed' | 'dismissed',
        act,
        members,
      };
      // The approval first: the workflow's own record needs the audit chain's lock.
      const step = await this.exams.approveWith(
        principal,
        examId,
        `caseDecision@${caseId}`,
        subject,
        `${String(decision)}: ${reason}`,
        updateId,
      );
      if (issued?.audit !== undefined) await appendAudit(tx, issued.audit);
      // §5.8: a confirmed act annuls the result; a grade sheet already formed gets a new version.
      let gradeSheet: { version: number } | null = null;
      if (act !== null) {
        const formed = await tx.query<{ n: number }[]>(
          `SELECT count(*)::int AS n FROM grade_sheet WHERE exam_id = $1`,
          [examId],
        );
        if (formed[0].n > 0)
          gradeSheet = await this.sheets.formIn(
            tx,
            examId,
            departmentId,
            { personId: principal.personId, role: 'violation_commission' },
            `violation case ${caseId} confirmed: act №\u00a0${act.number}`,
            [],
            ['§5.8', '§5.16', '§5.19'],
          );
      }
      await appendAudit(tx, {
        key: `case/${examId}/${caseId}/decided`,
        at,
        actor: principal.personId,
        actorRole: 'violation_commission',
        action: 'case.decided',
        clauses: ['§5.8', '§5.15', ...(act !== null ? ['Form 2'] : [])],
        scopeId: departmentId,
        examId,
        stepId: `caseDecision@${caseId}`,
        after: {
          caseId,
          decision,
          reason,
          members,
          act,
          gradeSheetVersion: gradeSheet?.version ?? null,
        },
      });
      return { examId, caseId, decision, reason, members, act, gradeSheet, step };
    });
  }

  /** POST /exams/:id/cases/:caseId/delivery (§5.16): the dean's office sends the act. */
  async deliver(principal: Principal, examId: string, caseId: string, updateId: string) {
    const { chain } = await this.context(principal, examId);
    this.forbid(principal, ACT_SENDERS, chain, 'sending the act to the student (§5.16)');
    const row = await this.caseRow(this.db, examId, caseId);
    if (row.act_document === null)
      throw conflict(`§5.16: case ${caseId} has no confirmed act to send`, { clauses: ['§5.16'] });
    const step = await this.exams.approveWith(
      principal,
      examId,
      `actDelivery@${caseId}`,
      { kind: 'actDelivery', caseId, documentId: row.act_document, channels: ['email', 'ais'] },
      'act sent to the student (email and AIS)',
      updateId,
    );
    return { examId, caseId, documentId: row.act_document, channels: ['email', 'ais'], step };
  }

  /** POST /exams/:id/cases/:caseId/acknowledgement (§5.16): the student's answer, their own case only. */
  async acknowledge(
    principal: Principal,
    examId: string,
    caseId: string,
    body: unknown,
    updateId: string,
  ) {
    const row = await this.caseRow(this.db, examId, caseId);
    if (row.student_id !== principal.personId)
      throw notFound(`exam ${examId} has no case ${caseId}`);
    const o = fieldsOf(body);
    const answer = o.answer as Acknowledgement;
    if (!(ACKNOWLEDGEMENTS as readonly unknown[]).includes(answer))
      throw invalid([{ path: 'answer', message: `must be one of ${ACKNOWLEDGEMENTS.join(', ')}` }]);
    const comment = typeof o.comment === 'string' ? o.comment.trim().slice(0, 2000) : '';
    return this.db.transaction(async (tx) => {
      await tx.query(
        `UPDATE violation_case SET acknowledgement = $3, acknowledged_at = now()
          WHERE exam_id = $1 AND case_id = $2`,
        [examId, caseId, answer],
      );
      const step = await this.exams.approveWith(
        principal,
        examId,
        `violationAcknowledgement@${caseId}`,
        { kind: 'acknowledgement', caseId, answer },
        comment || answer,
        updateId,
      );
      return {
        examId,
        caseId,
        answer,
        // §5.16, row 12: a disagreement goes to an appeal naming this case, filed in the appeal
        // window (from the results' publication); upheld, it lifts the annulment.
        ...(answer === 'disagree'
          ? {
              appeal: {
                route: `POST /exams/${examId}/appeals`,
                body: { reason: '…', violationCase: caseId },
                opens: 'when the results are published (row 12)',
              },
            }
          : {}),
        step,
      };
    });
  }

  /** POST /exams/:id/cases/:caseId/refusal-act (§5.16, Form 3): three people certify the refusal. */
  async refusalAct(
    principal: Principal,
    examId: string,
    caseId: string,
    body: unknown,
    updateId: string,
  ) {
    const { departmentId, chain } = await this.context(principal, examId);
    this.forbid(principal, CASE_DECIDERS, chain, 'drawing up the Form 3 refusal act (§5.16)');
    const o = fieldsOf(body);
    const errors: Field[] = [];
    const person = (v: unknown, path: string): ActPerson => {
      const p = fieldsOf(v);
      return {
        name: text(p, 'name', 200, errors, `${path}.name`),
        position: text(p, 'position', 200, errors, `${path}.position`),
      };
    };
    const certifiedBy = person(o.certifiedBy, 'certifiedBy');
    const witnesses = Array.isArray(o.witnesses) ? o.witnesses : [];
    if (witnesses.length !== 2)
      errors.push({ path: 'witnesses', message: 'Form 3: two witnesses (three people in all)' });
    const w = witnesses.slice(0, 2).map((x, i) => person(x, `witnesses[${i}]`));
    const student = fieldsOf(o.student);
    if (!Number.isInteger(student.year))
      errors.push({ path: 'student.year', message: 'is required: the year of study' });
    text(student, 'group', 50, errors, 'student.group');
    if (errors.length > 0) throw invalid(errors);
    const language: DocumentLanguage = o.language === 'ru' ? 'ru' : 'kk';
    const chainUnits = await unitChain(this.db, departmentId);
    const school = chainUnits.find((u) => u.kind === 'school') ?? chainUnits[0];
    return this.db.transaction(async (tx) => {
      const row = await this.caseRow(tx, examId, caseId, true);
      if (row.act_document === null || row.refusal_document !== null)
        throw conflict(`§5.16: case ${caseId} has no act awaiting a refusal act`, {
          clauses: ['§5.16'],
        });
      const act = await readDocument(tx, row.act_document);
      const studentPerson = await findPerson(tx, row.student_id);
      const at = Date.now();
      const issued = await issueDocument(tx, {
        kind: 'form3',
        content: {
          date: dateInZone(this.policy.timeZone, at),
          certifiedBy,
          witnesses: [w[0], w[1]],
          student: {
            name: studentPerson?.fullName ?? row.student_id,
            faculty: school?.name[language] ?? departmentId,
            year: student.year as number,
            group: String(student.group).trim(),
          },
          act: { number: act!.number, date: act!.createdAt.slice(0, 10) },
        },
        key: `case/${examId}/${caseId}/form3`,
        institution: chainUnits[chainUnits.length - 1].id,
        language,
        at,
        timeZone: this.policy.timeZone,
        examId,
        caseId,
        createdBy: principal.personId,
        deferAudit: true,
      });
      await tx.query(
        `UPDATE violation_case SET refusal_document = $3 WHERE exam_id = $1 AND case_id = $2`,
        [examId, caseId, issued.id],
      );
      const step = await this.exams.approveWith(
        principal,
        examId,
        `refusalAct@${caseId}`,
        {
          kind: 'refusalAct',
          caseId,
          documentId: issued.id,
          number: issued.number,
          year: issued.year,
          sha256: issued.sha256,
        },
        `Form 3 №\u00a0${issued.number}`,
        updateId,
      );
      if (issued.audit !== undefined) await appendAudit(tx, issued.audit);
      return {
        examId,
        caseId,
        document: {
          id: issued.id,
          number: issued.number,
          year: issued.year,
          sha256: issued.sha256,
        },
        step,
      };
    });
  }

  /** GET /exams/:id/cases: the exam's cases (they name students: an audited read). */
  async list(principal: Principal, examId: string) {
    const { departmentId, chain } = await this.context(principal, examId);
    this.forbid(principal, CASE_READERS, chain, "reading the exam's violation cases");
    const rows = await this.db.query<
      (CaseRow & { full_name: string; act_number: number | null })[]
    >(
      `SELECT c.*, p.full_name, d.number AS act_number FROM violation_case c
         JOIN person p ON p.id = c.student_id LEFT JOIN integrity_document d ON d.id = c.act_document
        WHERE c.exam_id = $1 ORDER BY c.opened_at, c.case_id`,
      [examId],
    );
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /exams/:id/cases',
      examId,
      scopeId: departmentId,
      personIds: rows.map((r) => r.student_id),
    });
    return { examId, items: rows.map((r) => this.item(r)) };
  }

  /** GET /exams/:id/cases/:caseId: a reader, or the case's own student. */
  async get(principal: Principal, examId: string, caseId: string) {
    const row = await this.caseRow(this.db, examId, caseId);
    if (row.student_id !== principal.personId) {
      const { chain } = await this.context(principal, examId);
      this.forbid(principal, CASE_READERS, chain, "reading the exam's violation cases");
    }
    const steps = await this.db.query<{ step_id: string; status: string; due_at: Date }[]>(
      `SELECT step_id, status, due_at FROM exam_step WHERE exam_id = $1 AND step_id LIKE $2 ORDER BY opened_at`,
      [examId, `%@${caseId}`],
    );
    return {
      ...this.item(row),
      steps: steps.map((s) => ({
        stepId: s.step_id,
        status: s.status,
        dueAt: s.due_at.toISOString(),
      })),
    };
  }

  /** GET /exams/:id/documents/:documentId.pdf: a case's act to its readers and its student. */
  async document(principal: Principal, examId: string, documentId: string) {
    const doc = await readDocument(this.db, documentId);
    if (doc === undefined || doc.examId !== examId)
      throw notFound(`exam ${examId} has no document ${documentId}`);
    const own =
      doc.caseId !== null &&
      (
        await this.db.query<unknown[]>(
          `SELECT 1 FROM violation_case WHERE exam_id = $1 AND case_id = $2 AND student_id = $3`,
          [examId, doc.caseId, principal.personId],
        )
      ).length > 0;
    if (!own) {
      const { chain } = await this.context(principal, examId);
      this.forbid(principal, CASE_READERS, chain, 'reading an integrity document');
    }
    await appendAudit(this.db.manager, {
      key: `document/${documentId}/read/${principal.personId}/${Date.now()}`,
      at: Date.now(),
      actor: principal.personId,
      action: 'document.read',
      clauses: ['§5.16'],
      examId,
      after: { documentId, kind: doc.kind, number: doc.number },
    });
    return { pdf: doc.pdf, filename: `${doc.kind}-${doc.year}-${doc.number}.pdf` };
  }

  private item(r: CaseRow & { full_name?: string; act_number?: number | null }) {
    return {
      caseId: r.case_id,
      studentId: r.student_id,
      ...(r.full_name !== undefined ? { fullName: r.full_name } : {}),
      source: r.source,
      drawnUpBy: r.drawn_up_by,
      status: r.closed_at !== null ? 'closed' : 'open',
      decision: r.status === 'confirmed' || r.status === 'dismissed' ? r.status : null,
      evidence: r.evidence,
      commission: r.commission,
      reason: r.decision_reason,
      actDocument: r.act_document,
      actNumber: r.act_number ?? null,
      acknowledgement: r.acknowledgement,
      refusalDocument: r.refusal_document,
      workflowId: r.workflow_id,
      openedAt: r.opened_at.toISOString(),
      decidedAt: r.decided_at?.toISOString() ?? null,
      closedAt: r.closed_at?.toISOString() ?? null,
    };
  }
}
