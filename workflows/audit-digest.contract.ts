/**
 * The daily audit digest (issue 7): once a day the auditors get the audit log's head (record
 * number and hash) and whether the chain verified, by email. Kept outside the database, those
 * emails catch a rewrite of the whole chain that the chain alone cannot.
 */
export const AUDIT_DIGEST_WORKFLOW_TYPE = 'auditDigestWorkflow';

/** One digest workflow per deployment (its task queue). */
export function auditDigestWorkflowId(taskQueue: string): string {
  return `audit-digest-${taskQueue}`;
}

export interface AuditDigestInput {
  /** The institution's time zone: the digest goes out at `hour`:00 local time. */
  timeZone: string;
  hour: number;
}

/** The digest as sent (and as recorded in the audit log). */
export interface AuditDigest {
  day: string;
  head: { seq: number; hash: string };
  count: number;
  intact: boolean;
  broken?: { seq: number; reason: string; detail: string };
  recipients: string[];
}
