import type { History } from '@temporalio/common/lib/proto-utils';
import { DateTime } from 'luxon';
import type { AuditRecord } from '../../activities/audit-log';
import type { Policy } from '../../sop/policy';
import { ruleIdOf } from '../../sop/units';
import type { Language } from '../common/language';

/**
 * History for auditors (issue 7): the exam's audit records and its workflow's Temporal event
 * history merged into one timeline a person reads, in kk, ru or en. Pure: the service fetches,
 * this module only merges, words and formats (the unit test runs it on hand-made records).
 */

export type HistoryEvent = NonNullable<History['events']>[number];

export interface TimelineInput {
  language: Language;
  /** The policy's zone: every time in a sentence is local there. */
  timeZone: string;
  policy: Pick<Policy, 'steps' | 'roles'>;
  workflowId: string;
  /** The exam's audit records (any order; merged by time). */
  audit: readonly AuditRecord[];
  /** The workflow's Temporal events; null when Temporal's retention has dropped them. */
  events: readonly HistoryEvent[] | null;
  /** Names from the directory (`person`), by id. */
  people: ReadonlyMap<string, string>;
  /** The read model's dues (`exam_step.due_at`), by step: the fallback for a decision's due. */
  dues?: ReadonlyMap<string, number>;
}

export interface TimelineActor {
  id: string;
  name: string | null;
  role: string | null;
  roleTitle: string | null;
}

export interface Lateness {
  /** Decided after the step's due. */
  late: boolean;
  /** Seconds between the due and the decision (positive: late). */
  seconds: number;
  text: string;
}

export interface TimelineItem {
  /** ISO 8601 with the policy zone's offset. */
  at: string;
  source: 'audit' | 'temporal';
  /** The audit record (for a Temporal item: the audit record it led to, when one is known). */
  seq: number | null;
  /** The Temporal event (for an audit item: the history event that decided it, when recorded). */
  eventId: number | null;
  action: string;
  sentence: string;
  clauses: string[];
  actor: TimelineActor | null;
  stepId: string | null;
  stepTitle: string | null;
  /** For decisions: the step's due they are measured against. */
  dueAt: string | null;
  lateness: Lateness | null;
}

export interface Timeline {
  items: TimelineItem[];
  /** Temporal events in the history (0 when it is no longer available). */
  temporalEvents: number;
  /** Timers that fired (each is one event; the timeline does not list them). */
  timersFired: number;
  /** People of the directory named in the timeline (what the personal-data read records). */
  personIds: string[];
}

// ── Words ─────────────────────────────────────────────────────────────────────────────────────

type L<T = string> = Record<Language, T>;

const SYSTEM: L = { en: 'the system', ru: 'система', kk: 'жүйе' };

const DECISION_VERB: L<Record<'approve' | 'reject' | 'waive' | 'reassign', string>> = {
  en: { approve: 'approve', reject: 'return for changes', waive: 'waive', reassign: 'reassign' },
  ru: {
    approve: 'утвердить',
    reject: 'вернуть на доработку',
    waive: 'снять как ненужный',
    reassign: 'передать',
  },
  kk: {
    approve: 'бекіту',
    reject: 'пысықтауға қайтару',
    waive: 'босату',
    reassign: 'қайта тапсыру',
  },
};

const EVENT_NAME: L<Record<string, string>> = {
  en: {
    violationFound: 'a violation found',
    violationActSent: 'the violation act sent',
    appealFiled: 'an appeal filed',
    caseClosed: 'the case closed',
    form4Returned: 'a Form 4 returned',
  },
  ru: {
    violationFound: 'выявлено нарушение',
    violationActSent: 'акт о нарушении направлен',
    appealFiled: 'подана апелляция',
    caseClosed: 'дело закрыто',
    form4Returned: 'форма 4 возвращена',
  },
  kk: {
    violationFound: 'бұзушылық анықталды',
    violationActSent: 'бұзушылық актісі жіберілді',
    appealFiled: 'апелляция берілді',
    caseClosed: 'іс жабылды',
    form4Returned: '4-нысан қайтарылды',
  },
};

const NOTICE: L<Record<string, string>> = {
  en: {
    opened: 'the notice that the step opened',
    reminder: 'a reminder',
    overdue: 'the overdue notice',
    escalation: 'an escalation',
    decided: 'the decision notice',
    reopened: 'the notice of return for changes',
  },
  ru: {
    opened: 'уведомление об открытии шага',
    reminder: 'напоминание',
    overdue: 'уведомление о просрочке',
    escalation: 'эскалация',
    decided: 'уведомление о решении',
    reopened: 'уведомление о возврате на доработку',
  },
  kk: {
    opened: 'қадам ашылғаны туралы хабар',
    reminder: 'еске салу',
    overdue: 'мерзімі өткені туралы хабар',
    escalation: 'эскалация',
    decided: 'шешім туралы хабар',
    reopened: 'пысықтауға қайтарылғаны туралы хабар',
  },
};

type Unit = 'day' | 'hour' | 'minute' | 'second';
const UNIT_SECONDS: [Unit, number][] = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];
/** Russian accusative after "за" / "на": one, few, many. */
const RU_UNITS: Record<Unit, [string, string, string]> = {
  day: ['день', 'дня', 'дней'],
  hour: ['час', 'часа', 'часов'],
  minute: ['минуту', 'минуты', 'минут'],
  second: ['секунду', 'секунды', 'секунд'],
};
const KK_UNITS: Record<Unit, string> = {
  day: 'күн',
  hour: 'сағат',
  minute: 'минут',
  second: 'секунд',
};
const RU_PLURAL = new Intl.PluralRules('ru');

function amount(seconds: number, lang: Language): string {
  const abs = Math.abs(seconds);
  const [unit, size] = UNIT_SECONDS.find(([, s]) => abs >= s) ?? ['second', 1];
  const n = Math.floor(abs / size);
  switch (lang) {
    case 'en':
      return `${n} ${unit}${n === 1 ? '' : 's'}`;
    case 'ru': {
      const form = RU_PLURAL.select(n);
      const [one, few, many] = RU_UNITS[unit];
      return `${n} ${form === 'one' ? one : form === 'few' ? few : many}`;
    }
    case 'kk':
      return `${n} ${KK_UNITS[unit]}`;
  }
}

