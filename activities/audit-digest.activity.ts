import { Context } from '@temporalio/activity';
import { DateTime } from 'luxon';
import type { Language } from '../api/directory/directory.repository';
import type { AuditDigest } from '../workflows/audit-digest.contract';
import { appendAuditNow, verifyChain } from './audit-log';
import { SYSTEM_ACTOR, type ActivityDeps } from './exam-steps.activity';
import { outboxSender } from './notify.activity';

const TEXT: Record<
  Language,
  {
    subject: (day: string) => string;
    head: (count: number, seq: number, hash: string) => string;
    intact: string;
    broken: (seq: number, detail: string) => string;
    keep: string;
  }
> = {
  kk: {
    subject: (day) => `Emtihan: аудит журналының күнделікті дайджесті, ${day}`,
    head: (count, seq, hash) => `Журналда ${count} жазба бар. Соңғы жазба: №${seq}, хэші ${hash}.`,
    intact: 'Тізбек тексерілді: бүтін.',
    broken: (seq, detail) => `НАЗАР АУДАРЫҢЫЗ: тізбек №${seq} жазбада бұзылған (${detail}).`,
    keep: 'Бұл хатты сақтаңыз: төмендегі сілтеме журналдың әлі осы жазбаны сақтайтынын тексереді.',
  },
  ru: {
    subject: (day) => `Emtihan: ежедневный дайджест журнала аудита, ${day}`,
    head: (count, seq, hash) =>
      `В журнале ${count} записей. Последняя запись: №${seq}, хэш ${hash}.`,
    intact: 'Цепочка проверена: целостна.',
    broken: (seq, detail) => `ВНИМАНИЕ: цепочка нарушена на записи №${seq} (${detail}).`,
    keep: 'Сохраните это письмо: ссылка ниже проверяет, что журнал по-прежнему содержит эту запись.',
  },
  en: {
    subject: (day) => `Emtihan: daily audit log digest, ${day}`,
    head: (count, seq, hash) =>
      `The log holds ${count} records. The last is record ${seq}, hash ${hash}.`,
    intact: 'The chain verified: intact.',
    broken: (seq, detail) => `ATTENTION: the chain is broken at record ${seq} (${detail}).`,
    keep: 'Keep this email: the link below checks that the log still holds this record.',
  },
};

/**
 * The daily digest (issue 7): the chain is verified, and every active auditor gets its head (record
 * number and hash) by email, through the outbox (one row per auditor and day, so a retry sends
 * nothing twice and reports what was sent). A whole-chain rewrite shows against these emails:
 * `GET /audit/verify?seq=…&hash=…` names the record whose hash no longer matches.
 */
export function createAuditDigestActivities({
  db,
  mailer,
  linkSecret,
  publicUrl,
}: Pick<ActivityDeps, 'db' | 'mailer' | 'linkSecret' | 'publicUrl'>) {
  const send = outboxSender({ db, mailer, linkSecret });
  return {
    async sendAuditDigest(input: {
      at: number;
      timeZone: string;
      workflowId: string;
      runId: string;
      historyEventId?: number;
    }): Promise<AuditDigest> {
      const { activityId } = Context.current().info;
      const day = DateTime.fromMillis(input.at, { zone: input.timeZone }).toISODate() ?? '';
      const report = await verifyChain(db);
      const auditors = await db.query<{ id: string; email: string; language: Language }[]>(
        `SELECT DISTINCT p.id, p.email, p.language FROM person p
           JOIN role_assignment r ON r.person_id = p.id
          WHERE r.role = 'auditor' AND p.active ORDER BY p.id`,
      );
      const keys: string[] = [];
      await db.transaction(async (tx) => {
        for (const auditor of auditors) {
          const key = `audit.digest/${day}/${auditor.id}`;
          const t = TEXT[auditor.language];
          const check = `${publicUrl}/audit/verify?seq=${report.head.seq}&hash=${report.head.hash}`;
          const body = [
            t.head(report.count, report.head.seq, report.head.hash),
            report.broken === undefined
              ? t.intact
              : t.broken(report.broken.seq, report.broken.detail),
            '',
            t.keep,
            check,
          ].join('\n');
          await tx.query(
            `INSERT INTO outbox (key, kind, recipient, subject, body_text, headers, clauses,
                                 scheduled_for, triggered_at)
             VALUES ($1, 'audit.digest', $2, $3, $4, $5, '{}', $6, $6) ON CONFLICT (key) DO NOTHING`,
            [
              key,
              auditor.email,
              t.subject(day),
              body,
              JSON.stringify({
                'X-Emtihan-Audit-Head-Seq': String(report.head.seq),
                'X-Emtihan-Audit-Head-Hash': report.head.hash,
                'X-Emtihan-Audit-Count': String(report.count),
                'X-Emtihan-Audit-Intact': String(report.intact),
              }),
              new Date(input.at),
            ],
          );
          keys.push(key);
        }
      });
      const recipients: string[] = [];
      for (const key of keys) recipients.push((await send(key)).to);
      // What the emails said (a retry may find them already written with an earlier head).
      const [first] = await db.query<{ headers: Record<string, string> }[]>(
        `SELECT headers FROM outbox WHERE key = ANY($1) ORDER BY id LIMIT 1`,
        [keys],
      );
      const sent = first?.headers;
      const digest: AuditDigest = {
        day,
        head:
          sent === undefined
            ? report.head
            : {
                seq: Number(sent['X-Emtihan-Audit-Head-Seq']),
                hash: sent['X-Emtihan-Audit-Head-Hash'],
              },
        count: sent === undefined ? report.count : Number(sent['X-Emtihan-Audit-Count']),
        intact: sent === undefined ? report.intact : sent['X-Emtihan-Audit-Intact'] === 'true',
        ...(report.broken !== undefined ? { broken: report.broken } : {}),
        recipients,
      };
      await appendAuditNow(db, {
        key: `${input.workflowId}/${input.runId}/${activityId}`,
        at: input.at,
        actor: SYSTEM_ACTOR,
        actorRole: 'system',
        action: 'audit.digest-sent',
        after: digest,
        workflowId: input.workflowId,
        runId: input.runId,
        historyEventId: input.historyEventId ?? null,
      });
      return digest;
    },
  };
}
