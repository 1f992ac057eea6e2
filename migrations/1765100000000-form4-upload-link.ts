import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * §5.14, Form 4: the Form 4 email carries a single-use link to an upload page (issue 9), an
 * `email_link` row with the action `form4-upload` beside issue 5's one-click `approve` / `reject`.
 */
export class Form4UploadLink1765100000000 implements MigrationInterface {
  name = 'Form4UploadLink1765100000000';

  async up(q: QueryRunner): Promise<void> {
    // The column's CHECK from 1764300000000-directory.ts, named by PostgreSQL <table>_<column>_check.
    await q.query(`ALTER TABLE email_link DROP CONSTRAINT email_link_action_check`);
    await q.query(
      `ALTER TABLE email_link ADD CONSTRAINT email_link_action_check
         CHECK (action IN ('approve', 'reject', 'form4-upload'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM email_link WHERE action = 'form4-upload'`);
    await q.query(`ALTER TABLE email_link DROP CONSTRAINT email_link_action_check`);
    await q.query(
      `ALTER TABLE email_link ADD CONSTRAINT email_link_action_check
         CHECK (action IN ('approve', 'reject'))`,
    );
  }
}
