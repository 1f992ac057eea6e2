import { escapeHtml } from '../../activities/mail/step-email';
import type { Language } from '../directory/directory.repository';
import type { UploadError } from '../paperwork/upload-table';

/**
 * The pages behind one-click email links, server-rendered in the recipient's language: plain HTML
 * with one form, no script, no external resource (helmet's CSP allows exactly this). §5.14, Form 4:
 * the Form 4 email's link opens an upload page whose form posts the workbook and its acts to
 * `/links/<token>/form4` (same origin: CSP `form-action 'self'`).
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
  | 'failed'
  | 'upload'
  | 'received'
  | 'signed'
  | 'upload-failed';

type Texts = Record<LinkPageKind, { title: string; body: string }> & {
  approve: string;
  reject: string;
  reason: string;
  exam: string;
  step: string;
  due: string;
  approved: string;
  rejected: string;
  form4: {
    discipline: string;
    date: string;
    students: string;
    instruction: string;
    file: string;
    acts: string;
    submit: string;
    problems: string;
    row: string;
    wholeFile: string;
    drawn: string;
  };
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
    upload: {
      title: 'Return Form 4',
      body: 'Upload the filled Form 4 with its acts. Nothing is saved unless every row checks out; once saved, this link stops working.',
    },
    received: {
      title: 'Form 4 received',
      body: 'Thank you. The working-group member will sign it; you may close this page.',
    },
    signed: {
      title: 'Form 4 is already signed',
      body: 'The working-group member has signed this Form 4. Nothing was changed.',
    },
    'upload-failed': {
      title: 'Form 4 could not be saved',
      body: 'Nothing was saved and the link still works: please try again in a minute.',
    },
    form4: {
      discipline: 'Discipline',
      date: 'Date',
      students: 'Students on the form',
      instruction:
        'Fill in the ACT column on every row. For each row where an act was drawn up, attach the act as a PDF named by the row’s No., e.g. 2.pdf.',
      file: 'The filled Form 4 (XLSX)',
      acts: 'Acts (PDF, one per row with an act, named <row No.>.pdf)',
      submit: 'Return Form 4',
      problems: 'Nothing was saved. Fix these problems and upload again:',
      row: 'Row',
      wholeFile: 'the file',
      drawn: 'Acts drawn up',
    },
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
    upload: {
      title: 'Возврат формы 4',
      body: 'Загрузите заполненную форму 4 с актами. Ничего не сохраняется, пока все строки не пройдут проверку; после сохранения ссылка перестаёт действовать.',
    },
    received: {
      title: 'Форма 4 получена',
      body: 'Спасибо. Её подпишет член рабочей группы; страницу можно закрыть.',
    },
    signed: {
      title: 'Форма 4 уже подписана',
      body: 'Член рабочей группы уже подписал эту форму 4. Ничего не изменено.',
    },
    'upload-failed': {
      title: 'Не удалось сохранить форму 4',
      body: 'Ничего не сохранено, ссылка действует: попробуйте через минуту.',
    },
    form4: {
      discipline: 'Дисциплина',
      date: 'Дата',
      students: 'Обучающихся в форме',
      instruction:
        'Заполните столбец АКТ в каждой строке. К каждой строке «составлен» приложите PDF-акт с именем по № строки, например 2.pdf.',
      file: 'Заполненная форма 4 (XLSX)',
      acts: 'Акты (PDF, по одному на строку «составлен», имя — № строки.pdf)',
      submit: 'Вернуть форму 4',
      problems: 'Ничего не сохранено. Исправьте ошибки и загрузите снова:',
      row: 'Строка',
      wholeFile: 'файл',
      drawn: 'Составлено актов',
    },
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
    upload: {
      title: '4-нысанды қайтару',
      body: 'Толтырылған 4-нысанды актілерімен жүктеңіз. Барлық жол тексеруден өтпейінше ештеңе сақталмайды; сақталғаннан кейін сілтеме жұмыс істемейді.',
    },
    received: {
      title: '4-нысан қабылданды',
      body: 'Рахмет. Оған жұмыс тобының мүшесі қол қояды; бетті жабуға болады.',
    },
    signed: {
      title: '4-нысанға қол қойылған',
      body: 'Жұмыс тобының мүшесі бұл 4-нысанға қол қойды. Ештеңе өзгертілген жоқ.',
    },
    'upload-failed': {
      title: '4-нысанды сақтау мүмкін болмады',
      body: 'Ештеңе сақталған жоқ, сілтеме жарамды: бір минуттан кейін қайталаңыз.',
    },
    form4: {
      discipline: 'Пән',
      date: 'Күні',
      students: 'Нысандағы білім алушылар',
      instruction:
        'Әр жолда АКТ бағанын толтырыңыз. «Жасалды» деген әр жолға жол нөмірімен аталған PDF актіні қосыңыз, мысалы 2.pdf.',
      file: 'Толтырылған 4-нысан (XLSX)',
      acts: 'Актілер (PDF, «жасалды» жолының әрқайсысына біреу, аты — жол нөмірі.pdf)',
      submit: '4-нысанды қайтару',
      problems: 'Ештеңе сақталған жоқ. Мына қателерді түзетіп, қайта жүктеңіз:',
      row: 'Жол',
      wholeFile: 'файл',
      drawn: 'Жасалған актілер',
    },
  },
};

export interface LinkPage {
  kind: LinkPageKind;
  language: Language;
  action?: 'approve' | 'reject';
  token?: string;
  details?: { exam: string; step: string; clauses: string; due: string };
  /** §5.14: the Form 4 behind an upload link. */
  form4?: { examId: string; discipline: string; examDate: string; students: number; due: string };
  /** §5.14: why the last upload was refused (nothing saved), shown above the form. */
  problems?: readonly UploadError[];
  /** §5.14: what was saved. */
  received?: { students: number; drawn: number; sha256: string };
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
  if (page.form4 !== undefined) return form4Page(page, t, page.form4);
  const form =
    page.kind === 'confirm' && page.token !== undefined && page.action !== undefined
      ? `<form method="post" action="/links/${e(page.token)}">
  ${page.action === 'reject' ? `<label for="comment">${e(t.reason)}</label><br><textarea id="comment" name="comment" required maxlength="2000" rows="4" cols="60"></textarea><br>` : ''}
  <button type="submit" style="padding:.6em 1.4em;font-size:1.1em">${e(page.action === 'approve' ? t.approve : t.reject)}</button>
</form>`
      : page.kind === 'done' && page.action !== undefined
        ? `<p><strong>${e(page.action === 'approve' ? t.approved : t.rejected)}</strong></p>`
        : '';
  return layout(
    page.language,
    title,
    `<p>${e(body)}</p>
${details}
${form}`,
  );
}

