import { createHash, randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { linkToken, sha256 } from '../api/auth/secrets';
import {
  findPerson,
  holdersCovering,
  unitChain,
  type Person,
} from '../api/directory/directory.repository';
import type { Localized, Role } from '../sop/policy';
import {
  audit,
  SYSTEM_ACTOR,
  upsertStep,
  type ActivityDeps,
  type StepInput,
} from './exam-steps.activity';
import { renderStepEmail, type StepEmailKind } from './mail/step-email';
import { DONE } from '../workflows/exam.contract';

export interface NotifyInput extends StepInput {
  /** Unique within the exam (the step id, or `ticketUpload#2`). */
  stepKey: string;
  kind: StepEmailKind;
  /** Who is written to: holders of this role in a scope covering the department… */
  role: Role;
  /** …or these people (a step reassigned to someone). */
  personIds?: string[];
  departmentId: string;
  title: Localized;
  discipline: string;
  examDate: string;
  endOfDayDue: boolean;
  timeZone: string;
  /** The instant this notification belongs to (a reminder's instant, the overdue instant …). */
  scheduledFor: number;
  /** Add one-click approve / reject links (the recipient may decide the step). */
  decidable: boolean;
  linkExpiresAt: number;
  overdueSince?: number;
  decision?: {
    action: 'approved' | 'rejected' | 'returned';
    actorName: string;
    at: number;
    comment?: string;
  };
}

const PLACEHOLDER = /\{\{link:([0-9a-f-]{36})\}\}/g;

/** A stable uuid from text: the same notification retried gets the same link ids. */
export function uuidFrom(text: string): string {
  const h = createHash('sha256').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** An outbox row's header naming whom the message is sent from (the sender's display name). */
export const FROM_NAME = 'X-Emtihan-From-Name';

/**
 * How long a claim by another attempt is taken to mean that attempt may still be sending: longer
 * than a send can last (SmtpMailer's timeouts), shorter than the activities' 1-minute
 * start-to-close timeout, after which Temporal retries an attempt whose worker died.
 */
export const CLAIM_FRESH_MS = 55_000;
/** How long 'sent' is retried while PostgreSQL is unreachable, within the same attempt. */
const MARK_SENT_FOR_MS = 40_000;

/** Notices that only nag about an open step: pointless, and wrong, once it is closed. */
const NAG_KINDS = ['step.reminder', 'step.overdue', 'step.escalation'];

/** What became of one outbox row: sent now or before (its Message-ID), or cancelled unsent. */
export type OutboxSent =
  | { messageId: string; alreadySent: boolean; cancelled: false; to: string }
  | { messageId: null; alreadySent: false; cancelled: true; to: string };

interface OutboxRow {
  id: string;
  status: 'pending' | 'sending' | 'sent' | 'cancelled';
  message_id: string | null;
  recipient: string;
  subject: string;
  body_text: string;
  body_html: string | null;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; content: string; encoding?: 'base64' }[];
  exam_id: string;
  /** The claim this attempt replaced, if any: an attempt that never recorded its outcome. */
  previous_attempt: string | null;
  previous_claim_ms: number | null;
}

/** Did the SMTP server refuse the message (a reply), or was it never reached? Then it is not out. */
function surelyNotSent(error: unknown): boolean {
  const e = error as { responseCode?: unknown; code?: unknown };
  return typeof e.responseCode === 'number' || e.code === 'ECONNECTION';
}

/**
 * Sends one outbox row by its key; link placeholders are filled with tokens derived from
 * LINK_SECRET at this moment. The guarantee, as `npm run chaos` measures it (issue 10):
 *
 * - Never twice once recorded: a row marked 'sent' answers with its Message-ID, unsent.
 * - Claimed before SMTP sees it: 'sending', with this attempt's id and time, committed first. A
 *   refusal by the SMTP server or a connection never made releases the claim (not sent, for sure).
 * - A database outage does not resend: after the server accepted the message, 'sent' is retried in
 *   this attempt while PostgreSQL is unreachable (up to 40 s).
 * - The one window no SMTP client can close: the worker dies (SIGKILL, power) after the server
 *   accepted the message and before 'sent' is committed, or the server's reply is lost on the
 *   wire. The next attempt finds a claim that is not its own and cannot know whether the message
 *   went out. It sends again — at least once, since a lost reminder or escalation costs more than
 *   a repeated one — under the same Message-ID (mail clients and MTAs that dedup by it show it
 *   once), and counts it in `resends`. So delivery is exactly once except in that window, which
 *   lasts one database round trip after the SMTP reply; a claim younger than CLAIM_FRESH_MS may
 *   belong to an attempt still sending, so it is waited for (a retryable failure), not doubled.
 * - A nag (reminder, overdue notice, escalation) is not sent once its step is closed (approved,
 *   waived …) in the read model: an attempt delayed by an outage past the decision finds the row
 *   'cancelled' instead (DEADLINES.md "Reminders and escalation": reminders stop when the step is
 *   done). The read model trails the workflow by one activity, so a nag sent in that moment can
 *   still follow the decision by as long.
 */
