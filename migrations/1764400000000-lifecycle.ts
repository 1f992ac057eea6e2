import type { MigrationInterface, QueryRunner } from 'typeorm';

const STATUSES = `('open', 'overdue', 'approved', 'waived', 'closed', 'held', 'done')`;

/**
 * The exam lifecycle (issue 6): sessions and their steps (GP 4, rows 3–5), an exam's phase and
 * session, the step statuses of windows (closed) and the video purge (held, done), and session ids
 * in the audit log and the outbox.
 */
export class Lifecycle1764400000000 implements MigrationInterface {
  name = 'Lifecycle1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE exam_session (
        id             text PRIMARY KEY,
        title          text NOT NULL,
        start_date     date NOT NULL,
        summer         boolean NOT NULL,
        scope_id       text NOT NULL REFERENCES org_unit(id),
        policy_version text NOT NULL,
        workflow_id    text NOT NULL UNIQUE,
        created_by     text NOT NULL,
        created_at     timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE session_step (
        session_id     text NOT NULL REFERENCES exam_session(id) ON DELETE CASCADE,
        step_id        text NOT NULL,
        clauses        text[] NOT NULL,
        status         text NOT NULL CHECK (status IN ${STATUSES}),
        due_at         timestamptz NOT NULL,
        reminders      timestamptz[] NOT NULL DEFAULT '{}',
        reminders_sent integer NOT NULL DEFAULT 0,
        opened_at      timestamptz NOT NULL,
        overdue_at     timestamptz,
        approved_at    timestamptz,
        approved_by    text,
        comment        text,
        version        integer NOT NULL,
        assignee_id    text REFERENCES person(id),
        waived_at      timestamptz,
        waived_by      text,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (session_id, step_id)
      )`);
    await q.query(`ALTER TABLE exam ADD COLUMN session_id text REFERENCES exam_session(id)`);
    await q.query(`CREATE INDEX exam_session_id ON exam (session_id)`);
    await q.query(
      `ALTER TABLE exam ADD COLUMN phase text NOT NULL DEFAULT 'preparation'
         CHECK (phase IN ('preparation', 'exam', 'afterExam', 'completed'))`,
    );
    await q.query(`ALTER TABLE exam_step DROP CONSTRAINT exam_step_status_check`);
    await q.query(
      `ALTER TABLE exam_step ADD CONSTRAINT exam_step_status_check CHECK (status IN ${STATUSES})`,
    );
    await q.query(`ALTER TABLE audit_log ADD COLUMN session_id text`);
    await q.query(`CREATE INDEX audit_log_session ON audit_log (session_id, seq)`);
    await q.query(`ALTER TABLE outbox ADD COLUMN session_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN session_id`);
    await q.query(`DROP INDEX audit_log_session`);
    await q.query(`ALTER TABLE audit_log DROP COLUMN session_id`);
    await q.query(`DELETE FROM exam_step WHERE status IN ('closed', 'held', 'done')`);
    await q.query(`ALTER TABLE exam_step DROP CONSTRAINT exam_step_status_check`);
    await q.query(
      `ALTER TABLE exam_step ADD CONSTRAINT exam_step_status_check CHECK (status IN ('open', 'overdue', 'approved', 'waived'))`,
    );
    await q.query(`ALTER TABLE exam DROP COLUMN phase`);
    await q.query(`DROP INDEX exam_session_id`);
    await q.query(`ALTER TABLE exam DROP COLUMN session_id`);
    await q.query(`DROP TABLE session_step`);
    await q.query(`DROP TABLE exam_session`);
  }
}
