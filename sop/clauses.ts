import type {
  Anchor,
  ExamEvent,
  Localized,
  Offset,
  Policy,
  PolicyRules,
  Role,
  RuleOffset,
  StepRule,
} from './policy';
import type * as Rules from './rules';

/**
 * Clause coverage (issue 7): every clause of the SOP (edition 1, SOP.md) once, with what it sets,
 * and — computed from a policy — what in the product enforces it. The catalogue is the canonical
 * list (tests check it against the SOP's numbering: GP 1–4, §5.1–§5.19, rows 1–12, Forms 1–4, and
 * the unnumbered impostor act); the enforcement is read off the policy (steps, counting rules), the
 * rule checks of sop/rules.ts declared below, and the exam events the caller passes in (their
 * clauses are declared in workflows/exam.contract.ts, which sop/ may not import). Pure: no I/O.
 */

/**
 * What a clause sets. `deadline`: a due date or window; `count`: a number or a rule checkable on
 * data (10/40 questions, 10–20 variants, ≥ 3 commission members, 300 works, no repeated ticket,
 * random assignment); `role`: who must act; `document`: a document produced or handed over.
 * A clause that sets none of them is `procedure-only` (scope, or what an outside system does).
 */
export const CLAUSE_SETS = ['deadline', 'count', 'role', 'document'] as const;
export type ClauseSet = (typeof CLAUSE_SETS)[number];
export type ClauseKind = ClauseSet | 'procedure-only';

export const CLAUSE_PARTS = ['general', 'section5', 'table', 'form'] as const;
export type ClausePart = (typeof CLAUSE_PARTS)[number];

export interface SopClause {
  /** As the policy, audit records and rule results name it: "GP 3", "§5.17", "row 7", "Form 4". */
  id: string;
  part: ClausePart;
  title: Localized;
  /** What the clause sets; `['procedure-only']` when nothing. */
  sets: readonly ClauseKind[];
  /**
   * What the product does not enforce yet, and why. Stated here, never faked with an enforcer: the
   * coverage test requires exactly these to be uncovered in the default policy, so a new gap fails
   * it, and so does a gap that a later issue closes without removing it from here.
   */
  pending?: { sets: readonly ClauseSet[]; reason: Localized };
}

const t = (en: string, ru: string, kk: string): Localized => ({ kk, ru, en });

const WORKING_GROUP_ORDER = {
  sets: ['role', 'document'],
  reason: t(
    "The working group's appointment by order is not a step (the policy's workingGroupOrder duty only)",
    'Назначение рабочей группы распоряжением — не шаг (только обязанность workingGroupOrder в политике)',
    'Жұмыс тобын өкіммен бекіту қадам емес (саясатта тек workingGroupOrder міндеті)',
  ),
} as const;

