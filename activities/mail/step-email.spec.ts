import { sync as ical, type VEvent } from 'node-ical';
import {
  ICS_CONTENT_TYPE,
  renderStepEmail,
  STEP_EMAIL_KINDS,
  stepEventUid,
  type Language,
  type RenderedEmail,
  type StepEmailInput,
  type StepEmailKind,
} from './step-email';

/**
 * Emails about a step, here GP 3, row 1 (the department discusses the exam questions, rubric,
 * aids and literature), due by the end of 15 January 2027 in Almaty.
 */
const CLAUSE = 'GP 3, row 1';
const DUE = Date.parse('2027-01-15T23:59:59.999+05:00');
const BASE = 'https://emtihan.example.edu.kz';
const OPEN = `${BASE}/exams/anatomy-2027-1/steps/departmentDiscussion`;
const APPROVE = `${BASE}/confirm?action=approve&token=tok-approve`;
const REJECT = `${BASE}/confirm?action=reject&token=tok-reject`;
const KAZAKH_LETTERS = 'ӘҒҚҢӨҰҮҺІ әғқңөұүһі';

function base(kind: StepEmailKind, language: Language): StepEmailInput {
  return {
    kind,
    language,
    recipientName: 'Ғалия Өтегенқызы',
    step: {
      id: 'gp3-row1',
      key: 'departmentDiscussion',
      title: {
        kk: 'Емтихан сұрақтарын, бағалау парағын, құралдар мен әдебиеттерді кафедра отырысында талқылау',
        ru: 'Обсуждение экзаменационных вопросов, листа оценки, средств и литературы на заседании кафедры',
        en: 'Department discusses the exam questions, rubric, aids and literature',
      },
      clauses: ['GP 3', 'row 1'],
    },
    exam: {
      id: 'anatomy-2027-1',
      discipline: 'Адам анатомиясы',
      departmentName: 'Қалыпты анатомия кафедрасы',
      examDate: '2027-01-25',
    },
    dueAt: DUE,
    endOfDayDue: true,
    timeZone: 'Asia/Almaty',
    links: { open: OPEN },
  };
}

/** The fixed input of each kind, as the workflow would send it. */
function fixture(kind: StepEmailKind, language: Language): StepEmailInput {
  const input = base(kind, language);
  const decide = { ...input.links, approve: APPROVE, reject: REJECT };
  switch (kind) {
    case 'opened':
      return { ...input, links: decide };
    case 'reminder':
      return { ...input, at: Date.parse('2027-01-13T09:00:00+05:00'), links: decide };
    case 'overdue':
      return {
        ...input,
        overdueSince: DUE,
        at: Date.parse('2027-01-16T09:00:00+05:00'),
        links: decide,
      };
    case 'escalation':
      return {
        ...input,
        recipientName: 'Нұрлан Әбдіхалықов',
        overdueSince: DUE,
        at: Date.parse('2027-01-18T10:30:00+05:00'),
        ownerName: 'Айгүл Сәрсенбаева',
      };
    case 'decided':
      return {
        ...input,
        decision: {
          action: 'returned',
          actorName: 'Данияр Құрманов',
          at: Date.parse('2027-01-14T16:45:00+05:00'),
          comment: 'Әдебиеттер тізімін 2022 жылдан кейінгі басылымдармен толықтырыңыз.',
        },
      };
    case 'reopened':
      return {
        ...input,
        reason: 'Кафедра отырысының хаттамасына барлық оқытушылар қол қоймаған.',
        links: decide,
      };
  }
}

const LANGUAGES: Language[] = ['kk', 'ru', 'en'];

function events(email: RenderedEmail): VEvent[] {
  return Object.values(ical.parseICS(email.attachments[0].content)).filter(
    (c): c is VEvent => c?.type === 'VEVENT',
  );
}

const textOf = (value: VEvent['summary'] | undefined) =>
  typeof value === 'string' ? value : (value?.val ?? '');

/** The .ics with folded lines joined again (RFC 5545 §3.1). */
const unfolded = (ics: string) => ics.replace(/\r\n[ \t]/g, '');

