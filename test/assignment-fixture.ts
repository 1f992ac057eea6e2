import { randomBytes, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { DataSource } from 'typeorm';
import { seedCommitment } from '../activities/assignment.activity';
import { seal, type DocumentKey } from '../activities/sealed';
import { insertExam } from '../api/exams/exams.repository';
import {
  documentHash,
  SEAL_CONTEXT,
  type QuestionListContent,
  type TicketSetContent,
  type TicketVariantContent,
} from '../api/paperwork/documents';
import { variantKey } from '../sop/rules';

/**
 * The rows the paperwork writes before the assignment (issue 8), written straight into the tables:
 * an exam, its question list, a day's ticket set sealed as the upload seals it, the head's approval,
 * the committed seed (as the approval commits it) and the admission list. The tests of the
 * assignment (workflow tier and end to end) build on them.
 */

const ZONE = 'Asia/Almaty';

/**
 * An exam row with its facts: its days at `hour` (09:00 by default) local time, or starting at
 * `startsAt` with as many consecutive days as `dayCount`.
 */
export async function insertAssignmentExam(
  db: DataSource,
  exam: {
    id: string;
    discipline: string;
    departmentId: string;
    days?: string[];
    hour?: number;
    startsAt?: number;
    dayCount?: number;
  },
): Promise<{ startsAt: number; endsAt: number; days: string[] }> {
  const first =
    exam.startsAt !== undefined
      ? DateTime.fromMillis(exam.startsAt, { zone: ZONE })
      : DateTime.fromISO(`${exam.days![0]}T${String(exam.hour ?? 9).padStart(2, '0')}:00`, {
          zone: ZONE,
        });
  const days =
    exam.days ??
    Array.from({ length: exam.dayCount ?? 1 }, (_, i) => first.plus({ days: i }).toISODate()!);
  const startsAt = first.toMillis();
  const endsAt = DateTime.fromISO(`${days[days.length - 1]}T23:00`, { zone: ZONE }).toMillis();
  await insertExam(db, {
    id: exam.id,
    discipline: exam.discipline,
    departmentId: exam.departmentId,
    examDate: days[0],
    startsAt: new Date(startsAt),
    policyVersion: 'test',
    workflowId: `exam-${exam.id}`,
    facts: {
      examId: exam.id,
      days,
      startsAt,
      endsAt,
      expectedWorks: 0,
      summer: false,
      retake: false,
    },
  });
  return { startsAt, endsAt, days };
}

/** Variants of a day: "question / situational task" pairs, distinct by their text. */
export function variantsOf(tag: string, count: number): TicketVariantContent[] {
  return Array.from({ length: count }, (_, v) => ({
    items: [
      { kind: 'question' as const, text: `${tag}: question ${v + 1}` },
      { kind: 'situational' as const, text: `${tag}: situational task ${v + 1}` },
    ],
  }));
}

export const keyOfVariant = (variant: TicketVariantContent): string =>
  variantKey({ questions: variant.items.map((i) => i.text) });

/**
 * A version of a day's ticket set, sealed; approved by `approvedBy` unless null; with a committed
 * seed unless `seed` is null. Returns the set's hash, its content, the seed and its commitment.
 */
export async function insertTicketSet(
  db: DataSource,
  key: DocumentKey,
  set: {
    examId: string;
    day: number;
    version: number;
    variants: TicketVariantContent[];
    uploadedBy: string;
    approvedBy: string | null;
    seed?: string | null;
  },
): Promise<{ sha256: string; content: TicketSetContent; seed?: string; commitment?: string }> {
  const questions: QuestionListContent = {
    questions: set.variants.flatMap((v, i) =>
      v.items.map((item, j) => ({ number: i * 2 + j + 1, text: item.text, kind: item.kind })),
    ),
    rubric: [{ criterion: 'Completeness', points: 100 }],
    aids: [],
    literature: [],
  };
  await db.query(
    `INSERT INTO question_list (exam_id, version, sha256, content, question_count, source, uploaded_by)
     VALUES ($1, 1, $2, $3, $4, 'json', $5) ON CONFLICT DO NOTHING`,
    [
      set.examId,
      documentHash(questions),
      JSON.stringify(questions),
      questions.questions.length,
      set.uploadedBy,
    ],
  );
  const content: TicketSetContent = {
    day: set.day,
    questionListVersion: 1,
    variants: set.variants,
  };
  const sha256 = documentHash(content);
  await db.query(
    `INSERT INTO ticket_set (exam_id, day, version, sha256, question_list_version, variant_count,
                             sealed, key_id, uploaded_by, approved_by, approved_at)
     VALUES ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10)`,
    [
      set.examId,
      set.day,
      set.version,
      sha256,
      set.variants.length,
      seal(key, JSON.stringify(content), SEAL_CONTEXT.ticketSet(set.examId, set.day, set.version)),
      key.id,
      set.uploadedBy,
      set.approvedBy,
      set.approvedBy === null ? null : new Date(),
    ],
  );
  if (set.seed === null) return { sha256, content };
  const seed = set.seed ?? randomBytes(32).toString('hex');
  const commitment = seedCommitment(seed);
  await db.query(
    `INSERT INTO assignment_seed (exam_id, day, set_sha256, commitment, seed_sealed, key_id)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [
      set.examId,
      set.day,
      sha256,
      commitment,
      seal(key, seed, SEAL_CONTEXT.assignmentSeed(set.examId, set.day, sha256)),
      key.id,
    ],
  );
  return { sha256, content, seed, commitment };
}

export interface Admission {
  studentId: string;
  day?: number;
  admitted?: boolean;
  retake?: boolean;
}

export async function admit(
  db: DataSource,
  examId: string,
  importedBy: string,
  admissions: Admission[],
): Promise<void> {
  for (const a of admissions)
    await db.query(
      `INSERT INTO admission (exam_id, student_id, day, rating, admitted, retake, list_version, imported_by)
       VALUES ($1, $2, $3, 75, $4, $5, 1, $6)`,
      [examId, a.studentId, a.day ?? 1, a.admitted ?? true, a.retake ?? false, importedBy],
    );
}

/** Students of a department (person rows with the student role), with a sign-in password. */
export async function insertStudents(
  db: DataSource,
  tag: string,
  departmentId: string,
  count: number,
  passwordHash?: string,
): Promise<{ id: string; email: string; fullName: string }[]> {
  const students = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const email = `student${i}.${tag}@example.edu.kz`.toLowerCase();
    const fullName = `Student ${i} ${tag}`;
    await db.query(
      `INSERT INTO person (id, email, full_name, language, password_hash) VALUES ($1, $2, $3, 'en', $4)`,
      [id, email, fullName, passwordHash ?? null],
    );
    await db.query(
      `INSERT INTO role_assignment (person_id, role, scope_id) VALUES ($1, 'student', $2)`,
      [id, departmentId],
    );
    students.push({ id, email, fullName });
  }
  return students;
}

/** A ticket of an earlier exam (what a retaker had before: §5.3). */
export async function insertEarlierTicket(
  db: DataSource,
  row: { examId: string; studentId: string; variant: number; variantKey: string },
): Promise<void> {
  await db.query(
    `INSERT INTO ticket_assignment (exam_id, day, student_id, set_sha256, variant, variant_key)
     VALUES ($1, 1, $2, $3, $4, $5)`,
    [row.examId, row.studentId, 'e'.repeat(64), row.variant, row.variantKey],
  );
}
