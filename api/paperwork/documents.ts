import { createHash } from 'node:crypto';
import { canonicalJson } from '../../activities/audit-log';

/**
 * The documents of an exam's paperwork (issue 8) as the API, the activities and the tests share
 * them: their content types, their hashes and the contexts they are sealed under.
 */

/** A question of the list (GP 3): theory questions and situational tasks. */
export interface Question {
  /** 1-based, as numbered in the uploaded list. */
  number: number;
  text: string;
  kind: 'question' | 'situational';
}

/** A question-list version's content (GP 3, row 1). */
export interface QuestionListContent {
  questions: Question[];
  /** The evaluation sheet (rubric): criteria with their points. */
  rubric: { criterion: string; points: number }[];
  aids: string[];
  literature: string[];
}

/** One variant of a day's ticket set (Form 1): "1. Question 2. Question" or "… 2. Situational task". */
export interface TicketVariantContent {
  items: { kind: 'question' | 'situational'; text: string }[];
}

/** A day's ticket set (§5.1–§5.3), sealed at rest. */
export interface TicketSetContent {
  day: number;
  questionListVersion: number;
  variants: TicketVariantContent[];
}

/** The document version a step's decision approved, kept in the step and the audit record. */
export type { StepSubject } from '../../workflows/exam.contract';

/** SHA-256 (hex) of a document's canonical JSON: the hash decisions and commitments name. */
export function documentHash(content: unknown): string {
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

/** What a sealed value is bound to (AES-GCM additional data): it opens only in its own row. */
export const SEAL_CONTEXT = {
  ticketSet: (examId: string, day: number, version: number) =>
    `ticket-set/${examId}/${day}/${version}`,
  assignmentSeed: (examId: string, day: number, setSha256: string) =>
    `assignment-seed/${examId}/${day}/${setSha256}`,
  /** Who wrote an anonymised work (§5.6, rows 6–8): sealed until the grading step is done. */
  workStudent: (examId: string, code: string) => `exam-work/${examId}/${code}`,
} as const;
