import { appendAuditNow } from '../../activities/audit-log';
import { randomUUID } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { findStep, type Policy } from '../../sop/policy';
import type { AuthService } from '../auth/auth.service';
import { sha256 } from '../auth/secrets';
import { isoInZone } from '../common/time';
import { findPerson, type Language } from '../directory/directory.repository';
import type { ExamsService } from '../exams/exams.service';
import type { Form4Service } from '../integrity/form4.service';
import type { UploadedDocument, UploadError } from '../paperwork/upload-table';
import type { LinkPage } from './links.pages';

interface LinkRow {
  id: string;
  person_id: string;
  exam_id: string;
  step_id: string;
  /** A step decision (issue 5), or §5.14's Form 4 upload page. */
  action: 'approve' | 'reject' | 'form4-upload';
  expires_at: Date;
  used_at: Date | null;
}

export interface LinkAnswer {
  status: number;
  page: LinkPage;
}

/**
 * One-click email links (issue 5): GET shows a confirmation page and changes nothing (mail
 * scanners and link previews GET every link); POST consumes the token atomically and delivers the
 * decision as an Update whose id is the link's id, so two concurrent POSTs act once. A used,
 * expired, unknown or foreign token gets a clear page and an audit record, never an action.
 * §5.14, Form 4: the Form 4 email's link (`form4-upload`) shows an upload page instead; its POST
 * consumes the link and returns the form as its proctor, giving the link back when nothing was saved.
 */
export class LinksService {
  constructor(
    private readonly db: DataSource,
    private readonly auth: AuthService,
    private readonly exams: ExamsService,
    private readonly policy: Policy,
    private readonly form4: Form4Service,
  ) {}

