import { DateTime } from 'luxon';
import ical from 'ical-generator';
import type { EventStepPlan, PlannedStep } from '../../sop/plan';
import { isCalendarUnit, type Offset, type Role } from '../../sop/policy';
import type { Language } from '../common/language';
import { isoInZone } from '../common/time';

/** A stored preview: language-neutral, rendered per request as JSON or iCalendar. */
export interface StoredPlan {
  id: string;
  policyVersion: string;
  timeZone: string;
  createdAt: number;
  /** Non-working dates the plan assumed (public holidays, closures, decree transfers). */
  nonWorking: Record<string, string>;
  session: { startDate: string; summer: boolean; steps: PlannedStep[] };
  exams: {
    id: string;
    discipline: string;
    department: string;
    days: string[];
    startsAt: number;
    endsAt: number;
    credits?: number;
    expectedWorks: number;
    retake: boolean;
    steps: PlannedStep[];
    onEvents: EventStepPlan[];
  }[];
}

const UNITS: Record<Language, Record<Offset['unit'] | 'workingDays', string>> = {
  en: {
    months: 'month(s)',
    weeks: 'week(s)',
    days: 'day(s)',
    workingDays: 'working day(s)',
    hours: 'hour(s)',
    minutes: 'minute(s)',
    seconds: 'second(s)',
  },
  ru: {
    months: 'мес.',
    weeks: 'нед.',
    days: 'дн.',
    workingDays: 'раб. дн.',
    hours: 'ч',
    minutes: 'мин',
    seconds: 'с',
  },
  kk: {
    months: 'ай',
    weeks: 'апта',
    days: 'күн',
    workingDays: 'жұмыс күні',
    hours: 'сағат',
    minutes: 'минут',
    seconds: 'секунд',
  },
};

const TEXT = {
  moved: {
    en: 'moved to the previous working day from',
    ru: 'перенесено на предыдущий рабочий день с',
    kk: 'алдыңғы жұмыс күніне ауыстырылды, бастапқы күні',
  },
  endOfDay: {
    en: 'due by the end of the day, local time',
    ru: 'срок — до конца дня по местному времени',
    kk: 'мерзімі — жергілікті уақыт бойынша күн соңына дейін',
  },
  exact: {
    en: 'due at this exact time',
    ru: 'срок — ровно в это время',
    kk: 'мерзімі — дәл осы уақыт',
  },
  owner: { en: 'Owner', ru: 'Ответственный', kk: 'Жауапты' },
  clauses: { en: 'SOP', ru: 'СОП', kk: 'СОП' },
  rule: { en: 'Rule', ru: 'Правило', kk: 'Ереже' },
  onlyIf: {
    en: 'only when violations were found',
    ru: 'только если выявлены нарушения',
    kk: 'тек бұзушылық анықталса',
  },
  session: { en: 'session', ru: 'сессия', kk: 'сессия' },
} satisfies Record<string, Record<Language, string>>;

/** The events that anchor steps, by name (also the clause catalogue's deadline expressions). */
export const EVENT_NAMES: Record<EventStepPlan['event'], Record<Language, string>> = {
  caseOpened: {
    en: 'violation case opened',
    ru: 'дело о нарушении открыто',
    kk: 'бұзушылық ісі ашылды',
  },
  caseConfirmed: {
    en: 'violation confirmed',
    ru: 'нарушение подтверждено',
    kk: 'бұзушылық расталды',
  },
  violationActSent: {
    en: 'violation act sent',
    ru: 'акт о нарушении направлен',
    kk: 'бұзушылық актісі жіберілді',
  },
  acknowledgementMissed: {
    en: 'acknowledgement missed',
    ru: 'ознакомление просрочено',
    kk: 'танысу мерзімі өтті',
  },
  resultsPublished: {
    en: 'results published',
    ru: 'результаты опубликованы',
    kk: 'нәтижелер жарияланды',
  },
  appealFiled: { en: 'appeal filed', ru: 'апелляция подана', kk: 'апелляция берілді' },
  form4Returned: { en: 'Form 4 returned', ru: 'форма 4 возвращена', kk: '4-нысан қайтарылды' },
};

/** "− 2 months", "+ 1 working day", "+ 72 hours". */
export function offsetText(offset: Offset, lang: Language): string {
  const unit = offset.counting === 'workingDays' ? 'workingDays' : offset.unit;
  return `${offset.value < 0 ? '−' : '+'} ${Math.abs(offset.value)} ${UNITS[lang][unit]}`;
}

/** "D − 2 months", "D2 − 1 day", "E + 72 hours": how the due was counted. */
export function basisText(step: PlannedStep, lang: Language): string {
  const anchor = step.anchor === 'Dk' ? `D${step.day?.index ?? 'k'}` : step.anchor;
  return `${anchor} ${offsetText(step.offset, lang)}`;
}

