import { createHash } from 'node:crypto';
import type { ActivityDeps } from './exam-steps.activity';
import { audit } from './exam-steps.activity';
import { outboxSender } from './notify.activity';

type Language = 'kk' | 'ru' | 'en';

/** §5.16's message to the student, in their language. */
const ACT_MESSAGE: Record<
  Language,
  (a: { number: number; discipline: string; days: string; link: string }) => {
    subject: string;
    body: string;
  }
> = {
  kk: (a) => ({
    subject: `Емтихан ережесін бұзу туралы № ${a.number} акт: ${a.discipline}`,
    body: `Сізге «${a.discipline}» емтиханы бойынша № ${a.number} акт жіберілді (қосымшада). Актімен танысып, келісетініңізді немесе келіспейтініңізді ${a.days} ішінде білдіріңіз: ${a.link}\nКеліспеген жағдайда апелляция беруге болады.`,
  }),
  ru: (a) => ({
    subject: `Акт № ${a.number} о нарушении правил поведения на экзамене: ${a.discipline}`,
    body: `Вам направлен акт № ${a.number} по экзамену «${a.discipline}» (во вложении). Ознакомьтесь с актом и укажите, согласны вы или нет, в течение ${a.days}: ${a.link}\nПри несогласии можно подать апелляцию.`,
  }),
  en: (a) => ({
    subject: `Violation act No. ${a.number}: ${a.discipline}`,
    body: `The act No. ${a.number} on the exam "${a.discipline}" is attached. Read it and state whether you agree within ${a.days}: ${a.link}\nIf you disagree you may appeal.`,
  }),
};

/**
 * A violation case's status in its row (issue 9): confirmed or dismissed by the commission's step
 * (§5.8, §5.15), closed when its last step is done (§5.7: the exam's recordings are released).
 */