function layout(language: Language, title: string, content: string): string {
  return `<!doctype html>
<html lang="${language}">
<head><meta charset="utf-8"><meta name="robots" content="noindex"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)} — Emtihan</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<h1>${escapeHtml(title)}</h1>
${content}
</body>
</html>
`;
}

/**
 * §5.14, Form 4: the upload page (with the last attempt's problems, row and column, above the form)
 * and the page confirming what was saved. Every text from the workbook or the database is escaped.
 */
function form4Page(page: LinkPage, t: Texts, form4: NonNullable<LinkPage['form4']>): string {
  const e = escapeHtml;
  const f = t.form4;
  const { title, body } = t[page.kind];
  const received =
    page.kind === 'received' && page.received !== undefined
      ? `
  <dt>${e(f.drawn)}</dt><dd>${page.received.drawn}</dd>
  <dt>SHA-256</dt><dd><code>${e(page.received.sha256)}</code></dd>`
      : '';
  const details = `<dl>
  <dt>${e(t.exam)}</dt><dd>${e(form4.examId)}</dd>
  <dt>${e(f.discipline)}</dt><dd>${e(form4.discipline)}</dd>
  <dt>${e(f.date)}</dt><dd>${e(form4.examDate)}</dd>
  <dt>${e(f.students)}</dt><dd>${page.received?.students ?? form4.students}</dd>${form4.due === '' ? '' : `\n  <dt>${e(t.due)}</dt><dd>${e(form4.due)}</dd>`}${received}
</dl>`;
  // After a failure not the proctor's (the link given back) the form is offered again.
  if ((page.kind !== 'upload' && page.kind !== 'upload-failed') || page.token === undefined)
    return layout(page.language, title, `<p>${e(body)}</p>\n${details}`);
  const problems =
    page.problems === undefined || page.problems.length === 0
      ? ''
      : `<div role="alert" style="border:2px solid #b00020;padding:.5em 1em;margin:1em 0">
<p><strong>${e(f.problems)}</strong></p>
<ul>
${page.problems.map((p) => `  <li>${p.row === 0 ? e(f.wholeFile) : `${e(f.row)} ${p.row}`}, ${e(p.column)}: ${e(p.reason)}</li>`).join('\n')}
</ul>
</div>`;
  return layout(
    page.language,
    title,
    `${problems}
<p>${e(body)}</p>
${details}
<p>${e(f.instruction)}</p>
<form method="post" enctype="multipart/form-data" action="/links/${e(page.token)}/form4">
  <p><label for="file">${e(f.file)}</label><br><input type="file" id="file" name="file" required accept=".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"></p>
  <p><label for="acts">${e(f.acts)}</label><br><input type="file" id="acts" name="acts" multiple accept=".pdf,application/pdf"></p>
  <button type="submit" style="padding:.6em 1.4em;font-size:1.1em">${e(f.submit)}</button>
</form>`,
  );
}
