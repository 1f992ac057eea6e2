import type { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, toAuditRecord, verifyChain } from '../../activities/audit-log';
import type { Principal } from '../auth/principal';
import { auditPersonalDataRead } from './personal-data';

/** Verification and reading of the audit log (the chain itself lives in activities/audit-log.ts). */
export class AuditService {
  constructor(private readonly db: DataSource) {}

  verify(anchor?: { seq: number; hash: string }) {
    return verifyChain(this.db, anchor);
  }

  /** Records after `after` (a sequence number), oldest first; the cursor is the last number. */
  async records(
    principal: Principal,
    filters: { examId?: string; sessionId?: string; actor?: string; action?: string },
    limit: number,
    after: number,
  ) {
    const rows = await this.db.query<Record<string, unknown>[]>(
      `SELECT ${AUDIT_COLUMNS} FROM audit_log
        WHERE seq > $1 AND ($2::text IS NULL OR exam_id = $2) AND ($3::text IS NULL OR session_id = $3)
          AND ($4::text IS NULL OR actor = $4) AND ($5::text IS NULL OR action = $5)
        ORDER BY seq LIMIT $6`,
      [
        after,
        filters.examId ?? null,
        filters.sessionId ?? null,
        filters.actor ?? null,
        filters.action ?? null,
        limit + 1,
      ],
    );
    const items = rows.slice(0, limit).map(toAuditRecord);
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /audit/records',
      personIds: items.map((r) => r.actor).filter((a) => !a.includes(':') && a !== 'anonymous'),
      query: { ...filters, after, limit },
    });
    return {
      items,
      nextCursor: rows.length > limit ? String(items[items.length - 1].seq) : null,
    };
  }
}
