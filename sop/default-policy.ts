import { DEPARTMENT_DISCUSSION, parsePolicy, type Policy, type PolicyInput } from './policy';

/**
 * The SOP as written ("Organisation and conduct of written exams, including in the distance
 * learning system", edition 1, Academic Council minutes No. 3 of 26 November 2025), with the
 * meanings DEADLINES.md fixes. Every number here is data an institution may override in its policy
 * file; the clause of each rule is named where it is defined.
 */

export const DEFAULT_POLICY_VERSION = 'sop-2025-11-26-ed1/v1';

export { DEPARTMENT_DISCUSSION };

const QUESTION_DOCUMENTS = ['questionList', 'rubric', 'technicalAids', 'referenceLiterature'];

const DEFAULT_POLICY_INPUT: PolicyInput = {
  version: DEFAULT_POLICY_VERSION,
  // DEADLINES.md "Time": the institution's zone, IANA database (UTC+05:00 since 1 March 2024).
  timeZone: 'Asia/Almaty',
  // DEADLINES.md "Working days": Monday–Friday, Kazakhstan's public holidays, decree transfers.
  workingWeek: [1, 2, 3, 4, 5],
  country: 'KZ',
  closures: [],
  transfers: [],
  options: { row1Reading: 'gp3' },
  // DEADLINES.md "Reminders and escalation" (product defaults, not in the SOP).
  reminders: {
    before: [
      { value: 7, unit: 'days' },
      { value: 2, unit: 'days' },
      { value: 1, unit: 'days' },
    ],
    localTime: '09:00',
  },
  escalation: { repeat: 'everyWorkingDay', localTime: '09:00' },
  // Product default: a late decision can still be made from the email for 3 days after the due.
  emailLinks: { grace: { value: 3, unit: 'days' } },
  // Product default: a step returned for changes has at least 3 working days for the rework.
  rework: { value: 3, unit: 'days', counting: 'workingDays' },

  roles: [
    {
      id: 'department_head',
      clauses: ['GP 3', 'GP 4', '§5.2', '§5.19', 'row 2', 'row 9', 'Form 1'],
      supervisor: 'dean',
      title: { kk: 'Кафедра меңгерушісі', ru: 'Заведующий кафедрой', en: 'Head of department' },
    },
    {
      id: 'department_responsible',
      clauses: ['§5.1', '§5.2'],
      supervisor: 'department_head',
      title: {
        kk: 'Кафедраның жауапты адамы',
        ru: 'Ответственное лицо кафедры',
        en: "Department's responsible person",
      },
    },
    {
      id: 'examiner',
      clauses: ['§5.6', '§5.17', '§5.19', 'row 7'],
      supervisor: 'department_head',
      title: { kk: 'Емтихан алушы (ПОҚ)', ru: 'Экзаменатор (ППС)', en: 'Examiner' },
    },
    {
      id: 'programme_committee',
      clauses: ['GP 3', 'row 1'],
      supervisor: 'dean',
      title: {
        kk: 'Білім беру бағдарламасы комитеті (БББК)',
        ru: 'Комитет образовательной программы',
        en: 'Programme committee',
      },
    },
    {
      id: 'dean',
      clauses: ['row 1', 'row 12', 'Form 2'],
      supervisor: 'vice_rector',
      title: { kk: 'Декан', ru: 'Декан', en: 'Dean' },
    },
    {
      id: 'deans_office',
      clauses: ['§5.2', '§5.8', '§5.15', '§5.16'],
      supervisor: 'dean',
      title: { kk: 'Деканат', ru: 'Деканат', en: "Dean's office" },
    },
    {
      id: 'testing_centre',
      clauses: ['§5.1', '§5.2', '§5.6', '§5.8', '§5.18', 'row 3', 'row 4', 'row 5', 'row 8'],
      supervisor: 'vice_rector',
      title: { kk: 'Тест орталығы', ru: 'Тестовый центр', en: 'Testing centre' },
    },
    {
      id: 'registrar',
      clauses: ['§5.15', 'row 5', 'row 10'],
      supervisor: 'vice_rector',
      title: { kk: 'Тіркеу кеңсесі', ru: 'Офис регистратора', en: 'Office of the registrar' },
    },
    {
      id: 'distance_learning',
      clauses: ['row 5'],
      supervisor: 'vice_rector',
      title: {
        kk: 'Қашықтықтан оқыту бөлімі (ДОТ)',
        ru: 'Отдел дистанционного обучения',
        en: 'Distance-learning department',
      },
    },
    {
      id: 'vice_rector',
      clauses: ['§5.10', '§5.11', 'row 4'],
      title: {
        kk: 'Академиялық жұмыс жөніндегі проректор',
        ru: 'Проректор по академической работе',
        en: 'Vice-rector for academic affairs',
      },
    },
    {
      id: 'working_group_member',
      clauses: ['§5.10', '§5.11', '§5.12', '§5.13', '§5.15', 'row 11', 'Form 4'],
      supervisor: 'vice_rector',
      title: { kk: 'Жұмыс тобының мүшесі', ru: 'Член рабочей группы', en: 'Working-group member' },
    },
    {
      id: 'proctor',
      clauses: ['§5.7', '§5.8', '§5.14', 'row 11', 'Form 4'],
      supervisor: 'working_group_member',
      title: { kk: 'Проктор', ru: 'Проктор', en: 'Proctor' },
    },
    {
      id: 'exam_commission',
      clauses: ['GP 4', 'row 6', 'row 7'],
      supervisor: 'department_head',
      title: { kk: 'Емтихан комиссиясы', ru: 'Экзаменационная комиссия', en: 'Exam commission' },
    },
    {
      id: 'violation_commission',
      clauses: ['§5.8', '§5.15', 'row 11', 'Form 2', 'Form 3', 'impostor act'],
      supervisor: 'dean',
      title: {
        kk: 'Академиялық адалдықты бұзу жөніндегі комиссия',
        ru: 'Комиссия по нарушениям академической честности',
        en: 'Academic-integrity violations commission',
      },
    },
    {
      id: 'appeal_commission',
      clauses: ['row 12'],
      supervisor: 'dean',
      title: { kk: 'Апелляциялық комиссия', ru: 'Апелляционная комиссия', en: 'Appeal commission' },
    },
    {
      id: 'student',
      clauses: ['§5.3', '§5.4', '§5.16'],
      supervisor: 'deans_office',
      title: { kk: 'Білім алушы', ru: 'Обучающийся', en: 'Student' },
    },
  ],

  duties: [
    {
      id: 'studentCredentials',
      clauses: ['§5.2', '§5.5'],
      role: 'testing_centre',
      title: {
        kk: 'Білім алушыларға логин мен құпиясөзді сессия алдында АЖС-ке беру',
        ru: 'Выдача логинов и паролей обучающимся в АИС до сессии',
        en: "Students' logins and passwords reach their AIS accounts before the session",
      },
    },
    {
      id: 'proctoringRegistration',
      clauses: ['§5.4', '§5.9'],
      role: 'student',
      title: {
        kk: 'Қашықтағы білім алушы прокторинг жүйесінде тіркеледі',
        ru: 'Дистанционный обучающийся регистрируется в системе прокторинга',
        en: 'A remote student registers in the proctoring system',
      },
    },
    {
      id: 'examinerCredentials',
      clauses: ['§5.6'],
      role: 'testing_centre',
      title: {
        kk: 'Емтихан алушыларға логин беру және тексерушілерді тіркеу',
        ru: 'Выдача доступа экзаменаторам и учёт проверяющих',
        en: "Examiners' credentials issued and graders recorded",
      },
    },
    {
      id: 'answersEncrypted',
      clauses: ['row 6'],
      role: 'system',
      title: {
        kk: 'Жауаптарды жүйеде автоматты шифрлау',
        ru: 'Автоматическое шифрование ответов в системе',
        en: "Students' answers encrypted automatically",
      },
    },
    {
      id: 'answersSentToDepartment',
      clauses: ['§5.18'],
      role: 'testing_centre',
      title: {
        kk: 'Шифрланған жауаптарды кафедраға жіберу',
        ru: 'Передача зашифрованных ответов на кафедру',
        en: 'Encrypted answers sent to the department',
      },
    },
    {
      id: 'answersDecrypted',
      clauses: ['row 8'],
      role: 'testing_centre',
      title: {
        kk: 'Жауаптарды дешифрлау және есепті экспорттау',
        ru: 'Дешифровка и выгрузка отчёта',
        en: 'Answers decrypted and the report exported',
      },
    },
    {
      id: 'workingGroupOrder',
      clauses: ['§5.10', '§5.11'],
      role: 'vice_rector',
      title: {
        kk: 'Жұмыс тобын проректордың бұйрығымен тағайындау',
        ru: 'Назначение рабочей группы приказом проректора',
        en: "Working group appointed by the vice-rector's order",
      },
    },
  ],

  rules: {
    // GP 3: 1 credit → 10 questions, 3 or more → 40; 2 credits: the SOP is silent, default 20.
    questionCount: {
      clauses: ['GP 3'],
      byCredits: [
        { credits: 1, questions: 10 },
        { credits: 2, questions: 20, bySopSilence: true },
        { credits: 3, questions: 40, andMore: true },
      ],
    },
    // §5.1: 10–20 variants per exam day, renewed every day; §5.3: a retaker gets different tickets;
    // Form 1: "1. Question 2. Question" or "1. Question 2. Situational task".
    tickets: {
      clauses: ['§5.1', '§5.3', 'Form 1'],
      minPerDay: 10,
      maxPerDay: 20,
      questionsPerVariant: 2,
    },
    // §5.5: tickets assigned to each student automatically, by random selection.
    ticketAssignment: { clauses: ['§5.5', '§5.3'], method: 'seeded-uniform' },
    // §5.17, row 7: 3 days for at most 300 works, 5 days for more; calendar days after date(E).
    gradingWindow: {
      clauses: ['§5.17', 'row 7'],
      threshold: 300,
      upToThreshold: { value: 3, unit: 'days' },
      aboveThreshold: { value: 5, unit: 'days' },
    },
    // §5.7: proctors have 3 days (72 hours) from the end of the exam: an exact instant.
    proctorReview: { clauses: ['§5.7'], window: { value: 72, unit: 'hours' } },
    // §5.7: video kept up to 3 months; DEADLINES.md: held while a violation case or appeal is open.
    retention: {
      clauses: ['§5.7'],
      keep: { value: 3, unit: 'months' },
      holdWhileOpen: ['violationCase', 'appeal'],
    },
    // §5.8: a commission of at least 3 (proctor, testing centre, dean's office); §5.16: the student
    // answers the act (DEADLINES.md: 3 days), else a Form 3 refusal act (product default: 1 working day).
    violation: {
      clauses: ['§5.8', '§5.16', 'Form 2', 'Form 3'],
      commission: { minMembers: 3, requiredRoles: ['proctor', 'testing_centre', 'deans_office'] },
      acknowledgement: { value: 3, unit: 'days' },
      refusalAct: { value: 1, unit: 'days', counting: 'workingDays' },
      // Not in the SOP (product defaults): the commission decides a case within 3 working days of
      // its opening; the dean's office sends a confirmed act within 1 working day.
      decision: { value: 3, unit: 'days', counting: 'workingDays' },
      delivery: { value: 1, unit: 'days', counting: 'workingDays' },
    },
    // Row 12: by the appeal regulation (outside this SOP); DEADLINES.md defaults.
    appeal: {
      clauses: ['row 12'],
      filing: { value: 1, unit: 'days', counting: 'workingDays' },
      decision: { value: 3, unit: 'days', counting: 'workingDays' },
      commission: { minMembers: 3 },
    },
    // §5.17, row 7: the Kazakh credit system's letter grades (product default; the SOP grades on
    // the 100-point scale and names no letters).
    gradingScale: {
      clauses: ['§5.17', 'row 7'],
      bands: [
        { letter: 'A', min: 95, max: 100, gpa: 4.0 },
        { letter: 'A-', min: 90, max: 94, gpa: 3.67 },
        { letter: 'B+', min: 85, max: 89, gpa: 3.33 },
        { letter: 'B', min: 80, max: 84, gpa: 3.0 },
        { letter: 'B-', min: 75, max: 79, gpa: 2.67 },
        { letter: 'C+', min: 70, max: 74, gpa: 2.33 },
        { letter: 'C', min: 65, max: 69, gpa: 2.0 },
        { letter: 'C-', min: 60, max: 64, gpa: 1.67 },
        { letter: 'D+', min: 55, max: 59, gpa: 1.33 },
        { letter: 'D', min: 50, max: 54, gpa: 1.0 },
        { letter: 'FX', min: 25, max: 49, gpa: 0 },
        { letter: 'F', min: 0, max: 24, gpa: 0 },
      ],
    },
  },

  steps: [
    // ── Session steps (S = the first day of the session) ────────────────────────────────────
    {
      id: 'commissionComposition',
      clauses: ['GP 4', 'row 2'],
      title: {
        kk: 'Тексеру комиссиясының құрамы мен тапсырма уақытын кафедра отырысында талқылау',
        ru: 'Обсуждение состава проверяющей комиссии и времени на задания на заседании кафедры',
        en: 'Department discusses the checking commission and the time for the tasks',
      },
      ownerRole: 'department_head',
      escalation: ['dean', 'vice_rector'],
      documents: ['departmentMeetingMinutes'],
      anchor: 'S',
      perDepartment: true,
      offset: { value: -2, unit: 'months' },
      shift: 'previousWorkingDay',
    },
    {
      id: 'scheduleApproval',
      clauses: ['row 4'],
      title: {
        kk: 'Тест орталығының жазбаша емтихандар кестесін бекітуі',
        ru: 'Утверждение расписания письменных экзаменов тестовым центром',
        en: 'Testing centre approves the written-exam schedule',
      },
      ownerRole: 'testing_centre',
      escalation: ['vice_rector'],
      documents: ['approvedSchedule'],
      anchor: 'S',
      offset: { value: -2, unit: 'weeks' },
      // Row 4: 1 week before a summer session.
      variants: [{ when: 'summerSession', offset: { value: -1, unit: 'weeks' } }],
      shift: 'previousWorkingDay',
    },
    {
      id: 'proctorsApproval',
      clauses: ['row 3', '§5.12'],
      title: {
        kk: 'Прокторлар мен жауапты қызметкерлерді бекіту',
        ru: 'Утверждение прокторов и ответственных сотрудников',
        en: 'Proctors and responsible staff approved',
      },
      ownerRole: 'testing_centre',
      escalation: ['vice_rector'],
      documents: ['order', 'workSchedule'],
      anchor: 'S',
      offset: { value: -1, unit: 'weeks' },
      shift: 'previousWorkingDay',
    },
    {
      id: 'proctorInstructions',
      clauses: ['row 5'],
      title: {
        kk: 'Прокторларға нұсқаулық беру',
        ru: 'Инструктаж прокторов',
        en: 'Instructions issued to proctors',
      },
      ownerRole: 'testing_centre',
      escalation: ['vice_rector'],
      documents: ['proctorInstructions'],
      anchor: 'S',
      offset: { value: -1, unit: 'days' },
      shift: 'previousWorkingDay',
      after: ['proctorsApproval'],
    },

    // ── Exam steps before the exam (D = its first day, Dk = each day) ──────────────────────────
    {
      id: DEPARTMENT_DISCUSSION,
      clauses: ['GP 3', 'row 1'],
      title: {
        kk: 'Емтихан сұрақтарын, бағалау парағын, құралдар мен әдебиеттерді кафедра отырысында талқылау',
        ru: 'Обсуждение экзаменационных вопросов, листа оценки, средств и литературы на заседании кафедры',
        en: 'Department discusses the exam questions, rubric, aids and literature',
      },
      ownerRole: 'department_head',
      escalation: ['dean', 'vice_rector'],
      documents: [...QUESTION_DOCUMENTS, 'departmentMeetingMinutes'],
      anchor: 'D',
      offset: { value: -2, unit: 'months' },
      shift: 'previousWorkingDay',
    },
    {
      id: 'programmeCommitteeApproval',
      clauses: ['GP 3', 'row 1'],
      title: {
        kk: 'Сұрақтарды, бағалау парағын, құралдар мен әдебиеттерді БББК отырысында бекіту',
        ru: 'Утверждение вопросов, листа оценки, средств и литературы на заседании комитета ОП',
        en: 'Programme committee approves the questions, rubric, aids and literature',
      },
      ownerRole: 'programme_committee',
      escalation: ['dean', 'vice_rector'],
      documents: [...QUESTION_DOCUMENTS, 'committeeMeetingMinutes'],
      anchor: 'D',
      // GP 3: at least 1 month before; row 1's reading (same 2 months as the department) on request.
      offset: { value: -1, unit: 'months' },
      variants: [{ when: 'row1SharedDeadline', offset: { value: -2, unit: 'months' } }],
      shift: 'previousWorkingDay',
      after: [DEPARTMENT_DISCUSSION],
    },
    {
      id: 'moodleUpload',
      clauses: ['GP 3'],
      title: {
        kk: 'Сұрақтар тізімін, бағалау парағын, құралдар мен әдебиеттерді Moodle-ге жүктеу',
        ru: 'Загрузка списка вопросов, листа оценки, средств и литературы в Moodle',
        en: 'Question list, rubric, aids and literature uploaded to Moodle',
      },
      ownerRole: 'department_responsible',
      escalation: ['department_head', 'dean'],
      documents: QUESTION_DOCUMENTS,
      anchor: 'D',
      offset: { value: -2, unit: 'days' },
      shift: 'previousWorkingDay',
      after: ['programmeCommitteeApproval'],
    },
    {
      id: 'examinerList',
      clauses: ['§5.2'],
      title: {
        kk: 'Емтихан алушылар тізімін тест орталығына беру',
        ru: 'Передача списка экзаменаторов в тестовый центр',
        en: 'Examiner list given to the testing centre',
      },
      ownerRole: 'department_head',
      escalation: ['dean', 'vice_rector'],
      documents: ['examinerList'],
      anchor: 'D',
      offset: { value: -2, unit: 'days' },
      shift: 'previousWorkingDay',
    },
    {
      // §5.1: the testing centre checks admission against the admission-rating statement; only
      // admitted students get a ticket. The SOP gives no date: by the day before the exam, with
      // the tickets (a product default).
      id: 'admissionCheck',
      clauses: ['§5.1'],
      title: {
        kk: 'ЖРБ ведомосы бойынша емтиханға жіберілуін тексеру',
        ru: 'Проверка допуска по ведомости рейтинга допуска',
        en: 'Admission checked against the admission-rating statement',
      },
      ownerRole: 'testing_centre',
      escalation: ['vice_rector'],
      documents: ['admissionRatingStatement'],
      anchor: 'D',
      offset: { value: -1, unit: 'days' },
      shift: 'previousWorkingDay',
    },
    {
      id: 'ticketUpload',
      clauses: ['§5.1', '§5.2', '§5.3', 'Form 1'],
      title: {
        kk: 'Емтихан күнінің билеттерін жүктеу (1-нысан, 10–20 нұсқа)',
        ru: 'Загрузка билетов на день экзамена (форма 1, 10–20 вариантов)',
        en: 'Tickets for the exam day uploaded (Form 1, 10–20 variants)',
      },
      ownerRole: 'department_responsible',
      escalation: ['department_head', 'dean'],
      documents: ['ticketSet'],
      anchor: 'Dk',
      offset: { value: -1, unit: 'days' },
      shift: 'previousWorkingDay',
    },

    // ── After the exam (E = the end of its last sitting) ─────────────────────────────────────
    {
      id: 'proctorReview',
      clauses: ['§5.7', '§5.13', '§5.14', 'Form 4'],
      title: {
        kk: 'Прокторлардың бейнежазбаларды тексеруі (4-нысан)',
        ru: 'Проверка видеозаписей прокторами (форма 4)',
        en: 'Proctors review the recordings (Form 4)',
      },
      ownerRole: 'proctor',
      escalation: ['working_group_member', 'vice_rector'],
      documents: ['form4', 'violationActs'],
      anchor: 'E',
      offset: { rule: 'proctorReview' },
      shift: 'none',
    },
    {
      id: 'form4Signature',
      clauses: ['§5.15', 'Form 4'],
      title: {
        kk: 'Жұмыс тобының мүшесі 4-нысанды тексеріп, қол қояды',
        ru: 'Член рабочей группы проверяет и подписывает форму 4',
        en: 'The working-group member checks and signs the Form 4',
      },
      ownerRole: 'working_group_member',
      escalation: ['vice_rector'],
      documents: ['form4Signed'],
      anchor: 'event',
      // Each proctor's return opens its own step (`form4Signature@<proctor>`), given to the member
      // answering for that proctor.
      event: 'form4Returned',
      offset: { rule: 'form4Signature' },
      shift: 'none',
    },
    {
      id: 'violationHandover',
      clauses: ['row 11', '§5.15'],
      title: {
        kk: 'Бұзушылық материалдарын академиялық адалдық комиссиясына беру',
        ru: 'Передача материалов о нарушениях в комиссию по академической честности',
        en: 'Violation materials handed to the integrity commission',
      },
      ownerRole: 'working_group_member',
      escalation: ['vice_rector'],
      documents: ['form4Signed', 'violationActs'],
      anchor: 'E',
      // DEADLINES.md row 11: the end of the proctor-review window.
      offset: { rule: 'proctorReview' },
      shift: 'none',
      condition: 'violationFound',
    },
    {
      id: 'grading',
      clauses: ['§5.17', 'row 7'],
      title: {
        kk: 'Жазбаша жұмыстарды тексеру және бағалау',
        ru: 'Проверка и оценивание письменных работ',
        en: 'Examiners grade the written works',
      },
      ownerRole: 'examiner',
      escalation: ['department_head', 'dean'],
      documents: ['gradedAnswers'],
      anchor: 'E',
      offset: { rule: 'gradingWindow' },
      shift: 'none',
    },
    {
      id: 'gradeSheet',
      clauses: ['§5.19', 'row 9'],
      title: {
        kk: 'Ведомосты АЖС-те қалыптастыру және салыстыру',
        ru: 'Формирование и сверка ведомости в АИС',
        en: 'Grade sheet formed and reconciled in the AIS',
      },
      ownerRole: 'department_head',
      escalation: ['dean', 'vice_rector'],
      documents: ['gradeSheet'],
      anchor: 'E',
      offset: { rule: 'gradingWindow' },
      shift: 'none',
      after: ['grading'],
    },
    {
      id: 'gradeSheetExport',
      clauses: ['row 10'],
      title: {
        kk: 'Ведомосты басып шығару және транскриптке экспорттау',
        ru: 'Печать ведомости и выгрузка в транскрипт',
        en: 'Grade sheet printed and exported to the transcript',
      },
      ownerRole: 'registrar',
      escalation: ['vice_rector'],
      documents: ['transcriptExport'],
      anchor: 'E',
      offset: { rule: 'gradingWindow' },
      shift: 'none',
      after: ['gradeSheet'],
    },
    {
      id: 'videoPurge',
      clauses: ['§5.7'],
      title: {
        kk: 'Бейнежазбаларды серверден жою (3 ай өткен соң)',
        ru: 'Удаление видеозаписей с сервера (через 3 месяца)',
        en: 'Video recordings deleted from the server (after 3 months)',
      },
      ownerRole: 'system',
      escalation: ['distance_learning', 'vice_rector'],
      documents: [],
      anchor: 'E',
      offset: { rule: 'retention' },
      shift: 'none',
      automatic: true,
    },

    // ── Steps planned when their event happens ───────────────────────────────────────────────
    {
      id: 'caseDecision',
      clauses: ['§5.8', '§5.15', 'row 11'],
      title: {
        kk: 'Комиссияның бұзушылық туралы шешімі',
        ru: 'Решение комиссии по нарушению',
        en: 'The integrity commission confirms or dismisses the violation',
      },
      ownerRole: 'violation_commission',
      escalation: ['dean', 'vice_rector'],
      documents: ['form2', 'impostorAct'],
      anchor: 'event',
      event: 'caseOpened',
      offset: { rule: 'caseDecision' },
      shift: 'none',
    },
    {
      id: 'actDelivery',
      clauses: ['§5.16'],
      title: {
        kk: 'Актіні білім алушыға жіберу (АЖС және электрондық пошта)',
        ru: 'Направление акта обучающемуся (АИС и электронная почта)',
        en: "The dean's office sends the act to the student (AIS and email)",
      },
      ownerRole: 'deans_office',
      escalation: ['dean'],
      documents: ['form2'],
      anchor: 'event',
      event: 'caseConfirmed',
      offset: { rule: 'actDelivery' },
      shift: 'none',
    },
    {
      id: 'violationAcknowledgement',
      clauses: ['§5.16', 'Form 2'],
      title: {
        kk: 'Білім алушының бұзушылық актісімен танысуы',
        ru: 'Ознакомление обучающегося с актом о нарушении',
        en: 'Student acknowledges or disputes the violation act',
      },
      ownerRole: 'student',
      escalation: ['deans_office'],
      documents: ['violationAct'],
      anchor: 'event',
      event: 'violationActSent',
      offset: { rule: 'violationAcknowledgement' },
      shift: 'none',
    },
    {
      id: 'refusalAct',
      clauses: ['§5.16', 'Form 3'],
      title: {
        kk: 'Актіге қол қоюдан бас тарту туралы акт (3-нысан)',
        ru: 'Акт об отказе от подписи акта (форма 3)',
        en: 'Act on refusal to sign the violation act (Form 3)',
      },
      ownerRole: 'violation_commission',
      escalation: ['dean'],
      documents: ['refusalAct'],
      anchor: 'event',
      event: 'acknowledgementMissed',
      offset: { rule: 'refusalAct' },
      shift: 'none',
    },
    {
      id: 'appealFiling',
      clauses: ['row 12'],
      title: {
        kk: 'Апелляцияға өтініш беру',
        ru: 'Подача апелляции',
        en: 'Appeal filed',
      },
      ownerRole: 'student',
      escalation: [],
      documents: ['appealApplication'],
      anchor: 'event',
      event: 'resultsPublished',
      offset: { rule: 'appealFiling' },
      shift: 'none',
      // Row 12: a period in which a student may appeal, not a duty; it closes at its due.
      window: true,
    },
    {
      id: 'appealDecision',
      clauses: ['row 12'],
      title: {
        kk: 'Апелляцияны қарау және нәтижесін АЖС-ке енгізу',
        ru: 'Рассмотрение апелляции и внесение результата в АИС',
        en: 'Appeal decided and its result entered in the AIS',
      },
      ownerRole: 'appeal_commission',
      escalation: ['dean', 'vice_rector'],
      documents: ['appealMinutes'],
      anchor: 'event',
      event: 'appealFiled',
      offset: { rule: 'appealDecision' },
      shift: 'none',
    },
  ],
};

export const DEFAULT_POLICY: Policy = parsePolicy(DEFAULT_POLICY_INPUT);
/** The default as overrides see it (before zod fills defaults). */
export const DEFAULT_POLICY_SOURCE: PolicyInput = DEFAULT_POLICY_INPUT;
