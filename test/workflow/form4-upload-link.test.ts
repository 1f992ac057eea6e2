import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { admit, insertStudents } from '../assignment-fixture';
import { caughtMail, uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * §5.14, Form 4 (issue 9): the Form 4 email carries a single-use link to an upload page, so the
 * proctor returns the form without signing in. The page posts the workbook and its acts; a refused
 * upload lists its problems by row and column, saves nothing and keeps the link; a good one is
 * saved (completing the proctor review) and uses the link up.
 */
const ctx = useTimeSkipping();
const api = useApiOver(ctx, Buffer.alloc(32, 7).toString('base64'));
const PDF = Buffer.from('%PDF-1.4\n% an act from the proctoring system\n%%EOF\n');

test('§5.14, Form 4: the proctor returns Form 4 through the single-use link in its email: a bad file shows its problems and keeps the link, a good one is saved, the link then answers 410', async () => {
  const examId = uniqueId('form4-link');
  const { dir } = await startExam(ctx, examId, {
    policy: onlySteps(['proctorReview', 'caseDecision', 'videoPurge']),
    days: ['2027-06-15'],
  });
  const who = (role: keyof typeof dir.byRole) => dir.byRole[role]!;
  const [centre, rector, member, proctor] = [
    who('testing_centre'),
    who('vice_rector'),
    who('working_group_member'),
    who('proctor'),
  ];
  const students = await insertStudents(ctx.db, examId, dir.departmentId, 3);
  await admit(
    ctx.db,
    examId,
    dir.head.id,
    students.map((s) => ({ studentId: s.id })),
  );
  const order = await api.http('POST', '/working-group/orders', {
    as: centre,
    body: {
      number: `ВР-${examId}`,
      signedOn: '2027-05-20',
      scope: dir.schoolId,
      signedBy: rector.id,
      members: [member.id],
    },
  });
  expect(order.status).toBe(201);
  const assigned = await api.http('PUT', `/exams/${examId}/proctors`, {
    as: centre,
    body: { orderId: order.body.id, assignments: [{ proctorId: proctor.id, memberId: member.id }] },
  });
  expect(assigned.status).toBe(200);

  // §5.13: at E the proctor's Form 4 email links to the upload page, not to the API route.
  const endsAt = Date.parse('2027-06-15T12:05:00+05:00');
  await skipTo(ctx.env, endsAt);
  const mail = await waitFor(
    'Form 4 in the mailbox',
    async () => (await caughtMail(`form4/${examId}/`))[0],
    30_000,
  );
  const text = mail.mail.text ?? '';
  expect(text).not.toContain(`/form4/${proctor.id}`);
  const token = /\/links\/([A-Za-z0-9_-]{43})/.exec(text)?.[1];
  expect(token).toBeDefined();
  // One upload link (beside the step emails' approve / reject links), the proctor's, kept past the review's due date (a late return still possible).
  const links = await ctx.db.query<
    { id: string; person_id: string; step_id: string; expires_at: Date; used_at: Date | null }[]
  >(
    `SELECT id, person_id, step_id, expires_at, used_at FROM email_link
      WHERE exam_id = $1 AND action = 'form4-upload'`,
    [examId],
  );
  expect(links).toEqual([
    expect.objectContaining({ person_id: proctor.id, step_id: 'proctorReview', used_at: null }),
  ]);
  expect(links[0].expires_at.getTime()).toBeGreaterThan(endsAt + 7 * 24 * 3600_000);

  const page = (init?: RequestInit) => fetch(`${api.baseUrl}/links/${token}`, init);
  const upload = async (book: ExcelJS.Workbook, acts: { name: string; data: Buffer }[]) => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(await book.xlsx.writeBuffer())]), 'form4.xlsx');
    for (const a of acts)
      form.append('acts', new Blob([a.data], { type: 'application/pdf' }), a.name);
    const response = await fetch(`${api.baseUrl}/links/${token}/form4`, {
      method: 'POST',
      body: form,
    });
    return { status: response.status, html: await response.text() };
  };
  const state = async () => ({
    returnedAt: (
      await ctx.db.query<{ returned_at: Date | null }[]>(
        `SELECT returned_at FROM form4 WHERE exam_id = $1`,
        [examId],
      )
    )[0].returned_at,
    usedAt: (
      await ctx.db.query<{ used_at: Date | null }[]>(
        `SELECT used_at FROM email_link WHERE exam_id = $1 AND action = 'form4-upload'`,
        [examId],
      )
    )[0].used_at,
  });

  // The upload page (in the proctor's language, English): the form, posting to the API itself.
  const shown = await page();
  const html = await shown.text();
  expect(shown.status === 200 ? 200 : html).toBe(200);
  expect(shown.headers.get('content-security-policy')).toContain("form-action 'self'");
  expect(html).toContain(
    `<form method="post" enctype="multipart/form-data" action="/links/${token}/form4">`,
  );
  expect(html).toContain('name="file"');
  expect(html).toMatch(/name="acts" multiple accept="\.pdf/);
  expect(html).toContain('<dt>Students on the form</dt><dd>3</dd>');
  expect(html).not.toContain('<script');

  // The workbook as sent, filled: row 3's ACT left empty.
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(
    mail.mail.attachments[0].content as unknown as Parameters<typeof book.xlsx.load>[0],
  );
  const sheet = book.worksheets[0];
  const value = (r: number, v: string) => (sheet.getCell(`H${r}`).value = v);
  value(2, 'не составлен');
  value(4, 'не составлен');
  const empty = await upload(book, []);
  expect(empty.status === 400 ? 400 : empty.html).toBe(400);
  expect(empty.html).toMatch(/<li>Row 3, акт: [^<]+<\/li>/);
  expect(empty.html).toContain(`action="/links/${token}/form4"`);
  // "drawn" without its act: the problem names the act's file (its quotes escaped).
  value(3, 'составлен');
  const noAct = await upload(book, []);
  expect(noAct.status).toBe(400);
  expect(noAct.html).toMatch(/<li>Row 3, акт: &quot;drawn&quot; for [^<]+ 2\.pdf<\/li>/);
  // Nothing saved, and the link given back.
  expect(await state()).toEqual({ returnedAt: null, usedAt: null });
  const refused = await ctx.db.query<{ reason: string }[]>(
    `SELECT after->>'reason' AS reason FROM audit_log WHERE exam_id = $1 AND action = 'link.refused' ORDER BY seq`,
    [examId],
  );
  expect(refused).toEqual([
    { reason: 'upload refused: 1 problem(s)' },
    { reason: 'upload refused: 1 problem(s)' },
  ]);

  // The good return: saved as the proctor, the proctor review done, the link used up.
  const xlsx = Buffer.from(await book.xlsx.writeBuffer());
  const good = await upload(book, [{ name: '2.pdf', data: PDF }]);
  expect(good.status === 200 ? 200 : good.html).toBe(200);
  expect(good.html).toContain('Form 4 received');
  expect(good.html).toContain('<dt>Acts drawn up</dt><dd>1</dd>');
  expect(good.html).toContain(createHash('sha256').update(xlsx).digest('hex'));
  const after = await state();
  expect(after.returnedAt).toBeInstanceOf(Date);
  expect(after.usedAt).toBeInstanceOf(Date);
  const returned = await ctx.db.query<{ actor: string; after: { via: unknown; drawn: number } }[]>(
    `SELECT actor, after FROM audit_log WHERE exam_id = $1 AND action = 'form4.returned'`,
    [examId],
  );
  expect(returned).toEqual([
    {
      actor: proctor.id,
      after: expect.objectContaining({
        drawn: 1,
        via: { kind: 'email-link', linkId: links[0].id },
      }) as object,
    },
  ]);
  const review = await ctx.db.query<{ status: string }[]>(
    `SELECT status FROM exam_step WHERE exam_id = $1 AND step_id = 'proctorReview'`,
    [examId],
  );
  expect(review).toEqual([{ status: 'approved' }]);

  // Single use: the same upload again, and the page, answer 410.
  const again = await upload(book, [{ name: '2.pdf', data: PDF }]);
  expect(again.status).toBe(410);
  expect(again.html).toContain('This link has already been used');
  expect((await page()).status).toBe(410);
});
