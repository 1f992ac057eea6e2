import { createHash } from 'node:crypto';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * The tamper-evident audit log (issue 7). Records are appended, never changed: each stores the
 * SHA-256 of the previous record's hash and its own canonical JSON, so a record changed, removed
 * or moved breaks the chain at that record. The database enforces the rest: the application's role
 * may only insert and read `audit_log` (grants), a trigger refuses UPDATE, DELETE and TRUNCATE
 * from anyone, and an insert must carry the next sequence number and the head's hash.
 *
 * Every writer (activities, the API) appends through `appendAudit`; records keyed on a business id
 * (an activity's workflow/run/activity id) are written once, so a retry adds nothing.
 */

/** What a caller says about an event; the chain adds the sequence number, times and hashes. */
export interface AuditEntry {
  /** Unique: a second append with the same key is a no-op (idempotent writes). */
  key: string;
  at: Date | number;
  /** A person's directory id, `system:workflow`, `link:<id>`, `anonymous`. */
  actor: string;
  /** The role the actor acted in, when there is one. */
  actorRole?: string | null;
  action: string;
  /** SOP clauses the recorded rule comes from (`GP 3`, `§5.7`, `row 11`). */
  clauses?: string[];
  /** The org unit the record is about (a department, a school, the institution). */
  scopeId?: string | null;
  examId?: string | null;
  sessionId?: string | null;
  stepId?: string | null;
  before?: unknown;
  after?: unknown;
  requestId?: string | null;
  workflowId?: string | null;
  runId?: string | null;
  /** The workflow history event that decided the transition (the workflow task's started event). */
  historyEventId?: number | null;
}

/** A stored record, as the chain hashes it and as readers get it. */
export interface AuditRecord {
  seq: number;
  key: string;
  at: string;
  recordedAt: string;
  actor: string;
  actorRole: string | null;
  action: string;
  clauses: string[];
  scopeId: string | null;
  examId: string | null;
  sessionId: string | null;
  stepId: string | null;
  before: unknown;
  after: unknown;
  requestId: string | null;
  workflowId: string | null;
  runId: string | null;
  historyEventId: number | null;
  prevHash: string;
  hash: string;
}

/** The previous hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** One lock for all appenders (transaction-scoped, per database): the chain never forks. */
const CHAIN_LOCK = 7_105_000_007;

/** The columns of a record, in one place for every reader. */
export const AUDIT_COLUMNS = `seq, key, at, recorded_at, actor, actor_role, action, clauses, scope_id, exam_id,
  session_id, step_id, before, after, request_id, workflow_id, run_id, history_event_id, prev_hash, hash`;

/**
 * Canonical JSON (RFC 8785 for the values we store): object keys sorted, no whitespace, numbers
 * and strings as JSON.stringify writes them. PostgreSQL's jsonb reorders keys, so the canonical
 * form never depends on the order a value was written or read in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The record's hash: SHA-256 over the previous hash, a newline and the record's canonical JSON. */
export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  const { prevHash, ...content } = record;
  return createHash('sha256')
    .update(`${prevHash}\n${canonicalJson(content)}`)
    .digest('hex');
}

type Queryable = Pick<EntityManager, 'query'>;

/**
 * Appends one record inside the caller's transaction (call it last: the chain's lock is held
 * until the transaction ends). Returns the record, or undefined when its key was already written.
 */
