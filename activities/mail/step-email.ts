import ical, { ICalCalendarMethod } from 'ical-generator';
import { DateTime, Duration, type DurationLikeObject } from 'luxon';

/**
 * Every email about a step (a human task of the SOP) is rendered here, in the recipient's
 * language: a subject, a plain-text part, an HTML part, headers naming the SOP clause, and an
 * .ics attachment for the deadline. Pure and deterministic: no I/O and no clock (times come from
 * the input), so the same input always gives the same email, byte for byte.
 */

export type Language = 'kk' | 'ru' | 'en';
export interface Localized {
  kk: string;
  ru: string;
  en: string;
}
export const STEP_EMAIL_KINDS = [
  'opened',
  'reminder',
  'overdue',
  'escalation',
  'decided',
  'reopened',
] as const;
export type StepEmailKind = (typeof STEP_EMAIL_KINDS)[number];
export type DecisionAction = 'approved' | 'rejected' | 'returned' | 'waived';

export interface StepEmailInput {
  kind: StepEmailKind;
  language: Language;
  recipientName: string;
  step: { id: string; key: string; title: Localized; clauses: string[] };
  exam: {
    id: string;
    discipline: string;
    departmentName: string;
    examDate: string; /* YYYY-MM-DD */
  };
  /** The deadline, epoch ms. */
  dueAt: number;
  /** true: "by the end of <date>" (dueAt is that day's 23:59:59.999 local), false: an exact instant (E + 72 hours). */
  endOfDayDue: boolean;
  /** IANA zone the times are shown in, e.g. Asia/Almaty. */
  timeZone: string;
  /** overdue / escalation: since when the step is overdue (default: dueAt). */
  overdueSince?: number;
  /**
   * When the event behind this email happened (workflow time, epoch ms; optional). With it, a
   * reminder says how much time is left and overdue / escalation say for how long the step has
   * been overdue; without it they only name the deadline and "overdue since".
   */
  at?: number;
  /** escalation: whose step is late (the recipient is the supervisor). */
  ownerName?: string;
  decision?: { action: DecisionAction; actorName: string; at: number; comment?: string };
  /** reopened: why. */
  reason?: string;
  /** Absolute http(s) URLs; approve/reject present only when the recipient may decide. */
  links: { open: string; approve?: string; reject?: string };
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
  /** 'X-Emtihan-Clause', 'X-Emtihan-Step', 'X-Emtihan-Kind', 'X-Emtihan-Exam', 'Content-Language', 'Auto-Submitted'. */
  headers: Record<string, string>;
  /** One .ics (text/calendar; charset=utf-8; method=PUBLISH) for the deadline. */
  attachments: { filename: string; contentType: string; content: string }[];
}

export const ICS_CONTENT_TYPE = 'text/calendar; charset=utf-8; method=PUBLISH';

/** The calendar UID of a step's deadline: stable, so a re-sent .ics updates the same event. */
export function stepEventUid(examId: string, stepKey: string): string {
  return `${sanitizeId(`${examId}-${stepKey}`)}@emtihan`;
}

type OpenKind = Exclude<StepEmailKind, 'decided'>;

interface Strings {
  greeting: (name: string) => string;
  label: Record<OpenKind, string>;
  decidedLabel: Record<DecisionAction | 'none', string>;
  decisionValue: Record<DecisionAction, string>;
  intro: Record<OpenKind, string[]>;
  decidedIntro: (value: string | undefined) => string;
  decidedNext: Record<DecisionAction, string>;
  supervisor: string;
  row: {
    step: string;
    sop: string;
    discipline: string;
    department: string;
    examDate: string;
    due: string;
    timeLeft: string;
    overdue: string;
    responsible: string;
    decision: string;
    decidedBy: string;
    decidedAt: string;
    comment: string;
    reason: string;
  };
  endOfDay: (date: string) => string;
  zone: (zone: string, offset: string) => string;
  overdueFor: (duration: string, since: string) => string;
  overdueSince: (since: string) => string;
  dueSuffix: (due: string) => string;
  confirm: string;
  approve: string;
  reject: string;
  open: string;
  footer: string;
}

