import type { EntityManager } from 'typeorm';

/**
 * The hook through which a proctoring system's flag opens a violation case (§5.7, §5.14, issue 9
 * part 4). The proctoring service calls it for every accepted `violation.flagged` event, inside the
 * event's transaction, after the recording row is written and before the audit record: a throw
 * rolls the event back (not stored, answered 5xx), so the proctoring system sends it again. The
 * handler must therefore be idempotent — `evidence.eventId` is stored once, and one case per
 * exam, student and source 'flag' is the schema's rule — and may write through `tx` so that the
 * case and the event commit together.
 *
 * Provided under VIOLATION_FLAG_HANDLER; AppModule provides `null` (no handler) until the violation
 * cases are wired: `{ provide: VIOLATION_FLAG_HANDLER, useExisting: <the cases' service> }`.
 */
export const VIOLATION_FLAG_HANDLER = Symbol('VIOLATION_FLAG_HANDLER');

/** What the proctoring system reported, for the case's evidence (violation_case.evidence). */
export interface ViolationEvidence {
  /** The webhook event's id (proctoring_event.event_id). */
  eventId: string;
  kind: string;
  /** When it was seen, ISO 8601 as sent. */
  at: string;
  note: string | null;
  recording: { externalId: string; link: string | null };
  /** When the proctoring system sent the event, ISO 8601 as sent. */
  sentAt: string;
}

export interface ViolationFlagHandler {
  onViolationFlagged(
    examId: string,
    studentId: string,
    evidence: ViolationEvidence,
    tx: EntityManager,
  ): Promise<void>;
}