/** SOP edition 1 (Academic Council minutes No. 3, 26 November 2025), in the original's order. */
export const SOP_CLAUSES: readonly SopClause[] = [
  // ── General provisions ───────────────────────────────────────────────────────────────────
  {
    id: 'GP 1',
    part: 'general',
    // Scope: the product runs written exams whose form the department has already chosen.
    sets: ['procedure-only'],
    title: t(
      'The department chooses the exam form (syllabus, working curriculum)',
      'Форму экзамена определяет кафедра (силлабус, рабочий учебный план)',
      'Емтихан нысанын кафедра анықтайды (силлабус, оқу жұмыс жоспары)',
    ),
  },
  {
    id: 'GP 2',
    part: 'general',
    sets: ['procedure-only'],
    title: t(
      'The written exam is the final control, held on Moodle in written-electronic form',
      'Письменный экзамен — итоговый контроль, проводится в Moodle в письменно-электронном формате',
      'Жазбаша емтихан – қорытынды бақылау, Moodle платформасында жазбаша-электрондық форматта өткізіледі',
    ),
  },
  {
    id: 'GP 3',
    part: 'general',
    sets: ['deadline', 'count', 'role', 'document'],
    title: t(
      'Question list (10 or 40), rubric, aids, literature: department 2 months, committee 1 month, Moodle 2 days before',
      'Перечень вопросов (10 или 40), лист оценки, средства, литература: кафедра за 2 месяца, комитет ОП за 1 месяц, Moodle за 2 дня',
      'Сұрақтар тізбесі (10 не 40), бағалау парағы, құралдар, әдебиет: кафедра 2 ай, БББК 1 ай, Moodle 2 күн бұрын',
    ),
  },
  {
    id: 'GP 4',
    part: 'general',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'Checking commissions and the time for the tasks discussed 2 months before the session',
      'Состав комиссий по проверке работ и время на задания обсуждаются за 2 месяца до сессии',
      'Тексеру комиссияларының құрамы мен тапсырма уақыты сессиядан 2 ай бұрын талқыланады',
    ),
  },

  // ── §5 Written exam in electronic form ──────────────────────────────────────────────────
  {
    id: '§5.1',
    part: 'section5',
    sets: ['deadline', 'count', 'role', 'document'],
    title: t(
      'Tickets uploaded 1 day before (Form 1), 10–20 variants per day; the testing centre checks admission',
      'Билеты загружаются за 1 день (форма 1), 10–20 вариантов на день; допуск проверяет тестовый центр',
      'Билеттер 1 күн бұрын жүктеледі (1-нысан), әр күнге 10–20 нұсқа; жіберуді ТО тексереді',
    ),
  },
  {
    id: '§5.2',
    part: 'section5',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'Access to upload tickets, confidentiality, credentials; examiner list to the testing centre 2 days before',
      'Доступ к загрузке билетов, конфиденциальность, логины; список экзаменаторов в ТЦ за 2 дня',
      'Билет жүктеуге рұқсат, құпиялылық, логиндер; емтихан алушылар тізімі ТО-ға 2 күн бұрын',
    ),
  },
  {
    id: '§5.3',
    part: 'section5',
    sets: ['count'],
    title: t(
      'A retaking student gets different tickets every time',
      'При пересдаче каждый раз другие билеты',
      'Қайта тапсырғанда әр жолы басқа билеттер',
    ),
  },
  {
    id: '§5.4',
    part: 'section5',
    sets: ['role'],
    title: t(
      'A remote student registers in the proctoring system and starts only with it running',
      'Дистанционный обучающийся регистрируется в системе прокторинга и начинает экзамен только с ней',
      'Қашықтағы білім алушы прокторинг жүйесіне тіркеледі және емтиханды тек сол арқылы бастайды',
    ),
    pending: {
      sets: ['role'],
      reason: t(
        'Registration in the proctoring system is not recorded: the proctoring integration is a later issue',
        'Регистрация в системе прокторинга не фиксируется: интеграция с прокторингом — в следующих задачах',
        'Прокторинг жүйесіне тіркелу тіркелмейді: прокторингпен интеграция кейінгі міндеттерде',
      ),
    },
  },
  {
    id: '§5.5',
    part: 'section5',
    sets: ['deadline', 'count'],
    title: t(
      "Tickets assigned to each student at random; credentials in the student's AIS account before the session",
      'Билеты назначаются каждому случайно; логины в личном кабинете АИС до сессии',
      'Билеттер әр студентке кездейсоқ беріледі; логин мен пароль АА-ға дейін АЖС жеке кабинетіне',
    ),
    pending: {
      sets: ['deadline'],
      reason: t(
        "No step for credentials reaching the students' AIS accounts before the session (the studentCredentials duty has no due)",
        'Нет шага «логины в АИС до сессии» (у обязанности studentCredentials нет срока)',
        'Логиндердің АА-ға дейін АЖС-ке жетуіне қадам жоқ (studentCredentials міндетінің мерзімі жоқ)',
      ),
    },
  },
  {
    id: '§5.6',
    part: 'section5',
    sets: ['role'],
    title: t(
      "The testing centre issues examiners' credentials and records who grades the encrypted works",
      'Тестовый центр выдаёт логины экзаменаторам и вносит проверяющих зашифрованные работы',
      'ТО ПОҚ логиндерін береді және шифрланған жұмыстарды тексерушілерді енгізеді',
    ),
    pending: {
      sets: ['role'],
      reason: t(
        "Examiners' credentials and the record of graders are not tracked (the examinerCredentials duty only)",
        'Выдача логинов экзаменаторам и учёт проверяющих не отслеживаются (только обязанность examinerCredentials)',
        'ПОҚ логиндері мен тексерушілерді енгізу бақыланбайды (тек examinerCredentials міндеті)',
      ),
    },
  },
  {
    id: '§5.7',
    part: 'section5',
    sets: ['deadline', 'role'],
    title: t(
      'Video kept up to 3 months; answers to the examiner; proctors review the recordings for 72 hours',
      'Видео хранится до 3 месяцев; ответы — экзаменатору; прокторы проверяют записи 72 часа',
      'Бейнежазба 3 айға дейін сақталады; жауаптар тексерушіге; прокторлар жазбаларды 3 тәулік қарайды',
    ),
  },
  {
    id: '§5.8',
    part: 'section5',
    sets: ['count', 'role', 'document'],
    title: t(
      'Proctors supervise; an in-person violation act by a commission of at least 3 may annul the points (Forms 2–3)',
      'Прокторы наблюдают; акт о нарушении на очном экзамене составляет комиссия не менее 3 человек (формы 2–3)',
      'Прокторлар қадағалайды; күндізгі емтиханда бұзушылық актісін кемінде 3 адамдық комиссия жасайды (2–3-нысан)',
    ),
  },
  {
    id: '§5.9',
    part: 'section5',
    // What the proctoring system does by itself.
    sets: ['procedure-only'],
    title: t(
      'The proctoring system records the whole exam online',
      'Система прокторинга записывает весь экзамен онлайн',
      'Прокторинг жүйесі емтиханның толық процесін онлайн жазады',
    ),
  },
  {
    id: '§5.10',
    part: 'section5',
    sets: ['role', 'document'],
    title: t(
      "Remote exams: a working group appointed by the vice-rector's order organises the proctors",
      'Дистанционный экзамен: рабочая группа по распоряжению проректора организует работу прокторов',
      'Қашықтан емтихан: проректордың өкімімен жұмыс тобы прокторлардың жұмысын ұйымдастырады',
    ),
    pending: WORKING_GROUP_ORDER,
  },
  {
    id: '§5.11',
    part: 'section5',
    sets: ['role', 'document'],
    title: t(
      "(Repeats §5.10 in the original) a working group appointed by the vice-rector's order",
      '(Повтор §5.10 в оригинале) рабочая группа по распоряжению проректора',
      '(Түпнұсқада 5.10-ды қайталайды) проректордың өкімімен жұмыс тобы',
    ),
    pending: WORKING_GROUP_ORDER,
  },
  {
    id: '§5.12',
    part: 'section5',
    sets: ['role'],
    title: t(
      'Working-group members assigned to exams by the approved schedule, each answering for their proctors',
      'Члены рабочей группы закрепляются за экзаменами по утверждённому графику и отвечают за своих прокторов',
      'Жұмыс тобының мүшелері бекітілген кесте бойынша бөлінеді және өз прокторлары үшін жауапты',
    ),
  },
  {
    id: '§5.13',
    part: 'section5',
    sets: ['role', 'document'],
    title: t(
      'The working-group member sends the proctor the list of students to review (Form 4, Excel)',
      'Член рабочей группы направляет проктору список обучающихся на проверку (форма 4, Excel)',
      'Жұмыс тобының мүшесі проктордың тексеруіне білім алушылар тізімін жібереді (4-нысан, Excel)',
    ),
  },
  {
    id: '§5.14',
    part: 'section5',
    sets: ['role', 'document'],
    title: t(
      'The proctor fills in Form 4 (act drawn / not drawn) and emails it with the PDF acts',
      'Проктор заполняет форму 4 (акт составлен / не составлен) и направляет её с актами в PDF',
      'Проктор 4-нысанды толтырады (акт жасалды / жасалмады) және PDF актілермен жібереді',
    ),
  },
  {
    id: '§5.15',
    part: 'section5',
    sets: ['role', 'document'],
    title: t(
      "The working-group member signs Form 4 and hands it with the acts to the commission, copies to the dean's office and registrar",
      'Член рабочей группы подписывает форму 4 и передаёт её с актами в комиссию, копии — в деканат и офис регистратора',
      'Жұмыс тобының мүшесі 4-нысанға қол қойып, актілермен комиссияға, көшірмелерін деканат пен ОР-ға тапсырады',
    ),
  },
  {
    id: '§5.16',
    part: 'section5',
    sets: ['deadline', 'role', 'document'],
    title: t(
      "A confirmed violation: the dean's office sends the act; the student states agreement or disagreement",
      'Подтверждённое нарушение: деканат направляет акт, обучающийся выражает согласие или несогласие',
      'Бұзушылық расталса деканат актіні жібереді; білім алушы келісімін не келіспеушілігін білдіреді',
    ),
  },
  {
    id: '§5.17',
    part: 'section5',
    sets: ['deadline', 'count', 'role'],
    title: t(
      'Examiners check the works in 3 days (at most 300 works) or up to 5 days (more than 300)',
      'Экзаменаторы проверяют работы за 3 дня (до 300 работ) или до 5 дней (более 300)',
      'Оқытушылар жұмыстарды 3 күнде (300-ге дейін) не 5 күнге дейін (300-ден көп) тексереді',
    ),
  },
  {
    id: '§5.18',
    part: 'section5',
    sets: ['role'],
    title: t(
      "The testing centre sends the students' encrypted answers to the department",
      'Тестовый центр передаёт зашифрованные ответы обучающихся на кафедру',
      'ТО білім алушылардың шифрланған жауаптарын кафедраға жібереді',
    ),
    pending: {
      sets: ['role'],
      reason: t(
        'Sending the encrypted answers to the department is not tracked (the answersSentToDepartment duty only)',
        'Передача зашифрованных ответов на кафедру не отслеживается (только обязанность answersSentToDepartment)',
        'Шифрланған жауаптарды кафедраға жіберу бақыланбайды (тек answersSentToDepartment міндеті)',
      ),
    },
  },
  {
    id: '§5.19',
    part: 'section5',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The department forms the grade sheet in the AIS; examiners and the head reconcile and print it',
      'Кафедра формирует ведомость в АИС; экзаменаторы и заведующий сверяют и печатают её',
      'Кафедра ААЖ-да ведомость қалыптастырады; ПОҚ пен меңгеруші салыстырып, басып шығарады',
    ),
  },

  // ── Procedure table ──────────────────────────────────────────────────────────────────────
  {
    id: 'row 1',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'Programme committee and dean approve questions, rubric, aids and literature, 2 months before (Form 1)',
      'Комитет ОП и декан утверждают вопросы, лист оценки, средства и литературу за 2 месяца (форма 1)',
      'БББК мен декан сұрақтарды, бағалау парағын, құралдар мен әдебиетті 2 ай бұрын бекітеді (1-үлгі)',
    ),
  },
  {
    id: 'row 2',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The department discusses and approves the exam commission and responsible staff, 2 months before (minutes)',
      'Кафедра обсуждает и утверждает экзаменационную комиссию и ответственного за 2 месяца (протокол)',
      'Кафедра емтихан комиссиясы мен жауапты қызметкерді 2 айдан кешіктірмей бекітеді (хаттама)',
    ),
  },
  {
    id: 'row 3',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The testing centre approves proctors and responsible staff 1 week before the session (order, schedule)',
      'Тестовый центр утверждает прокторов и ответственных за 1 неделю до сессии (приказ, график)',
      'ТО прокторлар мен жауапты қызметкерді сессиядан 1 апта бұрын бекітеді (бұйрық, кесте)',
    ),
  },
  {
    id: 'row 4',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The testing centre approves the written-exam schedule 2 weeks before the session (summer: 1 week)',
      'Тестовый центр утверждает расписание письменных экзаменов за 2 недели до сессии (летом — за 1)',
      'ТО жазбаша емтихан кестесін сессиядан 2 апта бұрын бекітеді (жазғы сессия – 1 апта)',
    ),
  },
  {
    id: 'row 5',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'Registrar, distance learning and testing centre instruct the proctors before the session',
      'Офис регистратора, ДОТ и тестовый центр инструктируют прокторов до сессии',
      'ОР, ДОТ және ТО АА басталғанға дейін прокторларға нұсқаулық береді',
    ),
  },
  {
    id: 'row 6',
    part: 'table',
    sets: ['role'],
    title: t(
      "Students' answers encrypted automatically in the system",
      'Ответы обучающихся шифруются автоматически в системе',
      'Білім алушылардың жауаптары жүйеде автоматты шифрланады',
    ),
    pending: {
      sets: ['role'],
      reason: t(
        'Encryption happens in Moodle; the product records nothing of it (the answersEncrypted duty only)',
        'Шифрование выполняется в Moodle; продукт его не фиксирует (только обязанность answersEncrypted)',
        'Шифрлау Moodle-де жүреді; өнім оны тіркемейді (тек answersEncrypted міндеті)',
      ),
    },
  },
  {
    id: 'row 7',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The exam commission checks and grades the works in Moodle within 3–5 days',
      'Экзаменационная комиссия проверяет и оценивает работы в Moodle за 3–5 дней',
      'Емтихан комиссиясы жұмыстарды Moodle-де 3–5 күнде тексеріп бағалайды',
    ),
  },
  {
    id: 'row 8',
    part: 'table',
    sets: ['role', 'document'],
    title: t(
      'Testing-centre staff decrypt automatically and export the report to the department',
      'Сотрудник тестового центра дешифрует автоматически и выгружает отчёт на кафедру',
      'ТО қызметкері жүйеде автоматты дешифрлейді және есепті кафедраға түсіреді',
    ),
    pending: {
      sets: ['role', 'document'],
      reason: t(
        'Decryption and the report export are not tracked (the answersDecrypted duty only)',
        'Дешифровка и выгрузка отчёта не отслеживаются (только обязанность answersDecrypted)',
        'Дешифрлау мен есепті түсіру бақыланбайды (тек answersDecrypted міндеті)',
      ),
    },
  },
  {
    id: 'row 9',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The department and its head form the grade sheet within 3–5 days after the exam',
      'Кафедра и заведующий формируют ведомость не позднее 3–5 дней после экзамена',
      'Кафедра мен меңгеруші ведомосты емтиханнан кейін 3–5 күннен кешіктірмей қалыптастырады',
    ),
  },
  {
    id: 'row 10',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The registrar prints the grade sheet within 3–5 days and exports it to the transcript',
      'Офис регистратора печатает ведомость не позднее 3–5 дней и выгружает в транскрипт',
      'Тіркеу кеңсесі ведомосты 3–5 күннен кешіктірмей басып, транскриптке экспорттайды',
    ),
  },
  {
    id: 'row 11',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'When violations were found, the exam materials go to the integrity-violations commission after the exam',
      'При выявленных нарушениях материалы экзамена передаются в комиссию по нарушениям после экзамена',
      'Бұзушылық анықталса, емтихан материалдары емтиханнан кейін АА бұзушылықтары жөніндегі комиссияға беріледі',
    ),
  },
  {
    id: 'row 12',
    part: 'table',
    sets: ['deadline', 'role', 'document'],
    title: t(
      'The appeal commission holds the appeal and enters its result in the AIS',
      'Апелляционная комиссия проводит апелляцию и вносит результат в АИС',
      'Апелляциялық комиссия апелляция өткізіп, нәтижесін ААЖ-ға енгізеді',
    ),
  },

  // ── Forms ────────────────────────────────────────────────────────────────────────────────
  {
    id: 'Form 1',
    part: 'form',
    sets: ['count', 'document'],
    title: t(
      'Exam ticket: unnumbered, two items, approved by the head of department',
      'Экзаменационный билет: без номера, два задания, утверждён заведующим кафедрой',
      'Емтихан билеті: нөмірсіз, екі тапсырма, кафедра меңгерушісі бекітеді',
    ),
  },
  {
    id: 'Form 2',
    part: 'form',
    sets: ['role', 'document'],
    title: t(
      'Act on breaking the rules of conduct at the exam',
      'Акт о нарушении правил поведения на экзамене',
      'Емтихандағы тәртіп ережелерін бұзу туралы акт',
    ),
  },
  {
    id: 'Form 3',
    part: 'form',
    sets: ['role', 'document'],
    title: t(
      'Act on refusal to sign the violation act',
      'Акт об отказе от подписи акта о нарушении',
      'Бұзушылық актісіне қол қоюдан бас тарту туралы акт',
    ),
  },
  {
    id: 'Form 4',
    part: 'form',
    sets: ['role', 'document'],
    title: t(
      'Proctor review table (act drawn / not drawn), signed by the working-group member',
      'Таблица проверки проктором (акт составлен / не составлен), подписанная членом рабочей группы',
      'Проктордың тексеру кестесі (акт жасалды / жасалмады), жұмыс тобы мүшесінің қолымен',
    ),
  },
  {
    // The original has this act among the forms, with no number; the policy cites it by name.
    id: 'impostor act',
    part: 'form',
    sets: ['document'],
    title: t(
      'Act on an impostor sitting the exam (no form number)',
      'Акт о выявлении постороннего лица на экзамене (без номера формы)',
      'Емтиханда бөгде адамды анықтау туралы акт (нысан нөмірі жоқ)',
    ),
    pending: {
      sets: ['document'],
      reason: t(
        'No step or event for an impostor act yet (the violation-case issue)',
        'Нет шага или события для акта о постороннем лице (задача о нарушениях)',
        'Бөгде адам туралы акт үшін қадам не оқиға әзірге жоқ (бұзушылық міндеті)',
      ),
    },
  },
];

