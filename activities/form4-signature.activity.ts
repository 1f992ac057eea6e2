import { ApplicationFailure } from '@temporalio/activity';
import { holdersCovering } from '../api/directory/directory.repository';
import type { ActivityDeps } from './exam-steps.activity';
import { audit } from './exam-steps.activity';
import { FORM4_LINK_GRACE_MS, form4UploadLink } from './form4.activity';
import { outboxSender } from './notify.activity';

type Language = 'kk' | 'ru' | 'en';

interface SignatureRef {
  examId: string;
  proctorId: string;
  departmentId: string;
  workflowId: string;
  runId: string;
  historyEventId?: number;
  at: number;
}

/** Who gets a signed Form 4 (§5.15): the integrity commission, with copies to these. */
const COPIES = ['deans_office', 'registrar'] as const;

const ROLE_NAME: Record<Language, Record<string, string>> = {
  kk: {
    violation_commission: 'академиялық адалдық комиссиясы',
    deans_office: 'деканат',
    registrar: 'тіркеу кеңсесі',
  },
  ru: {
    violation_commission: 'комиссия по академической честности',
    deans_office: 'деканат',
    registrar: 'офис регистратора',
  },
  en: {
    violation_commission: 'the integrity commission',
    deans_office: "the dean's office",
    registrar: 'the office of the registrar',
  },
};

/** The signed Form 4's message, in the recipient's language. */
function signedMessage(
  language: Language,
  a: {
    number: number;
    discipline: string;
    examDate: string;
    proctor: string;
    member: string;
    drawn: number;
    copy: string | undefined;
    link: string;
  },
) {
  const copy = a.copy === undefined ? '' : a.copy;
  switch (language) {
    case 'kk':
      return {
        subject: `${copy ? 'Көшірме: ' : ''}4-нысан № ${a.number}: ${a.discipline}, ${a.examDate}`,
        body: `${copy ? `Көшірме (${copy}). ` : ''}Жұмыс тобының мүшесі ${a.member} проктор ${a.proctor} толтырған 4-нысанға қол қойды (№ ${a.number}, қосымшада). Жасалған актілер: ${a.drawn}. Материалдар академиялық адалдық комиссиясына жіберілді (§5.15).\n${a.link}`,
      };
    case 'ru':
      return {
        subject: `${copy ? 'Копия: ' : ''}Форма 4 № ${a.number}: ${a.discipline}, ${a.examDate}`,
        body: `${copy ? `Копия (${copy}). ` : ''}Член рабочей группы ${a.member} подписал(а) форму 4 проктора ${a.proctor} (№ ${a.number}, во вложении). Составлено актов: ${a.drawn}. Материалы направлены в комиссию по академической честности (§5.15).\n${a.link}`,
      };
    case 'en':
      return {
        subject: `${copy ? 'Copy: ' : ''}Form 4 No. ${a.number}: ${a.discipline}, ${a.examDate}`,
        body: `${copy ? `Copy (${copy}). ` : ''}Working-group member ${a.member} signed the Form 4 of proctor ${a.proctor} (No. ${a.number}, attached). Acts drawn up: ${a.drawn}. The materials go to the integrity commission (§5.15).\n${a.link}`,
      };
  }
}

/** The message sending a Form 4 back to its proctor, with the member's comment. */
function backMessage(
  language: Language,
  a: { discipline: string; examDate: string; member: string; comment: string; link: string },
) {
  return language === 'kk'
    ? {
        subject: `4-нысан қайтарылды: ${a.discipline}, ${a.examDate}`,
        body: `Жұмыс тобының мүшесі ${a.member} 4-нысанды түзетуге қайтарды: «${a.comment}». Түзетілген нысанды актілерімен бірге қайта жіберіңіз: ${a.link}`,
      }
    : language === 'ru'
      ? {
          subject: `Форма 4 возвращена: ${a.discipline}, ${a.examDate}`,
          body: `Член рабочей группы ${a.member} вернул(а) форму 4 на исправление: «${a.comment}». Отправьте исправленную форму с актами ещё раз: ${a.link}`,
        }
      : {
          subject: `Form 4 sent back: ${a.discipline}, ${a.examDate}`,
          body: `Working-group member ${a.member} sent your Form 4 back for correction: "${a.comment}". Return the corrected form with its acts again: ${a.link}`,
        };
}