describe(`step emails, ${CLAUSE}`, () => {
  describe.each(STEP_EMAIL_KINDS)('%s', (kind) => {
    test.each(LANGUAGES)(`${CLAUSE}: ${kind} in %s`, (language) => {
      const email = renderStepEmail(fixture(kind, language));
      expect(`Subject: ${email.subject}\n\n${email.text}`).toMatchSnapshot();
    });
  });

  test(`${CLAUSE}: subjects name the kind, the step, the clause and the discipline`, () => {
    const subject = (kind: StepEmailKind, language: Language) =>
      renderStepEmail(fixture(kind, language)).subject;
    expect(subject('reminder', 'en')).toBe(
      'Reminder: Department discusses the exam questions, rubric, aids and literature (GP 3, row 1) — Адам анатомиясы, due 15 January 2027',
    );
    expect(subject('overdue', 'ru')).toMatch(/^Срок истёк: Обсуждение .* \(GP 3, row 1\) — Адам/);
    expect(subject('decided', 'kk')).toMatch(/^Пысықтауға қайтарылды: Емтихан .* \(GP 3, row 1\)/);
    for (const kind of STEP_EMAIL_KINDS) {
      for (const language of LANGUAGES) {
        const s = subject(kind, language);
        expect(s).toContain(CLAUSE);
        expect(s).toContain('Адам анатомиясы');
        expect(s).not.toMatch(/[\r\n]/);
      }
    }
  });

  test(`${CLAUSE}: Kazakh letters survive in subject, text, HTML and .ics`, () => {
    const input = fixture('decided', 'kk');
    const title = `${input.step.title.kk} ${KAZAKH_LETTERS}`;
    const email = renderStepEmail({
      ...input,
      recipientName: `Ғалия ${KAZAKH_LETTERS}`,
      step: { ...input.step, title: { ...input.step.title, kk: title } },
      exam: { ...input.exam, discipline: `Адам анатомиясы ${KAZAKH_LETTERS}` },
    });
    const ics = email.attachments[0].content;
    for (const letter of [...KAZAKH_LETTERS.replace(/ /g, '')]) {
      expect(email.subject).toContain(letter);
      expect(email.text).toContain(letter);
      expect(email.html).toContain(letter);
      expect(unfolded(ics)).toContain(letter);
    }
    expect(email.subject).toContain(KAZAKH_LETTERS);
    expect(email.text).toContain(`Құрметті Ғалия ${KAZAKH_LETTERS}!`);
    expect(email.html).toContain(`Құрметті Ғалия ${KAZAKH_LETTERS}!`);
    expect(unfolded(ics)).toContain(`SUMMARY:${title.replace(/,/g, '\\,')} (GP 3\\, row 1)`);
    // Long lines are folded at 75 octets without splitting a letter.
    expect(ics.split('\r\n').every((line) => Buffer.byteLength(line) <= 75)).toBe(true);
    for (const part of [email.subject, email.text, email.html, ics]) {
      expect(part).not.toContain('\uFFFD');
    }
    const [event] = events(email);
    expect(textOf(event.summary)).toBe(`${title} (GP 3, row 1)`);
    expect(textOf(event.description)).toContain(`Пән: Адам анатомиясы ${KAZAKH_LETTERS}`);
  });

  test(`${CLAUSE}: the due is shown in local time with the zone, in each language`, () => {
    const due = (language: Language, endOfDayDue: boolean, dueAt = DUE) =>
      renderStepEmail({ ...fixture('opened', language), endOfDayDue, dueAt }).text;
    expect(due('kk', true)).toContain(
      'Мерзімі: 15 қаңтар 2027, күн соңына дейін (Asia/Almaty уақытымен, UTC+05:00)',
    );
    expect(due('ru', true)).toContain(
      'Срок: 15 января 2027, до конца дня (по времени Asia/Almaty, UTC+05:00)',
    );
    expect(due('en', true)).toContain(
      'Due: 15 January 2027, by the end of the day (Asia/Almaty time, UTC+05:00)',
    );
    // E + 72 hours: an exact instant.
    const exact = Date.parse('2027-01-28T12:00:00+05:00');
    expect(due('kk', false, exact)).toContain(
      'Мерзімі: 28 қаңтар 2027, 12:00 (Asia/Almaty уақытымен, UTC+05:00)',
    );
    expect(due('en', false, exact)).not.toContain('end of the day');
    // A next-day midnight as an exclusive end still names the right day.
    expect(due('en', true, Date.parse('2027-01-16T00:00:00+05:00'))).toContain(
      'Due: 15 January 2027, by the end of the day',
    );
  });

  test(`${CLAUSE}: overdue and escalation say how long and whose step`, () => {
    expect(renderStepEmail(fixture('overdue', 'en')).text).toContain(
      'Overdue: 9 hours (since 15 January 2027, 23:59)',
    );
    const escalation = renderStepEmail(fixture('escalation', 'ru')).text;
    expect(escalation).toContain('Просрочка: 2 дня и 10 часов (с 15 января 2027, 23:59)');
    expect(escalation).toContain('Ответственный: Айгүл Сәрсенбаева');
    expect(escalation).toContain('Здравствуйте, Нұрлан Әбдіхалықов!');
    const withoutAt = { ...fixture('overdue', 'kk'), at: undefined };
    expect(renderStepEmail(withoutAt).text).toContain('Кешігу: 15 қаңтар 2027, 23:59 бастап');
  });

  test(`${CLAUSE}: decided names who decided what and when, with the comment`, () => {
    const text = renderStepEmail(fixture('decided', 'en')).text;
    expect(text).toContain('A decision has been made on the step below: returned for revision.');
    expect(text).toContain('Decided by: Данияр Құрманов');
    expect(text).toContain('Decided on: 14 January 2027, 16:45');
    expect(text).toContain('Comment: Әдебиеттер тізімін');
    const input = fixture('decided', 'ru');
    const approved = renderStepEmail({
      ...input,
      decision: { action: 'approved', actorName: 'Данияр Құрманов', at: DUE - 3_600_000 },
    });
    expect(approved.subject).toMatch(/^Утверждено: /);
    expect(approved.text).not.toContain('Комментарий');
  });

  test(`${CLAUSE}: reopened gives the reason`, () => {
    expect(renderStepEmail(fixture('reopened', 'ru')).text).toContain(
      'Причина: Кафедра отырысының хаттамасына барлық оқытушылар қол қоймаған.',
    );
  });

  test(`${CLAUSE}: user input is HTML-escaped`, () => {
    const input = fixture('decided', 'en');
    const email = renderStepEmail({
      ...input,
      recipientName: 'Aigerim <b>Bold</b>',
      decision: {
        action: 'rejected',
        actorName: 'Dr "Quote" & Co',
        at: DUE - 3_600_000,
        comment: `<script>alert('x')</script>\nsecond line`,
      },
    });
    expect(email.html).not.toContain('<script');
    expect(email.html).not.toContain('<b>');
    expect(email.html).toContain('&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;<br>');
    expect(email.html).toContain('Aigerim &lt;b&gt;Bold&lt;/b&gt;');
    expect(email.html).toContain('Dr &quot;Quote&quot; &amp; Co');
    // The text part is plain text: the comment is shown as written, continuation indented.
    expect(email.text).toContain(`Comment: <script>alert('x')</script>\n  second line`);
  });

  test(`${CLAUSE}: HTML is one self-contained, accessible document`, () => {
    for (const language of LANGUAGES) {
      const { html } = renderStepEmail(fixture('opened', language));
      expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
      expect(html).toContain(`<html lang="${language}" dir="ltr">`);
      expect(html).toContain('<meta charset="utf-8">');
      expect(html).toMatch(/<h1 [^>]*>/);
      expect(html).toMatch(/<th scope="row"/);
      expect(html).not.toMatch(/<(script|img|link|style|iframe|form)\b/i);
      expect(html).not.toMatch(/\ssrc=|url\(|javascript:/i);
    }
  });

  test(`${CLAUSE}: approve and reject links open a confirmation page`, () => {
    const email = renderStepEmail(fixture('opened', 'en'));
    const anchors = [...email.html.matchAll(/<a href="([^"]*)"[^>]*>([^<]*)<\/a>/g)].map((m) => [
      m[1],
      m[2],
    ]);
    expect(anchors).toEqual([
      [APPROVE.replace(/&/g, '&amp;'), 'Approve'],
      [REJECT.replace(/&/g, '&amp;'), 'Reject'],
      [OPEN, 'Open in Emtihan'],
    ]);
    const lines = email.text.split('\n');
    for (const url of [APPROVE, REJECT, OPEN]) expect(lines).toContain(url);
    expect(email.text).toContain('nothing is approved or rejected until you press the button');
    expect(email.html).toContain('nothing is approved or rejected until you press the button');
    expect(renderStepEmail(fixture('opened', 'kk')).text).toContain('растау бетін ашады');
    expect(renderStepEmail(fixture('opened', 'ru')).text).toContain(
      'открывают страницу подтверждения',
    );
  });

  test(`${CLAUSE}: without approve/reject only the open link is given`, () => {
    for (const language of LANGUAGES) {
      const email = renderStepEmail(base('reminder', language));
      expect(email.html.match(/<a\s/g)).toHaveLength(1);
      expect(email.html).toContain(`<a href="${OPEN}"`);
      expect(email.text.split('\n')).toContain(OPEN);
      expect(email.text).not.toContain('confirm?');
      expect(email.html).not.toContain('confirm?');
    }
    const en = renderStepEmail(base('reminder', 'en'));
    expect(en.text).not.toMatch(/Approve|Reject|confirmation page/);
  });

  test(`${CLAUSE}: links must be absolute http(s) URLs`, () => {
    const input = base('opened', 'en');
    expect(() =>
      renderStepEmail({ ...input, links: { open: OPEN, approve: 'javascript:alert(1)' } }),
    ).toThrow(TypeError);
    expect(() => renderStepEmail({ ...input, links: { open: '/relative' } })).toThrow(TypeError);
  });

  test(`${CLAUSE}: headers name the clause, the step and the kind`, () => {
    for (const kind of STEP_EMAIL_KINDS) {
      expect(renderStepEmail(fixture(kind, 'kk')).headers).toEqual({
        'X-Emtihan-Clause': 'GP 3, row 1',
        'X-Emtihan-Step': 'departmentDiscussion',
        'X-Emtihan-Kind': kind,
        'X-Emtihan-Exam': 'anatomy-2027-1',
        'Content-Language': 'kk',
        'Auto-Submitted': 'auto-generated',
      });
    }
  });

  test(`${CLAUSE}: .ics is an all-day event on the local due date`, () => {
    const email = renderStepEmail(fixture('reminder', 'en'));
    expect(email.attachments).toHaveLength(1);
    const [attachment] = email.attachments;
    expect(attachment.filename).toBe('anatomy-2027-1-departmentDiscussion.ics');
    expect(attachment.contentType).toBe('text/calendar; charset=utf-8; method=PUBLISH');
    expect(attachment.contentType).toBe(ICS_CONTENT_TYPE);
    expect(attachment.content).toContain('METHOD:PUBLISH');
    expect(attachment.content).toContain('DTSTART;VALUE=DATE:20270115\r\n');
    expect(attachment.content).toContain('DTSTAMP:20270115T185959Z\r\n');
    const list = events(email);
    expect(list).toHaveLength(1);
    const [event] = list;
    expect(event.uid).toBe('anatomy-2027-1-departmentDiscussion@emtihan');
    expect(event.start.dateOnly).toBe(true);
    expect(event.dtstamp.getTime()).toBe(Math.floor(DUE / 1000) * 1000);
    expect(textOf(event.summary)).toBe(
      'Department discusses the exam questions, rubric, aids and literature (GP 3, row 1)',
    );
    const description = textOf(event.description);
    expect(description).toContain('SOP: GP 3, row 1');
    expect(description).toContain(`Open in Emtihan: ${OPEN}`);
  });

  test(`${CLAUSE}: .ics for an exact due is a timed event at that instant`, () => {
    const dueAt = Date.parse('2027-01-28T12:00:00+05:00');
    const email = renderStepEmail({ ...fixture('decided', 'ru'), endOfDayDue: false, dueAt });
    const [event] = events(email);
    expect(event.start.dateOnly).toBeUndefined();
    expect(event.start.toISOString()).toBe('2027-01-28T07:00:00.000Z');
    // DTSTAMP is the decision time, not the clock.
    expect(event.dtstamp.toISOString()).toBe('2027-01-14T11:45:00.000Z');
    expect(event.uid).toBe(stepEventUid('anatomy-2027-1', 'departmentDiscussion'));
  });

  test(`${CLAUSE}: the UID is sanitised before the @`, () => {
    expect(stepEventUid('exam 1/2', 'department#2:Қалыпты')).toBe(
      'exam_1_2-department#2________@emtihan',
    );
    const input = base('opened', 'en');
    const email = renderStepEmail({ ...input, step: { ...input.step, key: 'a b/c' } });
    expect(events(email)[0].uid).toBe('anatomy-2027-1-a_b_c@emtihan');
    expect(email.attachments[0].filename).toBe('anatomy-2027-1-a_b_c.ics');
  });

  test(`${CLAUSE}: rendering is deterministic and ignores the clock`, () => {
    const render = (now: string) => {
      jest.useFakeTimers({ now: new Date(now) });
      try {
        return STEP_EMAIL_KINDS.flatMap((kind) =>
          LANGUAGES.map((language) => renderStepEmail(fixture(kind, language))),
        );
      } finally {
        jest.useRealTimers();
      }
    };
    expect(render('2030-06-01T00:00:00Z')).toEqual(render('2026-01-01T12:34:56Z'));
  });
});
