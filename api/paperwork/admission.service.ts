import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import type { ExamFacts } from '../../sop/plan';
import type { Policy, Role } from '../../sop/policy';
import { auditPersonalDataRead } from '../audit/personal-data';
import { holdsIn, type Principal } from '../auth/principal';
import { badRequest, notFound, ProblemException } from '../common/problem';
import { isoInZone } from '../common/time';
import type { ExamsService } from '../exams/exams.service';
import { documentHash, type StepSubject } from './documents';
import { parseAdmission } from './admission.parse';
import { uploadProblem, type UploadedDocument } from './upload-table';

type Queryable = Pick<EntityManager, 'query'>;

/** §5.1: the testing centre checks admission against the admission-rating statement. */
export const ADMISSION_IMPORTERS: Role[] = ['testing_centre'];
/** Who reads the list (students' names and ratings: a personal-data read, audited). */
export const ADMISSION_READERS: Role[] = [
  'testing_centre',
  'department_head',
  'department_responsible',
  'auditor',
];

interface AdmissionDbRow {
  student_id: string;
  day: number;
  rating: string | null;
  admitted: boolean;
  retake: boolean;
  list_version: number;
  imported_by: string;
  imported_at: Date;
}

/** A list row as hashed: the same rows give the same sha256 however they were read. */
interface CanonicalAdmission {
  studentId: string;
  day: number;
  rating: number | null;
  admitted: boolean;
  retake: boolean;
}

function canonicalRows(rows: readonly CanonicalAdmission[]): CanonicalAdmission[] {
  return [...rows]
    .map((r) => ({
      studentId: r.studentId,
      day: r.day,
      rating: r.rating,
      admitted: r.admitted,
      retake: r.retake,
    }))
    .sort((a, b) => (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0));
}

/** SHA-256 of the list's canonical rows (sorted by student id), the hash a decision names. */
export function admissionHash(rows: readonly CanonicalAdmission[]): string {
  return documentHash(canonicalRows(rows));
}

async function storedRows(db: Queryable, examId: string): Promise<AdmissionDbRow[]> {
  return db.query<AdmissionDbRow[]>(
    `SELECT student_id, day, rating::text AS rating, admitted, retake, list_version, imported_by, imported_at
       FROM admission WHERE exam_id = $1 ORDER BY student_id`,
    [examId],
  );
}

const toCanonical = (r: AdmissionDbRow): CanonicalAdmission => ({
  studentId: r.student_id,
  day: r.day,
  rating: r.rating === null ? null : Number(r.rating),
  admitted: r.admitted,
  retake: r.retake,
});

/**
 * The admission list as a step's subject (§5.1): its version and the hash of its canonical rows;
 * 422 naming §5.1 when the testing centre has imported none.
 */
export async function admissionSubject(db: Queryable, examId: string): Promise<StepSubject> {
  const rows = await storedRows(db, examId);
  if (rows.length === 0)
    throw new ProblemException({
      status: 422,
      detail: `exam ${examId} has no admission list: the testing centre imports the admission-rating statement (§5.1)`,
      clauses: ['§5.1'],
    });
  return {
    kind: 'admission',
    version: rows[0].list_version,
    sha256: admissionHash(rows.map(toCanonical)),
  };
}

/** The students admitted to the exam on a day (§5.1), with whether each is retaking (§5.3). */
export async function admittedStudents(
  db: Queryable,
  examId: string,
  day: number,
): Promise<{ studentId: string; retake: boolean }[]> {
  const rows = await db.query<{ student_id: string; retake: boolean }[]>(
    `SELECT student_id, retake FROM admission WHERE exam_id = $1 AND day = $2 AND admitted
      ORDER BY student_id`,
    [examId, day],
  );
  return rows.map((r) => ({ studentId: r.student_id, retake: r.retake }));
}

