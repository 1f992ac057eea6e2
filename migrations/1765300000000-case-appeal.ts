import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A disagreement goes to an appeal (§5.16, row 12; issue 9): an appeal may name the violation case
 * whose act the student disagreed with; an upheld one overturns the case, which then annuls
 * nothing on the grade sheet's later versions.
 */
export class CaseAppeal1765300000000 implements MigrationInterface {
  name = 'CaseAppeal1765300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appeal
      ADD COLUMN violation_case text,
      ADD FOREIGN KEY (exam_id, violation_case) REFERENCES violation_case(exam_id, case_id)`);
    await q.query(`ALTER TABLE violation_case ADD COLUMN overturned_by text,
      ADD CHECK (overturned_by IS NULL OR overturned_by ~ '^AP-[0-9]{1,6}$')`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE violation_case DROP COLUMN overturned_by`);
    await q.query(`ALTER TABLE appeal DROP COLUMN violation_case`);
  }
}
