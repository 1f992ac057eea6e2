import type { MigrationInterface, QueryRunner } from 'typeorm';
import { AUDIT_COLUMNS, GENESIS_HASH, recordHash, toAuditRecord } from '../activities/audit-log';

/** The role the API and the worker act as; DATABASE_URL's user is made a member (migrate). */
export const APP_ROLE = 'emtihan_app';

/**
 * The auditors' issue (7): the audit log becomes a hash chain (actor role, scope, history event id,
 * previous hash, hash), append-only for everyone (a trigger refuses UPDATE, DELETE and TRUNCATE,
 * and an insert must carry the next number and the head's hash), and the application's role gets
 * insert and read on it only. Records written before are numbered densely and chained in order.
 */
export class AuditChain1764500000000 implements MigrationInterface {
  name = 'AuditChain1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_log
      ADD COLUMN actor_role text,
      ADD COLUMN scope_id text,
      ADD COLUMN history_event_id bigint,
      ADD COLUMN prev_hash text,
      ADD COLUMN hash text`);
    // Sequence numbers without gaps (ON CONFLICT DO NOTHING used to skip values), then chained.
    await q.query(`UPDATE audit_log a SET seq = -r.n
      FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS n FROM audit_log) r WHERE a.seq = r.seq`);
    await q.query(`UPDATE audit_log SET seq = -seq`);
    let prevHash = GENESIS_HASH;
    const rows = (await q.query(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`)) as Record<
      string,
      unknown
    >[];
    for (const row of rows) {
      const { hash: _unset, ...content } = toAuditRecord({ ...row, prev_hash: prevHash });
      void _unset;
      prevHash = recordHash(content);
      await q.query(`UPDATE audit_log SET prev_hash = $2, hash = $3 WHERE seq = $1`, [
        content.seq,
        content.prevHash,
        prevHash,
      ]);
    }
    await q.query(`ALTER TABLE audit_log ALTER COLUMN seq DROP DEFAULT`);
    await q.query(`DROP SEQUENCE IF EXISTS audit_log_seq_seq`);
    await q.query(`ALTER TABLE audit_log
      ALTER COLUMN prev_hash SET NOT NULL,
      ALTER COLUMN hash SET NOT NULL,
      ALTER COLUMN recorded_at DROP DEFAULT,
      ADD CONSTRAINT audit_log_seq_positive CHECK (seq > 0),
      ADD CONSTRAINT audit_log_no_fork UNIQUE (prev_hash),
      ADD CONSTRAINT audit_log_hash_format CHECK (hash ~ '^[0-9a-f]{64}$')`);
    await q.query(`CREATE INDEX audit_log_actor ON audit_log (actor, seq)`);
    await q.query(`CREATE INDEX audit_log_action ON audit_log (action, seq)`);

    // Append-only for everyone, the table's owner included. A superuser can still switch triggers
    // off; the chain and the emailed digests catch what such a person changes.
    await q.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await q.query(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
      FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);
    // An insert continues the chain: the next number after the head and the head's hash.
    await q.query(`
      CREATE FUNCTION audit_log_check_append() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE head_seq bigint; head_hash text;
      BEGIN
        SELECT seq, hash INTO head_seq, head_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
        IF NEW.seq <> COALESCE(head_seq, 0) + 1 OR NEW.prev_hash <> COALESCE(head_hash, '${GENESIS_HASH}') THEN
          RAISE EXCEPTION 'audit_log: record % does not continue the chain (head is %)', NEW.seq, COALESCE(head_seq, 0)
            USING ERRCODE = 'integrity_constraint_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER audit_log_append BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION audit_log_check_append()`);

    // The application's role: everything it needs on the operational tables, insert and read
    // only on the audit log, read only on the migrations table.
    await q.query(`DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        CREATE ROLE ${APP_ROLE} NOLOGIN;
      END IF;
    END $$`);
    await q.query(`GRANT USAGE ON SCHEMA public TO ${APP_ROLE}`);
    await q.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${APP_ROLE}`,
    );
    await q.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${APP_ROLE}`);
    await q.query(`REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM ${APP_ROLE}, PUBLIC`);
    await q.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON migrations FROM ${APP_ROLE}`);
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM ${APP_ROLE}`,
    );
    await q.query(
      `ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM ${APP_ROLE}`,
    );
    await q.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`REVOKE USAGE ON SCHEMA public FROM ${APP_ROLE}`);
    await q.query(`DROP TRIGGER audit_log_append ON audit_log`);
    await q.query(`DROP FUNCTION audit_log_check_append()`);
    await q.query(`DROP TRIGGER audit_log_no_truncate ON audit_log`);
    await q.query(`DROP TRIGGER audit_log_no_update_delete ON audit_log`);
    await q.query(`DROP FUNCTION audit_log_refuse_change()`);
    await q.query(`DROP INDEX audit_log_action`);
    await q.query(`DROP INDEX audit_log_actor`);
    await q.query(`ALTER TABLE audit_log
      DROP CONSTRAINT audit_log_hash_format,
      DROP CONSTRAINT audit_log_no_fork,
      DROP CONSTRAINT audit_log_seq_positive,
      ALTER COLUMN recorded_at SET DEFAULT now()`);
    await q.query(`CREATE SEQUENCE audit_log_seq_seq OWNED BY audit_log.seq`);
    await q.query(
      `SELECT setval('audit_log_seq_seq', GREATEST((SELECT max(seq) FROM audit_log), 1))`,
    );
    await q.query(
      `ALTER TABLE audit_log ALTER COLUMN seq SET DEFAULT nextval('audit_log_seq_seq')`,
    );
    await q.query(`ALTER TABLE audit_log
      DROP COLUMN hash, DROP COLUMN prev_hash, DROP COLUMN history_event_id,
      DROP COLUMN scope_id, DROP COLUMN actor_role`);
  }
}
