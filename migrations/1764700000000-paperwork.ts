import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An exam's paperwork (issue 8), first part: question-list versions (GP 3, row 1), ticket sets per
 * exam day stored sealed with AES-256-GCM (§5.1–§5.3, Form 1), the admission list (§5.1), the
 * committed seeds and the ticket assignment (§5.3, §5.5); and the document version a step's
 * decision approved (exam_step.subject).
 */
export class Paperwork1764700000000 implements MigrationInterface {
  name = 'Paperwork1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE question_list (
        exam_id        text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        version        integer NOT NULL CHECK (version > 0),
        sha256         text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        content        jsonb NOT NULL,
        question_count integer NOT NULL,
        source         text NOT NULL CHECK (source IN ('json', 'xlsx')),
        file_name      text,
        uploaded_by    text NOT NULL REFERENCES person(id),
        uploaded_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, version)
      )`);
    await q.query(`
      CREATE TABLE ticket_set (
        exam_id               text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        day                   integer NOT NULL CHECK (day > 0),
        version               integer NOT NULL CHECK (version > 0),
        sha256                text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        question_list_version integer NOT NULL,
        variant_count         integer NOT NULL,
        -- AES-256-GCM: 12-byte nonce, 16-byte tag, ciphertext; the key comes from configuration.
        sealed                bytea NOT NULL,
        key_id                text NOT NULL,
        uploaded_by           text NOT NULL REFERENCES person(id),
        uploaded_at           timestamptz NOT NULL DEFAULT now(),
        -- Form 1: "Approved: head of department" (the head's approval of this version).
        approved_by           text REFERENCES person(id),
        approved_at           timestamptz,
        PRIMARY KEY (exam_id, day, version),
        FOREIGN KEY (exam_id, question_list_version) REFERENCES question_list(exam_id, version)
      )`);
    await q.query(`
      CREATE TABLE admission (
        exam_id     text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        student_id  text NOT NULL REFERENCES person(id),
        day         integer NOT NULL DEFAULT 1 CHECK (day > 0),
        rating      numeric(5, 2),
        admitted    boolean NOT NULL,
        retake      boolean NOT NULL DEFAULT false,
        list_version integer NOT NULL,
        imported_by text NOT NULL REFERENCES person(id),
        imported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, student_id)
      )`);
    await q.query(`
      CREATE TABLE assignment_seed (
        exam_id      text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        day          integer NOT NULL,
        set_sha256   text NOT NULL,
        commitment   text NOT NULL CHECK (commitment ~ '^[0-9a-f]{64}$'),
        seed_sealed  bytea NOT NULL,
        key_id       text NOT NULL,
        committed_at timestamptz NOT NULL DEFAULT now(),
        revealed_seed text,
        revealed_at  timestamptz,
        PRIMARY KEY (exam_id, day, set_sha256)
      )`);
    await q.query(`
      CREATE TABLE ticket_assignment (
        exam_id        text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        day            integer NOT NULL,
        student_id     text NOT NULL REFERENCES person(id),
        set_sha256     text NOT NULL,
        variant        integer NOT NULL,
        variant_key    text NOT NULL,
        assigned_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, student_id)
      )`);
    await q.query(`CREATE INDEX ticket_assignment_student ON ticket_assignment (student_id)`);
    // The document version a decision approved (question list, ticket set): { kind, version, sha256 }.
    await q.query(`ALTER TABLE exam_step ADD COLUMN subject jsonb`);
    await q.query(`ALTER TABLE session_step ADD COLUMN subject jsonb`);
    // The exam's facts as registered (days, E, credits, expected works …): the paperwork checks
    // them (GP 3's question count, §5.17's window) without asking the workflow.
    await q.query(`ALTER TABLE exam ADD COLUMN facts jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE exam DROP COLUMN facts`);
    await q.query(`ALTER TABLE session_step DROP COLUMN subject`);
    await q.query(`ALTER TABLE exam_step DROP COLUMN subject`);
    await q.query(`DROP TABLE ticket_assignment`);
    await q.query(`DROP TABLE assignment_seed`);
    await q.query(`DROP TABLE admission`);
    await q.query(`DROP TABLE ticket_set`);
    await q.query(`DROP TABLE question_list`);
  }
}