/** The catalogue's clause ids, in order. */
export const SOP_CLAUSE_IDS: readonly string[] = SOP_CLAUSES.map((c) => c.id);

// ── Enforcement outside the policy's steps ─────────────────────────────────────────────────

/** What each counting rule of the policy enforces by itself (windows act only through a step). */
export const RULE_COVERS: Readonly<Record<keyof PolicyRules, readonly ClauseSet[]>> = {
  questionCount: ['count'],
  tickets: ['count'],
  ticketAssignment: ['count'],
  gradingWindow: ['count'],
  proctorReview: [],
  retention: [],
  violation: ['count'],
  appeal: [],
  gradingScale: [],
};

export interface RuleCheckDeclaration {
  /** The exported function of sop/rules.ts. */
  check: keyof typeof Rules;
  /** The policy rule whose numbers it reads. */
  rule: keyof PolicyRules;
  /** The clauses it checks and what of each. */
  covers: Readonly<Record<string, readonly ClauseSet[]>>;
}

/**
 * The checks of sop/rules.ts and what they enforce. sop/clauses.spec.ts proves each is a function
 * of sop/rules.ts and that every clause its findings name is declared here.
 */
export const RULE_CHECKS: readonly RuleCheckDeclaration[] = [
  { check: 'checkQuestionCount', rule: 'questionCount', covers: { 'GP 3': ['count'] } },
  {
    check: 'checkTicketSets',
    rule: 'tickets',
    // §5.1: 10–20 variants a day, renewed daily; Form 1: two items; GP 3: from the approved list.
    covers: { '§5.1': ['count'], 'Form 1': ['count', 'document'], 'GP 3': ['count'] },
  },
  // §5.5: random per student from a recorded seed; §5.3: never a variant the retaker had.
  {
    check: 'assignTickets',
    rule: 'ticketAssignment',
    covers: { '§5.5': ['count'], '§5.3': ['count'] },
  },
  // §5.8: at least 3 people, among them a proctor, testing-centre and dean's-office staff.
  { check: 'checkCommission', rule: 'violation', covers: { '§5.8': ['count', 'role'] } },
];

