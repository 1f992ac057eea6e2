import { escapeHtml } from '../../activities/mail/step-email';
import type { Language } from '../directory/directory.repository';

/**
 * The pages behind one-click email links, server-rendered in the recipient's language: plain HTML
 * with one form, no script, no external resource (helmet's CSP allows exactly this).
 */
export type LinkPageKind =
  | 'confirm'
  | 'done'
  | 'used'
  | 'expired'
  | 'unknown'
  | 'foreign'
  | 'not-owner'
  | 'closed'
  | 'failed';

type Texts = Record<LinkPageKind, { title: string; body: string }> & {
  approve: string;
  reject: string;
  reason: string;
  exam: string;
  step: string;
  due: string;
  approved: string;
  rejected: string;
};

const TEXT: Record<Language, Texts> = {
  en: {
    confirm: {
      title: 'Confirm your decision',
      body: 'Nothing has happened yet. Press the button to record your decision.',
    },
    done: {
      title: 'Your decision is recorded',
      body: 'Thank you. The exam’s workflow has your decision; you may close this page.',
    },
    used: {
      title: 'This link has already been used',
      body: 'Each link works once. Open Emtihan to see the step’s state.',
    },
    expired: { title: 'This link has expired', body: 'Decide the step in Emtihan instead.' },
    unknown: {
      title: 'Unknown link',
      body: 'This link is not valid. Check that it was copied whole, or open Emtihan.',
    },
    foreign: {
      title: 'This link belongs to someone else',
      body: 'You are signed in as another person. Nothing was done.',
    },
    'not-owner': {
      title: 'You no longer decide this step',
      body: 'Your role for this department has changed. Nothing was done.',
    },
    closed: {
      title: 'The step is already decided',
      body: 'Someone has already approved this step. Nothing was done.',
    },
    failed: {
      title: 'The decision could not be recorded',
      body: 'Nothing was done and the link still works: please try again in a minute.',
    },
    approve: 'Approve',
    reject: 'Return for changes',
    reason: 'What has to change (required)',
    exam: 'Exam',
    step: 'Step',
    due: 'Due',
    approved: 'Approved',
    rejected: 'Returned for changes',
  },
  ru: {
    confirm: {
      title: 'Подтвердите решение',
      body: 'Пока ничего не произошло. Нажмите кнопку, чтобы записать решение.',
    },
    done: {
      title: 'Ваше решение записано',
      body: 'Спасибо. Решение передано в процесс экзамена; страницу можно закрыть.',
    },
    used: {
      title: 'Эта ссылка уже использована',
      body: 'Каждая ссылка действует один раз. Откройте Emtihan, чтобы увидеть состояние шага.',
    },
    expired: { title: 'Срок действия ссылки истёк', body: 'Примите решение в Emtihan.' },
    unknown: {
      title: 'Неизвестная ссылка',
      body: 'Ссылка недействительна. Проверьте, что она скопирована целиком, или откройте Emtihan.',
    },
    foreign: {
      title: 'Эта ссылка предназначена другому человеку',
      body: 'Вы вошли под другой учётной записью. Ничего не сделано.',
    },
    'not-owner': {
      title: 'Вы больше не принимаете решение по этому шагу',
      body: 'Ваша роль на этой кафедре изменилась. Ничего не сделано.',
    },
    closed: { title: 'Шаг уже утверждён', body: 'Этот шаг уже утверждён. Ничего не сделано.' },
    failed: {
      title: 'Не удалось записать решение',
      body: 'Ничего не сделано, ссылка действует: попробуйте через минуту.',
    },
    approve: 'Утвердить',
    reject: 'Вернуть на доработку',
    reason: 'Что нужно изменить (обязательно)',
    exam: 'Экзамен',
    step: 'Шаг',
    due: 'Срок',
    approved: 'Утверждено',
    rejected: 'Возвращено на доработку',
  },
  kk: {
    confirm: {
      title: 'Шешіміңізді растаңыз',
      body: 'Әзірге ештеңе өзгерген жоқ. Шешімді жазу үшін батырманы басыңыз.',
    },
    done: {
      title: 'Шешіміңіз жазылды',
      body: 'Рахмет. Шешім емтихан үдерісіне берілді; бетті жабуға болады.',
    },
    used: {
      title: 'Бұл сілтеме қолданылып қойған',
      body: 'Әр сілтеме бір рет жұмыс істейді. Қадамның күйін Emtihan-нан қараңыз.',
    },
    expired: { title: 'Сілтеменің мерзімі өтті', body: 'Шешімді Emtihan жүйесінде қабылдаңыз.' },
    unknown: {
      title: 'Белгісіз сілтеме',
      body: 'Сілтеме жарамсыз. Толық көшірілгенін тексеріңіз немесе Emtihan-ды ашыңыз.',
    },
    foreign: {
      title: 'Бұл сілтеме басқа адамға арналған',
      body: 'Сіз басқа есептік жазбамен кірдіңіз. Ештеңе жасалған жоқ.',
    },
    'not-owner': {
      title: 'Бұл қадам бойынша енді шешім қабылдамайсыз',
      body: 'Осы кафедрадағы рөліңіз өзгерді. Ештеңе жасалған жоқ.',
    },
    closed: { title: 'Қадам бекітіліп қойған', body: 'Бұл қадам бекітілген. Ештеңе жасалған жоқ.' },
    failed: {
      title: 'Шешімді жазу мүмкін болмады',
      body: 'Ештеңе жасалған жоқ, сілтеме жарамды: бір минуттан кейін қайталаңыз.',
    },
    approve: 'Бекіту',
    reject: 'Пысықтауға қайтару',
    reason: 'Не өзгертілуі керек (міндетті)',
    exam: 'Емтихан',
    step: 'Қадам',
    due: 'Мерзімі',
    approved: 'Бекітілді',
    rejected: 'Пысықтауға қайтарылды',
  },
};

export interface LinkPage {
  kind: LinkPageKind;
  language: Language;
  action?: 'approve' | 'reject';
  token?: string;
  details?: { exam: string; step: string; clauses: string; due: string };
}

export function renderLinkPage(page: LinkPage): string {
  const t = TEXT[page.language];
  const { title, body } = t[page.kind];
  const e = escapeHtml;
  const details =
    page.details === undefined
      ? ''
      : `<dl>
  <dt>${e(t.exam)}</dt><dd>${e(page.details.exam)}</dd>
  <dt>${e(t.step)}</dt><dd>${e(page.details.step)} (${e(page.details.clauses)})</dd>
  <dt>${e(t.due)}</dt><dd>${e(page.details.due)}</dd>
</dl>`;
  const form =
    page.kind === 'confirm' && page.token !== undefined && page.action !== undefined
      ? `<form method="post" action="/links/${e(page.token)}">
  ${page.action === 'reject' ? `<label for="comment">${e(t.reason)}</label><br><textarea id="comment" name="comment" required maxlength="2000" rows="4" cols="60"></textarea><br>` : ''}
  <button type="submit" style="padding:.6em 1.4em;font-size:1.1em">${e(page.action === 'approve' ? t.approve : t.reject)}</button>
</form>`
      : page.kind === 'done' && page.action !== undefined
        ? `<p><strong>${e(page.action === 'approve' ? t.approved : t.rejected)}</strong></p>`
        : '';
  return `<!doctype html>
<html lang="${page.language}">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(title)} — Emtihan</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<h1>${e(title)}</h1>
<p>${e(body)}</p>
${details}
${form}
</body>
</html>
`;
}
