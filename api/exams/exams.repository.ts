import type { ExamFacts } from '../../sop/plan';
import type { EntityManager } from 'typeorm';

export interface ExamRecord {
  id: string;
  discipline: string;
  /** The department's org unit id (also the natural key's department). */
  departmentId: string;
  examDate: string;
  startsAt: Date;
  policyVersion: string;
  workflowId: string;
  /** The session it belongs to (registered with a session), if any. */
  sessionId?: string;
  /** The facts the workflow was started with (days, E, credits, expected works …). */
  facts: ExamFacts;
}

/** The one INSERT of an exam row (the API's registration; workflow tests' fixtures). */
export async function insertExam(
  db: Pick<EntityManager, 'query'>,
  exam: ExamRecord,
): Promise<void> {
  await db.query(
    `INSERT INTO exam (id, discipline, department, department_id, exam_date, starts_at, policy_version, workflow_id, session_id, facts)
     VALUES ($1, $2, $3, $3, $4, $5, $6, $7, $8, $9)`,
    [
      exam.id,
      exam.discipline,
      exam.departmentId,
      exam.examDate,
      exam.startsAt,
      exam.policyVersion,
      exam.workflowId,
      exam.sessionId ?? null,
      JSON.stringify(exam.facts),
    ],
  );
}