export class AdmissionService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
  ) {}

  private async exam(principal: Principal, examId: string) {
    await this.exams.readable(principal, examId);
    const rows = await this.db.query<
      { department_id: string; exam_date: string; facts: ExamFacts | null }[]
    >(`SELECT department_id, exam_date::text AS exam_date, facts FROM exam WHERE id = $1`, [
      examId,
    ]);
    const exam = rows[0];
    if (exam === undefined) throw notFound(`exam ${examId} does not exist`);
    return {
      exam,
      chain: await this.exams.chain(exam.department_id),
      days: (exam.facts?.days ?? [exam.exam_date]).length,
    };
  }

  /** Replaces the exam's list with the file's rows (list_version + 1), all or nothing. */
  async import(principal: Principal, examId: string, file: UploadedDocument | undefined) {
    const { exam, chain, days } = await this.exam(principal, examId);
    if (!holdsIn(principal, ADMISSION_IMPORTERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `importing the admission list of ${exam.department_id} needs testing_centre in its scope (§5.1)`,
      });
    if (file === undefined)
      throw new ProblemException({
        status: 400,
        detail: 'file: upload the admission list as .csv or .xlsx in the "file" field',
        errors: [{ path: 'file', message: 'is required' }],
      });
    const parsed = await parseAdmission(
      { filename: file.originalname, contentType: file.mimetype, data: file.buffer },
      days,
    );
    if ('errors' in parsed) throw uploadProblem(parsed.errors);
    const students = await this.db.query<{ id: string; email: string }[]>(
      `SELECT p.id, lower(p.email) AS email FROM person p
        WHERE lower(p.email) = ANY($1) AND p.active
          AND EXISTS (SELECT 1 FROM role_assignment r WHERE r.person_id = p.id AND r.role = 'student')`,
      [parsed.rows.map((r) => r.email)],
    );
    const byEmail = new Map(students.map((s) => [s.email, s.id]));
    const unknown = parsed.rows.filter((r) => !byEmail.has(r.email));
    if (unknown.length > 0)
      throw uploadProblem(
        unknown.map((r) => ({
          row: r.row,
          column: 'email',
          reason: `"${r.email}" is not a student of the directory (a person holding the role student)`,
        })),
      );
    const rows = parsed.rows.map((r) => ({
      studentId: byEmail.get(r.email)!,
      day: r.day,
      rating: r.rating,
      admitted: r.admitted,
      retake: r.retake,
    }));
    const sha256 = admissionHash(rows);
    const role = principal.grants.find(
      (g) => ADMISSION_IMPORTERS.includes(g.role) && chain.includes(g.scopeId),
    )?.role;
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`admission/${examId}`]);
      const previous = await tx.query<{ version: number | null }[]>(
        `SELECT max(list_version) AS version FROM admission WHERE exam_id = $1`,
        [examId],
      );
      const previousVersion = previous[0]?.version ?? 0;
      const listVersion = previousVersion + 1;
      await tx.query(`DELETE FROM admission WHERE exam_id = $1`, [examId]);
      await tx.query(
        `INSERT INTO admission (exam_id, student_id, day, rating, admitted, retake, list_version, imported_by)
         SELECT $1, u.student_id, u.day, u.rating, u.admitted, u.retake, $7, $8
           FROM unnest($2::text[], $3::int[], $4::numeric[], $5::boolean[], $6::boolean[])
             AS u(student_id, day, rating, admitted, retake)`,
        [
          examId,
          rows.map((r) => r.studentId),
          rows.map((r) => r.day),
          rows.map((r) => r.rating),
          rows.map((r) => r.admitted),
          rows.map((r) => r.retake),
          listVersion,
          principal.personId,
        ],
      );
      const counts = {
        rows: rows.length,
        admitted: rows.filter((r) => r.admitted).length,
        notAdmitted: rows.filter((r) => !r.admitted).length,
        retakes: rows.filter((r) => r.retake).length,
      };
      await appendAudit(tx, {
        key: `admission/${examId}/${listVersion}`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: role ?? null,
        action: 'admission.imported',
        clauses: ['§5.1'],
        scopeId: exam.department_id,
        examId,
        after: { listVersion, previousVersion: previousVersion || null, sha256, ...counts },
      });
      return { examId, listVersion, sha256, ...counts };
    });
  }

  /** The list with the students' names (a personal-data read, audited), paginated by email. */
  async list(principal: Principal, examId: string, limit: number, cursor: string | undefined) {
    const { exam, chain } = await this.exam(principal, examId);
    if (!holdsIn(principal, ADMISSION_READERS, chain))
      throw notFound(`exam ${examId} does not exist`);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000)
      throw badRequest('limit', 'must be a whole number from 1 to 5000');
    let after = '';
    if (cursor !== undefined) {
      try {
        after = Buffer.from(cursor, 'base64url').toString('utf8');
        if (after === '' || after.length > 254) throw new Error('cursor');
      } catch {
        throw badRequest('cursor', 'is not a cursor from a previous page');
      }
    }
    const all = await storedRows(this.db, examId);
    const rows = await this.db.query<(AdmissionDbRow & { email: string; full_name: string })[]>(
      `SELECT a.student_id, a.day, a.rating::text AS rating, a.admitted, a.retake, a.list_version,
              a.imported_by, a.imported_at, lower(p.email) AS email, p.full_name
         FROM admission a JOIN person p ON p.id = a.student_id
        WHERE a.exam_id = $1 AND lower(p.email) > $2
        ORDER BY lower(p.email) LIMIT $3`,
      [examId, after, limit + 1],
    );
    const page = rows.slice(0, limit);
    if (page.length > 0)
      await auditPersonalDataRead(this.db, principal, {
        resource: 'GET /exams/:id/admission',
        examId,
        scopeId: exam.department_id,
        personIds: page.map((r) => r.student_id),
        ...(cursor !== undefined ? { query: { cursor, limit } } : {}),
      });
    const last = page[page.length - 1];
    return {
      examId,
      listVersion: all[0]?.list_version ?? null,
      sha256: all.length === 0 ? null : admissionHash(all.map(toCanonical)),
      importedBy: all[0]?.imported_by ?? null,
      importedAt: all[0] === undefined ? null : isoInZone(this.policy.timeZone, all[0].imported_at),
      items: page.map((r) => ({
        studentId: r.student_id,
        email: r.email,
        fullName: r.full_name,
        day: r.day,
        rating: r.rating === null ? null : Number(r.rating),
        admitted: r.admitted,
        retake: r.retake,
      })),
      nextCursor:
        rows.length > limit && last !== undefined
          ? Buffer.from(last.email, 'utf8').toString('base64url')
          : null,
    };
  }
}
