import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Foundation schema: exams, the read model of their steps, the email outbox, the audit log and
 * the HTTP idempotency store. Hand-written SQL with a real down().
 */
export class Foundation1764100000000 implements MigrationInterface {
  name = 'Foundation1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE exam (
        id            text PRIMARY KEY,
        discipline    text NOT NULL,
        department    text NOT NULL,
        exam_date     date NOT NULL,
        starts_at     timestamptz NOT NULL,
        owner_email   text NOT NULL,
        policy_version text NOT NULL,
        workflow_id   text NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT exam_natural_key UNIQUE (department, discipline, exam_date)
      )`);
    await q.query(`
      CREATE TABLE exam_step (
        exam_id        text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        step_id        text NOT NULL,
        clauses        text[] NOT NULL,
        status         text NOT NULL CHECK (status IN ('open', 'overdue', 'approved')),
        due_at         timestamptz NOT NULL,
        reminders      timestamptz[] NOT NULL DEFAULT '{}',
        reminders_sent integer NOT NULL DEFAULT 0,
        opened_at      timestamptz NOT NULL,
        overdue_at     timestamptz,
        approved_at    timestamptz,
        approved_by    text,
        comment        text,
        -- The workflow's transition counter: activities may run out of order (an approval can
        -- race the opening), so a write only lands when it is newer than the row.
        version        integer NOT NULL,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, step_id)
      )`);
    await q.query(`
      CREATE TABLE outbox (
        id            bigserial PRIMARY KEY,
        key           text NOT NULL UNIQUE,
        kind          text NOT NULL,
        recipient     text NOT NULL,
        subject       text NOT NULL,
        body_text     text NOT NULL,
        exam_id       text,
        step_id       text,
        clauses       text[] NOT NULL DEFAULT '{}',
        scheduled_for timestamptz NOT NULL,
        triggered_at  timestamptz NOT NULL,
        status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent')),
        attempts      integer NOT NULL DEFAULT 0,
        message_id    text,
        sent_at       timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        seq          bigserial PRIMARY KEY,
        key          text NOT NULL UNIQUE,
        at           timestamptz NOT NULL,
        recorded_at  timestamptz NOT NULL DEFAULT now(),
        actor        text NOT NULL,
        action       text NOT NULL,
        clauses      text[] NOT NULL DEFAULT '{}',
        exam_id      text,
        step_id      text,
        before       jsonb,
        after        jsonb,
        workflow_id  text,
        run_id       text,
        request_id   text
      )`);
    await q.query(`CREATE INDEX audit_log_exam ON audit_log (exam_id, seq)`);
    await q.query(`
      CREATE TABLE idempotency_key (
        key             text NOT NULL,
        scope           text NOT NULL,
        request_hash    text NOT NULL,
        response_status integer,
        response_body   jsonb,
        created_at      timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, key)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE idempotency_key`);
    await q.query(`DROP TABLE audit_log`);
    await q.query(`DROP TABLE outbox`);
    await q.query(`DROP TABLE exam_step`);
    await q.query(`DROP TABLE exam`);
  }
}
