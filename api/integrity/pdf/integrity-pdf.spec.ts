import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import type { DocumentContent, DocumentLanguage } from '../documents';
import { renderDocument } from './index';
import {
  SAMPLE_COMMISSION,
  SAMPLE_FORM2,
  SAMPLE_FORM3,
  SAMPLE_FORM4,
  SAMPLE_IMPOSTOR,
} from './samples';

/**
 * The integrity documents rendered in both languages and read back as text (pdf-parse): a PDF
 * that was produced proves nothing, a font without Kazakh letters prints garbage without an error
 * (issue 9). INTEGRITY_PDF_DIR=<dir> keeps the rendered files (docs/integrity/'s pictures).
 */

const ID = '00000000-0000-4000-8000-000000000042';

async function rendered(
  doc: DocumentContent,
  language: DocumentLanguage,
  number: number,
  file = `${doc.kind}-${language}`,
) {
  const pdf = await renderDocument({ ...doc, language, number, id: ID });
  const out = process.env.INTEGRITY_PDF_DIR;
  if (out !== undefined && out !== '') {
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, `${file}.pdf`), pdf);
  }
  const parsed = (await pdfParse(pdf)) as Awaited<ReturnType<typeof pdfParse>> & {
    info: { Title?: string };
  };
  // The title as written: "№", a non-breaking space, the number. pdf.js folds "№" into "No" in
  // the text (NFKC); the PDF's title (its Info dictionary) and the font's glyphs keep "№".
  expect(parsed.info.Title).toContain(`\u2116\u00a0${number}`);
  expect(drawnCharacters(pdf).has('\u2116')).toBe(true);
  // pdf-parse ends a line where the PDF moves down, also inside a wrapped cell: compare on one
  // space for each run of white space (the non-breaking one kept).
  return { text: parsed.text.replace(/[ \t\r\n]+/g, ' '), numpages: parsed.numpages, pdf };
}

/**
 * The characters the embedded font's glyphs stand for (its ToUnicode maps): pdfmake embeds only
 * the glyphs a document draws, so a character here is one the page shows in DejaVu Sans.
 */
function drawnCharacters(pdf: Buffer): Set<string> {
  const raw = pdf.toString('latin1');
  const chars = new Set<string>();
  for (const m of raw.matchAll(/stream\r?\n/g)) {
    const start = m.index + m[0].length;
    let cmap: string;
    try {
      cmap = inflateSync(pdf.subarray(start, raw.indexOf('endstream', start))).toString('latin1');
    } catch {
      continue; // not a compressed stream
    }
    if (!cmap.includes('begincmap')) continue;
    for (const [, list] of cmap.matchAll(/\[([^\]]*)\]/g))
      for (const [, hex] of list.matchAll(/<([0-9a-f]{4})>/gi))
        chars.add(String.fromCharCode(parseInt(hex, 16)));
  }
  return chars;
}

/** The title's number as pdf-parse reads it back: "№\u00a012" → "No\u00a012". */
const numberSign = (n: number) => `No\u00a0${n}`;

const KAZAKH = /[әғқңөұүһіӘҒҚҢӨҰҮҺІ]/;

