import { createHash } from 'node:crypto';
import { linkToken, sha256 } from '../api/auth/secrets';
import { buildForm4Xlsx, type Form4Sheet } from '../api/integrity/form4.xlsx';
import { audit, type ActivityDeps } from './exam-steps.activity';
import { FROM_NAME, outboxSender, uuidFrom } from './notify.activity';

/** §5.14: the proctor-review window when the step has no due date yet (72 hours from E). */
const REVIEW_FALLBACK_MS = 72 * 3600_000;
/** §5.14: the upload link outlives the due date, so a late return is still possible (and shows as late). */
const LINK_GRACE_MS = 7 * 24 * 3600_000;

/**
 * §5.14: a proctor's single-use link to the Form 4 upload page (`GET /links/:token`), the same id
 * for the same key on a retry (ON CONFLICT keeps the first); returns the URL with its placeholder,
 * which the outbox fills with the token when it sends.
 */
export async function form4UploadLink(
  { db, publicUrl, linkSecret }: Pick<ActivityDeps, 'db' | 'publicUrl' | 'linkSecret'>,
  link: { key: string; proctorId: string; examId: string; expiresAt: Date },
): Promise<{ linkId: string; url: string }> {
  const linkId = uuidFrom(`${link.key}/form4-upload`);
  await db.query(
    `INSERT INTO email_link (id, token_hash, person_id, exam_id, step_id, action, expires_at)
     VALUES ($1, $2, $3, $4, 'proctorReview', 'form4-upload', $5) ON CONFLICT (id) DO NOTHING`,
    [linkId, sha256(linkToken(linkSecret, linkId)), link.proctorId, link.examId, link.expiresAt],
  );
  return { linkId, url: `${publicUrl}/links/{{link:${linkId}}}` };
}

/**
 * §5.13: when the exam ends, each working-group member's proctors get their Form 4 — one row per
 * student they review (the exam's students shared out among its proctors in name order), the
 * recording link in each row — emailed from the member's name with the workbook attached, through
 * the outbox (sent once, whatever the retries). An exam without assigned proctors sends none.
 * §5.14: the email's single-use link opens the upload page (`GET /links/:token`) where the proctor
 * returns the filled form without signing in; like a step email's links, the outbox keeps a
 * placeholder and the link table only the token's SHA-256.
 */
/** The upload link outlives its due by this (a late return is still taken). */
export const FORM4_LINK_GRACE_MS = LINK_GRACE_MS;