export function outboxSender({
  db,
  mailer,
  linkSecret,
}: Pick<ActivityDeps, 'db' | 'mailer' | 'linkSecret'>) {
  return async function send(key: string): Promise<OutboxSent> {
    const cancelled = await db.query<[{ recipient: string; message_id: string | null }[], number]>(
      `UPDATE outbox o SET status = 'cancelled', send_attempt = NULL
        WHERE o.key = $1 AND o.status IN ('pending', 'sending') AND o.kind = ANY($2)
          AND EXISTS (SELECT 1 FROM exam_step s
                       WHERE s.exam_id = o.exam_id AND s.step_id = o.step_id AND s.status = ANY($3)
                      UNION ALL
                      SELECT 1 FROM session_step s
                       WHERE o.exam_id IS NULL AND s.session_id = o.session_id
                         AND s.step_id = o.step_id AND s.status = ANY($3))
        RETURNING o.recipient, o.message_id`,
      [key, NAG_KINDS, DONE],
    );
    if (cancelled[0].length > 0)
      return {
        messageId: null,
        alreadySent: false,
        cancelled: true,
        to: cancelled[0][0].recipient,
      };
    const attempt = randomUUID();
    const claimed = await db.query<[OutboxRow[], number]>(
      `WITH previous AS (
         SELECT key, status AS previous_status, send_attempt AS previous_attempt,
                (extract(epoch FROM now() - sending_at) * 1000)::bigint AS previous_claim_ms
           FROM outbox WHERE key = $1 FOR UPDATE)
       UPDATE outbox o SET attempts = o.attempts + 1,
              status = CASE WHEN o.status IN ('sent', 'cancelled') THEN o.status ELSE 'sending' END,
              send_attempt = CASE WHEN o.status IN ('sent', 'cancelled') THEN o.send_attempt ELSE $2 END,
              sending_at = CASE WHEN o.status IN ('sent', 'cancelled') THEN o.sending_at ELSE now() END
         FROM previous p
        WHERE o.key = p.key AND NOT (p.previous_status = 'sending'
                                     AND p.previous_claim_ms < $3)
       RETURNING o.*, p.previous_status, p.previous_attempt, p.previous_claim_ms`,
      [key, attempt, CLAIM_FRESH_MS],
    );
    const row = claimed[0][0] as (OutboxRow & { previous_status: string }) | undefined;
    if (row === undefined) {
      // Claimed moments ago by an attempt that may still be sending: retried later, not doubled.
      throw ApplicationFailure.retryable(
        `outbox ${key} is being sent by another attempt; trying again later`,
        'OutboxBusy',
      );
    }
    if (row.previous_status === 'cancelled')
      return { messageId: null, alreadySent: false, cancelled: true, to: row.recipient };
    if (row.previous_status === 'sent' && row.message_id !== null)
      return { messageId: row.message_id, alreadySent: true, cancelled: false, to: row.recipient };
    const uncertain = row.previous_status === 'sending';
    const fill = (text: string) =>
      text.replace(PLACEHOLDER, (_, id: string) => linkToken(linkSecret, id));
    const messageId = `<outbox-${row.id}.${row.exam_id ?? 'session'}@emtihan>`;
    try {
      await mailer.send({
        to: row.recipient,
        subject: row.subject,
        text: fill(row.body_text),
        html: row.body_html === null ? undefined : fill(row.body_html),
        attachments: row.attachments,
        messageId,
        headers: { ...row.headers, 'X-Emtihan-Outbox-Key': key },
        ...(row.headers[FROM_NAME] !== undefined ? { fromName: row.headers[FROM_NAME] } : {}),
      });
    } catch (error) {
      if (surelyNotSent(error))
        await db
          .query(
            `UPDATE outbox SET status = 'pending', send_attempt = NULL, sending_at = NULL
              WHERE key = $1 AND send_attempt = $2`,
            [key, attempt],
          )
          .catch(() => undefined);
      throw error;
    }
    // Accepted by the SMTP server: from here a lost 'sent' would mean a second email.
    const deadline = Date.now() + MARK_SENT_FOR_MS;
    for (let wait = 250; ; wait = Math.min(wait * 2, 4_000)) {
      try {
        await db.query(
          `UPDATE outbox SET status = 'sent', sent_at = now(), message_id = $2,
                  resends = resends + $3
            WHERE key = $1`,
          [key, messageId, uncertain ? 1 : 0],
        );
        break;
      } catch (error) {
        if (Date.now() + wait > deadline) throw error;
        await new Promise((r) => setTimeout(r, wait));
      }
    }
    return { messageId, alreadySent: false, cancelled: false, to: row.recipient };
  };
}

