/**
 * The proctoring system (§5.4, §5.7, §5.9) behind one interface (CONVENTIONS.md: every external
 * system sits behind one class): Emtihan learns of recordings through the signed webhook
 * (api/proctoring) and, at date(E) + 3 months, asks the adapter to delete an exam's recordings.
 * PROCTORING_ADAPTER chooses the implementation; only `local` (./local.ts) exists yet — adapters
 * for real proctoring systems come later and implement this interface.
 */

/** A student's recording of an exam, as the registry (`recording`) knows it. */
export interface RecordingRef {
  studentId: string;
  /** The proctoring system's id of the recording. */
  externalId: string;
}

export interface ProctoringAdapter {
  /**
   * §5.7: deletes these recordings of the exam in the proctoring system. Idempotent: `deleted`
   * names every externalId the system no longer holds after the call (deleted now or before). An
   * adapter throws when the system cannot be reached; the purge activity then retries, and it also
   * retries while a recording is missing from `deleted`.
   */
  deleteRecordings(examId: string, recordings: RecordingRef[]): Promise<{ deleted: string[] }>;

  /**
   * Called when the webhook reports a recording ready (inside the event's transaction), for an
   * adapter that keeps something of its own per recording; the local adapter writes its stand-in
   * file. An adapter of a real proctoring system has nothing to do here and leaves it out.
   */
  recordingReady?(examId: string, recording: RecordingRef & { link: string }): Promise<void>;
}
