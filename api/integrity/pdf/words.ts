import type { DocumentLanguage, Violation } from '../documents';

/**
 * Every label of the integrity documents in Kazakh and Russian. The Kazakh wording is the SOP's
 * own (seed-sop-kk.txt, "Үлгі 2–4"), with three corrections where the original's words are a
 * machine translation: "өздігінен трансплантациялау" (literally an organ transplant) is written
 * "орнын өз бетінше ауыстыру" (changing one's seat), "№ топтар" is "Топ" and the Form 3
 * sentence's scrambled end "ережелерді бұзу туралы емтихандағы мінез-құлық" is put in order.
 */
export const WORDS = {
  // Form 2 and the impostor act share their upper half.
  act: { kk: 'АКТ', ru: 'АКТ' },
  form2: { kk: '2-нысан', ru: 'Форма 2' },
  form2Title: {
    kk: 'емтихандағы тәртіп ережелерін бұзу туралы',
    ru: 'о нарушении правил поведения на экзамене',
  },
  discipline: { kk: 'Пән', ru: 'Дисциплина' },
  drawnUpBy: {
    kk: 'Осы актіні жасаған тұлғалардың аты-жөні',
    ru: 'ФИО лиц, составивших акт',
  },
  // §5.8, §5.15: the integrity commission that confirmed an act drawn up on the spot.
  commission: { kk: 'Бұзушылықты растаған комиссия', ru: 'Комиссия, подтвердившая нарушение' },
  studentName: { kk: 'Білім алушының аты-жөні', ru: 'ФИО обучающегося' },
  faculty: { kk: 'Факультет', ru: 'Факультет' },
  year: { kk: 'Курс', ru: 'Курс' },
  group: { kk: 'Топ', ru: 'Группа' },
  date: { kk: 'Күні', ru: 'Дата' },
  time: { kk: 'Уақыты', ru: 'Время' },
  recording: {
    kk: 'Прокторинг жүйесіндегі бейнежазба (сілтеме / идентификатор)',
    ru: 'Запись в системе прокторинга (ссылка / идентификатор)',
  },
  violations: {
    kk: 'Бұзушылықтың сипаттамасы (керегін белгілеу)',
    ru: 'Характер нарушения (нужное отметить)',
  },
  other: { kk: 'басқа', ru: 'другое' },
  considering: { kk: 'Осы фактіні ескере отырып:', ru: 'С учётом данного факта:' },
  annul: {
    kk: 'білім алушының емтихан нәтижелерін жою',
    ru: 'аннулировать результаты экзамена обучающегося',
  },
  haveRead: { kk: 'Актімен таныстым:', ru: 'С актом ознакомлен(а):' },
  studentSignature: { kk: 'Білім алушының қолы', ru: 'Подпись обучающегося' },
  dean: { kk: 'Факультет деканы', ru: 'Декан факультета' },
  signature: { kk: 'қолы', ru: 'подпись' },
  nameAndPosition: { kk: 'аты-жөні, лауазымы', ru: 'ФИО, должность' },
  name: { kk: 'аты-жөні', ru: 'ФИО' },
  dateBlank: { kk: '«____» ______________ 20___ ж.', ru: '«____» ______________ 20___ г.' },
  page: { kk: 'Бет', ru: 'Страница' },
  // Form 3.
  form3: { kk: '3-нысан', ru: 'Форма 3' },
  form3Title: {
    kk: 'емтихандағы тәртіп ережелерін бұзу туралы актіге қол қоюдан бас тарту туралы',
    ru: 'об отказе от подписи акта о нарушении правил поведения на экзамене',
  },
  form3I: { kk: 'Мен,', ru: 'Я,' },
  form3Presence: { kk: 'қатысуымен', ru: 'в присутствии' },
  form3Certify: {
    kk: 'куәгерлік етемін: білім алушы',
    ru: 'удостоверяю, что обучающийся(аяся)',
  },
  // "… refuses to sign act No. M of (date) on breaking the rules of conduct at the exam."
  form3Refuses: {
    kk: (act: string, date: string) =>
      `${date} жасалған емтихандағы тәртіп ережелерін бұзу туралы ${act} актіге қол қоюдан бас тартады.`,
    ru: (act: string, date: string) =>
      `отказывается подписать акт ${act} от ${date} о нарушении правил поведения на экзамене.`,
  },
  // The impostor act.
  impostorTitle: {
    kk: 'емтихан өткізу барысында бөгде адамды анықтау туралы',
    ru: 'о выявлении постороннего лица при проведении экзамена',
  },
  impostorFound: {
    kk: (impostor: string, student: string) =>
      `${impostor} азаматтың білім алушы ${student} орнына емтихан тапсыруға әрекет ету фактісі анықталды.`,
    ru: (impostor: string, student: string) =>
      `Выявлен факт попытки гражданина(ки) ${impostor} сдать экзамен вместо обучающегося(йся) ${student}.`,
  },
  impostorSignature: { kk: 'Жалған тұлғаның қолы', ru: 'Подпись постороннего лица' },
  // Form 4.
  form4: { kk: '4-нысан', ru: 'Форма 4' },
  form4Title: {
    kk: 'Проктормен тексеру үшін білім алушылар тізімі',
    ru: 'Список обучающихся для проверки проктором',
  },
  exam: { kk: 'Емтихан', ru: 'Экзамен' },
  examDate: { kk: 'Емтихан күні', ru: 'Дата экзамена' },
  proctor: { kk: 'Проктор', ru: 'Проктор' },
  colNo: { kk: '№', ru: '№' },
  colName: { kk: 'Аты-жөні', ru: 'ФИО' },
  colSpeciality: { kk: 'Мамандық', ru: 'Специальность' },
  colYearGroup: { kk: 'Курс, топ', ru: 'Курс, группа' },
  colDiscipline: { kk: 'Пән', ru: 'Дисциплина' },
  colExamDate: { kk: 'Емтихан күні', ru: 'Дата экзамена' },
  colLink: { kk: 'Сілтеме', ru: 'Ссылка' },
  colAct: { kk: 'АКТ (жасалды / жасалмады)', ru: 'АКТ (составлен / не составлен)' },
  colProctor: { kk: 'Проктордың аты-жөні', ru: 'ФИО проктора' },
  drawn: { kk: 'жасалды', ru: 'составлен' },
  notDrawn: { kk: 'жасалмады', ru: 'не составлен' },
  checked: {
    kk: (n: number) => `Академиялық адалдықты бұзғаны үшін тексерілген емтихан жұмыстары: ${n}.`,
    ru: (n: number) =>
      `Проверено экзаменационных работ на нарушение академической честности: ${n}.`,
  },
  actsDrawn: {
    kk: (n: number) => `Оның ішінде акт жасалды: ${n}.`,
    ru: (n: number) => `Из них составлено актов: ${n}.`,
  },
  member: { kk: 'Жұмыс тобы мүшесінің аты-жөні', ru: 'ФИО члена рабочей группы' },
} satisfies Record<string, Record<DocumentLanguage, string | ((...args: never[]) => string)>>;

/** Form 2's violations, in the form's order and words. */
export const VIOLATION_WORDS: Record<Violation, Record<DocumentLanguage, string>> = {
  mobile_phone: { kk: 'ұялы телефонды пайдалану', ru: 'использование мобильного телефона' },
  cheat_sheets: { kk: 'шпаргалкаларды пайдалану', ru: 'использование шпаргалок' },
  electronic_devices: {
    kk: 'электрондық коммуникация құралдарын пайдалану (құлаққаптар және т. б.)',
    ru: 'использование электронных средств связи (наушники и т. п.)',
  },
  other_screen: {
    kk: 'басқа компьютер экранынан ақпаратты оқу',
    ru: 'считывание информации с экрана другого компьютера',
  },
  seat_change_or_leaving: {
    kk: 'орнын өз бетінше ауыстыру, аудиториядан шығу',
    ru: 'самовольная пересадка, выход из аудитории',
  },
  talking: { kk: 'білім алушылар арасындағы әңгіме', ru: 'разговоры между обучающимися' },
};