/** "3 days before its due" / "2 hours after its due (late)" in the answer's language. */
export function latenessText(seconds: number, lang: Language): string {
  const span = amount(seconds, lang);
  const late = seconds > 0;
  switch (lang) {
    case 'en':
      return late ? `${span} after its due (late)` : `${span} before its due`;
    case 'ru':
      return late ? `с опозданием на ${span}` : `за ${span} до срока`;
    case 'kk':
      return late ? `мерзімінен ${span} кешігіп` : `мерзімінен ${span} бұрын`;
  }
}

/** "12 March 2027, 10:02" / "12 марта 2027 г., 10:02" / "2027 жылғы 12 наурыз, 10:02". */
export function when(ms: number, zone: string, lang: Language): string {
  const local = DateTime.fromMillis(ms, { zone }).setLocale(lang);
  const seconds = local.second !== 0 ? ':ss' : '';
  switch (lang) {
    case 'en':
      return local.toFormat(`d MMMM yyyy, HH:mm${seconds}`);
    case 'ru':
      return local.toFormat(`d MMMM yyyy 'г.', HH:mm${seconds}`);
    case 'kk':
      return local.toFormat(`yyyy 'жылғы' d MMMM, HH:mm${seconds}`);
  }
}

// ── Helpers over records and events ───────────────────────────────────────────────────────────

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}
function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** protobufjs int64 (a Long, a number or a string) as a number. */
export function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return Number(value);
  if (value !== null && typeof value === 'object' && 'toNumber' in value)
    return (value as { toNumber(): number }).toNumber();
  return 0;
}

function eventMs(event: HistoryEvent): number {
  const time = event.eventTime;
  if (time === null || time === undefined) return 0;
  return num(time.seconds) * 1000 + Math.floor((time.nanos ?? 0) / 1e6);
}

const DECODER = new TextDecoder();

/** A JSON payload's value (the data converter's `json/plain`); undefined for anything else. */
export function payloadValue(
  payload: { metadata?: Record<string, Uint8Array> | null; data?: Uint8Array | null } | null,
): unknown {
  const encoding = payload?.metadata?.encoding;
  if (encoding === undefined || DECODER.decode(encoding) !== 'json/plain') return undefined;
  try {
    return JSON.parse(DECODER.decode(payload?.data ?? new Uint8Array())) as unknown;
  } catch {
    return undefined;
  }
}

/** Directory ids a history names: audit actors and assignees, and who asked for each Update. */
export function candidatePersonIds(
  audit: readonly AuditRecord[],
  events: readonly HistoryEvent[] | null,
): string[] {
  const ids = new Set<string>();
  for (const record of audit) {
    ids.add(record.actor);
    const assignee = str(obj(obj(record.after).assignee).personId);
    if (assignee !== undefined) ids.add(assignee);
  }
  for (const event of events ?? []) {
    const request = updateRequest(event);
    if (request !== undefined) {
      const actor = str(request.args.actor);
      if (actor !== undefined) ids.add(actor);
    }
  }
  // `system:workflow`, `link:<id>` and `anonymous` are not people of the directory.
  return [...ids].filter((id) => !id.includes(':') && id !== 'anonymous');
}

function updateRequest(
  event: HistoryEvent,
): { name: string; updateId: string; args: Record<string, unknown> } | undefined {
  const request =
    event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest ??
    event.workflowExecutionUpdateRejectedEventAttributes?.rejectedRequest;
  if (request === null || request === undefined) return undefined;
  return {
    name: request.input?.name ?? '',
    updateId: request.meta?.updateId ?? '',
    args: obj(payloadValue(request.input?.args?.payloads?.[0] ?? null)),
  };
}

// ── The merge ─────────────────────────────────────────────────────────────────────────────────