/** An exam event as workflows/exam.contract.ts declares it (EXAM_EVENTS): only `roles` record it. */
export interface EventDeclaration {
  clauses: readonly string[];
  roles: readonly Role[];
}

// ── Coverage ───────────────────────────────────────────────────────────────────────────────

/** A condition under which a step's due uses this offset. */
export type DeadlineWhen =
  'always' | 'summerSession' | 'row1SharedDeadline' | 'upToThreshold' | 'aboveThreshold';

export interface StepDeadline {
  anchor: Anchor;
  /** The event an event-anchored step is planned from. */
  event?: ExamEvent;
  /** The counting rule the offset comes from (`gradingWindow` …), if any. */
  rule?: RuleOffset;
  /** Works threshold of the grading window (§5.17: 300). */
  threshold?: number;
  offsets: { when: DeadlineWhen; offset: Offset }[];
  /** The calendar rule: a before-deadline on a non-working day moves to the previous working day. */
  shift: StepRule['shift'];
  perDepartment: boolean;
  condition?: StepRule['condition'];
  automatic: boolean;
  window: boolean;
}

export interface StepEnforcer {
  id: string;
  title: Localized;
  ownerRole: Role;
  escalation: Role[];
  documents: string[];
  deadline: StepDeadline;
  covers: ClauseSet[];
}

