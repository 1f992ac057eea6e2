import ExcelJS from 'exceljs';
import { admit, insertStudents } from '../assignment-fixture';
import { caughtMail, uniqueId, waitFor } from '../support';
import { useApiOver } from './api-over';
import { onlySteps } from './policies';
import { skipTo, startExam, useTimeSkipping } from './time-skipping';

/**
 * Form 4's round trip (issue 9; §5.13–§5.15, row 11) on the time-skipping server through the API:
 * sent at E from the working-group member's name with the workbook attached; a bad return refused
 * with row and column and nothing saved; a correct one saved; signed by the member, which issues
 * the numbered Form 4 and opens a case for the "drawn" row.
 */
const ctx = useTimeSkipping();
const api = useApiOver(ctx, Buffer.alloc(32, 7).toString('base64'));
const PDF = Buffer.from('%PDF-1.4\n% an act from the proctoring system\n%%EOF\n');

test('§5.13, §5.14, §5.15, Form 4, row 11: Form 4 emailed at E, a bad return refused with nothing saved, a good one completing the proctor review, sent back by the member and returned again, signed as a decision step, sent to the commission with copies to the dean’s office and the registrar, and its drawn row opening a case', async () => {
  const examId = uniqueId('form4');
  const { dir } = await startExam(ctx, examId, {
    policy: onlySteps(['proctorReview', 'form4Signature', 'caseDecision', 'videoPurge']),
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

  // §5.13: at E the proctor gets Form 4 from the member's name.
  await skipTo(ctx.env, Date.parse('2027-06-15T12:05:00+05:00'));
  const mail = await waitFor(
    'Form 4 in the mailbox',
    async () => (await caughtMail(`form4/${examId}/`))[0],
    30_000,
  );
  expect(mail.mail.from?.value[0].name).toBe(member.fullName);
  expect(mail.mail.to).toBeDefined();
  const attachment = mail.mail.attachments[0];
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(attachment.content as unknown as Parameters<typeof book.xlsx.load>[0]);
  const sheet = book.worksheets[0];
  const names = [2, 3, 4].map((r) => sheet.getCell(`B${r}`).text);
  expect(names.sort()).toEqual(students.map((s) => s.fullName).sort());
  const drawnName = sheet.getCell('B3').text;
  const value = (r: number, v: string) => (sheet.getCell(`H${r}`).value = v);

  const upload = async (acts: { name: string; data: Buffer }[]) => {
    const form = new FormData();
    form.append('file', new Blob([Buffer.from(await book.xlsx.writeBuffer())]), 'form4.xlsx');
    for (const a of acts)
      form.append('acts', new Blob([a.data], { type: 'application/pdf' }), a.name);
    return api.http('POST', `/exams/${examId}/form4/${proctor.id}`, { as: proctor, form });
  };
  const returned = async () =>
    (
      await ctx.db.query<{ returned_at: Date | null }[]>(
        `SELECT returned_at FROM form4 WHERE exam_id = $1`,
        [examId],
      )
    )[0].returned_at;

  // §5.14: an empty ACT cell, then "drawn" without its act: refused, row and column named, nothing saved.
  // The proctor's language is English: the form is in Russian (Form 4 is kk or ru).
  expect(sheet.name).toBe('Форма 4');
  const [drawn, notDrawn] = ['составлен', 'не составлен'];
  value(2, notDrawn);
  value(4, notDrawn);
  const empty = await upload([]);
  expect(empty.status).toBe(400);
  expect(empty.body.errors).toEqual([expect.objectContaining({ row: 3, column: 'акт' })]);
  value(3, drawn);
  const noAct = await upload([]);
  expect(noAct.status).toBe(400);
  expect(JSON.stringify(noAct.body.errors)).toContain('2.pdf');
  expect(await returned()).toBeNull();
  const good = await upload([{ name: '2.pdf', data: PDF }]);
  expect(good.status === 200 ? 200 : good.text).toBe(200);
  expect(good.body).toMatchObject({ students: 3, drawn: 1 });
  // The only proctor's Form 4 is back: the proctor-review step is done, its subject the returns.
  const review = await ctx.db.query<{ status: string; subject: { kind: string; drawn: number } }[]>(
    `SELECT status, subject FROM exam_step WHERE exam_id = $1 AND step_id = 'proctorReview'`,
    [examId],
  );
  expect(review).toEqual([
    {
      status: 'approved',
      subject: expect.objectContaining({ kind: 'form4', returned: 1, drawn: 1 }) as object,
    },
  ]);

  // §5.15: the return gives the member a signature step of their own.
  const signatureStep = `form4Signature@${proctor.id}`;
  const step = async () =>
    (
      await ctx.db.query<
        { status: string; assignee_id: string | null; subject: { kind: string } | null }[]
      >(`SELECT status, assignee_id, subject FROM exam_step WHERE exam_id = $1 AND step_id = $2`, [
        examId,
        signatureStep,
      ])
    )[0];
  await waitFor('the signature step in the read model', async () => (await step())?.status, 30_000);
  expect(await step()).toMatchObject({ status: 'open', assignee_id: member.id });
  // It is approved only by signing (which issues the numbered Form 4), not as a bare approval.
  const bare = await api.http('POST', `/exams/${examId}/steps/${signatureStep}/approve`, {
    as: member,
  });
  expect(bare.status).toBe(422);
  expect(bare.body.detail).toContain(`/form4/${proctor.id}/sign`);
  // §5.15: the member sends it back with a comment: the return is cleared, the proctor told why.
  const back = await api.http('POST', `/exams/${examId}/steps/${signatureStep}/reject`, {
    as: member,
    body: { comment: 'Row 3: attach the act signed by both proctors' },
  });
  expect(back.status === 200 ? 200 : back.text).toBe(200);
  const backMail = await waitFor(
    'the Form 4 sent back',
    async () => (await caughtMail(`form4-back/${examId}/${proctor.id}/1`))[0],
    30_000,
  );
  expect(backMail.mail.text).toContain('Row 3: attach the act signed by both proctors');
  // …with a new single-use upload link (the first one was used up by the return).
  expect(backMail.mail.text).toMatch(/\/links\/[A-Za-z0-9_-]{43}/);
  await waitFor(
    'the return cleared',
    async () => ((await returned()) === null ? true : undefined),
    30_000,
  );
  const again = await upload([{ name: '2.pdf', data: PDF }]);
  expect(again.status === 200 ? 200 : again.text).toBe(200);
  expect(await step()).toMatchObject({ status: 'open', assignee_id: member.id });

  // §5.15, row 11: the member signs; the drawn row opens a case for the commission.
  expect(
    (await api.http('POST', `/exams/${examId}/form4/${proctor.id}/sign`, { as: proctor })).status,
  ).toBe(403);
  const signed = await api.http('POST', `/exams/${examId}/form4/${proctor.id}/sign`, {
    as: member,
  });
  expect(signed.status === 201 ? 201 : signed.text).toBe(201);
  expect(signed.body).toMatchObject({
    cases: ['V-1'],
    document: { number: expect.any(Number) as number },
  });
  const cases = await ctx.db.query<{ source: string; full_name: string }[]>(
    `SELECT c.source, p.full_name FROM violation_case c JOIN person p ON p.id = c.student_id WHERE c.exam_id = $1`,
    [examId],
  );
  expect(cases).toEqual([{ source: 'form4', full_name: drawnName }]);
  // The signature step is done with the numbered Form 4 as its subject…
  await waitFor(
    'the signature approved',
    async () => ((await step())?.status === 'approved' ? true : undefined),
    30_000,
  );
  expect((await step())?.subject).toMatchObject({
    kind: 'form4Signed',
    number: (signed.body as { document: { number: number } }).document.number,
    drawn: 1,
  });
  // …and the signed Form 4 goes to the integrity commission, copied to the dean's office and the
  // registrar, with its PDF attached.
  const [integrity, deans, registrar] = [
    who('violation_commission'),
    who('deans_office'),
    who('registrar'),
  ];
  const distributed = await waitFor(
    'the signed Form 4 emailed',
    async () => {
      const mails = await caughtMail(`form4-signed/${examId}/${proctor.id}/`);
      return mails.length >= 3 ? mails : undefined;
    },
    30_000,
  );
  const byAddress = new Map(
    distributed.map((m) => [m.mail.to && !Array.isArray(m.mail.to) ? m.mail.to.text : '', m]),
  );
  expect(byAddress.get(integrity.email)?.header('x-emtihan-copy')).toBe('to');
  expect(byAddress.get(deans.email)?.header('x-emtihan-copy')).toBe('deans_office');
  expect(byAddress.get(registrar.email)?.header('x-emtihan-copy')).toBe('registrar');
  for (const m of [integrity, deans, registrar].map((p) => byAddress.get(p.email)!)) {
    expect(m.mail.attachments[0]).toMatchObject({ contentType: 'application/pdf' });
    expect(m.mail.attachments[0].content.subarray(0, 5).toString()).toBe('%PDF-');
  }
  const audited = await ctx.db.query<{ after: { to: string[]; copies: string[] } }[]>(
    `SELECT after FROM audit_log WHERE exam_id = $1 AND action = 'form4.distributed'`,
    [examId],
  );
  expect(audited).toHaveLength(1);
  expect(audited[0].after.to).toContain(integrity.id);
  expect(audited[0].after.copies).toEqual(expect.arrayContaining([deans.id, registrar.id]));
  // The auditor reads the round trip as sentences, each with its clause.
  const history = await api.http('GET', `/exams/${examId}/history?lang=en`, {
    as: who('auditor'),
  });
  expect(history.status).toBe(200);
  const sentences = (history.body.items as { action: string; sentence: string }[])
    .filter((i) => i.action.startsWith('form4.'))
    .map((i) => i.sentence);
  expect(sentences).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/: Form 4 was emailed to 1 proctors \(3 students\)/),
      expect.stringMatching(/returned Form 4 \(3 students, 1 acts drawn up\)/),
      expect.stringMatching(/: Form 4 was sent back to its proctor: Row 3: attach/),
      expect.stringMatching(/signed Form 4 № \d+ \(cases opened: 1\).*§5\.15/),
      expect.stringMatching(
        /: Form 4 № \d+ was sent to the integrity commission \(1\) with 2 copies/,
      ),
    ]),
  );
});