const STRINGS: Record<Language, Strings> = {
  kk: {
    greeting: (name) => `Құрметті ${name}!`,
    label: {
      opened: 'Жаңа тапсырма',
      reminder: 'Еске салу',
      overdue: 'Мерзімі өтті',
      escalation: 'Мерзімі өткен кезең бойынша эскалация',
      reopened: 'Қайта ашылды',
    },
    decidedLabel: {
      approved: 'Бекітілді',
      rejected: 'Қабылданбады',
      returned: 'Пысықтауға қайтарылды',
      waived: 'Орындаудан босатылды',
      none: 'Шешім қабылданды',
    },
    decisionValue: {
      approved: 'бекітілді',
      rejected: 'қабылданбады',
      returned: 'пысықтауға қайтарылды',
      waived: 'орындаудан босатылды',
    },
    intro: {
      opened: [
        'Emtihan жүйесінде Сізге жазбаша емтихан рәсімінің жаңа кезеңі тағайындалды.',
        'Оны төменде көрсетілген мерзімде орындауыңызды сұраймыз.',
      ],
      reminder: [
        'Еске саламыз: төмендегі кезең әлі орындалған жоқ, ал оның орындалу мерзімі жақындап қалды.',
      ],
      overdue: [
        'Төмендегі кезеңнің орындалу мерзімі өтті, бірақ кезең әлі орындалған жоқ.',
        'Оны мүмкіндігінше тезірек орындауыңызды сұраймыз.',
      ],
      escalation: ['Төмендегі кезең белгіленген мерзімде орындалмады.'],
      reopened: ['Төмендегі кезең қайта ашылды, оны көрсетілген мерзімде қайта орындау қажет.'],
    },
    decidedIntro: (value) =>
      value === undefined
        ? 'Төмендегі кезең бойынша шешім қабылданды.'
        : `Төмендегі кезең бойынша шешім қабылданды: ${value}.`,
    decidedNext: {
      approved: 'Бұл кезең бойынша қосымша әрекет талап етілмейді.',
      rejected: 'Шешіммен Emtihan жүйесінде танысып, қажетті өзгерістер енгізуіңізді сұраймыз.',
      returned: 'Шешіммен Emtihan жүйесінде танысып, қажетті өзгерістер енгізуіңізді сұраймыз.',
      waived: 'Бұл кезең бойынша қосымша әрекет талап етілмейді.',
    },
    supervisor:
      'Бұл хат Сізге осы кезеңнің орындалуын бақылайтын басшы ретінде жіберілді. Қажетті шараларды қабылдауыңызды сұраймыз.',
    row: {
      step: 'Кезең',
      sop: 'СОП',
      discipline: 'Пән',
      department: 'Кафедра',
      examDate: 'Емтихан күні (D)',
      due: 'Мерзімі',
      timeLeft: 'Қалған уақыт',
      overdue: 'Кешігу',
      responsible: 'Жауапты',
      decision: 'Шешім',
      decidedBy: 'Шешім қабылдаған',
      decidedAt: 'Шешім уақыты',
      comment: 'Түсініктеме',
      reason: 'Себебі',
    },
    endOfDay: (date) => `${date}, күн соңына дейін`,
    zone: (zone, offset) => `${zone} уақытымен, ${offset}`,
    overdueFor: (duration, since) => `${duration} (${since} бастап)`,
    overdueSince: (since) => `${since} бастап`,
    dueSuffix: (due) => `мерзімі: ${due}`,
    confirm:
      'Төмендегі шешім сілтемелері Emtihan жүйесінде растау бетін ашады: сол беттегі батырманы баспайынша ешқандай шешім қабылданбайды.',
    approve: 'Бекіту',
    reject: 'Қабылдамау',
    open: 'Emtihan жүйесінде ашу',
    footer: 'Бұл хат Emtihan жүйесінен автоматты түрде жіберілді, оған жауап жазудың қажеті жоқ.',
  },
  ru: {
    greeting: (name) => `Здравствуйте, ${name}!`,
    label: {
      opened: 'Новая задача',
      reminder: 'Напоминание',
      overdue: 'Срок истёк',
      escalation: 'Эскалация просроченного этапа',
      reopened: 'Открыто повторно',
    },
    decidedLabel: {
      approved: 'Утверждено',
      rejected: 'Отклонено',
      returned: 'Возвращено на доработку',
      waived: 'Освобождено от выполнения',
      none: 'Принято решение',
    },
    decisionValue: {
      approved: 'утверждено',
      rejected: 'отклонено',
      returned: 'возвращено на доработку',
      waived: 'освобождено от выполнения',
    },
    intro: {
      opened: [
        'В системе Emtihan Вам назначен новый этап процедуры письменного экзамена.',
        'Просим выполнить его в указанный ниже срок.',
      ],
      reminder: [
        'Напоминаем: указанный ниже этап ещё не выполнен, а срок его выполнения приближается.',
      ],
      overdue: [
        'Срок выполнения указанного ниже этапа истёк, этап не выполнен.',
        'Просим выполнить его в кратчайшие сроки.',
      ],
      escalation: ['Указанный ниже этап не выполнен в установленный срок.'],
      reopened: [
        'Указанный ниже этап открыт повторно и должен быть выполнен заново в указанный срок.',
      ],
    },
    decidedIntro: (value) =>
      value === undefined
        ? 'По указанному ниже этапу принято решение.'
        : `По указанному ниже этапу принято решение: ${value}.`,
    decidedNext: {
      approved: 'Дополнительных действий по этому этапу не требуется.',
      rejected: 'Просим ознакомиться с решением в Emtihan и внести необходимые изменения.',
      returned: 'Просим ознакомиться с решением в Emtihan и внести необходимые изменения.',
      waived: 'Дополнительных действий по этому этапу не требуется.',
    },
    supervisor:
      'Вы получили это письмо как руководитель, контролирующий исполнение этого этапа. Просим принять необходимые меры.',
    row: {
      step: 'Этап',
      sop: 'СОП',
      discipline: 'Дисциплина',
      department: 'Кафедра',
      examDate: 'Дата экзамена (D)',
      due: 'Срок',
      timeLeft: 'Осталось',
      overdue: 'Просрочка',
      responsible: 'Ответственный',
      decision: 'Решение',
      decidedBy: 'Автор решения',
      decidedAt: 'Время решения',
      comment: 'Комментарий',
      reason: 'Причина',
    },
    endOfDay: (date) => `${date}, до конца дня`,
    zone: (zone, offset) => `по времени ${zone}, ${offset}`,
    overdueFor: (duration, since) => `${duration} (с ${since})`,
    overdueSince: (since) => `с ${since}`,
    dueSuffix: (due) => `срок: ${due}`,
    confirm:
      'Ссылки для решения ниже открывают страницу подтверждения в Emtihan: ничего не будет утверждено или отклонено, пока Вы не нажмёте кнопку на этой странице.',
    approve: 'Утвердить',
    reject: 'Отклонить',
    open: 'Открыть в Emtihan',
    footer: 'Это письмо отправлено системой Emtihan автоматически, отвечать на него не нужно.',
  },
  en: {
    greeting: (name) => `Dear ${name},`,
    label: {
      opened: 'New task',
      reminder: 'Reminder',
      overdue: 'Overdue',
      escalation: 'Escalation of an overdue step',
      reopened: 'Reopened',
    },
    decidedLabel: {
      approved: 'Approved',
      rejected: 'Rejected',
      returned: 'Returned for revision',
      waived: 'Waived',
      none: 'Decision made',
    },
    decisionValue: {
      approved: 'approved',
      rejected: 'rejected',
      returned: 'returned for revision',
      waived: 'waived',
    },
    intro: {
      opened: [
        'A new step of the written-exam procedure has been assigned to you in Emtihan.',
        'Please complete it by the deadline shown below.',
      ],
      reminder: [
        'This is a reminder: the step below has not been completed yet, and its deadline is approaching.',
      ],
      overdue: [
        'The deadline for the step below has passed, and the step has not been completed.',
        'Please complete it as soon as possible.',
      ],
      escalation: ['The step below has not been completed by its deadline.'],
      reopened: [
        'The step below has been reopened and must be completed again by the deadline shown.',
      ],
    },
    decidedIntro: (value) =>
      value === undefined
        ? 'A decision has been made on the step below.'
        : `A decision has been made on the step below: ${value}.`,
    decidedNext: {
      approved: 'No further action is required on this step.',
      rejected: 'Please review the decision in Emtihan and make the necessary changes.',
      returned: 'Please review the decision in Emtihan and make the necessary changes.',
      waived: 'No further action is needed for this step.',
    },
    supervisor:
      'You are receiving this message as the supervisor in charge of this step. Please take the necessary measures.',
    row: {
      step: 'Step',
      sop: 'SOP',
      discipline: 'Discipline',
      department: 'Department',
      examDate: 'Exam date (D)',
      due: 'Due',
      timeLeft: 'Time left',
      overdue: 'Overdue',
      responsible: 'Responsible',
      decision: 'Decision',
      decidedBy: 'Decided by',
      decidedAt: 'Decided on',
      comment: 'Comment',
      reason: 'Reason',
    },
    endOfDay: (date) => `${date}, by the end of the day`,
    zone: (zone, offset) => `${zone} time, ${offset}`,
    overdueFor: (duration, since) => `${duration} (since ${since})`,
    overdueSince: (since) => `since ${since}`,
    dueSuffix: (due) => `due ${due}`,
    confirm:
      'The decision links below open a confirmation page in Emtihan: nothing is approved or rejected until you press the button on that page.',
    approve: 'Approve',
    reject: 'Reject',
    open: 'Open in Emtihan',
    footer: 'This message was sent automatically by Emtihan; there is no need to reply.',
  },
};