export async function appendAudit(
  tx: Queryable,
  entry: AuditEntry,
): Promise<AuditRecord | undefined> {
  await tx.query(`SELECT pg_advisory_xact_lock($1)`, [CHAIN_LOCK]);
  // Whether the key is written and the head, in one statement: every round trip made while the
  // lock is held bounds how many records per second the whole system can append (issue 10).
  const [found] = await tx.query<{ seen: boolean; seq: string | null; hash: string | null }[]>(
    `SELECT EXISTS (SELECT 1 FROM audit_log WHERE key = $1) AS seen, h.seq, h.hash
       FROM (SELECT 1) AS one
       LEFT JOIN LATERAL (SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1) AS h ON true`,
    [entry.key],
  );
  if (found.seen) return undefined;
  const head =
    found.seq === null || found.hash === null
      ? { seq: 0, hash: GENESIS_HASH }
      : { seq: Number(found.seq), hash: found.hash };
  const content: Omit<AuditRecord, 'hash'> = {
    seq: head.seq + 1,
    key: entry.key,
    at: new Date(entry.at).toISOString(),
    recordedAt: new Date().toISOString(),
    actor: entry.actor,
    actorRole: entry.actorRole ?? null,
    action: entry.action,
    clauses: entry.clauses ?? [],
    scopeId: entry.scopeId ?? null,
    examId: entry.examId ?? null,
    sessionId: entry.sessionId ?? null,
    stepId: entry.stepId ?? null,
    // Stored as jsonb and read back: the canonical form is taken from the stored shape.
    before: normalise(entry.before),
    after: normalise(entry.after),
    requestId: entry.requestId ?? null,
    workflowId: entry.workflowId ?? null,
    runId: entry.runId ?? null,
    historyEventId: entry.historyEventId ?? null,
    prevHash: head.hash,
  };
  const record: AuditRecord = { ...content, hash: recordHash(content) };
  await tx.query(
    `INSERT INTO audit_log (seq, key, at, recorded_at, actor, actor_role, action, clauses, scope_id,
       exam_id, session_id, step_id, before, after, request_id, workflow_id, run_id,
       history_event_id, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
    [
      record.seq,
      record.key,
      record.at,
      record.recordedAt,
      record.actor,
      record.actorRole,
      record.action,
      record.clauses,
      record.scopeId,
      record.examId,
      record.sessionId,
      record.stepId,
      record.before === null ? null : JSON.stringify(record.before),
      record.after === null ? null : JSON.stringify(record.after),
      record.requestId,
      record.workflowId,
      record.runId,
      record.historyEventId,
      record.prevHash,
      record.hash,
    ],
  );
  return record;
}

/** appendAudit in a transaction of its own (the API's reads and refusals). */
export function appendAuditNow(db: DataSource, entry: AuditEntry): Promise<unknown> {
  return db.transaction((tx) => appendAudit(tx, entry));
}

function normalise(value: unknown): unknown {
  return value === undefined || value === null
    ? null
    : (JSON.parse(JSON.stringify(value)) as unknown);
}

/** The last record's number and hash (0 and the genesis hash for an empty log). */
export async function chainHead(db: Queryable): Promise<{ seq: number; hash: string }> {
  const rows = await db.query<{ seq: string; hash: string }[]>(
    `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`,
  );
  return rows.length === 0
    ? { seq: 0, hash: GENESIS_HASH }
    : { seq: Number(rows[0].seq), hash: rows[0].hash };
}

/** A database row of audit_log as an AuditRecord. */
export function toAuditRecord(row: Record<string, unknown>): AuditRecord {
  const iso = (v: unknown) =>
    v instanceof Date ? v.toISOString() : new Date(v as string).toISOString();
  const nullable = (v: unknown) => (v === null || v === undefined ? null : (v as string));
  return {
    seq: Number(row.seq),
    key: row.key as string,
    at: iso(row.at),
    recordedAt: iso(row.recorded_at),
    actor: row.actor as string,
    actorRole: nullable(row.actor_role),
    action: row.action as string,
    clauses: (row.clauses as string[] | null) ?? [],
    scopeId: nullable(row.scope_id),
    examId: nullable(row.exam_id),
    sessionId: nullable(row.session_id),
    stepId: nullable(row.step_id),
    before: row.before ?? null,
    after: row.after ?? null,
    requestId: nullable(row.request_id),
    workflowId: nullable(row.workflow_id),
    runId: nullable(row.run_id),
    historyEventId: row.history_event_id === null ? null : Number(row.history_event_id),
    prevHash: row.prev_hash as string,
    hash: row.hash as string,
  };
}

export type ChainBreak =
  | 'hash-mismatch' // the record's content is not what was hashed (changed)
  | 'link-broken' // its previous hash is not the hash of the record before it
  | 'missing' // sequence numbers jump: records were removed
  | 'anchor-mismatch'; // a digest's head hash is no longer the hash of that record

export interface ChainReport {
  intact: boolean;
  /** Records checked and the head they end at. */
  count: number;
  head: { seq: number; hash: string };
  /** The first broken record, when the chain is broken. */
  broken?: { seq: number; reason: ChainBreak; detail: string };
  checkedAt: string;
}

/**
 * Walks the whole chain in sequence order and reports the first broken record. An anchor (the
 * head hash and number of an emailed digest) is checked too, so rewriting the whole chain from
 * some record on — every hash recomputed — is caught against what the auditors were sent.
 */
export async function verifyChain(
  db: Queryable,
  anchor?: { seq: number; hash: string },
): Promise<ChainReport> {
  const batch = 2000;
  let previous = { seq: 0, hash: GENESIS_HASH };
  let count = 0;
  const done = (broken?: ChainReport['broken']): ChainReport => ({
    intact: broken === undefined,
    count,
    head: previous,
    ...(broken === undefined ? {} : { broken }),
    checkedAt: new Date().toISOString(),
  });
  for (;;) {
    const rows = await db.query<Record<string, unknown>[]>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT ${batch}`,
      [previous.seq],
    );
    for (const row of rows) {
      const record = toAuditRecord(row);
      if (record.seq !== previous.seq + 1)
        return done({
          seq: previous.seq + 1,
          reason: 'missing',
          detail: `record ${previous.seq + 1} is missing: the chain jumps from ${previous.seq} to ${record.seq}`,
        });
      const { hash, ...content } = record;
      if (recordHash(content) !== hash)
        return done({
          seq: record.seq,
          reason: 'hash-mismatch',
          detail: `record ${record.seq} was changed after it was written: its content does not match its hash`,
        });
      if (record.prevHash !== previous.hash)
        return done({
          seq: record.seq,
          reason: 'link-broken',
          detail: `record ${record.seq} does not follow record ${previous.seq}: its previous hash differs`,
        });
      if (anchor !== undefined && record.seq === anchor.seq && record.hash !== anchor.hash)
        return done({
          seq: record.seq,
          reason: 'anchor-mismatch',
          detail: `record ${record.seq} has hash ${record.hash}, the digest said ${anchor.hash}: the chain was rewritten`,
        });
      previous = { seq: record.seq, hash: record.hash };
      count++;
    }
    if (rows.length < batch) break;
  }
  if (anchor !== undefined && anchor.seq > previous.seq)
    return done({
      seq: previous.seq + 1,
      reason: 'missing',
      detail: `the digest's record ${anchor.seq} is not in the log, which ends at ${previous.seq}`,
    });
  return done();
}