export function createViolationCaseActivities(deps: ActivityDeps) {
  const { db, publicUrl } = deps;
  const send = outboxSender(deps);
  return {
    /**
     * §5.16: the dean's office's delivery of a confirmed act — an email to the student with the act
     * attached (through the outbox: sent once, whatever the retries) and the same message in the
     * student's AIS account (the local AIS adapter: the ais_message table).
     */
    async deliverAct(input: {
      examId: string;
      caseId: string;
      workflowId: string;
      runId: string;
      scopeId: string;
      historyEventId?: number;
      /** The policy's time to answer (§5.16), as the message states it. */
      acknowledgement: { value: number; unit: string };
      at: number;
    }): Promise<{ documentId: string; to: string; messageId: string }> {
      const rows = await db.query<
        {
          student_id: string;
          email: string;
          language: Language;
          discipline: string;
          document_id: string;
          number: number;
          pdf: Buffer;
        }[]
      >(
        `SELECT c.student_id, p.email, p.language, e.discipline, d.id AS document_id, d.number, d.pdf
           FROM violation_case c JOIN person p ON p.id = c.student_id JOIN exam e ON e.id = c.exam_id
           JOIN integrity_document d ON d.id = c.act_document
          WHERE c.exam_id = $1 AND c.case_id = $2`,
        [input.examId, input.caseId],
      );
      const row = rows[0];
      if (row === undefined) throw new Error(`case ${input.caseId} of ${input.examId} has no act`);
      const message = ACT_MESSAGE[row.language]({
        number: row.number,
        discipline: row.discipline,
        days: within(row.language, input.acknowledgement),
        link: `${publicUrl}/exams/${encodeURIComponent(input.examId)}/cases/${input.caseId}`,
      });
      const key = `act/${input.examId}/${input.caseId}/${row.document_id}`;
      await db.transaction(async (tx) => {
        await tx.query(
          `INSERT INTO outbox (key, kind, recipient, subject, body_text, headers, attachments, exam_id,
                               step_id, clauses, scheduled_for, triggered_at)
           VALUES ($1, 'case.act', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
           ON CONFLICT (key) DO NOTHING`,
          [
            key,
            row.email,
            message.subject,
            message.body,
            JSON.stringify({ 'Content-Language': row.language, 'X-Emtihan-Kind': 'case.act' }),
            JSON.stringify([
              {
                filename: `act-${row.number}.pdf`,
                contentType: 'application/pdf',
                content: row.pdf.toString('base64'),
                encoding: 'base64',
              },
            ]),
            input.examId,
            `actDelivery@${input.caseId}`,
            ['§5.16'],
            new Date(input.at),
          ],
        );
        await tx.query(
          `INSERT INTO ais_message (id, person_id, exam_id, subject, body, document_id, key)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING`,
          [
            uuidOf(key),
            row.student_id,
            input.examId,
            message.subject,
            message.body,
            row.document_id,
            key,
          ],
        );
      });
      const sent = await send(key);
      // Only nags about an open step are ever cancelled; the act's delivery is not one.
      if (sent.cancelled) throw new Error(`outbox ${key}: the act's email was cancelled`);
      await db.transaction(async (tx) => {
        await audit(
          tx,
          {
            examId: input.examId,
            stepId: `actDelivery@${input.caseId}`,
            clauses: ['§5.16'],
            workflowId: input.workflowId,
            runId: input.runId,
            scopeId: input.scopeId,
            historyEventId: input.historyEventId,
          },
          {
            action: 'case.act-delivered',
            actor: 'system:workflow',
            at: input.at,
            after: {
              caseId: input.caseId,
              documentId: row.document_id,
              to: sent.to,
              messageId: sent.messageId,
              channels: ['email', 'ais'],
            },
          },
        );
      });
      return { documentId: row.document_id, to: sent.to, messageId: sent.messageId };
    },

    async recordCaseStatus(input: {
      examId: string;
      caseId: string;
      status: 'confirmed' | 'dismissed' | 'closed';
      clauses: string[];
      workflowId: string;
      runId: string;
      scopeId: string;
      historyEventId?: number;
      at: number;
      after: unknown;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          input.status === 'closed'
            ? `UPDATE violation_case SET closed_at = COALESCE(closed_at, $3)
                WHERE exam_id = $1 AND case_id = $2`
            : `UPDATE violation_case SET status = $4, decided_at = COALESCE(decided_at, $3)
                WHERE exam_id = $1 AND case_id = $2`,
          input.status === 'closed'
            ? [input.examId, input.caseId, new Date(input.at)]
            : [input.examId, input.caseId, new Date(input.at), input.status],
        );
        await audit(
          tx,
          {
            examId: input.examId,
            stepId: '',
            clauses: input.clauses,
            workflowId: input.workflowId,
            runId: input.runId,
            scopeId: input.scopeId,
            historyEventId: input.historyEventId,
          },
          {
            action: `case.${input.status}`,
            actor: 'system:workflow',
            at: input.at,
            after: { caseId: input.caseId, ...(input.after as object) },
          },
        );
      });
    },
  };
}

/** A stable uuid from a key (the AIS message of a retried activity is the same row). */
function uuidOf(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const UNIT_WORDS: Record<Language, Record<string, string>> = {
  kk: {
    days: 'күн',
    hours: 'сағат',
    minutes: 'минут',
    seconds: 'секунд',
    weeks: 'апта',
    months: 'ай',
  },
  ru: { days: 'дн.', hours: 'ч', minutes: 'мин', seconds: 'с', weeks: 'нед.', months: 'мес.' },
  en: {
    days: 'days',
    hours: 'hours',
    minutes: 'minutes',
    seconds: 'seconds',
    weeks: 'weeks',
    months: 'months',
  },
};

function within(language: Language, offset: { value: number; unit: string }): string {
  return `${offset.value} ${UNIT_WORDS[language][offset.unit] ?? offset.unit}`;
}