type Tone = 'approve' | 'reject' | 'open';

/** The language-neutral shape of an email, rendered below as text and as HTML. */
interface Content {
  subject: string;
  heading: string;
  greeting: string;
  intro: string[];
  rows: { label: string; value: string }[];
  after: string[];
  confirm?: string;
  links: { label: string; url: string; tone: Tone }[];
  footer: string;
}

export function renderStepEmail(input: StepEmailInput): RenderedEmail {
  const s = STRINGS[input.language];
  const lang = input.language;
  const zone = input.timeZone;
  const title = input.step.title[lang];
  const clauses = input.step.clauses.join(', ');
  for (const url of [input.links.open, input.links.approve, input.links.reject]) {
    if (url !== undefined && !/^https?:\/\/[^\s]+$/i.test(url)) {
      throw new TypeError(`Step email links must be absolute http(s) URLs, got ${url}`);
    }
  }

  const dueLocal = localTime(input.dueAt, zone, lang);
  // An end-of-day due is that day's 23:59:59.999; one millisecond earlier also reads a next-day
  // midnight (an exclusive end) as the right date.
  const dueDay = localTime(input.dueAt - 1, zone, lang).startOf('day');
  const dueShort = input.endOfDayDue ? dateText(dueDay) : dateTimeText(dueLocal);
  const dueFull = `${input.endOfDayDue ? s.endOfDay(dateText(dueDay)) : dateTimeText(dueLocal)} (${s.zone(zone, offsetText(dueLocal))})`;

  const rows: Content['rows'] = [{ label: s.row.step, value: title }];
  if (clauses !== '') rows.push({ label: s.row.sop, value: clauses });
  rows.push(
    { label: s.row.discipline, value: input.exam.discipline },
    { label: s.row.department, value: input.exam.departmentName },
    { label: s.row.examDate, value: examDateText(input.exam.examDate, lang) },
    { label: s.row.due, value: dueFull },
  );

  let label: string;
  let intro: string[];
  const after: string[] = [];
  const kind = input.kind;
  switch (kind) {
    case 'opened':
    case 'reopened':
      label = s.label[kind];
      intro = s.intro[kind];
      if (kind === 'reopened' && input.reason !== undefined && input.reason.trim() !== '') {
        rows.push({ label: s.row.reason, value: input.reason });
      }
      break;
    case 'reminder':
      label = s.label[kind];
      intro = s.intro[kind];
      if (input.at !== undefined && input.at < input.dueAt) {
        rows.push({ label: s.row.timeLeft, value: durationText(input.dueAt - input.at, lang) });
      }
      break;
    case 'overdue':
    case 'escalation': {
      label = s.label[kind];
      intro = s.intro[kind];
      const since = input.overdueSince ?? input.dueAt;
      const sinceText = dateTimeText(localTime(since, zone, lang));
      rows.push({
        label: s.row.overdue,
        value:
          input.at !== undefined && input.at > since
            ? s.overdueFor(durationText(input.at - since, lang), sinceText)
            : s.overdueSince(sinceText),
      });
      if (kind === 'escalation') {
        if (input.ownerName !== undefined && input.ownerName.trim() !== '') {
          rows.push({ label: s.row.responsible, value: input.ownerName });
        }
        after.push(s.supervisor);
      }
      break;
    }
    case 'decided': {
      const decision = input.decision;
      label = s.decidedLabel[decision?.action ?? 'none'];
      intro = [
        s.decidedIntro(decision === undefined ? undefined : s.decisionValue[decision.action]),
      ];
      if (decision !== undefined) {
        rows.push(
          { label: s.row.decision, value: s.decisionValue[decision.action] },
          { label: s.row.decidedBy, value: decision.actorName },
          { label: s.row.decidedAt, value: dateTimeText(localTime(decision.at, zone, lang)) },
        );
        if (decision.comment !== undefined && decision.comment.trim() !== '') {
          rows.push({ label: s.row.comment, value: decision.comment });
        }
        after.push(s.decidedNext[decision.action]);
      }
      break;
    }
  }

  const links: Content['links'] = [];
  if (input.links.approve !== undefined) {
    links.push({ label: s.approve, url: input.links.approve, tone: 'approve' });
  }
  if (input.links.reject !== undefined) {
    links.push({ label: s.reject, url: input.links.reject, tone: 'reject' });
  }
  const decides = links.length > 0;
  links.push({ label: s.open, url: input.links.open, tone: 'open' });

  const subjectParts = [`${label}: ${title}`];
  if (clauses !== '') subjectParts.push(` (${clauses})`);
  subjectParts.push(` — ${input.exam.discipline}`);
  if (kind === 'reminder') subjectParts.push(`, ${s.dueSuffix(dueShort)}`);

  const content: Content = {
    subject: oneLine(subjectParts.join('')),
    heading: label,
    greeting: s.greeting(input.recipientName),
    intro,
    rows,
    after,
    ...(decides ? { confirm: s.confirm } : {}),
    links,
    footer: s.footer,
  };

  return {
    subject: content.subject,
    text: renderText(content),
    html: renderHtml(content, lang),
    headers: {
      'X-Emtihan-Clause': oneLine(clauses),
      'X-Emtihan-Step': oneLine(input.step.key),
      'X-Emtihan-Kind': kind,
      'X-Emtihan-Exam': oneLine(input.exam.id),
      'Content-Language': lang,
      'Auto-Submitted': 'auto-generated',
    },
    attachments: [
      {
        filename: `${sanitizeId(`${input.exam.id}-${input.step.key}`)}.ics`,
        contentType: ICS_CONTENT_TYPE,
        content: renderIcs(input, s, { dueDay, dueFull, clauses, title }),
      },
    ],
  };
}

