import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The directory (institution → schools → departments, people, roles held in a scope), sign-in
 * (hashed access and refresh tokens, API keys) and one-click email links. Secrets are never stored:
 * passwords as argon2id hashes, tokens, keys and link tokens as SHA-256.
 */
export class Directory1764300000000 implements MigrationInterface {
  name = 'Directory1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE org_unit (
        id         text PRIMARY KEY,
        kind       text NOT NULL CHECK (kind IN ('institution', 'school', 'department')),
        parent_id  text REFERENCES org_unit(id),
        name_kk    text NOT NULL,
        name_ru    text NOT NULL,
        name_en    text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'institution') = (parent_id IS NULL))
      )`);
    await q.query(`
      CREATE TABLE person (
        id            text PRIMARY KEY,
        email         text NOT NULL,
        full_name     text NOT NULL,
        language      text NOT NULL CHECK (language IN ('kk', 'ru', 'en')),
        password_hash text,
        active        boolean NOT NULL DEFAULT true,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX person_email ON person (lower(email))`);
    await q.query(`
      CREATE TABLE role_assignment (
        person_id  text NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        role       text NOT NULL,
        scope_id   text NOT NULL REFERENCES org_unit(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (person_id, role, scope_id)
      )`);
    await q.query(`CREATE INDEX role_assignment_scope ON role_assignment (scope_id, role)`);
    await q.query(`
      CREATE TABLE auth_token (
        token_hash  bytea PRIMARY KEY,
        person_id   text NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        kind        text NOT NULL CHECK (kind IN ('access', 'refresh')),
        family      uuid NOT NULL,
        expires_at  timestamptz NOT NULL,
        revoked_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX auth_token_family ON auth_token (family)`);
    await q.query(`
      CREATE TABLE api_key (
        id           uuid PRIMARY KEY,
        person_id    text NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        name         text NOT NULL,
        key_hash     bytea NOT NULL UNIQUE,
        created_at   timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at   timestamptz
      )`);
    await q.query(`
      CREATE TABLE email_link (
        id          uuid PRIMARY KEY,
        token_hash  bytea NOT NULL UNIQUE,
        person_id   text NOT NULL REFERENCES person(id) ON DELETE CASCADE,
        exam_id     text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        step_id     text NOT NULL,
        action      text NOT NULL CHECK (action IN ('approve', 'reject')),
        expires_at  timestamptz NOT NULL,
        used_at     timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    // OpenID Connect sign-in in progress: state → PKCE verifier and nonce, used once.
    await q.query(`
      CREATE TABLE oidc_request (
        state       text PRIMARY KEY,
        verifier    text NOT NULL,
        nonce       text NOT NULL,
        expires_at  timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`ALTER TABLE exam ADD COLUMN department_id text REFERENCES org_unit(id)`);
    // Owners come from the directory now (holders of the step's role in the department's scope).
    await q.query(`ALTER TABLE exam DROP COLUMN owner_email`);
    // Human tasks: a step can be waived, and reassigned (delegated) to a person.
    await q.query(`ALTER TABLE exam_step DROP CONSTRAINT exam_step_status_check`);
    await q.query(
      `ALTER TABLE exam_step ADD CONSTRAINT exam_step_status_check CHECK (status IN ('open', 'overdue', 'approved', 'waived'))`,
    );
    await q.query(`ALTER TABLE exam_step ADD COLUMN assignee_id text REFERENCES person(id)`);
    await q.query(`ALTER TABLE exam_step ADD COLUMN waived_at timestamptz`);
    await q.query(`ALTER TABLE exam_step ADD COLUMN waived_by text`);
    await q.query(`ALTER TABLE outbox ADD COLUMN body_html text`);
    await q.query(`ALTER TABLE outbox ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]'`);
    await q.query(`ALTER TABLE outbox ADD COLUMN headers jsonb NOT NULL DEFAULT '{}'`);
    /** Link ids whose tokens the sender derives at send time (only their hashes are stored). */
    await q.query(`ALTER TABLE outbox ADD COLUMN link_ids uuid[] NOT NULL DEFAULT '{}'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox DROP COLUMN link_ids`);
    await q.query(`ALTER TABLE outbox DROP COLUMN headers`);
    await q.query(`ALTER TABLE outbox DROP COLUMN attachments`);
    await q.query(`ALTER TABLE outbox DROP COLUMN body_html`);
    await q.query(`ALTER TABLE exam_step DROP COLUMN waived_by`);
    await q.query(`ALTER TABLE exam_step DROP COLUMN waived_at`);
    await q.query(`ALTER TABLE exam_step DROP COLUMN assignee_id`);
    await q.query(`DELETE FROM exam_step WHERE status = 'waived'`);
    await q.query(`ALTER TABLE exam_step DROP CONSTRAINT exam_step_status_check`);
    await q.query(
      `ALTER TABLE exam_step ADD CONSTRAINT exam_step_status_check CHECK (status IN ('open', 'overdue', 'approved'))`,
    );
    await q.query(`ALTER TABLE exam ADD COLUMN owner_email text NOT NULL DEFAULT ''`);
    await q.query(`ALTER TABLE exam DROP COLUMN department_id`);
    await q.query(`DROP TABLE oidc_request`);
    await q.query(`DROP TABLE email_link`);
    await q.query(`DROP TABLE api_key`);
    await q.query(`DROP TABLE auth_token`);
    await q.query(`DROP TABLE role_assignment`);
    await q.query(`DROP TABLE person`);
    await q.query(`DROP TABLE org_unit`);
  }
}