function renderStep(step: PlannedStep, zone: string, lang: Language) {
  return {
    key: step.key,
    stepId: step.stepId,
    title: step.title[lang],
    clauses: step.clauses,
    ownerRole: step.ownerRole,
    escalation: step.escalation,
    documents: step.documents,
    ...(step.day !== undefined ? { day: step.day } : {}),
    ...(step.department !== undefined ? { department: step.department } : {}),
    ...(step.condition !== undefined ? { condition: step.condition } : {}),
    automatic: step.automatic,
    basis: basisText(step, lang),
    dueAt: isoInZone(zone, step.dueAt),
    dueDate: step.dueDate,
    ...(step.moved !== undefined ? { moved: step.moved } : {}),
    reminders: step.reminders.map((at) => isoInZone(zone, at)),
  };
}

export function renderJson(plan: StoredPlan, lang: Language) {
  const zone = plan.timeZone;
  return {
    id: plan.id,
    policyVersion: plan.policyVersion,
    timeZone: zone,
    language: lang,
    ics: `/plans/preview/${plan.id}.ics`,
    nonWorking: plan.nonWorking,
    session: {
      startDate: plan.session.startDate,
      summer: plan.session.summer,
      steps: plan.session.steps.map((s) => renderStep(s, zone, lang)),
    },
    exams: plan.exams.map((exam) => ({
      id: exam.id,
      discipline: exam.discipline,
      department: exam.department,
      days: exam.days,
      startsAt: isoInZone(zone, exam.startsAt),
      endsAt: isoInZone(zone, exam.endsAt),
      ...(exam.credits !== undefined ? { credits: exam.credits } : {}),
      expectedWorks: exam.expectedWorks,
      retake: exam.retake,
      steps: exam.steps.map((s) => renderStep(s, zone, lang)),
      onEvents: exam.onEvents.map((e) => ({
        stepId: e.stepId,
        title: e.title[lang],
        clauses: e.clauses,
        ownerRole: e.ownerRole,
        event: e.event,
        basis: `${EVENT_NAMES[e.event][lang]} ${offsetText(e.offset, lang)}`,
      })),
    })),
  };
}

function description(step: PlannedStep, lang: Language, roleTitle: (role: Role) => string): string {
  const lines = [
    `${TEXT.clauses[lang]}: ${step.clauses.join(', ')}`,
    `${TEXT.owner[lang]}: ${roleTitle(step.ownerRole)}`,
    `${TEXT.rule[lang]}: ${basisText(step, lang)}`,
    isCalendarUnit(step.offset.unit) ? TEXT.endOfDay[lang] : TEXT.exact[lang],
  ];
  if (step.moved !== undefined)
    lines.push(`${TEXT.moved[lang]} ${step.moved.from} (${step.moved.reason})`);
  if (step.condition === 'violationFound') lines.push(TEXT.onlyIf[lang]);
  return lines.join('\n');
}

/**
 * The plan as an iCalendar file: one event per deadline, the clause in its description. A deadline
 * at the end of a day is an all-day event on that local date; an exact deadline (E + 72 hours) is a
 * timed event at that instant. UIDs are stable, so re-importing updates rather than duplicates.
 */
export function renderIcs(
  plan: StoredPlan,
  lang: Language,
  roleTitle: (role: Role) => string,
): string {
  const calendar = ical({
    name: `Emtihan ${plan.id.slice(0, 8)} (${plan.policyVersion})`,
    prodId: { company: 'Emtihan', product: 'plan-preview', language: lang.toUpperCase() },
  });
  const stamp = new Date(plan.createdAt);
  const add = (step: PlannedStep, owner: string, summaryTail: string) => {
    const calendarDay = isCalendarUnit(step.offset.unit);
    const start = calendarDay
      ? DateTime.fromISO(step.dueDate, { zone: plan.timeZone })
      : new Date(step.dueAt);
    calendar.createEvent({
      id: `${`${plan.id}-${owner}-${step.key}`.replace(/[^A-Za-z0-9._#-]/g, '_')}@emtihan`,
      stamp,
      start,
      ...(calendarDay ? { allDay: true } : { end: new Date(step.dueAt) }),
      summary: `${step.title[lang]} — ${summaryTail} (${step.clauses.join(', ')})`,
      description: description(step, lang, roleTitle),
      categories: [{ name: step.ownerRole }],
    });
  };
  for (const step of plan.session.steps) {
    add(step, 'session', step.department ?? `${TEXT.session[lang]} ${plan.session.startDate}`);
  }
  for (const exam of plan.exams) {
    for (const step of exam.steps) add(step, exam.id, `${exam.discipline}, ${exam.department}`);
  }
  return calendar.toString();
}
