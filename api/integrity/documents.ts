import { createHash, randomUUID } from 'node:crypto';
import { DateTime } from 'luxon';
import type { EntityManager } from 'typeorm';
import { appendAudit, type AuditEntry } from '../../activities/audit-log';
import { renderDocument } from './pdf';

/**
 * The numbered integrity documents (issue 9): Form 2 (the act on breaking the rules of conduct at
 * the exam, §5.8), Form 3 (the act on refusing to sign it, §5.16), the impostor act (§5.8) and
 * Form 4 (the proctor review table, §5.13–§5.15), each a PDF in Kazakh or Russian numbered
 * "№ N" without gaps per institution and year. The number is taken from `document_counter` in the
 * caller's transaction, so a rolled-back transaction gives its number back and concurrent ones
 * wait for each other on the counter's row.
 */

export type DocumentKind = 'form2' | 'form3' | 'form4' | 'impostor';
export const DOCUMENT_KINDS: readonly DocumentKind[] = ['form2', 'form3', 'form4', 'impostor'];

export type DocumentLanguage = 'kk' | 'ru';
export const DOCUMENT_LANGUAGES: readonly DocumentLanguage[] = ['kk', 'ru'];

/** Someone who draws up, witnesses or certifies an act. */
export interface ActPerson {
  name: string;
  position: string;
}

/** The student an act is about, as the forms name them: faculty (school), year of study, group. */
export interface ActStudent {
  name: string;
  faculty: string;
  /** Year of study (курс). */
  year: number;
  group: string;
}

/** Form 2's tick list of violations, in the form's order. */
export const VIOLATIONS = [
  'mobile_phone',
  'cheat_sheets',
  'electronic_devices',
  'other_screen',
  'seat_change_or_leaving',
  'talking',
] as const;
export type Violation = (typeof VIOLATIONS)[number];

/** Form 2 (§5.8): act on breaking the rules of conduct at the exam. */
export interface Form2Content {
  discipline: string;
  /**
   * §5.8: at least three people (proctor, testing centre, dean's office): those who drew the act
   * up on the spot (named when the case was opened), or the commission for an act of a Form 4 row
   * or a proctoring flag.
   */
  drawnUpBy: ActPerson[];
  /** §5.8, §5.15: the integrity commission that confirmed an act drawn up on the spot, listed apart. */
  commission?: ActPerson[];
  student: ActStudent;
  /** The violation's local date (YYYY-MM-DD) and time (HH:mm). */
  date: string;
  time: string;
  /** The ticked violations; `other` is a free-text one not on the list. */
  violations: Violation[];
  other?: string;
  /** A remote exam: the proctoring system's recording (link or id). */
  recording?: string;
  /** The dean who signs; a blank line when not given. */
  dean?: string;
}

/** Form 3 (§5.16): act on the student's refusal to sign the violation act. */
export interface Form3Content {
  /** The refusal's local date (YYYY-MM-DD). */
  date: string;
  /** "I, (name, position), …" */
  certifiedBy: ActPerson;
  /** "… in the presence of (1) (2) …" */
  witnesses: [ActPerson, ActPerson];
  student: ActStudent;
  /** The act the student refuses to sign: its number and local date. */
  act: { number: number; date: string };
}

/** The impostor act (§5.8; no form number): someone sat, or tried to sit, the exam for the student. */
export interface ImpostorContent {
  discipline: string;
  /** §5.8: the (at least three) people who drew it up on the spot. */
  drawnUpBy: ActPerson[];
  /** §5.8, §5.15: the integrity commission that confirmed it, listed apart. */
  commission?: ActPerson[];
  student: ActStudent;
  /** The person found sitting the exam instead of the student. */
  impostor: string;
  date: string;
  time: string;
  dean?: string;
}

/** One row of Form 4: a student whose recording the proctor reviewed. */
export interface Form4Row {
  fullName: string;
  speciality: string;
  year: number;
  group: string;
  /** The recording in the proctoring system. */
  link: string;
  act: 'drawn' | 'not_drawn';
}

/** Form 4 (§5.13–§5.15): the proctor review table, as the working-group member signs it. */
export interface Form4Content {
  examId: string;
  discipline: string;
  examDate: string;
  proctor: string;
  /** The working-group member who checks and signs it. */
  member: string;
  /** The member's signing date (YYYY-MM-DD); a blank line when not given. */
  signedOn?: string;
  rows: Form4Row[];
}

/** A document's kind with its content. */
export type DocumentContent =
  | { kind: 'form2'; content: Form2Content }
  | { kind: 'form3'; content: Form3Content }
  | { kind: 'impostor'; content: ImpostorContent }
  | { kind: 'form4'; content: Form4Content };

