import type { MigrationInterface, QueryRunner } from 'typeorm';
import { APP_ROLE } from './1764500000000-audit-chain';

/**
 * History for auditors (issue 7): the raw event history of a closed workflow, archived in
 * PostgreSQL the first time it is read after the workflow closed, so `GET /exams/:id/history.json`
 * and the timeline outlive the Temporal namespace's retention. One row per run; the history is the
 * proto3 JSON `temporal workflow show --output json` gives. Evidence: the application may insert
 * and read it, not change or remove it.
 */
export class HistoryArchive1764600000000 implements MigrationInterface {
  name = 'HistoryArchive1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE workflow_history (
        workflow_id text NOT NULL,
        run_id      text NOT NULL,
        closed_at   timestamptz NOT NULL,
        history     jsonb NOT NULL,
        archived_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workflow_id, run_id),
        CONSTRAINT workflow_history_has_events CHECK (jsonb_typeof(history -> 'events') = 'array')
      )`);
    await q.query(
      `CREATE INDEX workflow_history_latest ON workflow_history (workflow_id, closed_at DESC)`,
    );
    await q.query(`DO $$ BEGIN
      IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        GRANT SELECT, INSERT ON workflow_history TO ${APP_ROLE};
        REVOKE UPDATE, DELETE, TRUNCATE ON workflow_history FROM ${APP_ROLE};
      END IF;
    END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE workflow_history`);
  }
}
