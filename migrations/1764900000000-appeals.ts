import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Appeals (row 12, issue 8): an appeal filed by a student (or the dean's office on their behalf)
 * after the results are published, and the appeal commission's decision — which members decided,
 * upheld or dismissed, and the grade-sheet version a changed score produced.
 */
export class Appeals1764900000000 implements MigrationInterface {
  name = 'Appeals1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE appeal (
        exam_id    text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        case_id    text NOT NULL CHECK (case_id ~ '^AP-[0-9]{1,6}$'),
        student_id text NOT NULL REFERENCES person(id),
        code       text NOT NULL,
        reason     text NOT NULL CHECK (length(reason) BETWEEN 1 AND 2000),
        filed_by   text NOT NULL REFERENCES person(id),
        filed_at   timestamptz NOT NULL DEFAULT now(),
        status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'dismissed')),
        PRIMARY KEY (exam_id, case_id),
        -- One appeal per student and exam (row 12).
        UNIQUE (exam_id, student_id),
        FOREIGN KEY (exam_id, code) REFERENCES exam_work(exam_id, code)
      )`);
    await q.query(`ALTER TABLE appeal_outcome
      ADD COLUMN decision text NOT NULL CHECK (decision IN ('upheld', 'dismissed')),
      ADD COLUMN members text[] NOT NULL,
      ADD COLUMN grade_sheet_version integer,
      ADD FOREIGN KEY (exam_id, case_id) REFERENCES appeal(exam_id, case_id) ON DELETE CASCADE`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE appeal_outcome
      DROP COLUMN grade_sheet_version, DROP COLUMN members, DROP COLUMN decision`);
    await q.query(`DROP TABLE appeal`);
  }
}