export function createForm4Activities(deps: ActivityDeps) {
  const { db } = deps;
  const send = outboxSender(deps);
  return {
    async sendForm4s(input: {
      examId: string;
      workflowId: string;
      runId: string;
      scopeId: string;
      historyEventId?: number;
      at: number;
    }): Promise<{ sent: number }> {
      const exams = await db.query<
        { discipline: string; exam_date: string; name_kk: string; name_ru: string }[]
      >(
        `SELECT e.discipline, e.exam_date::text AS exam_date, u.name_kk, u.name_ru
           FROM exam e JOIN org_unit u ON u.id = e.department_id WHERE e.id = $1`,
        [input.examId],
      );
      const exam = exams[0];
      if (exam === undefined) return { sent: 0 };
      const proctors = await db.query<
        {
          proctor_id: string;
          proctor: string;
          email: string;
          language: string;
          member: string;
          member_email: string;
        }[]
      >(
        `SELECT a.proctor_id, p.full_name AS proctor, p.email, p.language, m.full_name AS member,
                m.email AS member_email
           FROM proctor_assignment a JOIN person p ON p.id = a.proctor_id JOIN person m ON m.id = a.member_id
          WHERE a.exam_id = $1 ORDER BY p.full_name, a.proctor_id`,
        [input.examId],
      );
      if (proctors.length === 0) return { sent: 0 };
      const students = await db.query<{ id: string; full_name: string; link: string | null }[]>(
        `SELECT p.id, p.full_name, r.link FROM admission a JOIN person p ON p.id = a.student_id
           LEFT JOIN recording r ON r.exam_id = a.exam_id AND r.student_id = a.student_id
          WHERE a.exam_id = $1 AND a.admitted ORDER BY p.full_name, p.id`,
        [input.examId],
      );
      const due = await db.query<{ due_at: Date }[]>(
        `SELECT due_at FROM exam_step WHERE exam_id = $1 AND step_id = 'proctorReview'`,
        [input.examId],
      );
      const linkExpiresAt = new Date(
        (due[0]?.due_at.getTime() ?? input.at + REVIEW_FALLBACK_MS) + LINK_GRACE_MS,
      );
      let sent = 0;
      for (const [k, p] of proctors.entries()) {
        const language = p.language === 'kk' ? 'kk' : 'ru';
        const mine = students.filter((_, i) => i % proctors.length === k);
        const sheet: Form4Sheet = {
          language,
          examId: input.examId,
          discipline: exam.discipline,
          examDate: exam.exam_date,
          proctor: p.proctor,
          member: p.member,
          rows: mine.map((s) => ({
            studentId: s.id,
            fullName: s.full_name,
            speciality: language === 'kk' ? exam.name_kk : exam.name_ru,
            yearGroup: '',
            link: s.link ?? '',
          })),
        };
        const xlsx = await buildForm4Xlsx(sheet);
        const key = `form4/${input.examId}/${p.proctor_id}`;
        // §5.14: one upload link per proctor.
        const { linkId, url: upload } = await form4UploadLink(deps, {
          key,
          proctorId: p.proctor_id,
          examId: input.examId,
          expiresAt: linkExpiresAt,
        });
        const subject =
          language === 'kk'
            ? `4-нысан: ${exam.discipline}, ${exam.exam_date}`
            : `Форма 4: ${exam.discipline}, ${exam.exam_date}`;
        const body =
          language === 'kk'
            ? `Құрметті ${p.proctor}!\n\nҚосымшада ${mine.length} білім алушының бейнежазбаларын тексеру кестесі (4-нысан). Әр жолда АКТ бағанын толтырып, «жасалды» жолдарының PDF актілерін қосып, 72 сағат ішінде мына бетте қайтарыңыз (сілтеме бір рет жұмыс істейді, жүйеге кіру қажет емес): ${upload}\n\n${p.member}, жұмыс тобының мүшесі`
            : `Уважаемый(ая) ${p.proctor}!\n\nВо вложении таблица проверки видеозаписей ${mine.length} обучающихся (форма 4). Заполните столбец АКТ в каждой строке, приложите PDF-акты к строкам «составлен» и верните в течение 72 часов на этой странице (ссылка одноразовая, входить в систему не нужно): ${upload}\n\n${p.member}, член рабочей группы`;
        // Stored as sent, so the return is checked against exactly this (§5.14).
        await db.query(
          `INSERT INTO form4 (exam_id, proctor_id, member_id, students, language, sheet, sent_sha256)
           SELECT $1, $2, a.member_id, $3, $4, $5, $6 FROM proctor_assignment a
            WHERE a.exam_id = $1 AND a.proctor_id = $2
           ON CONFLICT (exam_id, proctor_id) DO NOTHING`,
          [
            input.examId,
            p.proctor_id,
            mine.map((s) => s.id),
            language,
            JSON.stringify(sheet),
            createHash('sha256').update(xlsx).digest('hex'),
          ],
        );
        await db.query(
          `INSERT INTO outbox (key, kind, recipient, subject, body_text, headers, attachments, link_ids,
                               exam_id, step_id, clauses, scheduled_for, triggered_at)
           VALUES ($1, 'form4.sent', $2, $3, $4, $5, $6, $7, $8, 'proctorReview', $9, $10, $10)
           ON CONFLICT (key) DO NOTHING`,
          [
            key,
            p.email,
            subject,
            body,
            JSON.stringify({
              [FROM_NAME]: p.member,
              'Reply-To': p.member_email,
              'Content-Language': language,
              'X-Emtihan-Kind': 'form4.sent',
            }),
            JSON.stringify([
              {
                filename: `form4-${input.examId}.xlsx`,
                contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
                content: xlsx.toString('base64'),
                encoding: 'base64',
              },
            ]),
            [linkId],
            input.examId,
            ['§5.13', '§5.14', 'Form 4'],
            new Date(input.at),
          ],
        );
        await send(key);
        sent++;
      }
      await db.transaction(async (tx) => {
        await audit(
          tx,
          {
            examId: input.examId,
            stepId: 'proctorReview',
            clauses: ['§5.13', 'Form 4'],
            workflowId: input.workflowId,
            runId: input.runId,
            scopeId: input.scopeId,
            historyEventId: input.historyEventId,
          },
          {
            action: 'form4.sent',
            actor: 'system:workflow',
            at: input.at,
            after: { proctors: proctors.map((p) => p.proctor_id), students: students.length },
          },
        );
      });
      return { sent };
    },
  };
}
