import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * §5.8, Form 2 and the impostor act (issue 9): the people who drew the act up on the spot, named
 * when the case is opened — `[{ personId, name, role }]`, at least three (the API checks them in
 * the directory; the role is the seat whose title the act prints as their position). Null for a
 * case opened from Form 4 or a proctoring flag: its act is drawn up by the confirming commission.
 */
export class CaseDrawnUpBy1765200000000 implements MigrationInterface {
  name = 'CaseDrawnUpBy1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE violation_case ADD COLUMN drawn_up_by jsonb
        CHECK (drawn_up_by IS NULL OR (jsonb_typeof(drawn_up_by) = 'array'
                                       AND jsonb_array_length(drawn_up_by) >= 3))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE violation_case DROP COLUMN drawn_up_by`);
  }
}