describe('integrity documents as PDF', () => {
  it('Form 2, §5.8 (kk): the act’s number, Kazakh labels and names, the ticked violations and the signature lines', async () => {
    const { text, numpages } = await rendered({ kind: 'form2', content: SAMPLE_FORM2 }, 'kk', 12);
    expect(numpages).toBe(1);
    expect(text).toContain(`АКТ ${numberSign(12)}`);
    expect(text).toContain('емтихандағы тәртіп ережелерін бұзу туралы');
    expect(text).toContain('2-нысан');
    for (const label of [
      'Осы актіні жасаған тұлғалардың аты-жөні',
      'Білім алушының аты-жөні',
      'Бұзушылықтың сипаттамасы',
      'Осы фактіні ескере отырып:',
      'білім алушының емтихан нәтижелерін жою',
      'Актімен таныстым:',
    ])
      expect(text).toContain(label);
    // The three who drew it up, the student and the dean, with their Kazakh letters intact.
    for (const name of [
      'Айгүл Сәрсенқызы Нұрланова, проктор',
      'Ғалымжан Өмірұлы Қасымов, тест орталығының маманы',
      'Іңкәр Һәдиқызы Үсенова, деканат инспекторы',
      'Ұлжан Ерболқызы Әбдіхалықова',
      'Жалпы медицина мектебі',
      'Ерлан Мұхамедиев',
    ])
      expect(text).toContain(name);
    expect(KAZAKH.test(text)).toBe(true);
    expect(text).toContain('14.01.2027');
    expect(text).toContain('10:25');
    expect(text).toContain('☒ ұялы телефонды пайдалану');
    expect(text).toContain('☒ білім алушылар арасындағы әңгіме');
    expect(text).toContain('☐ шпаргалкаларды пайдалану');
    expect(text).toContain('☐ орнын өз бетінше ауыстыру, аудиториядан шығу');
    expect(text).toContain('☒ басқа: көршісінің жауап парағын суретке түсіру');
    expect(text).toContain('Прокторинг жүйесіндегі бейнежазба');
    expect(text).toContain('r/7f3c9a1e-2b4d-4e8f-9a61-0c5d3b2e7f10');
    expect(text).toContain('Білім алушының қолы:');
    expect(text).toContain('/ Ұлжан Ерболқызы Әбдіхалықова /');
    expect(text).toContain('Факультет деканы:');
    expect(text).toContain('/ Ерлан Мұхамедиев /');
    expect(text).toContain('«____» ______________ 20___ ж.');
  });

  it('Form 2, §5.8 (ru): every label in Russian, the names as written, no recording line for an in-person exam', async () => {
    const inPerson = { ...SAMPLE_FORM2, recording: undefined };
    const { text } = await rendered({ kind: 'form2', content: inPerson }, 'ru', 3);
    expect(text).toContain(`АКТ ${numberSign(3)}`);
    expect(text).toContain('о нарушении правил поведения на экзамене');
    expect(text).toContain('Форма 2');
    for (const label of [
      'Дисциплина:',
      'ФИО лиц, составивших акт',
      'ФИО обучающегося',
      'Характер нарушения',
      'С учётом данного факта:',
      'аннулировать результаты экзамена обучающегося',
      'С актом ознакомлен(а):',
      'Подпись обучающегося:',
      'Декан факультета:',
      '«____» ______________ 20___ г.',
    ])
      expect(text).toContain(label);
    expect(text).toContain('Ұлжан Ерболқызы Әбдіхалықова');
    expect(text).toContain('☒ использование мобильного телефона');
    expect(text).toContain('☐ самовольная пересадка, выход из аудитории');
    expect(text).toContain('☒ разговоры между обучающимися');
    expect(text).not.toContain('Запись в системе прокторинга');
    expect(text).not.toMatch(/ұялы|Пән|Күні/);
  });

  it('Form 2, §5.8 (kk): an act drawn up on the spot names the three who drew it up, and apart the commission that confirmed it, each with a signature line', async () => {
    // In person (no recording), as an act drawn up on the spot is.
    const onTheSpot = { ...SAMPLE_FORM2, recording: undefined, commission: SAMPLE_COMMISSION };
    const { text, numpages } = await rendered(
      { kind: 'form2', content: onTheSpot },
      'kk',
      16,
      'form2-on-the-spot-kk',
    );
    // Six signing people may take a second page: "I have read the act" stays with the student's
    // signature line, and no one's line is split from their name.
    expect(numpages).toBeLessThanOrEqual(2);
    const read = text.indexOf('Актімен таныстым:');
    expect(text.slice(read, text.indexOf('Білім алушының қолы:'))).not.toMatch(/Бет \d/);
    const at = (s: string) => {
      expect(text).toContain(s);
      return text.indexOf(s);
    };
    const drawnLabel = at('Осы актіні жасаған тұлғалардың аты-жөні:');
    const drawers = [
      at('Айгүл Сәрсенқызы Нұрланова, проктор'),
      at('Ғалымжан Өмірұлы Қасымов, тест орталығының маманы'),
      at('Іңкәр Һәдиқызы Үсенова, деканат инспекторы'),
    ];
    const commissionLabel = at('Бұзушылықты растаған комиссия:');
    const members = [
      at('Ержан Бақытұлы Адалов, Академиялық адалдықты бұзу жөніндегі комиссия'),
      text.indexOf('Айгүл Сәрсенқызы Нұрланова, проктор', commissionLabel),
      at('Сәуле Қанатқызы Өтебаева, Деканат'),
    ];
    expect(drawers.every((i) => i > drawnLabel && i < commissionLabel)).toBe(true);
    expect(members.every((i) => i > commissionLabel)).toBe(true);
    expect(commissionLabel).toBeLessThan(at('Актімен таныстым:'));
    // A signature line for each who drew it up, each member, the student and the dean.
    expect(text.match(/\(қолы\)/g)).toHaveLength(3 + 3 + 2);
    // Without a commission listed apart (a Form 4 row's act: the commission drew it up), no section.
    const plain = await rendered({ kind: 'form2', content: SAMPLE_FORM2 }, 'kk', 17, 'form2-plain');
    expect(plain.text).not.toContain('Бұзушылықты растаған комиссия');
  });

  it('Impostor act, §5.8 (ru): the three who drew it up on the spot, and apart the commission that confirmed it', async () => {
    const content = { ...SAMPLE_IMPOSTOR, commission: SAMPLE_COMMISSION };
    const { text } = await rendered(
      { kind: 'impostor', content },
      'ru',
      18,
      'impostor-on-the-spot',
    );
    const drawn = text.indexOf('ФИО лиц, составивших акт:');
    const commission = text.indexOf('Комиссия, подтвердившая нарушение:');
    expect(drawn).toBeGreaterThanOrEqual(0);
    expect(commission).toBeGreaterThan(drawn);
    expect(text.indexOf('Іңкәр Һәдиқызы Үсенова, деканат инспекторы')).toBeGreaterThan(drawn);
    expect(text.indexOf('Ержан Бақытұлы Адалов')).toBeGreaterThan(commission);
  });

  it('Form 3, §5.16 (kk): the refusal act names the act refused, the certifier, two witnesses and three signature lines', async () => {
    const { text, numpages } = await rendered({ kind: 'form3', content: SAMPLE_FORM3 }, 'kk', 13);
    expect(numpages).toBe(1);
    expect(text).toContain(`АКТ ${numberSign(13)}`);
    expect(text).toContain('3-нысан');
    expect(text).toContain(
      'емтихандағы тәртіп ережелерін бұзу туралы актіге қол қоюдан бас тарту туралы',
    );
    expect(text).toContain('Мен, Іңкәр Һәдиқызы Үсенова, деканат инспекторы,');
    expect(text).toContain('1) Айгүл Сәрсенқызы Нұрланова, проктор');
    expect(text).toContain('2) Ғалымжан Өмірұлы Қасымов, тест орталығының маманы');
    expect(text).toContain('қатысуымен');
    expect(text).toContain('куәгерлік етемін');
    expect(text).toContain('Ұлжан Ерболқызы Әбдіхалықова');
    expect(text).toContain(`${numberSign(7)} актіге қол қоюдан бас тартады`);
    expect(text).toContain('14.01.2027');
    expect(text).toContain('20.01.2027');
    for (const name of [
      'Іңкәр Һәдиқызы Үсенова',
      'Айгүл Сәрсенқызы Нұрланова',
      'Ғалымжан Өмірұлы Қасымов',
    ])
      expect(text).toContain(`/ ${name} /`);
    expect(text.match(/\(қолы\)/g)).toHaveLength(3);
  });

  it('Form 3, §5.16 (ru): "Я, …, в присутствии … удостоверяю, что … отказывается подписать акт № M"', async () => {
    const { text } = await rendered({ kind: 'form3', content: SAMPLE_FORM3 }, 'ru', 4);
    expect(text).toContain(`АКТ ${numberSign(4)}`);
    expect(text).toContain('Форма 3');
    expect(text).toContain('об отказе от подписи акта о нарушении правил поведения на экзамене');
    expect(text).toContain('Я, Іңкәр Һәдиқызы Үсенова, деканат инспекторы,');
    expect(text).toContain('в присутствии');
    expect(text).toContain('удостоверяю, что обучающийся(аяся)');
    expect(text).toContain(`отказывается подписать акт ${numberSign(7)} от 14.01.2027`);
    expect(text.match(/\(подпись\)/g)).toHaveLength(3);
    expect(text).not.toMatch(/қатысуымен|куәгерлік/);
  });

  it('Impostor act, §5.8 (kk): no form number, the impostor and the student named, both sign, the dean signs', async () => {
    const { text, numpages } = await rendered(
      { kind: 'impostor', content: SAMPLE_IMPOSTOR },
      'kk',
      14,
    );
    expect(numpages).toBe(1);
    expect(text).toContain(`АКТ ${numberSign(14)}`);
    expect(text).not.toMatch(/\d-нысан/);
    expect(text).toContain('емтихан өткізу барысында бөгде адамды анықтау туралы');
    expect(text).toContain('Дәулет Серікұлы Жақсылықов азаматтың білім алушы');
    expect(text).toContain('орнына емтихан тапсыруға әрекет ету фактісі анықталды');
    expect(text).toContain('білім алушының емтихан нәтижелерін жою');
    expect(text).toContain('Білім алушының қолы:');
    expect(text).toContain('Жалған тұлғаның қолы:');
    expect(text).toContain('/ Дәулет Серікұлы Жақсылықов /');
    expect(text).toContain('Факультет деканы:');
    expect(text).toContain('Іңкәр Һәдиқызы Үсенова, деканат инспекторы');
  });

  it('Impostor act, §5.8 (ru): "Выявлен факт попытки … сдать экзамен вместо обучающегося"', async () => {
    const { text } = await rendered({ kind: 'impostor', content: SAMPLE_IMPOSTOR }, 'ru', 5);
    expect(text).toContain(`АКТ ${numberSign(5)}`);
    expect(text).toContain('о выявлении постороннего лица при проведении экзамена');
    expect(text).toContain('Выявлен факт попытки гражданина(ки) Дәулет Серікұлы Жақсылықов');
    expect(text).toContain('вместо обучающегося(йся) Ұлжан Ерболқызы Әбдіхалықова');
    expect(text).toContain('Подпись постороннего лица:');
    expect(text).toContain('Декан факультета:');
  });

  it('Form 4, §5.13–§5.15 (kk): the columns, a row per student with its link and ACT, the counts and the member’s signature', async () => {
    const { text, numpages } = await rendered({ kind: 'form4', content: SAMPLE_FORM4 }, 'kk', 15);
    expect(numpages).toBe(1);
    expect(text).toContain('4-нысан');
    expect(text).toContain(`Проктормен тексеру үшін білім алушылар тізімі ${numberSign(15)}`);
    for (const column of [
      'Аты-жөні',
      'Мамандық',
      'Курс, топ',
      'Пән',
      'Емтихан күні',
      'Сілтеме',
      'АКТ (жасалды / жасалмады)',
      'Проктордың аты-жөні',
    ])
      expect(text).toContain(column);
    for (const row of SAMPLE_FORM4.rows) expect(text).toContain(row.fullName);
    // Each row's recording link, then its ACT cell.
    expect(text).toContain('anatomy-2027-01/1001 жасалды');
    expect(text).toContain('anatomy-2027-01/1002 жасалмады');
    expect(text).toContain('anatomy-2027-01/1003 жасалмады');
    expect(text).toContain('anatomy-2027-01/1004 жасалды');
    expect(text).toContain('Академиялық адалдықты бұзғаны үшін тексерілген емтихан жұмыстары: 4.');
    expect(text).toContain('Оның ішінде акт жасалды: 2.');
    expect(text).toContain('Жұмыс тобы мүшесінің аты-жөні:');
    expect(text).toContain('/ Бақытжан Төлеуғазықызы Шәріпова /');
    expect(text).toContain('17.01.2027');
  });

  it('Form 4, §5.13–§5.15 (ru): Russian columns and footer', async () => {
    const { text } = await rendered({ kind: 'form4', content: SAMPLE_FORM4 }, 'ru', 6);
    expect(text).toContain('Форма 4');
    expect(text).toContain(`Список обучающихся для проверки проктором ${numberSign(6)}`);
    for (const column of [
      'ФИО',
      'Специальность',
      'Курс, группа',
      'Дисциплина',
      'Дата экзамена',
      'Ссылка',
      'АКТ (составлен / не составлен)',
      'ФИО проктора',
    ])
      expect(text).toContain(column);
    expect(text).toContain(
      'Проверено экзаменационных работ на нарушение академической честности: 4.',
    );
    expect(text).toContain('anatomy-2027-01/1001 составлен');
    expect(text).toContain('anatomy-2027-01/1002 не составлен');
    expect(text).toContain('Из них составлено актов: 2.');
    expect(text).toContain('ФИО члена рабочей группы:');
  });

  it('Form 4, §5.13 (kk): a long list runs over pages with the column headers on each and every row once', async () => {
    const rows = Array.from({ length: 45 }, (_, i) => ({
      ...SAMPLE_FORM4.rows[i % 4],
      fullName: `Білім алушы ${i + 1} Қайратұлы`,
      act: i === 44 ? ('drawn' as const) : ('not_drawn' as const),
    }));
    const { text, numpages } = await rendered(
      { kind: 'form4', content: { ...SAMPLE_FORM4, rows } },
      'kk',
      16,
      'form4-kk-long',
    );
    expect(numpages).toBeGreaterThan(1);
    expect(text.match(/Проктордың аты-жөні/g)).toHaveLength(numpages);
    for (let i = 1; i <= 45; i++) expect(text).toContain(`Білім алушы ${i} Қайратұлы`);
    expect(text).toContain('тексерілген емтихан жұмыстары: 45.');
    expect(text).toContain('Оның ішінде акт жасалды: 1.');
    expect(text).toContain(`Бет ${numpages} / ${numpages}`);
  });
});
