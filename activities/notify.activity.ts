import { createHash } from 'node:crypto';
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

/**
 * Sends one outbox row by its key (at most once: a row already sent answers with its message id).
 * Link placeholders are filled with tokens derived from LINK_SECRET at this moment.
 */
/** An outbox row's header naming whom the message is sent from (the sender's display name). */
export const FROM_NAME = 'X-Emtihan-From-Name';

export function outboxSender({
  db,
  mailer,
  linkSecret,
}: Pick<ActivityDeps, 'db' | 'mailer' | 'linkSecret'>) {
  return async function send(
    key: string,
  ): Promise<{ messageId: string; alreadySent: boolean; to: string }> {
    const rows = await db.query<
      [
        {
          id: string;
          status: 'pending' | 'sent';
          message_id: string | null;
          recipient: string;
          subject: string;
          body_text: string;
          body_html: string | null;
          headers: Record<string, string>;
          attachments: {
            filename: string;
            contentType: string;
            content: string;
            encoding?: 'base64';
          }[];
          exam_id: string;
        }[],
        number,
      ]
    >(`UPDATE outbox SET attempts = attempts + 1 WHERE key = $1 RETURNING *`, [key]);
    const row = rows[0][0];
    if (row.status === 'sent' && row.message_id !== null)
      return { messageId: row.message_id, alreadySent: true, to: row.recipient };
    const fill = (text: string) =>
      text.replace(PLACEHOLDER, (_, id: string) => linkToken(linkSecret, id));
    const messageId = `<outbox-${row.id}.${row.exam_id ?? 'session'}@emtihan>`;
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
    await db.query(
      `UPDATE outbox SET status = 'sent', sent_at = now(), message_id = $2 WHERE key = $1`,
      [key, messageId],
    );
    return { messageId, alreadySent: false, to: row.recipient };
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
      const sent: { messageId: string; alreadySent: boolean; to: string }[] = [];
      for (const key of keys) sent.push(await send(key));
      await db.transaction(async (tx) => {
        await upsertStep(tx, input, input.step);
        await audit(tx, input, {
          action:
            recipients.length === 0 ? `step.${input.kind}.no-recipient` : `step.${input.kind}-sent`,
          actor: SYSTEM_ACTOR,
          at: input.at,
          after: {
            role: input.role,
            to: sent.map((s) => s.to),
            scheduledFor: new Date(input.scheduledFor).toISOString(),
            messageIds: sent.map((s) => s.messageId),
          },
        });
      });
      return { recipients: sent.map((s) => s.to) };
    },
  };
}