/**
 * §5.15: after the working-group member's decision on a returned Form 4 (the step
 * `form4Signature@<proctor>`): the signed form goes to the integrity commission with copies to the
 * dean's office and the registrar; a rejected one goes back to its proctor. Through the outbox
 * (each message once, whatever the retries) and audited.
 */
export function createForm4SignatureActivities(deps: ActivityDeps) {
  const { db, publicUrl } = deps;
  const send = outboxSender(deps);
  const auditRef = (input: SignatureRef, clauses: string[]) => ({
    examId: input.examId,
    stepId: `form4Signature@${input.proctorId}`,
    clauses,
    workflowId: input.workflowId,
    runId: input.runId,
    scopeId: input.departmentId,
    historyEventId: input.historyEventId,
  });
  return {
    async distributeForm4(input: SignatureRef): Promise<{ to: string[]; copies: string[] }> {
      const rows = await db.query<
        {
          number: number | null;
          pdf: Buffer | null;
          document_id: string | null;
          discipline: string;
          exam_date: string;
          proctor: string;
          member: string;
          drawn: number;
        }[]
      >(
        `SELECT d.number, d.pdf, f.document_id, e.discipline, e.exam_date::text AS exam_date,
                p.full_name AS proctor, m.full_name AS member,
                (SELECT count(*)::int FROM jsonb_array_elements(f.returned_rows) r
                  WHERE r->>'act' = 'drawn') AS drawn
           FROM form4 f JOIN exam e ON e.id = f.exam_id JOIN person p ON p.id = f.proctor_id
           JOIN person m ON m.id = f.member_id LEFT JOIN integrity_document d ON d.id = f.document_id
          WHERE f.exam_id = $1 AND f.proctor_id = $2`,
        [input.examId, input.proctorId],
      );
      const form = rows[0];
      if (form === undefined)
        throw ApplicationFailure.nonRetryable(`no Form 4 of ${input.proctorId}`, 'NoForm4');
      // The signature's transaction commits just after the step's approval: until then, retry.
      if (form.document_id === null || form.pdf === null || form.number === null)
        throw ApplicationFailure.retryable(`Form 4 of ${input.proctorId} is not signed yet`);
      const commission = await holdersCovering(db, 'violation_commission', input.departmentId);
      const copies = (
        await Promise.all(
          COPIES.map(async (role) =>
            (await holdersCovering(db, role, input.departmentId)).map((p) => ({ p, role })),
          ),
        )
      ).flat();
      const link = `${publicUrl}/exams/${encodeURIComponent(input.examId)}/cases`;
      const keys: string[] = [];
      const seen = new Set<string>();
      await db.transaction(async (tx) => {
        for (const { p, role } of [
          ...commission.map((p) => ({ p, role: undefined as string | undefined })),
          ...copies,
        ]) {
          if (seen.has(p.id)) continue;
          seen.add(p.id);
          const message = signedMessage(p.language, {
            number: form.number!,
            discipline: form.discipline,
            examDate: form.exam_date,
            proctor: form.proctor,
            member: form.member,
            drawn: form.drawn,
            copy: role === undefined ? undefined : ROLE_NAME[p.language][role],
            link,
          });
          const key = `form4-signed/${input.examId}/${input.proctorId}/${form.document_id}/${p.id}`;
          await tx.query(
            `INSERT INTO outbox (key, kind, recipient, subject, body_text, headers, attachments, exam_id,
                                 step_id, clauses, scheduled_for, triggered_at)
             VALUES ($1, 'form4.signed', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
             ON CONFLICT (key) DO NOTHING`,
            [
              key,
              p.email,
              message.subject,
              message.body,
              JSON.stringify({
                'Content-Language': p.language,
                'X-Emtihan-Kind': 'form4.signed',
                'X-Emtihan-Copy': role ?? 'to',
              }),
              JSON.stringify([
                {
                  filename: `form4-${form.number}.pdf`,
                  contentType: 'application/pdf',
                  content: form.pdf!.toString('base64'),
                  encoding: 'base64',
                },
              ]),
              input.examId,
              `form4Signature@${input.proctorId}`,
              ['§5.15', 'Form 4'],
              new Date(input.at),
            ],
          );
          keys.push(key);
        }
      });
      for (const key of keys) await send(key);
      const to = commission.map((p) => p.id);
      const cc = [...new Set(copies.map(({ p }) => p.id))].filter((id) => !to.includes(id));
      await db.transaction(async (tx) => {
        await audit(tx, auditRef(input, ['§5.15', 'Form 4']), {
          action: 'form4.distributed',
          actor: 'system:workflow',
          at: input.at,
          after: { documentId: form.document_id, number: form.number, to, copies: cc },
        });
      });
      return { to, copies: cc };
    },

    /**
     * §5.15: the member rejected the returned Form 4: the return (and its acts) is cleared, so the
     * proctor returns it again, and the proctor is told why.
     */
    async sendForm4Back(
      input: SignatureRef & { comment: string; rejection: number },
    ): Promise<{ to: string }> {
      const rows = await db.query<
        {
          email: string;
          language: Language;
          discipline: string;
          exam_date: string;
          member: string;
          signed_at: Date | null;
        }[]
      >(
        `SELECT p.email, p.language, e.discipline, e.exam_date::text AS exam_date, m.full_name AS member,
                f.signed_at
           FROM form4 f JOIN exam e ON e.id = f.exam_id JOIN person p ON p.id = f.proctor_id
           JOIN person m ON m.id = f.member_id
          WHERE f.exam_id = $1 AND f.proctor_id = $2`,
        [input.examId, input.proctorId],
      );
      const form = rows[0];
      if (form === undefined)
        throw ApplicationFailure.nonRetryable(`no Form 4 of ${input.proctorId}`, 'NoForm4');
      const key = `form4-back/${input.examId}/${input.proctorId}/${input.rejection}`;
      // A new single-use upload link: the first was used by the return being sent back.
      const { linkId, url } = await form4UploadLink(deps, {
        key,
        proctorId: input.proctorId,
        examId: input.examId,
        expiresAt: new Date(input.at + FORM4_LINK_GRACE_MS),
      });
      const message = backMessage(form.language, {
        discipline: form.discipline,
        examDate: form.exam_date,
        member: form.member,
        comment: input.comment,
        link: url,
      });
      await db.transaction(async (tx) => {
        if (form.signed_at === null) {
          await tx.query(`DELETE FROM form4_act WHERE exam_id = $1 AND proctor_id = $2`, [
            input.examId,
            input.proctorId,
          ]);
          await tx.query(
            `UPDATE form4 SET returned_rows = NULL, returned_sha256 = NULL, returned_at = NULL,
                              returned_by = NULL
              WHERE exam_id = $1 AND proctor_id = $2`,
            [input.examId, input.proctorId],
          );
        }
        await tx.query(
          `INSERT INTO outbox (key, kind, recipient, subject, body_text, headers, link_ids, exam_id,
                               step_id, clauses, scheduled_for, triggered_at)
           VALUES ($1, 'form4.back', $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
           ON CONFLICT (key) DO NOTHING`,
          [
            key,
            form.email,
            message.subject,
            message.body,
            JSON.stringify({ 'Content-Language': form.language, 'X-Emtihan-Kind': 'form4.back' }),
            [linkId],
            input.examId,
            `form4Signature@${input.proctorId}`,
            ['§5.15', 'Form 4'],
            new Date(input.at),
          ],
        );
        await audit(tx, auditRef(input, ['§5.15', 'Form 4']), {
          action: 'form4.sent-back',
          actor: 'system:workflow',
          at: input.at,
          after: { proctorId: input.proctorId, comment: input.comment },
        });
      });
      const sent = await send(key);
      return { to: sent.to };
    },
  };
}