export function buildTimeline(input: TimelineInput): Timeline {
  const { language: lang, timeZone: zone, policy, people } = input;
  const named = new Set<string>();
  const at = (ms: number) => DateTime.fromMillis(ms, { zone }).toISO()!;
  const time = (ms: number) => when(ms, zone, lang);

  const roleTitle = (role: string | null | undefined): string | null => {
    if (role === null || role === undefined) return null;
    return policy.roles.find((r) => r.id === role)?.title[lang] ?? role;
  };
  const actorOf = (id: string, role: string | null | undefined): TimelineActor => {
    const name = people.get(id) ?? null;
    if (name !== null) named.add(id);
    return { id, name, role: role ?? null, roleTitle: roleTitle(role) };
  };
  const who = (actor: TimelineActor | null): string => {
    if (actor === null || actor.id.startsWith('system:')) return SYSTEM[lang];
    const name = actor.name ?? actor.id;
    if (actor.roleTitle === null) return name;
    return `${actor.roleTitle} ${name}`;
  };
  const stepTitle = (stepId: string | null): string | null => {
    if (stepId === null) return null;
    const rule = policy.steps.find((s) => s.id === ruleIdOf(stepId));
    if (rule === undefined) return stepId;
    const suffix = stepId.slice(ruleIdOf(stepId).length);
    return `${rule.title[lang]}${suffix === '' ? '' : ` (${suffix})`}`;
  };
  const quote = (title: string | null) =>
    title === null ? '' : lang === 'en' ? `“${title}”` : `«${title}»`;
  const cl = (clauses: readonly string[]) =>
    clauses.length === 0 ? '' : ` (${clauses.join(', ')})`;

  const items: TimelineItem[] = [];
  /** The due each step had at each point of the walk (opened, rescheduled, returned …). */
  const currentDue = new Map<string, number>();
  const audit = [...input.audit].sort((a, b) => a.seq - b.seq);
  const byRequest = new Map<string, number>();

  for (const record of audit) {
    if (record.action === 'personal-data.read') continue; // who read the history: not its story
    if (record.requestId !== null && !byRequest.has(record.requestId))
      byRequest.set(record.requestId, record.seq);
    const ms = Date.parse(record.at);
    const after = obj(record.after);
    const before = obj(record.before);
    const system = record.actor.startsWith('system:');
    const actor = system ? null : actorOf(record.actor, record.actorRole);
    const title = stepTitle(record.stepId);
    const step = quote(title);
    const clauses = cl(record.clauses);
    const dueAfter = str(after.dueAt) === undefined ? undefined : Date.parse(str(after.dueAt)!);
    let lateness: Lateness | null = null;
    let dueAt: number | undefined;
    const decide = () => {
      const key = record.stepId ?? '';
      // The due the decision met: the step's due as the walk knows it (a return for changes
      // records the *new* due), else the record's own, else the read model's.
      dueAt =
        (record.action === 'step.rejected' ? currentDue.get(key) : undefined) ??
        dueAfter ??
        currentDue.get(key) ??
        input.dues?.get(key);
      if (dueAt === undefined) return '';
      const seconds = Math.round((ms - dueAt) / 1000);
      lateness = { late: seconds > 0, seconds, text: latenessText(seconds, lang) };
      return `, ${lateness.text}`;
    };
    const action = record.action;
    let sentence: string;
    const sent = /^step\.(\w+)-sent$/.exec(action);
    const unheard = /^step\.(\w+)\.no-recipient$/.exec(action);
    const withheld = /^step\.(\w+)-cancelled$/.exec(action);
    if (action === 'step.approved') {
      const late = decide();
      sentence = {
        en: `${who(actor)} approved ${step}${clauses}${late}`,
        ru: `${who(actor)} — шаг ${step} утверждён${clauses}${late}`,
        kk: `${who(actor)} — ${step} қадамы бекітілді${clauses}${late}`,
      }[lang];
    } else if (action === 'step.waived') {
      const late = decide();
      const reason = str(after.comment);
      sentence = {
        en: `${who(actor)} waived ${step}${clauses}${late}${reason ? `. Reason: ${reason}` : ''}`,
        ru: `${who(actor)} — шаг ${step} снят как ненужный${clauses}${late}${reason ? `. Причина: ${reason}` : ''}`,
        kk: `${who(actor)} — ${step} қадамынан босатылды${clauses}${late}${reason ? `. Себебі: ${reason}` : ''}`,
      }[lang];
    } else if (action === 'step.rejected') {
      const late = decide();
      const reason = str(after.comment);
      const due = dueAfter === undefined ? '' : dueAfter;
      sentence = {
        en: `${who(actor)} returned ${step} for changes${clauses}${late}${reason ? `: ${reason}` : ''}${due === '' ? '' : `; new due ${time(due)}`}`,
        ru: `${who(actor)} — шаг ${step} возвращён на доработку${clauses}${late}${reason ? `: ${reason}` : ''}${due === '' ? '' : `; новый срок ${time(due)}`}`,
        kk: `${who(actor)} — ${step} қадамы пысықтауға қайтарылды${clauses}${late}${reason ? `: ${reason}` : ''}${due === '' ? '' : `; жаңа мерзімі ${time(due)}`}`,
      }[lang];
    } else if (action === 'step.reassigned') {
      const assignee = obj(after.assignee);
      const id = str(assignee.personId);
      const name = (id !== undefined ? people.get(id) : undefined) ?? str(assignee.name) ?? '?';
      if (id !== undefined && people.has(id)) named.add(id);
      sentence = {
        en: `${who(actor)} reassigned ${step} to ${name}${clauses}`,
        ru: `${who(actor)} — шаг ${step} передан: ${name}${clauses}`,
        kk: `${who(actor)} — ${step} қадамы қайта тапсырылды: ${name}${clauses}`,
      }[lang];
    } else if (action === 'step.opened') {
      const due = dueAfter === undefined ? '' : time(dueAfter);
      sentence = {
        en: `${step} opened${clauses}${due ? `, due ${due}` : ''}`,
        ru: `Шаг ${step} открыт${clauses}${due ? `, срок ${due}` : ''}`,
        kk: `${step} қадамы ашылды${clauses}${due ? `, мерзімі ${due}` : ''}`,
      }[lang];
    } else if (action === 'step.overdue') {
      const due = dueAfter === undefined ? '' : time(dueAfter);
      sentence = {
        en: `${step} is overdue${clauses}${due ? `: it was due ${due}` : ''}`,
        ru: `Шаг ${step} просрочен${clauses}${due ? `: срок был ${due}` : ''}`,
        kk: `${step} қадамының мерзімі өтті${clauses}${due ? `: мерзімі ${due} болатын` : ''}`,
      }[lang];
    } else if (action === 'step.rescheduled') {
      const from = str(before.dueAt) === undefined ? '?' : time(Date.parse(str(before.dueAt)!));
      const to = dueAfter === undefined ? '?' : time(dueAfter);
      sentence = {
        en: `${who(actor)} moved the due of ${step}${clauses} from ${from} to ${to}`,
        ru: `${who(actor)} — срок шага ${step}${clauses} перенесён с ${from} на ${to}`,
        kk: `${who(actor)} — ${step} қадамының мерзімі${clauses} ${from} орнына ${to} болды`,
      }[lang];
    } else if (sent !== null) {
      const notice = NOTICE[lang][sent[1]] ?? sent[1];
      const count = Array.isArray(after.to) ? after.to.length : 0;
      const role = roleTitle(str(after.role)) ?? '';
      sentence = {
        en: `${notice} for ${step}${clauses} went to ${count} ${count === 1 ? 'person' : 'people'} (${role})`,
        ru: `${notice} по шагу ${step}${clauses} отправлено, получателей: ${count} (${role})`,
        kk: `${step} қадамы бойынша ${notice} жіберілді${clauses}, алушылар: ${count} (${role})`,
      }[lang];
    } else if (withheld !== null) {
      // Issue 10: an outage held the notice until its step was closed; it was not sent.
      const notice = NOTICE[lang][withheld[1]] ?? withheld[1];
      sentence = {
        en: `${notice} for ${step}${clauses} was not sent: the step was closed first`,
        ru: `${notice} по шагу ${step}${clauses} не отправлено: шаг уже закрыт`,
        kk: `${step} қадамы бойынша ${notice} жіберілмеді${clauses}: қадам бұрын жабылды`,
      }[lang];
    } else if (unheard !== null) {
      const notice = NOTICE[lang][unheard[1]] ?? unheard[1];
      const role = roleTitle(str(after.role)) ?? '';
      sentence = {
        en: `No one holds the role ${role} to receive ${notice} for ${step}${clauses}`,
        ru: `Некому отправить ${notice} по шагу ${step}${clauses}: роль «${role}» никем не занята`,
        kk: `${step} қадамы бойынша ${notice} жіберетін адам жоқ${clauses}: «${role}» рөлі бос`,
      }[lang];
    } else if (action === 'step.escalation-paused') {
      sentence = {
        en: `Escalation of ${step} paused${clauses}: ${str(after.reason) ?? ''}`,
        ru: `Эскалация по шагу ${step} приостановлена${clauses}: ${str(after.reason) ?? ''}`,
        kk: `${step} қадамы бойынша эскалация тоқтатылды${clauses}: ${str(after.reason) ?? ''}`,
      }[lang];
    } else if (action === 'step.reopened') {
      // Issue 8: what it approved changed (a new question-list version).
      const reason = str(after.reason) ?? '';
      sentence = {
        en: `${step} is open again${clauses}: ${reason}`,
        ru: `Шаг ${step} снова открыт${clauses}: ${reason}`,
        kk: `${step} қадамы қайта ашылды${clauses}: ${reason}`,
      }[lang];
    } else if (PAPERWORK[action] !== undefined) {
      sentence = PAPERWORK[action](lang, who(actor), after, clauses);
    } else if (INTEGRITY[action] !== undefined) {
      sentence = INTEGRITY[action](lang, who(actor), after, clauses);
    } else if (action.startsWith('step.')) {
      // Closed by the workflow: a window ended, superseded (§5.16), dropped by a reschedule.
      const reason = str(after.reason) ?? action.slice('step.'.length);
      sentence = {
        en: `${step} closed${clauses}: ${reason}`,
        ru: `Шаг ${step} закрыт${clauses}: ${reason}`,
        kk: `${step} қадамы жабылды${clauses}: ${reason}`,
      }[lang];
    } else if (action === 'exam.started') {
      sentence = {
        en: `The exam began${clauses}`,
        ru: `Экзамен начался${clauses}`,
        kk: `Емтихан басталды${clauses}`,
      }[lang];
    } else if (action === 'exam.ended') {
      sentence = {
        en: `The exam's last sitting ended (E)${clauses}`,
        ru: `Последний поток экзамена завершён (E)${clauses}`,
        kk: `Емтиханның соңғы легі аяқталды (E)${clauses}`,
      }[lang];
    } else if (action === 'exam.completed') {
      sentence = {
        en: `Every step of the exam is done: its workflow completed${clauses}`,
        ru: `Все шаги экзамена выполнены: процесс завершён${clauses}`,
        kk: `Емтиханның барлық қадамы орындалды: процесс аяқталды${clauses}`,
      }[lang];
    } else if (action.startsWith('event.')) {
      const name = action.slice('event.'.length);
      const event = EVENT_NAME[lang][name] ?? name;
      const caseId = str(after.caseId) ?? '';
      sentence = {
        en: `${who(actor)} recorded ${event} (case ${caseId})${clauses}`,
        ru: `${who(actor)} — зафиксировано: ${event} (дело ${caseId})${clauses}`,
        kk: `${who(actor)} — тіркелді: ${event} (іс ${caseId})${clauses}`,
      }[lang];
    } else if (action === 'retention.held' || action === 'retention.released') {
      const caseId = str(after.caseId) ?? '';
      sentence = (
        action === 'retention.held'
          ? {
              en: `The recordings are kept while case ${caseId} is open${clauses}`,
              ru: `Записи сохраняются, пока открыто дело ${caseId}${clauses}`,
              kk: `${caseId} ісі ашық тұрғанда жазбалар сақталады${clauses}`,
            }
          : {
              en: `Case ${caseId} no longer holds the recordings${clauses}`,
              ru: `Дело ${caseId} больше не удерживает записи${clauses}`,
              kk: `${caseId} ісі бойынша жазбаларды сақтау аяқталды${clauses}`,
            }
      )[lang];
    } else if (action === 'video.held') {
      const holds = Array.isArray(after.holds) ? after.holds.join(', ') : '';
      sentence = {
        en: `Deleting the recordings waits for the open cases ${holds}${clauses}`,
        ru: `Удаление записей отложено до закрытия дел ${holds}${clauses}`,
        kk: `Жазбаларды жою ${holds} істері жабылғанша кейінге қалдырылды${clauses}`,
      }[lang];
    } else if (action === 'video.purged') {
      sentence = {
        en: `The recordings were deleted${clauses}`,
        ru: `Записи удалены${clauses}`,
        kk: `Жазбалар жойылды${clauses}`,
      }[lang];
    } else {
      sentence = `${who(actor)}: ${action}${clauses}`;
    }
    // The walk's due for the step after this record.
    if (record.stepId !== null && dueAfter !== undefined) currentDue.set(record.stepId, dueAfter);
    const finalDue: number | undefined = dueAt;
    items.push({
      at: at(ms),
      source: 'audit',
      seq: record.seq,
      eventId: record.historyEventId,
      action,
      sentence: `${time(ms)}: ${capitalise(sentence)}.`,
      clauses: record.clauses,
      actor,
      stepId: record.stepId,
      stepTitle: title,
      dueAt: finalDue === undefined ? null : at(finalDue),
      lateness,
    });
  }

  // Temporal: what a person would want to know, not the machinery (workflow tasks, timers).
  const events = input.events ?? [];
  let timersFired = 0;
  const scheduled = new Map<number, string>();
  for (const event of events) {
    const ms = eventMs(event);
    const eventId = num(event.eventId);
    const push = (action: string, sentence: string, extra: Partial<TimelineItem> = {}): void => {
      items.push({
        at: at(ms),
        source: 'temporal',
        seq: null,
        eventId,
        action,
        sentence: `${time(ms)}: ${capitalise(sentence)}.`,
        clauses: [],
        actor: null,
        stepId: null,
        stepTitle: null,
        dueAt: null,
        lateness: null,
        ...extra,
      });
    };
    const wf = input.workflowId;
    if (event.timerFiredEventAttributes) {
      timersFired++;
    } else if (event.activityTaskScheduledEventAttributes) {
      scheduled.set(eventId, event.activityTaskScheduledEventAttributes.activityType?.name ?? '?');
    } else if (event.workflowExecutionStartedEventAttributes) {
      const type = event.workflowExecutionStartedEventAttributes.workflowType?.name ?? '';
      push(
        'workflow.started',
        {
          en: `Temporal started the workflow ${wf} (${type})`,
          ru: `Temporal запустил процесс ${wf} (${type})`,
          kk: `Temporal ${wf} процесін іске қосты (${type})`,
        }[lang],
      );
    } else if (event.workflowExecutionCompletedEventAttributes) {
      push(
        'workflow.completed',
        {
          en: `The workflow ${wf} completed`,
          ru: `Процесс ${wf} завершён`,
          kk: `${wf} процесі аяқталды`,
        }[lang],
      );
    } else if (event.workflowExecutionFailedEventAttributes) {
      const message = event.workflowExecutionFailedEventAttributes.failure?.message ?? '';
      push(
        'workflow.failed',
        {
          en: `The workflow ${wf} failed: ${message}`,
          ru: `Процесс ${wf} завершился ошибкой: ${message}`,
          kk: `${wf} процесі қатемен аяқталды: ${message}`,
        }[lang],
      );
    } else if (event.workflowExecutionTerminatedEventAttributes) {
      const { reason, identity } = event.workflowExecutionTerminatedEventAttributes;
      const why = [reason, identity].filter((s) => s).join(', ');
      push(
        'workflow.terminated',
        {
          en: `The workflow ${wf} was terminated${why ? ` (${why})` : ''}`,
          ru: `Процесс ${wf} принудительно остановлен${why ? ` (${why})` : ''}`,
          kk: `${wf} процесі мәжбүрлі түрде тоқтатылды${why ? ` (${why})` : ''}`,
        }[lang],
      );
    } else if (event.workflowExecutionContinuedAsNewEventAttributes) {
      push(
        'workflow.continued-as-new',
        {
          en: `The workflow ${wf} continued as a new run`,
          ru: `Процесс ${wf} продолжен новым запуском`,
          kk: `${wf} процесі жаңа іске қосумен жалғасты`,
        }[lang],
      );
    } else if (event.workflowExecutionCanceledEventAttributes) {
      push(
        'workflow.canceled',
        {
          en: `The workflow ${wf} was cancelled`,
          ru: `Процесс ${wf} отменён`,
          kk: `${wf} процесі тоқтатылды`,
        }[lang],
      );
    } else if (event.workflowExecutionTimedOutEventAttributes) {
      push(
        'workflow.timed-out',
        {
          en: `The workflow ${wf} timed out`,
          ru: `Время процесса ${wf} истекло`,
          kk: `${wf} процесінің уақыты бітті`,
        }[lang],
      );
    } else if (
      event.workflowExecutionUpdateAcceptedEventAttributes ||
      event.workflowExecutionUpdateRejectedEventAttributes
    ) {
      const request = updateRequest(event)!;
      const accepted = event.workflowExecutionUpdateAcceptedEventAttributes != null;
      const args = request.args;
      const actorId = str(args.actor);
      const roles = Array.isArray(args.actorRoles) ? (args.actorRoles as string[]) : [];
      const actor =
        actorId === undefined
          ? null
          : {
              ...actorOf(actorId, roles[0] ?? null),
              name: people.get(actorId) ?? str(args.actorName) ?? null,
            };
      const stepId = str(args.stepId) ?? null;
      const title = stepTitle(stepId);
      let what: string;
      if (request.name === 'decideStep') {
        const decision = str(args.decision) as keyof (typeof DECISION_VERB)['en'] | undefined;
        const verb = decision === undefined ? '' : (DECISION_VERB[lang][decision] ?? decision);
        what = lang === 'kk' ? `${quote(title)} ${verb}` : `${verb} ${quote(title)}`;
      } else if (request.name === 'recordExamEvent') {
        const name = str(args.event) ?? '';
        what = `${EVENT_NAME[lang][name] ?? name} (${str(args.caseId) ?? ''})`;
      } else if (request.name === 'rescheduleExam') {
        what = { en: 'move the exam', ru: 'перенести экзамен', kk: 'емтиханды ауыстыру' }[lang];
      } else {
        what = request.name;
      }
      const by = who(actor);
      const failure = event.workflowExecutionUpdateRejectedEventAttributes?.failure?.message ?? '';
      push(
        accepted ? 'update.accepted' : 'update.rejected',
        accepted
          ? {
              en: `Temporal accepted the request of ${by}: ${what}`,
              ru: `Temporal принял запрос (${by}): ${what}`,
              kk: `Temporal сұранысты қабылдады (${by}): ${what}`,
            }[lang]
          : {
              en: `Temporal refused the request of ${by}: ${what} — ${failure}`,
              ru: `Temporal отклонил запрос (${by}): ${what} — ${failure}`,
              kk: `Temporal сұранысты қабылдамады (${by}): ${what} — ${failure}`,
            }[lang],
        {
          actor,
          stepId,
          stepTitle: title,
          seq: byRequest.get(request.updateId) ?? null,
        },
      );
    } else if (event.workflowExecutionSignaledEventAttributes) {
      const { signalName, identity } = event.workflowExecutionSignaledEventAttributes;
      const from = identity ? ` (${identity})` : '';
      push(
        'signal.received',
        {
          en: `The workflow received the signal ${signalName ?? ''}${from}`,
          ru: `Процесс получил сигнал ${signalName ?? ''}${from}`,
          kk: `Процесс ${signalName ?? ''} сигналын алды${from}`,
        }[lang],
      );
    } else if (
      event.activityTaskFailedEventAttributes ||
      event.activityTaskTimedOutEventAttributes
    ) {
      // Only the last attempt is in the history: a failure here is one after every retry.
      const attributes =
        event.activityTaskFailedEventAttributes ?? event.activityTaskTimedOutEventAttributes!;
      const type = scheduled.get(num(attributes.scheduledEventId)) ?? '?';
      const message = attributes.failure?.message ?? '';
      push(
        'activity.failed',
        {
          en: `The activity ${type} failed after its retries: ${message}`,
          ru: `Действие ${type} не выполнено после всех повторов: ${message}`,
          kk: `${type} әрекеті барлық қайталаудан кейін орындалмады: ${message}`,
        }[lang],
      );
    } else {
      const child = childEvent(event);
      if (child !== undefined)
        push(
          `child.${child.state}`,
          {
            en: `Child workflow ${child.id}: ${child.state}`,
            ru: `Дочерний процесс ${child.id}: ${{ started: 'запущен', completed: 'завершён', failed: 'ошибка', other: 'закрыт' }[child.state]}`,
            kk: `${child.id} еншілес процесі: ${{ started: 'іске қосылды', completed: 'аяқталды', failed: 'қате', other: 'жабылды' }[child.state]}`,
          }[lang],
        );
    }
  }

  items.sort(
    (a, b) =>
      Date.parse(a.at) - Date.parse(b.at) ||
      (a.source === b.source ? 0 : a.source === 'temporal' ? -1 : 1) ||
      (a.seq ?? 0) - (b.seq ?? 0) ||
      (a.eventId ?? 0) - (b.eventId ?? 0),
  );
  return {
    items,
    temporalEvents: events.length,
    timersFired,
    personIds: [...named].sort(),
  };
}