  private async find(token: string): Promise<LinkRow | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
    const rows = await this.db.query<LinkRow[]>(
      `SELECT id, person_id, exam_id, step_id, action, expires_at, used_at FROM email_link WHERE token_hash = $1`,
      [sha256(token)],
    );
    return rows[0];
  }

  private async refuse(
    link: LinkRow | undefined,
    reason: string,
    now: number,
    status: number,
    page: LinkPage,
  ): Promise<LinkAnswer> {
    await appendAuditNow(this.db, {
      key: `link/${link?.id ?? 'unknown'}/${randomUUID()}`,
      at: now,
      actor: link === undefined ? 'anonymous' : `link:${link.id}`,
      action: 'link.refused',
      clauses: link === undefined ? [] : (findStep(this.policy, link.step_id)?.clauses ?? []),
      examId: link?.exam_id ?? null,
      stepId: link?.step_id ?? null,
      after: { reason, status, action: link?.action ?? null },
    });
    return { status, page };
  }

  private async language(link: LinkRow | undefined, fallback: Language): Promise<Language> {
    if (link === undefined) return fallback;
    return (await findPerson(this.db, link.person_id))?.language ?? fallback;
  }

  /** A signed-in caller who is not the link's person is refused (403). */
  private async foreign(
    link: LinkRow,
    credential: string | undefined,
    now: number,
  ): Promise<boolean> {
    if (credential === undefined) return false;
    const caller = await this.auth.authenticate(credential, now);
    return caller !== undefined && caller.personId !== link.person_id;
  }

  private async details(link: LinkRow, language: Language) {
    const exams = await this.db.query<{ discipline: string; exam_date: string }[]>(
      `SELECT discipline, exam_date FROM exam WHERE id = $1`,
      [link.exam_id],
    );
    const steps = await this.db.query<{ due_at: Date }[]>(
      `SELECT due_at FROM exam_step WHERE exam_id = $1 AND step_id = $2`,
      [link.exam_id, link.step_id],
    );
    const rule = findStep(this.policy, link.step_id);
    return {
      exam: `${exams[0]?.discipline ?? link.exam_id}, ${exams[0]?.exam_date ?? ''}`,
      step: rule?.title[language] ?? link.step_id,
      clauses: rule?.clauses.join(', ') ?? '',
      due: steps[0] === undefined ? '' : isoInZone(this.policy.timeZone, steps[0].due_at),
    };
  }

  /** The link behind a token, in its owner's language — or the page refusing an unknown or foreign one. */
  private async open(
    token: string,
    credential: string | undefined,
    lang: Language,
    now: number,
  ): Promise<{ link: LinkRow; language: Language } | LinkAnswer> {
    const link = await this.find(token);
    const language = await this.language(link, lang);
    if (link === undefined)
      return this.refuse(undefined, 'unknown', now, 404, { kind: 'unknown', language });
    if (await this.foreign(link, credential, now))
      return this.refuse(link, 'foreign', now, 403, { kind: 'foreign', language });
    return { link, language };
  }

  async show(
    token: string,
    credential: string | undefined,
    lang: Language,
    now: number,
  ): Promise<LinkAnswer> {
    const opened = await this.open(token, credential, lang, now);
    if ('status' in opened) return opened;
    const { link, language } = opened;
    if (link.used_at !== null)
      return this.refuse(link, 'used', now, 410, { kind: 'used', language });
    if (link.expires_at.getTime() <= now)
      return this.refuse(link, 'expired', now, 410, { kind: 'expired', language });
    if (link.action === 'form4-upload') {
      const form4 = await this.form4Of(link);
      if (form4 === undefined)
        return this.refuse(link, 'no Form 4', now, 404, { kind: 'unknown', language });
      // §5.15: a signed Form 4 is not returned again.
      if (form4.signed)
        return this.refuse(link, 'form 4 signed', now, 409, {
          kind: 'signed',
          language,
          form4: form4.page,
        });
      return { status: 200, page: { kind: 'upload', language, token, form4: form4.page } };
    }
    return {
      status: 200,
      page: {
        kind: 'confirm',
        language,
        action: link.action,
        token,
        details: await this.details(link, language),
      },
    };
  }

  async act(
    token: string,
    comment: string | undefined,
    credential: string | undefined,
    lang: Language,
    now: number,
  ): Promise<LinkAnswer> {
    const opened = await this.open(token, credential, lang, now);
    if ('status' in opened) return opened;
    const { link, language } = opened;
    // §5.14: a Form 4 link decides nothing; its form posts to /links/:token/form4.
    if (link.action === 'form4-upload')
      return this.refuse(link, 'not a decision link', now, 404, { kind: 'unknown', language });
    if (link.action === 'reject' && (comment ?? '').trim() === '') {
      return {
        status: 400,
        page: {
          kind: 'confirm',
          language,
          action: link.action,
          token,
          details: await this.details(link, language),
        },
      };
    }
    const spent = await this.consume(link, token, language, now);
    if (spent !== undefined) return spent;
    const principal = await this.auth.principalOf(link.person_id);
    if (principal === undefined)
      return this.refuse(link, 'inactive person', now, 403, { kind: 'not-owner', language });
    try {
      await this.exams.decide(
        principal,
        link.exam_id,
        link.step_id,
        link.action,
        comment?.trim() || undefined,
        `link/${link.id}`,
        { kind: 'email-link', linkId: link.id },
      );
      return {
        status: 200,
        page: {
          kind: 'done',
          language,
          action: link.action,
          details: await this.details(link, language),
        },
      };
    } catch (error) {
      if (error instanceof HttpException) {
        const status = error.getStatus();
        if (status === 403)
          return this.refuse(link, 'not owner', now, 403, { kind: 'not-owner', language });
        if (status === 409)
          return this.refuse(link, 'step closed', now, 409, { kind: 'closed', language });
        if (status === 404)
          return this.refuse(link, 'exam gone', now, 404, { kind: 'unknown', language });
      }
      // Not the person's fault (Temporal unreachable …): give the link back so it can be used again.
      await this.giveBack(link);
      return { status: 503, page: { kind: 'failed', language } };
    }
  }

  /**
   * Consumes the link atomically (of two concurrent POSTs exactly one gets the row); a used or
   * expired one answers 410.
   */
  private async consume(
    link: LinkRow,
    token: string,
    language: Language,
    now: number,
  ): Promise<LinkAnswer | undefined> {
    const consumed = await this.db.query<[LinkRow[], number]>(
      `UPDATE email_link SET used_at = $2 WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
       RETURNING id`,
      [sha256(token), new Date(now)],
    );
    if (consumed[0].length > 0) return undefined;
    const again = await this.find(token);
    if (again?.used_at != null)
      return this.refuse(link, 'used', now, 410, { kind: 'used', language });
    return this.refuse(link, 'expired', now, 410, { kind: 'expired', language });
  }

  private async giveBack(link: LinkRow): Promise<void> {
    await this.db.query(`UPDATE email_link SET used_at = NULL WHERE id = $1`, [link.id]);
  }

  /** §5.14: the Form 4 behind an upload link (its proctor's), as the page shows it. */
  private async form4Of(
    link: LinkRow,
  ): Promise<{ page: NonNullable<LinkPage['form4']>; signed: boolean } | undefined> {
    const rows = await this.db.query<
      {
        discipline: string;
        exam_date: string;
        students: number;
        signed: boolean;
        due_at: Date | null;
      }[]
    >(
      `SELECT e.discipline, e.exam_date::text AS exam_date, cardinality(f.students) AS students,
              f.signed_at IS NOT NULL AS signed,
              (SELECT s.due_at FROM exam_step s WHERE s.exam_id = f.exam_id AND s.step_id = $3) AS due_at
         FROM form4 f JOIN exam e ON e.id = f.exam_id
        WHERE f.exam_id = $1 AND f.proctor_id = $2`,
      [link.exam_id, link.person_id, link.step_id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      signed: row.signed,
      page: {
        examId: link.exam_id,
        discipline: row.discipline,
        examDate: row.exam_date,
        students: row.students,
        due: row.due_at === null ? '' : isoInZone(this.policy.timeZone, row.due_at),
      },
    };
  }

  /**
   * POST /links/:token/form4 (§5.14, Form 4): the proctor returns the filled Form 4 and its acts
   * through the upload page. The link is consumed first, then the return is made as its person; a
   * refused upload (nothing saved, Form4Service's guarantee) gives the link back and shows the page
   * again with each problem's row and column, so the proctor fixes the file and tries again.
   */
  async upload(
    token: string,
    file: UploadedDocument | undefined,
    acts: UploadedDocument[],
    credential: string | undefined,
    lang: Language,
    now: number,
  ): Promise<LinkAnswer> {
    const opened = await this.open(token, credential, lang, now);
    if ('status' in opened) return opened;
    const { link, language } = opened;
    if (link.action !== 'form4-upload')
      return this.refuse(link, 'not an upload link', now, 404, { kind: 'unknown', language });
    const spent = await this.consume(link, token, language, now);
    if (spent !== undefined) return spent;
    const principal = await this.auth.principalOf(link.person_id);
    if (principal === undefined)
      return this.refuse(link, 'inactive person', now, 403, { kind: 'not-owner', language });
    const form4 = (await this.form4Of(link))?.page;
    try {
      const saved = await this.form4.return(principal, link.exam_id, link.person_id, file, acts, {
        kind: 'email-link',
        linkId: link.id,
      });
      return {
        status: 200,
        page: {
          kind: 'received',
          language,
          form4,
          received: { students: saved.students, drawn: saved.drawn, sha256: saved.sha256 },
        },
      };
    } catch (error) {
      if (!(error instanceof HttpException)) {
        // Not the proctor's fault (the database unreachable …): the link works again.
        await this.giveBack(link);
        return { status: 503, page: { kind: 'upload-failed', language, token, form4 } };
      }
      const status = error.getStatus();
      // §5.15: signed meanwhile; the link has nothing left to do.
      if (status === 409)
        return this.refuse(link, 'form 4 signed', now, 409, { kind: 'signed', language, form4 });
      await this.giveBack(link);
      const problems = status === 400 ? uploadErrorsOf(error) : undefined;
      if (problems !== undefined)
        return this.refuse(link, `upload refused: ${problems.length} problem(s)`, now, 400, {
          kind: 'upload',
          language,
          token,
          form4,
          problems,
        });
      if (status === 403)
        return this.refuse(link, 'not the proctor', now, 403, { kind: 'not-owner', language });
      if (status === 404)
        return this.refuse(link, 'no Form 4', now, 404, { kind: 'unknown', language });
      return this.refuse(link, `return failed (${status})`, now, status, {
        kind: 'upload-failed',
        language,
        token,
        form4,
      });
    }
  }
}

/** An upload's problems (api/paperwork/upload-table.ts `uploadProblem`): row, column, reason. */
function uploadErrorsOf(error: HttpException): UploadError[] | undefined {
  const body = error.getResponse() as { errors?: unknown };
  if (!Array.isArray(body.errors) || body.errors.length === 0) return undefined;
  const errors: UploadError[] = [];
  for (const e of body.errors as { row?: unknown; column?: unknown; message?: unknown }[]) {
    if (typeof e.row !== 'number' || typeof e.column !== 'string') return undefined;
    errors.push({ row: e.row, column: e.column, reason: String(e.message) });
  }
  return errors;
}