export interface RuleEnforcer {
  id: keyof PolicyRules;
  /** The rule's numbers as the policy sets them (without its clauses). */
  value: Record<string, unknown>;
  covers: ClauseSet[];
}

export interface CheckEnforcer {
  check: string;
  rule: keyof PolicyRules;
  covers: ClauseSet[];
}

export interface EventEnforcer {
  event: string;
  roles: Role[];
  covers: ClauseSet[];
}

export interface ClauseCoverage {
  id: string;
  part: ClausePart;
  title: Localized;
  sets: ClauseKind[];
  steps: StepEnforcer[];
  rules: RuleEnforcer[];
  checks: CheckEnforcer[];
  events: EventEnforcer[];
  /** Documents the clause's steps require or produce. */
  documents: string[];
  /** Where the policy names the clause without enforcing it: role duties and duties. */
  declared: { roles: Role[]; duties: { id: string; role: Role; title: Localized }[] };
  /** What the clause sets that nothing enforces in this policy. */
  uncovered: ClauseSet[];
  pending?: SopClause['pending'];
}

function ruleOffsets(
  policy: Policy,
  step: StepRule,
): Pick<StepDeadline, 'rule' | 'threshold' | 'offsets'> {
  const variants = step.variants.map((v) => ({ when: v.when, offset: v.offset }));
  const { offset } = step;
  if (!('rule' in offset)) return { offsets: [{ when: 'always', offset }, ...variants] };
  const { rules } = policy;
  const one = (o: Offset) => ({
    rule: offset.rule,
    offsets: [{ when: 'always' as const, offset: o }, ...variants],
  });
  switch (offset.rule) {
    case 'gradingWindow':
      return {
        rule: offset.rule,
        threshold: rules.gradingWindow.threshold,
        offsets: [
          { when: 'upToThreshold', offset: rules.gradingWindow.upToThreshold },
          { when: 'aboveThreshold', offset: rules.gradingWindow.aboveThreshold },
          ...variants,
        ],
      };
    case 'proctorReview':
      return one(rules.proctorReview.window);
    case 'retention':
      return one(rules.retention.keep);
    case 'caseDecision':
      return one(rules.violation.decision);
    case 'actDelivery':
      return one(rules.violation.delivery);
    case 'violationAcknowledgement':
      return one(rules.violation.acknowledgement);
    case 'refusalAct':
      return one(rules.violation.refusalAct);
    case 'appealFiling':
      return one(rules.appeal.filing);
    case 'appealDecision':
      return one(rules.appeal.decision);
    case 'form4Signature':
      return one(rules.proctorReview.signature);
  }
}