function childEvent(
  event: HistoryEvent,
): { id: string; state: 'started' | 'completed' | 'failed' | 'other' } | undefined {
  const started = event.childWorkflowExecutionStartedEventAttributes;
  if (started) return { id: started.workflowExecution?.workflowId ?? '', state: 'started' };
  const completed = event.childWorkflowExecutionCompletedEventAttributes;
  if (completed) return { id: completed.workflowExecution?.workflowId ?? '', state: 'completed' };
  const failed = event.childWorkflowExecutionFailedEventAttributes;
  if (failed) return { id: failed.workflowExecution?.workflowId ?? '', state: 'failed' };
  const other =
    event.childWorkflowExecutionTerminatedEventAttributes ??
    event.childWorkflowExecutionCanceledEventAttributes ??
    event.childWorkflowExecutionTimedOutEventAttributes;
  if (other) return { id: other.workflowExecution?.workflowId ?? '', state: 'other' };
  return undefined;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

// ── CSV (RFC 4180) ────────────────────────────────────────────────────────────────────────────

export const CSV_COLUMNS = [
  'at',
  'source',
  'seq',
  'eventId',
  'action',
  'stepId',
  'stepTitle',
  'clauses',
  'actorId',
  'actorName',
  'actorRole',
  'dueAt',
  'late',
  'lateness',
  'sentence',
] as const;

/**
 * One field: quoted when it holds a quote, a comma or a line break (quotes doubled). A field a
 * spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe (OWASP).
 */
export function csvField(value: string | number | boolean | null): string {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The timeline as CSV: a header row, one row per item, CRLF, UTF-8 with a BOM (Excel). */
export function timelineCsv(items: readonly TimelineItem[]): string {
  const rows = items.map((item) =>
    [
      item.at,
      item.source,
      item.seq,
      item.eventId,
      item.action,
      item.stepId,
      item.stepTitle,
      item.clauses.join('; '),
      item.actor?.id ?? null,
      item.actor?.name ?? null,
      item.actor?.role ?? null,
      item.dueAt,
      item.lateness === null ? null : item.lateness.late,
      item.lateness?.text ?? null,
      item.sentence,
    ]
      .map(csvField)
      .join(','),
  );
  return `\uFEFF${[CSV_COLUMNS.join(','), ...rows].join('\r\n')}\r\n`;
}

type Sentence = (
  lang: Language,
  who: string,
  after: Record<string, unknown>,
  clauses: string,
) => string;

const v = (after: Record<string, unknown>, name: string): string => {
  const value = after[name];
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
};

/**
 * Issue 8's paperwork records: question lists, ticket sets, admission, the assignment, grading,
 * the grade sheet and appeals.
 */
const PAPERWORK: Record<string, Sentence> = {
  'questionList.uploaded': (lang, who, a, clauses) =>
    ({
      en: `${who} uploaded question list version ${v(a, 'version')} (${v(a, 'questionCount')} questions)${clauses}`,
      ru: `${who} — загружена версия ${v(a, 'version')} списка вопросов (${v(a, 'questionCount')} вопр.)${clauses}`,
      kk: `${who} — сұрақтар тізімінің ${v(a, 'version')}-нұсқасы жүктелді (${v(a, 'questionCount')} сұрақ)${clauses}`,
    })[lang],
  'ticketSet.uploaded': (lang, who, a, clauses) =>
    ({
      en: `${who} uploaded the tickets of day ${v(a, 'day')}, version ${v(a, 'version')}${clauses}`,
      ru: `${who} — загружены билеты дня ${v(a, 'day')}, версия ${v(a, 'version')}${clauses}`,
      kk: `${who} — ${v(a, 'day')}-күннің билеттері жүктелді, ${v(a, 'version')}-нұсқа${clauses}`,
    })[lang],
  'ticketSet.approved': (lang, who, a, clauses) =>
    ({
      en: `${who} approved the tickets of day ${v(a, 'day')}, version ${v(a, 'version')}${clauses}`,
      ru: `${who} — утверждены билеты дня ${v(a, 'day')}, версия ${v(a, 'version')}${clauses}`,
      kk: `${who} — ${v(a, 'day')}-күннің билеттері бекітілді, ${v(a, 'version')}-нұсқа${clauses}`,
    })[lang],
  'ticketSet.viewed': (lang, who, a, clauses) =>
    ({
      en: `${who} viewed the tickets of day ${v(a, 'day')}${clauses}`,
      ru: `${who} — просмотрены билеты дня ${v(a, 'day')}${clauses}`,
      kk: `${who} — ${v(a, 'day')}-күннің билеттері қаралды${clauses}`,
    })[lang],
  'ticketSet.downloaded': (lang, who, a, clauses) =>
    ({
      en: `${who} downloaded the tickets of day ${v(a, 'day')}${clauses}`,
      ru: `${who} — скачаны билеты дня ${v(a, 'day')}${clauses}`,
      kk: `${who} — ${v(a, 'day')}-күннің билеттері жүктеп алынды${clauses}`,
    })[lang],
  'admission.imported': (lang, who, a, clauses) =>
    ({
      en: `${who} imported the admission list, version ${v(a, 'listVersion')}${clauses}`,
      ru: `${who} — импортирован список допуска, версия ${v(a, 'listVersion')}${clauses}`,
      kk: `${who} — жіберілу тізімі импортталды, ${v(a, 'listVersion')}-нұсқа${clauses}`,
    })[lang],
  'assignment.seed-committed': (lang, _who, a, clauses) =>
    ({
      en: `The seed of day ${v(a, 'day')}'s assignment was committed: SHA-256 ${v(a, 'commitment')}${clauses}`,
      ru: `Зафиксирован хэш зерна распределения дня ${v(a, 'day')}: SHA-256 ${v(a, 'commitment')}${clauses}`,
      kk: `${v(a, 'day')}-күнгі бөлудің тұқым хэші бекітілді: SHA-256 ${v(a, 'commitment')}${clauses}`,
    })[lang],
  'assignment.made': (lang, _who, a, clauses) =>
    ({
      en: `Tickets of day ${v(a, 'day')} assigned to ${v(a, 'students')} students at random${clauses}`,
      ru: `Билеты дня ${v(a, 'day')} случайно распределены: ${v(a, 'students')} обучающихся${clauses}`,
      kk: `${v(a, 'day')}-күннің билеттері кездейсоқ бөлінді: ${v(a, 'students')} білім алушы${clauses}`,
    })[lang],
  'assignment.seed-revealed': (lang, _who, a, clauses) =>
    ({
      en: `The seed of day ${v(a, 'day')} was revealed: anyone can recompute the assignment${clauses}`,
      ru: `Раскрыто зерно дня ${v(a, 'day')}: распределение может пересчитать любой${clauses}`,
      kk: `${v(a, 'day')}-күннің тұқымы ашылды: бөлуді кез келген адам қайта есептей алады${clauses}`,
    })[lang],
  'grading.anonymised': (lang, _who, a, clauses) =>
    ({
      en: `${v(a, 'works')} works got random codes; who wrote them is sealed${clauses}`,
      ru: `${v(a, 'works')} работам присвоены случайные коды; авторы скрыты${clauses}`,
      kk: `${v(a, 'works')} жұмысқа кездейсоқ код берілді; авторлары жасырылды${clauses}`,
    })[lang],
  'grading.graded': (lang, who, a, clauses) =>
    ({
      en: `${who} entered grades (${v(a, 'source')})${clauses}`,
      ru: `${who} — выставлены оценки (${v(a, 'source')})${clauses}`,
      kk: `${who} — бағалар қойылды (${v(a, 'source')})${clauses}`,
    })[lang],
  'grading.regraded': (lang, who, a, clauses) =>
    ({
      en: `${who} regraded disputed works (${v(a, 'source')})${clauses}`,
      ru: `${who} — переоценены спорные работы (${v(a, 'source')})${clauses}`,
      kk: `${who} — даулы жұмыстар қайта бағаланды (${v(a, 'source')})${clauses}`,
    })[lang],
  'grading.deanonymised': (lang, _who, a, clauses) =>
    ({
      en: `The codes of ${v(a, 'opened')} works were opened: grading is done${clauses}`,
      ru: `Коды ${v(a, 'opened')} работ раскрыты: проверка завершена${clauses}`,
      kk: `${v(a, 'opened')} жұмыстың кодтары ашылды: тексеру аяқталды${clauses}`,
    })[lang],
  'gradeSheet.formed': (lang, who, a, clauses) =>
    ({
      en: `${who} formed grade-sheet version ${v(a, 'version')} (${v(a, 'students')} students; ${v(a, 'reason')})${clauses}`,
      ru: `${who} — сформирована ведомость, версия ${v(a, 'version')} (${v(a, 'students')} обуч.; ${v(a, 'reason')})${clauses}`,
      kk: `${who} — ведомостың ${v(a, 'version')}-нұсқасы жасалды (${v(a, 'students')} білім алушы; ${v(a, 'reason')})${clauses}`,
    })[lang],
  'gradeSheet.annulled': (lang, who, a, clauses) =>
    ({
      en: `${who} annulled a result on grade-sheet version ${v(a, 'version')} (case ${v(a, 'caseId')})${clauses}`,
      ru: `${who} — аннулирован результат в версии ${v(a, 'version')} ведомости (дело ${v(a, 'caseId')})${clauses}`,
      kk: `${who} — ведомостың ${v(a, 'version')}-нұсқасында нәтиже жойылды (іс ${v(a, 'caseId')})${clauses}`,
    })[lang],
  'gradeSheet.confirmed': (lang, who, a, clauses) =>
    ({
      en: `${who} confirmed grade-sheet version ${v(a, 'version')}${clauses}`,
      ru: `${who} — подтверждена версия ${v(a, 'version')} ведомости${clauses}`,
      kk: `${who} — ведомостың ${v(a, 'version')}-нұсқасы расталды${clauses}`,
    })[lang],
  'gradeSheet.disputed': (lang, who, a, clauses) =>
    ({
      en: `${who} disputed grade-sheet version ${v(a, 'version')}: ${v(a, 'comment')}${clauses}`,
      ru: `${who} — оспорена версия ${v(a, 'version')} ведомости: ${v(a, 'comment')}${clauses}`,
      kk: `${who} — ведомостың ${v(a, 'version')}-нұсқасына дау айтылды: ${v(a, 'comment')}${clauses}`,
    })[lang],
  'gradeSheet.reconciled': (lang, _who, a, clauses) =>
    ({
      en: `Grade-sheet version ${v(a, 'version')} is reconciled${clauses}`,
      ru: `Версия ${v(a, 'version')} ведомости сверена${clauses}`,
      kk: `Ведомостың ${v(a, 'version')}-нұсқасы салыстырылды${clauses}`,
    })[lang],
  'gradeSheet.exported': (lang, who, a, clauses) =>
    ({
      en: `${who} exported grade-sheet version ${v(a, 'version')} to the transcript (${v(a, 'format')})${clauses}`,
      ru: `${who} — версия ${v(a, 'version')} ведомости выгружена в транскрипт (${v(a, 'format')})${clauses}`,
      kk: `${who} — ведомостың ${v(a, 'version')}-нұсқасы транскриптке жүктелді (${v(a, 'format')})${clauses}`,
    })[lang],
  'appeal.filed': (lang, who, a, clauses) =>
    ({
      en: `${who} filed appeal ${v(a, 'caseId')}${clauses}`,
      ru: `${who} — подана апелляция ${v(a, 'caseId')}${clauses}`,
      kk: `${who} — ${v(a, 'caseId')} апелляциясы берілді${clauses}`,
    })[lang],
  'appeal.decided': (lang, who, a, clauses) => {
    const changed = v(a, 'decision') === 'upheld';
    return {
      en: `${who} recorded the commission's decision on appeal ${v(a, 'caseId')}: ${changed ? `upheld, score ${v(a, 'oldScore')} → ${v(a, 'newScore')}` : 'dismissed'}${clauses}`,
      ru: `${who} — решение комиссии по апелляции ${v(a, 'caseId')}: ${changed ? `удовлетворена, балл ${v(a, 'oldScore')} → ${v(a, 'newScore')}` : 'отклонена'}${clauses}`,
      kk: `${who} — ${v(a, 'caseId')} апелляциясы бойынша комиссия шешімі: ${changed ? `қанағаттандырылды, балл ${v(a, 'oldScore')} → ${v(a, 'newScore')}` : 'қабылданбады'}${clauses}`,
    }[lang];
  },
  'assignment.failed': (lang, _who, a, clauses) =>
    ({
      en: `Tickets of day ${v(a, 'day')} could not be assigned${clauses}: ${v(a, 'reason')}`,
      ru: `Билеты дня ${v(a, 'day')} не распределены${clauses}: ${v(a, 'reason')}`,
      kk: `${v(a, 'day')}-күннің билеттері бөлінбеді${clauses}: ${v(a, 'reason')}`,
    })[lang],
};

const count = (after: Record<string, unknown>, name: string): string => {
  const value = after[name];
  return Array.isArray(value) ? String(value.length) : v(after, name);
};

/** Issue 9's records: the working group, Form 4's round trip, violation cases, numbered documents. */
const INTEGRITY: Record<string, Sentence> = {
  'workingGroup.order-recorded': (lang, who, a, clauses) =>
    ({
      en: `${who} recorded the vice-rector's order № ${v(a, 'number')} appointing the working group (${count(a, 'members')} members)${clauses}`,
      ru: `${who} — зарегистрирован приказ проректора № ${v(a, 'number')} о рабочей группе (${count(a, 'members')} чел.)${clauses}`,
      kk: `${who} — жұмыс тобы туралы проректордың № ${v(a, 'number')} бұйрығы тіркелді (${count(a, 'members')} адам)${clauses}`,
    })[lang],
  'workingGroup.proctors-assigned': (lang, who, a, clauses) =>
    ({
      en: `${who} assigned ${count(a, 'assignments')} proctors to the exam${clauses}`,
      ru: `${who} — на экзамен назначено прокторов: ${count(a, 'assignments')}${clauses}`,
      kk: `${who} — емтиханға ${count(a, 'assignments')} проктор тағайындалды${clauses}`,
    })[lang],
  'form4.sent': (lang, _who, a, clauses) =>
    ({
      en: `Form 4 was emailed to ${count(a, 'proctors')} proctors (${v(a, 'students')} students)${clauses}`,
      ru: `Форма 4 отправлена прокторам: ${count(a, 'proctors')} (${v(a, 'students')} обуч.)${clauses}`,
      kk: `4-нысан ${count(a, 'proctors')} проктордың поштасына жіберілді (${v(a, 'students')} білім алушы)${clauses}`,
    })[lang],
  'form4.returned': (lang, who, a, clauses) =>
    ({
      en: `${who} returned Form 4 (${v(a, 'students')} students, ${v(a, 'drawn')} acts drawn up)${clauses}`,
      ru: `${who} — возвращена форма 4 (${v(a, 'students')} обуч., актов: ${v(a, 'drawn')})${clauses}`,
      kk: `${who} — 4-нысан қайтарылды (${v(a, 'students')} білім алушы, ${v(a, 'drawn')} акт)${clauses}`,
    })[lang],
  'form4.sent-back': (lang, _who, a, clauses) =>
    ({
      en: `Form 4 was sent back to its proctor: ${v(a, 'comment')}${clauses}`,
      ru: `Форма 4 возвращена проктору: ${v(a, 'comment')}${clauses}`,
      kk: `4-нысан проктордың өзіне қайтарылды: ${v(a, 'comment')}${clauses}`,
    })[lang],
  'form4.signed': (lang, who, a, clauses) =>
    ({
      en: `${who} signed Form 4 № ${v(a, 'number')} (cases opened: ${count(a, 'cases')})${clauses}`,
      ru: `${who} — подписана форма 4 № ${v(a, 'number')} (открыто дел: ${count(a, 'cases')})${clauses}`,
      kk: `${who} — № ${v(a, 'number')} 4-нысанға қол қойылды (ашылған іс: ${count(a, 'cases')})${clauses}`,
    })[lang],
  'form4.distributed': (lang, _who, a, clauses) =>
    ({
      en: `Form 4 № ${v(a, 'number')} was sent to the integrity commission (${count(a, 'to')}) with ${count(a, 'copies')} copies to the dean's office and the registrar${clauses}`,
      ru: `Форма 4 № ${v(a, 'number')} направлена в комиссию по академической честности (${count(a, 'to')}), копии (${count(a, 'copies')}) — в деканат и офис регистратора${clauses}`,
      kk: `№ ${v(a, 'number')} 4-нысан академиялық адалдық комиссиясына (${count(a, 'to')}) жіберілді, көшірмелері (${count(a, 'copies')}) — деканат пен тіркеу кеңсесіне${clauses}`,
    })[lang],
  'case.opened': (lang, who, a, clauses) =>
    ({
      en: `${who} opened violation case ${v(a, 'caseId')} (${v(a, 'source')})${clauses}`,
      ru: `${who} — открыто дело о нарушении ${v(a, 'caseId')} (${v(a, 'source')})${clauses}`,
      kk: `${who} — ${v(a, 'caseId')} бұзушылық ісі ашылды (${v(a, 'source')})${clauses}`,
    })[lang],
  'case.decided': (lang, who, a, clauses) => {
    const confirmed = v(a, 'decision') === 'confirmed';
    return {
      en: `${who} recorded the commission's decision on case ${v(a, 'caseId')}: ${confirmed ? 'confirmed' : 'dismissed'}${clauses}`,
      ru: `${who} — решение комиссии по делу ${v(a, 'caseId')}: ${confirmed ? 'нарушение подтверждено' : 'дело прекращено'}${clauses}`,
      kk: `${who} — ${v(a, 'caseId')} ісі бойынша комиссия шешімі: ${confirmed ? 'бұзушылық расталды' : 'іс тоқтатылды'}${clauses}`,
    }[lang];
  },
  'case.act-delivered': (lang, _who, a, clauses) =>
    ({
      en: `The act of case ${v(a, 'caseId')} was sent to the student by email and the AIS${clauses}`,
      ru: `Акт по делу ${v(a, 'caseId')} направлен обучающемуся по почте и в АИС${clauses}`,
      kk: `${v(a, 'caseId')} ісінің актісі білім алушыға поштамен және АЖС арқылы жіберілді${clauses}`,
    })[lang],
  'document.issued': (lang, who, a, clauses) =>
    ({
      en: `${who} issued document № ${v(a, 'number')} (${v(a, 'kind')}, ${v(a, 'year')})${clauses}`,
      ru: `${who} — выпущен документ № ${v(a, 'number')} (${v(a, 'kind')}, ${v(a, 'year')})${clauses}`,
      kk: `${who} — № ${v(a, 'number')} құжат шығарылды (${v(a, 'kind')}, ${v(a, 'year')})${clauses}`,
    })[lang],
};