function renderText(c: Content): string {
  const lines = [c.greeting, '', ...paragraph(c.intro), ''];
  for (const row of c.rows) lines.push(`${row.label}: ${indentContinuation(row.value)}`);
  lines.push('');
  if (c.after.length > 0) lines.push(...c.after, '');
  if (c.confirm !== undefined) lines.push(c.confirm, '');
  for (const link of c.links) lines.push(`${link.label}:`, link.url, '');
  lines.push('-- ', c.footer, '');
  return lines.join('\n');
}

const COLOURS: Record<Tone, string> = { approve: '#1b6e34', reject: '#a4261d', open: '#0b4f94' };
const FONT = 'font-family:Arial,Helvetica,sans-serif;';

function renderHtml(c: Content, lang: Language): string {
  const p = (text: string, style = 'margin:0 0 16px;') =>
    `<p style="${style}">${multiline(text)}</p>`;
  const rows = c.rows
    .map(
      (row) =>
        `<tr><th scope="row" style="${FONT}text-align:left;vertical-align:top;padding:6px 12px 6px 0;font-weight:bold;white-space:nowrap;">${escapeHtml(row.label)}</th>` +
        `<td style="${FONT}vertical-align:top;padding:6px 0;">${multiline(row.value)}</td></tr>`,
    )
    .join('\n');
  const buttons = c.links
    .map(
      (link) =>
        `<a href="${escapeHtml(link.url)}" style="display:inline-block;margin:0 8px 8px 0;padding:12px 20px;border-radius:4px;background-color:${COLOURS[link.tone]};color:#ffffff;font-weight:bold;text-decoration:none;">${escapeHtml(link.label)}</a>`,
    )
    .join('\n');
  return [
    '<!DOCTYPE html>',
    `<html lang="${lang}" dir="ltr">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light">',
    `<title>${escapeHtml(c.subject)}</title>`,
    '</head>',
    `<body style="margin:0;padding:24px 12px;background-color:#f2f3f5;color:#1f2328;${FONT}font-size:16px;line-height:1.5;">`,
    `<div role="article" aria-roledescription="email" aria-label="${escapeHtml(c.subject)}" lang="${lang}" style="max-width:640px;margin:0 auto;padding:24px;background-color:#ffffff;border:1px solid #d0d4da;border-radius:6px;">`,
    `<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;color:#1f2328;">${escapeHtml(c.heading)}</h1>`,
    p(c.greeting),
    p(c.intro.join(' ')),
    `<table style="border-collapse:collapse;margin:0 0 16px;font-size:16px;">`,
    rows,
    '</table>',
    ...c.after.map((text) => p(text)),
    ...(c.confirm !== undefined
      ? [
          p(
            c.confirm,
            'margin:0 0 16px;padding:12px;background-color:#fff8e1;border-left:4px solid #8a6d00;',
          ),
        ]
      : []),
    `<div style="margin:0 0 16px;">`,
    buttons,
    '</div>',
    `<hr style="border:none;border-top:1px solid #d0d4da;margin:24px 0 12px;">`,
    p(c.footer, 'margin:0;font-size:13px;color:#545b64;'),
    '</div>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderIcs(
  input: StepEmailInput,
  s: Strings,
  due: { dueDay: DateTime; dueFull: string; clauses: string; title: string },
): string {
  const lang = input.language;
  const calendar = ical({
    prodId: { company: 'Emtihan', product: 'step-email', language: lang.toUpperCase() },
    method: ICalCalendarMethod.PUBLISH,
  });
  const description = [
    ...(due.clauses !== '' ? [`${s.row.sop}: ${due.clauses}`] : []),
    `${s.row.discipline}: ${input.exam.discipline}`,
    `${s.row.department}: ${input.exam.departmentName}`,
    `${s.row.examDate}: ${examDateText(input.exam.examDate, lang)}`,
    `${s.row.due}: ${due.dueFull}`,
    `${s.open}: ${input.links.open}`,
  ].join('\n');
  calendar.createEvent({
    id: stepEventUid(input.exam.id, input.step.key),
    stamp: new Date(input.decision?.at ?? input.dueAt),
    ...(input.endOfDayDue
      ? { start: due.dueDay, allDay: true }
      : { start: new Date(input.dueAt), end: new Date(input.dueAt) }),
    summary: due.clauses !== '' ? `${due.title} (${due.clauses})` : due.title,
    description,
    url: input.links.open,
  });
  return calendar.toString();
}

function localTime(at: number, zone: string, lang: Language): DateTime {
  const time = DateTime.fromMillis(at, { zone }).setLocale(lang);
  if (!time.isValid) throw new RangeError(`Cannot show ${at} in time zone ${zone}`);
  return time;
}

const dateText = (time: DateTime) => time.toFormat('d MMMM yyyy');
const dateTimeText = (time: DateTime) => time.toFormat('d MMMM yyyy, HH:mm');
const offsetText = (time: DateTime) => `UTC${time.toFormat('ZZ')}`;

function examDateText(date: string, lang: Language): string {
  const day = DateTime.fromISO(date, { zone: 'UTC' }).setLocale(lang);
  return day.isValid ? dateText(day) : date;
}

/** "2 days and 9 hours": days and hours from a day on, hours and minutes below, at least a minute. */
function durationText(ms: number, lang: Language): string {
  const total = Math.max(1, Math.floor(ms / 60_000));
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const minutes = total % 60;
  const parts: DurationLikeObject =
    days > 0
      ? { days, ...(hours > 0 ? { hours } : {}) }
      : hours > 0
        ? { hours, ...(minutes > 0 ? { minutes } : {}) }
        : { minutes };
  return Duration.fromObject(parts, { locale: lang }).toHuman({
    unitDisplay: 'long',
    listStyle: 'long',
  });
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const multiline = (value: string) => escapeHtml(normalizeNewlines(value)).replace(/\n/g, '<br>\n');
const normalizeNewlines = (value: string) => value.replace(/\r\n?/g, '\n');
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');
const indentContinuation = (value: string) => normalizeNewlines(value).replace(/\n/g, '\n  ');
const paragraph = (sentences: string[]) => [sentences.join(' ')];
const sanitizeId = (value: string) => value.replace(/[^A-Za-z0-9._#-]/g, '_');
