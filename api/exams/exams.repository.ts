import type { EntityManager } from 'typeorm';

export interface ExamRecord {
  id: string;
  discipline: string;
  department: string;
  examDate: string;
  startsAt: Date;
  ownerEmail: string;
  policyVersion: string;
  workflowId: string;
}

/** The one INSERT of an exam row (the API's registration; workflow tests' fixtures). */
export async function insertExam(
  db: Pick<EntityManager, 'query'>,
  exam: ExamRecord,
): Promise<void> {
  await db.query(
    `INSERT INTO exam (id, discipline, department, exam_date, starts_at, owner_email, policy_version, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      exam.id,
      exam.discipline,
      exam.department,
      exam.examDate,
      exam.startsAt,
      exam.ownerEmail,
      exam.policyVersion,
      exam.workflowId,
    ],
  );
}
