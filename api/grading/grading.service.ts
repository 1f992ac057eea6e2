import type { DataSource, EntityManager } from 'typeorm';
import { appendAudit } from '../../activities/audit-log';
import { letterOf } from '../../sop/grading';
import type { Policy, Role } from '../../sop/policy';
import { holdsIn, type Principal } from '../auth/principal';
import { badRequest, notFound, ProblemException } from '../common/problem';
import type { ExamsService } from '../exams/exams.service';
import { documentHash, type StepSubject } from '../paperwork/documents';
import { uploadProblem, type UploadedDocument, type UploadError } from '../paperwork/upload-table';
import { disputedCodes } from './grade-sheet.service';
import { parseGradesFile, parseGradesJson, type GradeEntry } from './grades.parse';

type Queryable = Pick<EntityManager, 'query'>;

/** §5.17, row 7: examiners grade (the exam commission of the SOP's table). */
export const GRADERS: Role[] = ['examiner'];
/**
 * Who lists the works by code (§5.6): the examiners, the department's head and responsible
 * person, auditors. The list never names a student, before or after de-anonymisation.
 */
export const WORK_READERS: Role[] = [
  'examiner',
  'department_head',
  'department_responsible',
  'auditor',
];

/** The grading step's window (§5.17) is over once the step is decided (approved or waived). */
export async function gradingClosed(db: Queryable, examId: string): Promise<boolean> {
  const rows = await db.query<unknown[]>(
    `SELECT 1 FROM exam_step WHERE exam_id = $1 AND step_id = 'grading'
        AND status NOT IN ('open', 'overdue')`,
    [examId],
  );
  return rows.length > 0;
}

/**
 * The grades as the grading step's subject (§5.17, row 7): every work graded, their count and the
 * SHA-256 of the canonical [{ code, score }] sorted by code; undefined when the exam has no works
 * in Emtihan (graded outside it); 422 naming §5.17 while a work is ungraded.
 */
export async function gradesSubject(
  db: Queryable,
  examId: string,
): Promise<StepSubject | undefined> {
  const rows = await db.query<{ code: string; score: string | null }[]>(
    `SELECT w.code, g.score::text AS score FROM exam_work w
       LEFT JOIN grade g ON g.exam_id = w.exam_id AND g.code = w.code
      WHERE w.exam_id = $1 ORDER BY w.code`,
    [examId],
  );
  if (rows.length === 0) return undefined;
  const ungraded = rows.filter((r) => r.score === null).map((r) => r.code);
  if (ungraded.length > 0)
    throw new ProblemException({
      status: 422,
      detail: `§5.17: ${ungraded.length} of ${rows.length} works are not graded yet (${ungraded.slice(0, 10).join(', ')}${ungraded.length > 10 ? ' …' : ''})`,
      clauses: ['§5.17', 'row 7'],
    });
  return {
    kind: 'grades',
    count: rows.length,
    sha256: documentHash(rows.map((r) => ({ code: r.code, score: Number(r.score) }))),
  };
}

export class GradingService {
  constructor(
    private readonly db: DataSource,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
  ) {}

  private async exam(principal: Principal, examId: string) {
    await this.exams.readable(principal, examId);
    const rows = await this.db.query<{ department_id: string }[]>(
      `SELECT department_id FROM exam WHERE id = $1`,
      [examId],
    );
    if (rows[0] === undefined) throw notFound(`exam ${examId} does not exist`);
    return {
      departmentId: rows[0].department_id,
      chain: await this.exams.chain(rows[0].department_id),
    };
  }

