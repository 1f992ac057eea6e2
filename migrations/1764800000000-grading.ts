import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An exam's paperwork (issue 8), second part: anonymised works and their grades (§5.6, §5.17,
 * §5.18, rows 6–8), grade-sheet versions with their reconciliation and registrar exports (§5.19,
 * rows 9–10), and appeal outcomes that change a grade (row 12).
 */
export class Grading1764800000000 implements MigrationInterface {
  name = 'Grading1764800000000';

  async up(q: QueryRunner): Promise<void> {
    // A work is known to examiners by its random code only; who wrote it is sealed until the
    // grading step is done (row 8), then opened by the workflow.
    await q.query(`
      CREATE TABLE exam_work (
        exam_id        text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        code           text NOT NULL CHECK (code ~ '^[A-Z0-9]{4,16}$'),
        day            integer NOT NULL DEFAULT 1,
        student_sealed bytea NOT NULL,
        key_id         text NOT NULL,
        -- HMAC-SHA256 of the student id under the document key: one work per student (a retried
        -- activity finds it) without revealing who it is to someone without the key.
        student_tag    text NOT NULL,
        student_id     text REFERENCES person(id),
        opened_at      timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, code),
        UNIQUE (exam_id, student_tag)
      )`);
    await q.query(`
      CREATE TABLE grade (
        exam_id    text NOT NULL,
        code       text NOT NULL,
        score      numeric(5, 2) NOT NULL CHECK (score >= 0 AND score <= 100),
        letter     text NOT NULL,
        gpa        numeric(3, 2) NOT NULL,
        source     text NOT NULL CHECK (source IN ('api', 'moodle-csv', 'appeal')),
        graded_by  text NOT NULL REFERENCES person(id),
        graded_at  timestamptz NOT NULL DEFAULT now(),
        version    integer NOT NULL DEFAULT 1,
        PRIMARY KEY (exam_id, code),
        FOREIGN KEY (exam_id, code) REFERENCES exam_work(exam_id, code) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE grade_sheet (
        exam_id     text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        version     integer NOT NULL CHECK (version > 0),
        sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        rows        jsonb NOT NULL,
        reason      text NOT NULL,
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        reconciled_at timestamptz,
        PRIMARY KEY (exam_id, version)
      )`);
    await q.query(`
      CREATE TABLE grade_sheet_confirmation (
        exam_id        text NOT NULL,
        version        integer NOT NULL,
        person_id      text NOT NULL REFERENCES person(id),
        role           text NOT NULL,
        confirmed      boolean NOT NULL,
        disputed_codes text[] NOT NULL DEFAULT '{}',
        comment        text,
        at             timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, version, person_id),
        FOREIGN KEY (exam_id, version) REFERENCES grade_sheet(exam_id, version) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE grade_sheet_export (
        exam_id    text NOT NULL,
        version    integer NOT NULL,
        format     text NOT NULL CHECK (format IN ('csv', 'xlsx')),
        sha256     text NOT NULL,
        exported_by text NOT NULL REFERENCES person(id),
        exported_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, version, format),
        FOREIGN KEY (exam_id, version) REFERENCES grade_sheet(exam_id, version) ON DELETE CASCADE
      )`);
    await q.query(`
      CREATE TABLE appeal_outcome (
        exam_id     text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        case_id     text NOT NULL,
        student_id  text NOT NULL REFERENCES person(id),
        old_score   numeric(5, 2),
        new_score   numeric(5, 2),
        reason      text NOT NULL,
        decided_by  text NOT NULL REFERENCES person(id),
        decided_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, case_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE appeal_outcome`);
    await q.query(`DROP TABLE grade_sheet_export`);
    await q.query(`DROP TABLE grade_sheet_confirmation`);
    await q.query(`DROP TABLE grade_sheet`);
    await q.query(`DROP TABLE grade`);
    await q.query(`DROP TABLE exam_work`);
  }
}
