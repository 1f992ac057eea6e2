import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Proctoring and academic integrity (issue 9, §5.4, §5.7–§5.16, row 11): the working group and its
 * proctors, the recordings registry and the proctoring system's webhook events, Form 4's round
 * trip, violation cases with their commission, and the numbered documents (Forms 2, 3, 4 and the
 * impostor act) with a gapless counter per institution and year.
 */
export class Integrity1765000000000 implements MigrationInterface {
  name = 'Integrity1765000000000';

  async up(q: QueryRunner): Promise<void> {
    // §5.10/§5.11: the vice-rector's order appointing the working group.
    await q.query(`
      CREATE TABLE working_group_order (
        id          uuid PRIMARY KEY,
        number      text NOT NULL CHECK (length(number) BETWEEN 1 AND 64),
        signed_on   date NOT NULL,
        signed_by   text NOT NULL REFERENCES person(id),
        scope_id    text NOT NULL REFERENCES org_unit(id),
        members     text[] NOT NULL,
        recorded_by text NOT NULL REFERENCES person(id),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (number, signed_on)
      )`);
    // §5.12: members assigned to exams by the approved schedule; each answers for their proctors.
    await q.query(`
      CREATE TABLE proctor_assignment (
        exam_id     text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        proctor_id  text NOT NULL REFERENCES person(id),
        member_id   text NOT NULL REFERENCES person(id),
        order_id    uuid NOT NULL REFERENCES working_group_order(id),
        assigned_by text NOT NULL REFERENCES person(id),
        assigned_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (exam_id, proctor_id)
      )`);
    // §5.4, §5.7, §5.9: each student's recording in the proctoring system.
    await q.query(`
      CREATE TABLE recording (
        exam_id      text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        student_id   text NOT NULL REFERENCES person(id),
        external_id  text NOT NULL,
        link         text,
        proctor_id   text REFERENCES person(id),
        status       text NOT NULL DEFAULT 'started' CHECK (status IN ('started', 'ready', 'deleted')),
        started_at   timestamptz,
        ready_at     timestamptz,
        flagged_at   timestamptz,
        deleted_at   timestamptz,
        PRIMARY KEY (exam_id, student_id),
        UNIQUE (external_id)
      )`);
    // The proctoring system's webhook events, each stored once (replay-safe).
    await q.query(`
      CREATE TABLE proctoring_event (
        event_id    text PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 128),
        kind        text NOT NULL,
        exam_id     text,
        sent_at     timestamptz NOT NULL,
        received_at timestamptz NOT NULL DEFAULT now(),
        payload     jsonb NOT NULL
      )`);
    // §5.13–§5.15: each proctor's Form 4, sent, returned and signed.
    await q.query(`
      CREATE TABLE form4 (
        exam_id       text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        proctor_id    text NOT NULL REFERENCES person(id),
        member_id     text NOT NULL REFERENCES person(id),
        students      text[] NOT NULL,
        language      text NOT NULL CHECK (language IN ('kk', 'ru')),
        -- The rows as sent (api/integrity/form4.xlsx.ts Form4Sheet): the return is checked against them.
        sheet         jsonb NOT NULL,
        sent_sha256   text NOT NULL,
        sent_at       timestamptz NOT NULL DEFAULT now(),
        returned_rows jsonb,
        returned_sha256 text,
        returned_at   timestamptz,
        returned_by   text REFERENCES person(id),
        signed_at     timestamptz,
        signed_by     text REFERENCES person(id),
        document_id   uuid,
        PRIMARY KEY (exam_id, proctor_id)
      )`);
    // §5.14: the proctoring system's PDF act for each "drawn" row, returned with Form 4.
    await q.query(`
      CREATE TABLE form4_act (
        exam_id    text NOT NULL,
        proctor_id text NOT NULL,
        student_id text NOT NULL REFERENCES person(id),
        filename   text NOT NULL,
        pdf        bytea NOT NULL,
        sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        PRIMARY KEY (exam_id, student_id),
        FOREIGN KEY (exam_id, proctor_id) REFERENCES form4(exam_id, proctor_id) ON DELETE CASCADE
      )`);
    // Numbered documents (Forms 2, 3, 4, the impostor act): "No. N" without gaps per institution and
    // year — the counter row is taken in the same transaction as the document.
    await q.query(`
      CREATE TABLE document_counter (
        institution text NOT NULL,
        year        integer NOT NULL,
        last        integer NOT NULL,
        PRIMARY KEY (institution, year)
      )`);
    await q.query(`
      CREATE TABLE integrity_document (
        id          uuid PRIMARY KEY,
        kind        text NOT NULL CHECK (kind IN ('form2', 'form3', 'form4', 'impostor')),
        institution text NOT NULL,
        year        integer NOT NULL,
        number      integer NOT NULL CHECK (number > 0),
        language    text NOT NULL CHECK (language IN ('kk', 'ru')),
        exam_id     text REFERENCES exam(id) ON DELETE CASCADE,
        case_id     text,
        content     jsonb NOT NULL,
        pdf         bytea NOT NULL,
        sha256      text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
        created_by  text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        UNIQUE (institution, year, number)
      )`);
    // §5.15: the signed Form 4's numbered PDF.
    await q.query(
      `ALTER TABLE form4 ADD FOREIGN KEY (document_id) REFERENCES integrity_document(id)`,
    );
    // §5.8, §5.14–§5.16, row 11: a violation case (its steps run in its own child workflow).
    await q.query(`
      CREATE TABLE violation_case (
        exam_id        text NOT NULL REFERENCES exam(id) ON DELETE CASCADE,
        case_id        text NOT NULL CHECK (case_id ~ '^V-[0-9]{1,6}$'),
        student_id     text NOT NULL REFERENCES person(id),
        source         text NOT NULL CHECK (source IN ('form4', 'flag', 'form2', 'impostor')),
        status         text NOT NULL DEFAULT 'open'
                         CHECK (status IN ('open', 'confirmed', 'dismissed', 'closed')),
        act_document   uuid REFERENCES integrity_document(id),
        evidence       jsonb NOT NULL DEFAULT '{}',
        commission     text[],
        decision_reason text,
        decided_at     timestamptz,
        acknowledgement text CHECK (acknowledgement IN ('agree', 'disagree', 'refuse')),
        acknowledged_at timestamptz,
        refusal_document uuid REFERENCES integrity_document(id),
        workflow_id    text NOT NULL,
        opened_by      text NOT NULL,
        opened_at      timestamptz NOT NULL DEFAULT now(),
        closed_at      timestamptz,
        PRIMARY KEY (exam_id, case_id),
        UNIQUE (exam_id, student_id, source)
      )`);
    // §5.16: what the dean's office placed in a student's AIS account (the local AIS adapter).
    await q.query(`
      CREATE TABLE ais_message (
        id          uuid PRIMARY KEY,
        person_id   text NOT NULL REFERENCES person(id),
        exam_id     text REFERENCES exam(id) ON DELETE CASCADE,
        subject     text NOT NULL,
        body        text NOT NULL,
        document_id uuid REFERENCES integrity_document(id),
        key         text NOT NULL UNIQUE,
        created_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'ais_message',
      'violation_case',
      'integrity_document',
      'document_counter',
      'form4_act',
      'form4',
      'proctoring_event',
      'recording',
      'proctor_assignment',
      'working_group_order',
    ])
      await q.query(`DROP TABLE ${table}`);
  }
}