  /** The works by code with their grades (§5.6): never who wrote them. Paginated by code. */
  async works(principal: Principal, examId: string, limit: number, cursor: string | undefined) {
    const { chain } = await this.exam(principal, examId);
    if (!holdsIn(principal, WORK_READERS, chain)) throw notFound(`exam ${examId} does not exist`);
    if (!Number.isInteger(limit) || limit < 1 || limit > 5000)
      throw badRequest('limit', 'must be a whole number from 1 to 5000');
    let after = '';
    if (cursor !== undefined) {
      after = Buffer.from(cursor, 'base64url').toString('utf8');
      if (!/^[A-Z0-9]{4,16}$/.test(after))
        throw badRequest('cursor', 'is not a cursor from a previous page');
    }
    const rows = await this.db.query<
      {
        code: string;
        day: number;
        score: string | null;
        letter: string | null;
        gpa: string | null;
        graded_at: Date | null;
        opened: boolean;
      }[]
    >(
      `SELECT w.code, w.day, g.score::text AS score, g.letter, g.gpa::text AS gpa, g.graded_at,
              w.opened_at IS NOT NULL AS opened
         FROM exam_work w LEFT JOIN grade g ON g.exam_id = w.exam_id AND g.code = w.code
        WHERE w.exam_id = $1 AND w.code > $2 ORDER BY w.code LIMIT $3`,
      [examId, after, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      examId,
      gradingOpen: !(await gradingClosed(this.db, examId)),
      items: page.map((r) => ({
        code: r.code,
        day: r.day,
        score: r.score === null ? null : Number(r.score),
        letter: r.letter,
        gpa: r.gpa === null ? null : Number(r.gpa),
        gradedAt: r.graded_at?.toISOString() ?? null,
      })),
      nextCursor:
        rows.length > limit
          ? Buffer.from(page[page.length - 1].code, 'utf8').toString('base64url')
          : null,
    };
  }

  /**
   * Grades from JSON or Moodle's gradebook export (§5.17, row 7): all or nothing; letters and grade
   * points from the policy's scale; 409 naming §5.17 once the grading step is done.
   */
  async grade(
    principal: Principal,
    examId: string,
    body: unknown,
    file: UploadedDocument | undefined,
  ) {
    const { departmentId, chain } = await this.exam(principal, examId);
    if (!holdsIn(principal, GRADERS, chain))
      throw new ProblemException({
        status: 403,
        detail: `grading the works of ${departmentId} needs examiner in its scope (§5.17)`,
      });
    const parsed =
      file !== undefined
        ? await parseGradesFile({
            filename: file.originalname,
            contentType: file.mimetype,
            data: file.buffer,
          })
        : parseGradesJson(body);
    if ('errors' in parsed) throw uploadProblem(parsed.errors);
    const source = file !== undefined ? 'moodle-csv' : 'api';
    const scale = this.policy.rules.gradingScale.bands;
    return this.db.transaction(async (tx) => {
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`exam-work/${examId}`]);
      // §5.19: after the §5.17 window only the codes disputed on the latest grade-sheet version
      // are open, for regrading; the audit record says so.
      const regrading = (await gradingClosed(tx, examId)) ? await disputedCodes(tx, examId) : null;
      const outside = regrading === null ? [] : parsed.rows.filter((r) => !regrading.has(r.code));
      if (outside.length > 0)
        throw new ProblemException({
          status: 409,
          detail:
            regrading !== null && regrading.size > 0
              ? `§5.17: the grading of exam ${examId} is done; only the codes disputed on the grade sheet (§5.19: ${[...regrading].sort().join(', ')}) may be regraded, not ${outside.map((r) => r.code).join(', ')}`
              : `§5.17: the grading of exam ${examId} is done (the grading step is decided); grades are no longer accepted`,
          clauses:
            regrading !== null && regrading.size > 0 ? ['§5.17', '§5.19'] : ['§5.17', 'row 7'],
        });
      const known = new Set(
        (
          await tx.query<{ code: string }[]>(
            `SELECT code FROM exam_work WHERE exam_id = $1 AND code = ANY($2)`,
            [examId, parsed.rows.map((r) => r.code)],
          )
        ).map((r) => r.code),
      );
      const unknown: UploadError[] = parsed.rows
        .filter((r) => !known.has(r.code))
        .map((r) => ({
          row: r.row,
          column: file !== undefined ? 'id number' : 'code',
          reason: `no work ${r.code} in exam ${examId}`,
        }));
      if (unknown.length > 0) throw uploadProblem(unknown);
      const graded = parsed.rows.map((r: GradeEntry) => ({ ...r, ...letterOf(scale, r.score) }));
      await tx.query(
        `INSERT INTO grade (exam_id, code, score, letter, gpa, source, graded_by)
         SELECT $1, u.code, u.score, u.letter, u.gpa, $6, $7
           FROM unnest($2::text[], $3::numeric[], $4::text[], $5::numeric[]) AS u(code, score, letter, gpa)
         ON CONFLICT (exam_id, code) DO UPDATE SET score = EXCLUDED.score, letter = EXCLUDED.letter,
           gpa = EXCLUDED.gpa, source = EXCLUDED.source, graded_by = EXCLUDED.graded_by,
           graded_at = now(), version = grade.version + 1`,
        [
          examId,
          graded.map((g) => g.code),
          graded.map((g) => g.score),
          graded.map((g) => g.letter),
          graded.map((g) => g.gpa),
          source,
          principal.personId,
        ],
      );
      const counts = await tx.query<{ works: number; graded: number }[]>(
        `SELECT count(*)::int AS works, count(g.code)::int AS graded FROM exam_work w
           LEFT JOIN grade g ON g.exam_id = w.exam_id AND g.code = w.code WHERE w.exam_id = $1`,
        [examId],
      );
      const sha256 = documentHash(
        graded
          .map((g) => ({ code: g.code, score: g.score }))
          .sort((a, b) => (a.code < b.code ? -1 : 1)),
      );
      await appendAudit(tx, {
        key: `grades/${examId}/${principal.personId}/${Date.now()}/${sha256}`,
        at: Date.now(),
        actor: principal.personId,
        actorRole: 'examiner',
        action: regrading === null ? 'grading.graded' : 'grading.regraded',
        clauses: regrading === null ? ['§5.17', 'row 7'] : ['§5.17', '§5.19', 'row 9'],
        scopeId: departmentId,
        examId,
        after: {
          source,
          grades: graded.map((g) => ({ code: g.code, score: g.score, letter: g.letter })),
          sha256,
        },
      });
      return { examId, source, saved: graded.length, sha256, ...counts[0] };
    });
  }
}