function stepEnforcer(policy: Policy, step: StepRule): StepEnforcer {
  const covers: ClauseSet[] = ['deadline'];
  // The workflow lets only the owner (or a delegate) decide; the system's own steps name no one.
  if (step.ownerRole !== 'system') covers.push('role');
  if (step.documents.length > 0) covers.push('document');
  return {
    id: step.id,
    title: step.title,
    ownerRole: step.ownerRole,
    escalation: step.escalation,
    documents: step.documents,
    deadline: {
      anchor: step.anchor,
      ...(step.event !== undefined ? { event: step.event } : {}),
      ...ruleOffsets(policy, step),
      shift: step.shift,
      perDepartment: step.perDepartment,
      ...(step.condition !== undefined ? { condition: step.condition } : {}),
      automatic: step.automatic,
      window: step.window,
    },
    covers,
  };
}

/**
 * What enforces each clause of the catalogue under `policy`: its steps, counting rules, the rule
 * checks of sop/rules.ts and the exam events (workflows/exam.contract.ts EXAM_EVENTS, passed in),
 * and what the clause sets that nothing enforces. A policy that drops a step shows the gap.
 */
export function clauseCoverage(
  policy: Policy,
  events: Readonly<Record<string, EventDeclaration>>,
): ClauseCoverage[] {
  return SOP_CLAUSES.map((clause) => {
    const steps = policy.steps
      .filter((s) => s.clauses.includes(clause.id))
      .map((s) => stepEnforcer(policy, s));
    const rules = (Object.keys(policy.rules) as (keyof PolicyRules)[])
      .filter((id) => policy.rules[id].clauses.includes(clause.id))
      .map((id): RuleEnforcer => {
        const value: Record<string, unknown> = { ...policy.rules[id] };
        delete value.clauses;
        return { id, value, covers: [...RULE_COVERS[id]] };
      });
    const checks = RULE_CHECKS.filter((c) => c.covers[clause.id] !== undefined).map(
      (c): CheckEnforcer => ({ check: c.check, rule: c.rule, covers: [...c.covers[clause.id]] }),
    );
    const eventEnforcers = Object.entries(events)
      .filter(([, e]) => e.clauses.includes(clause.id))
      .map(([event, e]): EventEnforcer => ({ event, roles: [...e.roles], covers: ['role'] }));
    const covered = new Set<ClauseSet>(
      [...steps, ...rules, ...checks, ...eventEnforcers].flatMap((e) => e.covers),
    );
    const sets = clause.sets.filter((s): s is ClauseSet => s !== 'procedure-only');
    return {
      id: clause.id,
      part: clause.part,
      title: clause.title,
      sets: [...clause.sets],
      steps,
      rules,
      checks,
      events: eventEnforcers,
      documents: [...new Set(steps.flatMap((s) => s.documents))],
      declared: {
        roles: policy.roles.filter((r) => r.clauses.includes(clause.id)).map((r) => r.id),
        duties: policy.duties
          .filter((d) => d.clauses.includes(clause.id))
          .map((d) => ({ id: d.id, role: d.role, title: d.title })),
      },
      uncovered: sets.filter((s) => !covered.has(s)),
      ...(clause.pending !== undefined ? { pending: clause.pending } : {}),
    };
  });
}

/** Clauses the policy, the rule checks or the events name that the catalogue does not have. */
export function unknownClauses(
  policy: Policy,
  events: Readonly<Record<string, EventDeclaration>>,
): string[] {
  const known = new Set(SOP_CLAUSE_IDS);
  const named = [
    ...policy.steps.flatMap((s) => s.clauses),
    ...Object.values(policy.rules).flatMap((r) => r.clauses),
    ...policy.roles.flatMap((r) => r.clauses),
    ...policy.duties.flatMap((d) => d.clauses),
    ...RULE_CHECKS.flatMap((c) => Object.keys(c.covers)),
    ...Object.values(events).flatMap((e) => e.clauses),
  ];
  return [...new Set(named.filter((c) => !known.has(c)))];
}