/** The SOP clauses each kind's audit record names. */
export const DOCUMENT_CLAUSES: Record<DocumentKind, string[]> = {
  form2: ['§5.8', 'Form 2'],
  form3: ['§5.16', 'Form 3'],
  impostor: ['§5.8'],
  form4: ['§5.13', '§5.14', '§5.15', 'Form 4'],
};

export type IssueDocumentInput = DocumentContent & {
  /**
   * A business id for this document (e.g. `case/<examId>/<caseId>/form2`): issuing again with
   * the same key returns the first document instead of taking a new number (a retried activity).
   */
  key: string;
  /** The institution whose numbering the document takes (its org unit id). */
  institution: string;
  language: DocumentLanguage;
  /** The document's date: its local year in `timeZone` chooses the numbering year. */
  at: Date | number;
  /** The policy's time zone (Asia/Almaty). */
  timeZone: string;
  examId?: string | null;
  caseId?: string | null;
  /** Who issues it (a person's directory id, `system:workflow`). */
  createdBy: string;
  /**
   * Return the audit record instead of appending it: for a caller that sends a workflow Update in
   * the same transaction, whose own record needs the audit chain's lock (append it after).
   */
  deferAudit?: boolean;
  /** More of the audit record, where the caller has it. */
  audit?: Pick<
    AuditEntry,
    'actorRole' | 'scopeId' | 'sessionId' | 'stepId' | 'requestId' | 'workflowId' | 'runId'
  >;
};

export interface IssuedDocument {
  id: string;
  number: number;
  year: number;
  sha256: string;
  pdf: Buffer;
  /** True when the key had already issued this document (nothing new was numbered). */
  repeated: boolean;
  /** With `deferAudit`: the document.issued record, for the caller to append. */
  audit?: AuditEntry;
}

export type IntegrityDocument = DocumentContent & {
  id: string;
  institution: string;
  year: number;
  number: number;
  language: DocumentLanguage;
  examId: string | null;
  caseId: string | null;
  pdf: Buffer;
  sha256: string;
  createdBy: string;
  createdAt: string;
};

