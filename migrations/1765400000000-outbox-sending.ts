import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10 (the chaos drill): an outbox row is claimed before it is handed to SMTP ('sending', with
 * the attempt that claimed it and when), so an attempt that finds a claim left by one that died
 * knows the message may already be out; `resends` counts those re-sends (the at-least-once window
 * of activities/notify.activity.ts `outboxSender`). A nag (reminder, overdue, escalation) whose step
 * closed before it could go out is 'cancelled' instead of sent.
 */
export class OutboxSending1765400000000 implements MigrationInterface {
  name = 'OutboxSending1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_status_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
      CHECK (status IN ('pending', 'sending', 'sent', 'cancelled'))`);
    await q.query(`ALTER TABLE outbox
      ADD COLUMN send_attempt text,
      ADD COLUMN sending_at timestamptz,
      ADD COLUMN resends integer NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    // Neither a claimed nor a cancelled row was recorded as sent: both are pending to the old schema.
    await q.query(`UPDATE outbox SET status = 'pending' WHERE status IN ('sending', 'cancelled')`);
    await q.query(`ALTER TABLE outbox DROP COLUMN resends, DROP COLUMN sending_at,
      DROP COLUMN send_attempt`);
    await q.query(`ALTER TABLE outbox DROP CONSTRAINT outbox_status_check`);
    await q.query(`ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
      CHECK (status IN ('pending', 'sent'))`);
  }
}