/**
 * Step emails (DEADLINES.md "Reminders and escalation"; issue 5): one outbox row per recipient with a
 * unique key (kind, exam, step, recipient, instant), rendered in the recipient's language with the
 * approve / reject links they may use. The outbox stores link placeholders, not tokens: tokens are
 * derived from LINK_SECRET when the mail is sent, and only their SHA-256 is kept, so a retried
 * activity finds the row (never a second email) and a database reader finds no usable link.
 */
export function createNotifyActivities({ db, mailer, publicUrl, linkSecret }: ActivityDeps) {
  const send = outboxSender({ db, mailer, linkSecret });

  return {
    async notifyStep(input: NotifyInput): Promise<{ recipients: string[] }> {
      const recipients: Person[] =
        input.personIds !== undefined
          ? (await Promise.all(input.personIds.map((id) => findPerson(db, id)))).filter(
              (p): p is Person => p !== undefined && p.active,
            )
          : await holdersCovering(db, input.role, input.departmentId);
      const chain = await unitChain(db, input.departmentId);
      const department = chain[0];
      const keys: string[] = [];
      const subject =
        input.examId !== undefined ? input.examId : `session:${input.sessionId ?? ''}`;
      const page =
        input.examId !== undefined
          ? `${publicUrl}/exams/${encodeURIComponent(input.examId)}`
          : `${publicUrl}/sessions/${encodeURIComponent(input.sessionId ?? '')}`;
      await db.transaction(async (tx) => {
        for (const person of recipients) {
          const key = `${input.kind}/${subject}/${input.stepKey}/${person.id}/${new Date(input.scheduledFor).toISOString()}`;
          const linkIds =
            input.decidable && input.examId !== undefined
              ? { approve: uuidFrom(`${key}/approve`), reject: uuidFrom(`${key}/reject`) }
              : undefined;
          if (linkIds !== undefined) {
            for (const [action, id] of Object.entries(linkIds)) {
              await tx.query(
                `INSERT INTO email_link (id, token_hash, person_id, exam_id, step_id, action, expires_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING`,
                [
                  id,
                  sha256(linkToken(linkSecret, id)),
                  person.id,
                  input.examId,
                  input.stepId,
                  action,
                  new Date(input.linkExpiresAt),
                ],
              );
            }
          }
          const email = renderStepEmail({
            kind: input.kind,
            language: person.language,
            recipientName: person.fullName,
            step: {
              id: input.stepId,
              key: input.stepKey,
              title: input.title,
              clauses: input.clauses,
            },
            exam: {
              id: input.examId ?? input.sessionId ?? '',
              discipline: input.discipline,
              departmentName: department?.name[person.language] ?? input.departmentId,
              examDate: input.examDate,
            },
            dueAt: input.step.dueAt,
            endOfDayDue: input.endOfDayDue,
            timeZone: input.timeZone,
            overdueSince: input.overdueSince,
            at: input.at,
            decision: input.decision,
            reason: input.kind === 'reopened' ? input.decision?.comment : undefined,
            links: {
              open: page,
              ...(linkIds !== undefined
                ? {
                    approve: `${publicUrl}/links/{{link:${linkIds.approve}}}`,
                    reject: `${publicUrl}/links/{{link:${linkIds.reject}}}`,
                  }
                : {}),
            },
          });
          await tx.query(
            `INSERT INTO outbox (key, kind, recipient, subject, body_text, body_html, headers, attachments, link_ids,
                                 exam_id, step_id, clauses, scheduled_for, triggered_at, session_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
             ON CONFLICT (key) DO NOTHING`,
            [
              key,
              `step.${input.kind}`,
              person.email,
              email.subject,
              email.text,
              email.html,
              JSON.stringify(email.headers),
              JSON.stringify(email.attachments),
              linkIds === undefined ? [] : [linkIds.approve, linkIds.reject],
              input.examId ?? null,
              input.stepId,
              input.clauses,
              new Date(input.scheduledFor),
              new Date(input.at),
              input.sessionId ?? null,
            ],
          );
          keys.push(key);
        }
      });
      const results: OutboxSent[] = [];
      for (const key of keys) results.push(await send(key));
      const sent = results.filter((r) => !r.cancelled);
      const cancelled = results.filter((r) => r.cancelled);
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action:
            recipients.length === 0
              ? `step.${input.kind}.no-recipient`
              : sent.length === 0
                ? `step.${input.kind}-cancelled`
                : `step.${input.kind}-sent`,
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: {
            role: input.role,
            to: sent.map((s) => s.to),
            scheduledFor: new Date(input.scheduledFor).toISOString(),
            messageIds: sent.map((s) => s.messageId),
            // An outage held it until after the step was closed: not sent (see outboxSender).
            ...(cancelled.length > 0 ? { cancelled: cancelled.map((s) => s.to) } : {}),
          },
        });
      });
      return { recipients: sent.map((s) => s.to) };
    },
  };
}