/** Content that cannot make its document; the problems name the field and the clause. */
export class DocumentContentError extends Error {
  constructor(readonly problems: string[]) {
    super(`the document's content is incomplete: ${problems.join('; ')}`);
    this.name = 'DocumentContentError';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;

/** What is missing or malformed in a document's content (empty when it can be issued). */
export function contentProblems(doc: DocumentContent): string[] {
  const problems: string[] = [];
  const need = (ok: boolean, problem: string) => {
    if (!ok) problems.push(problem);
  };
  const filled = (s: string | undefined) => s !== undefined && s.trim() !== '';
  const person = (p: ActPerson | undefined, path: string) =>
    need(p !== undefined && filled(p.name) && filled(p.position), `${path}: name and position`);
  const student = (s: ActStudent) => {
    need(filled(s.name), 'student.name: required');
    need(filled(s.faculty), 'student.faculty: required');
    need(Number.isInteger(s.year) && s.year > 0, 'student.year: a year of study');
    need(filled(s.group), 'student.group: required');
  };
  const date = (value: string, path: string) =>
    need(ISO_DATE.test(value), `${path}: a date YYYY-MM-DD`);
  const commission = (people: ActPerson[], confirmedBy: ActPerson[] | undefined) => {
    // §5.8: a commission of at least three people draws up the act.
    need(people.length >= 3, 'drawnUpBy: at least 3 people (§5.8)');
    people.forEach((p, i) => person(p, `drawnUpBy[${i}]`));
    // The commission that confirmed an act drawn up on the spot, when listed apart.
    if (confirmedBy !== undefined) {
      need(confirmedBy.length > 0, 'commission: its members (§5.8)');
      confirmedBy.forEach((p, i) => person(p, `commission[${i}]`));
    }
  };
  switch (doc.kind) {
    case 'form2': {
      const c = doc.content;
      need(filled(c.discipline), 'discipline: required');
      commission(c.drawnUpBy, c.commission);
      student(c.student);
      date(c.date, 'date');
      need(TIME.test(c.time), 'time: HH:mm');
      need(
        c.violations.every((v) => (VIOLATIONS as readonly string[]).includes(v)),
        `violations: one of ${VIOLATIONS.join(', ')}`,
      );
      need(c.violations.length > 0 || filled(c.other), 'violations: at least one, or other');
      break;
    }
    case 'form3': {
      const c = doc.content;
      date(c.date, 'date');
      person(c.certifiedBy, 'certifiedBy');
      need(c.witnesses.length === 2, 'witnesses: two (Form 3)');
      c.witnesses.forEach((p, i) => person(p, `witnesses[${i}]`));
      student(c.student);
      need(Number.isInteger(c.act.number) && c.act.number > 0, 'act.number: the act refused');
      date(c.act.date, 'act.date');
      break;
    }
    case 'impostor': {
      const c = doc.content;
      need(filled(c.discipline), 'discipline: required');
      commission(c.drawnUpBy, c.commission);
      student(c.student);
      need(filled(c.impostor), 'impostor: the name of the person found');
      date(c.date, 'date');
      need(TIME.test(c.time), 'time: HH:mm');
      break;
    }
    case 'form4': {
      const c = doc.content;
      need(filled(c.discipline), 'discipline: required');
      date(c.examDate, 'examDate');
      need(filled(c.proctor), 'proctor: required');
      need(filled(c.member), 'member: the working-group member (§5.15)');
      if (c.signedOn !== undefined) date(c.signedOn, 'signedOn');
      c.rows.forEach((r, i) => {
        need(filled(r.fullName), `rows[${i}].fullName: required`);
        need(r.act === 'drawn' || r.act === 'not_drawn', `rows[${i}].act: drawn or not_drawn`);
      });
      break;
    }
  }
  return problems;
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Issues one numbered document in the caller's transaction: takes the next number for
 * (institution, year), renders the PDF with it, stores the row and appends its audit record
 * (last: the audit chain's lock is held until the transaction ends).
 */
export async function issueDocument(
  tx: Queryable,
  input: IssueDocumentInput,
): Promise<IssuedDocument> {
  const problems = contentProblems(input);
  if (problems.length > 0) throw new DocumentContentError(problems);
  const auditKey = `document.issued/${input.key}`;
  // A second issue with the key waits here for the first to commit or roll back, then finds it.
  await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [auditKey]);
  const seen = await tx.query<{ id: string }[]>(
    `SELECT after->>'documentId' AS id FROM audit_log WHERE key = $1`,
    [auditKey],
  );
  if (seen.length > 0) {
    const first = await readDocument(tx, seen[0].id);
    if (first === undefined) throw new Error(`${auditKey} names a document that is not stored`);
    const { id, number, year, sha256, pdf } = first;
    return { id, number, year, sha256, pdf, repeated: true };
  }

  const at = typeof input.at === 'number' ? input.at : input.at.getTime();
  const year = DateTime.fromMillis(at, { zone: input.timeZone }).year;
  // Gapless: the counter's row is locked until this transaction ends; a rollback undoes the +1.
  const [{ last: number }] = await tx.query<{ last: number }[]>(
    `INSERT INTO document_counter (institution, year, last) VALUES ($1, $2, 1)
     ON CONFLICT (institution, year) DO UPDATE SET last = document_counter.last + 1
     RETURNING last`,
    [input.institution, year],
  );
  const id = randomUUID();
  const pdf = await renderDocument({ ...contentOf(input), language: input.language, number, id });
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  await tx.query(
    `INSERT INTO integrity_document (id, kind, institution, year, number, language, exam_id, case_id,
       content, pdf, sha256, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      id,
      input.kind,
      input.institution,
      year,
      number,
      input.language,
      input.examId ?? null,
      input.caseId ?? null,
      JSON.stringify(input.content),
      pdf,
      sha256,
      input.createdBy,
    ],
  );
  const record: AuditEntry = {
    ...input.audit,
    key: auditKey,
    at,
    actor: input.createdBy,
    action: 'document.issued',
    clauses: DOCUMENT_CLAUSES[input.kind],
    examId: input.examId ?? null,
    after: { documentId: id, kind: input.kind, number, year, sha256, caseId: input.caseId ?? null },
  };
  if (input.deferAudit === true)
    return { id, number, year, sha256, pdf, repeated: false, audit: record };
  await appendAudit(tx, record);
  return { id, number, year, sha256, pdf, repeated: false };
}

/** The kind and content alone (the union kept), for the renderer. */
function contentOf(input: DocumentContent): DocumentContent {
  return { kind: input.kind, content: input.content } as DocumentContent;
}

/** One stored document, or undefined. */
export async function readDocument(
  db: Queryable,
  id: string,
): Promise<IntegrityDocument | undefined> {
  // An id that is no uuid names no document (and would be a PostgreSQL error).
  if (!UUID.test(id)) return undefined;
  const rows = await db.query<Record<string, unknown>[]>(
    `SELECT id, kind, institution, year, number, language, exam_id, case_id, content, pdf, sha256,
       created_by, created_at
     FROM integrity_document WHERE id = $1`,
    [id],
  );
  if (rows.length === 0) return undefined;
  const r = rows[0];
  return {
    id: r.id as string,
    kind: r.kind,
    content: r.content,
    institution: r.institution as string,
    year: Number(r.year),
    number: Number(r.number),
    language: r.language as DocumentLanguage,
    examId: (r.exam_id as string | null) ?? null,
    caseId: (r.case_id as string | null) ?? null,
    pdf: r.pdf as Buffer,
    sha256: r.sha256 as string,
    createdBy: r.created_by as string,
    createdAt: (r.created_at as Date).toISOString(),
  } as IntegrityDocument;
}
