import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Plan previews (POST /plans/preview): the computed plan is stored under a content-derived id,
 * so its iCalendar export (GET /plans/preview/:id.ics) is the same plan, in any language.
 */
export class PlanPreview1764200000000 implements MigrationInterface {
  name = 'PlanPreview1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE plan_preview (
        id             text PRIMARY KEY,
        policy_version text NOT NULL,
        request        jsonb NOT NULL,
        plan           jsonb NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE plan_preview`);
  }
}
