import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { appendAuditNow } from '../../activities/audit-log';
import type { Principal } from '../auth/principal';

/** What a reader saw: the resource and whose personal data it showed. */
export interface PersonalDataRead {
  /** The route or document, e.g. `GET /directory/people`, `GET /exams/:id/history.pdf`. */
  resource: string;
  examId?: string;
  sessionId?: string;
  scopeId?: string;
  /** The people whose names, emails or roles the answer contained. */
  personIds: readonly string[];
  /** Filters or the page the reader asked for, when they matter to "what was seen". */
  query?: Record<string, unknown>;
}

/**
 * Every read of personal data is itself audited (issue 7): who saw whose data, through which
 * resource, when. One record per answer, in the same hash chain as every other record.
 */
export async function auditPersonalDataRead(
  db: DataSource,
  principal: Principal,
  read: PersonalDataRead,
): Promise<void> {
  const people = [...new Set(read.personIds)].sort();
  await appendAuditNow(db, {
    key: `read/${randomUUID()}`,
    at: Date.now(),
    actor: principal.personId,
    actorRole: principal.grants[0]?.role ?? null,
    action: 'personal-data.read',
    scopeId: read.scopeId ?? null,
    examId: read.examId ?? null,
    sessionId: read.sessionId ?? null,
    after: {
      resource: read.resource,
      people,
      count: people.length,
      ...(read.query !== undefined ? { query: read.query } : {}),
    },
  });
}
