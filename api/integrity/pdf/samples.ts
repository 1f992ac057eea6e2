import type {
  ActPerson,
  ActStudent,
  Form2Content,
  Form3Content,
  Form4Content,
  ImpostorContent,
} from '../documents';

/**
 * One filled example of each document, with Kazakh names (every Kazakh letter appears in them):
 * the renderers' tests, the integration test and the pictures in docs/integrity/ use them.
 */

const proctor: ActPerson = { name: 'Айгүл Сәрсенқызы Нұрланова', position: 'проктор' };
const testingCentre: ActPerson = {
  name: 'Ғалымжан Өмірұлы Қасымов',
  position: 'тест орталығының маманы',
};
const deansOffice: ActPerson = { name: 'Іңкәр Һәдиқызы Үсенова', position: 'деканат инспекторы' };

/** §5.8, §5.15: the integrity commission that confirms an act drawn up on the spot. */
export const SAMPLE_COMMISSION: ActPerson[] = [
  { name: 'Ержан Бақытұлы Адалов', position: 'Академиялық адалдықты бұзу жөніндегі комиссия' },
  proctor,
  { name: 'Сәуле Қанатқызы Өтебаева', position: 'Деканат' },
];

export const SAMPLE_STUDENT: ActStudent = {
  name: 'Ұлжан Ерболқызы Әбдіхалықова',
  faculty: 'Жалпы медицина мектебі',
  year: 2,
  group: 'ЖМ-21-04',
};

export const SAMPLE_FORM2: Form2Content = {
  discipline: 'Қалыпты анатомия',
  drawnUpBy: [proctor, testingCentre, deansOffice],
  student: SAMPLE_STUDENT,
  date: '2027-01-14',
  time: '10:25',
  violations: ['mobile_phone', 'talking'],
  other: 'көршісінің жауап парағын суретке түсіру',
  recording: 'https://proctoring.example.kz/r/7f3c9a1e-2b4d-4e8f-9a61-0c5d3b2e7f10',
  dean: 'Ерлан Мұхамедиев',
};

export const SAMPLE_FORM3: Form3Content = {
  date: '2027-01-20',
  certifiedBy: deansOffice,
  witnesses: [proctor, testingCentre],
  student: SAMPLE_STUDENT,
  act: { number: 7, date: '2027-01-14' },
};

export const SAMPLE_IMPOSTOR: ImpostorContent = {
  discipline: 'Қалыпты анатомия',
  drawnUpBy: [proctor, testingCentre, deansOffice],
  student: SAMPLE_STUDENT,
  impostor: 'Дәулет Серікұлы Жақсылықов',
  date: '2027-01-14',
  time: '09:05',
  dean: 'Ерлан Мұхамедиев',
};

export const SAMPLE_FORM4: Form4Content = {
  examId: 'anatomy-2027-01',
  discipline: 'Қалыпты анатомия',
  examDate: '2027-01-14',
  proctor: proctor.name,
  member: 'Бақытжан Төлеуғазықызы Шәріпова',
  signedOn: '2027-01-17',
  rows: [
    ['Ұлжан Ерболқызы Әбдіхалықова', 'drawn'],
    ['Нұрсұлтан Әлібекұлы Қожахметов', 'not_drawn'],
    ['Әсем Ғаббасқызы Оңғарбаева', 'not_drawn'],
    ['Тоғжан Бөкейқызы Үмбетова', 'drawn'],
  ].map(([fullName, act], i) => ({
    fullName,
    speciality: 'Жалпы медицина',
    year: 2,
    group: 'ЖМ-21-04',
    link: `https://proctoring.example.kz/r/anatomy-2027-01/${1001 + i}`,
    act: act as 'drawn' | 'not_drawn',
  })),
};
