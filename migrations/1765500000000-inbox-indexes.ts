import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The inbox (GET /me/tasks, issue 10) reads the open steps of the departments a person covers and
 * the steps reassigned to them, not every open step of the institution: an index for each.
 */
export class InboxIndexes1765500000000 implements MigrationInterface {
  name = 'InboxIndexes1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX exam_department_id ON exam (department_id)`);
    await q.query(
      `CREATE INDEX exam_step_assignee ON exam_step (assignee_id) WHERE assignee_id IS NOT NULL`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX exam_step_assignee`);
    await q.query(`DROP INDEX exam_department_id`);
  }
}
