import { parse } from 'csv-parse/sync';
import type { AuditRecord } from '../../activities/audit-log';
import { DEFAULT_POLICY } from '../../sop/default-policy';
import {
  buildTimeline,
  csvField,
  type HistoryEvent,
  latenessText,
  timelineCsv,
  type TimelineInput,
} from './timeline';

const HEAD = 'a1b2c3d4-0000-4000-8000-000000000001';
const DEAN = 'a1b2c3d4-0000-4000-8000-000000000002';
const people = new Map([
  [HEAD, 'Әлия Сәрсенбаева'],
  [DEAN, 'Ерлан Мұхамедиев'],
]);
// GP 3's step due Monday 15 March 2027 23:59:59.999 Almaty (+05:00).
const DUE = '2027-03-15T18:59:59.999Z';

let seq = 0;
function record(partial: Partial<AuditRecord> & Pick<AuditRecord, 'action' | 'at'>): AuditRecord {
  seq++;
  return {
    seq,
    key: `k${seq}`,
    recordedAt: partial.at,
    actor: 'system:workflow',
    actorRole: null,
    clauses: ['GP 3', 'row 1'],
    scopeId: 'anatomy',
    examId: 'e1',
    sessionId: null,
    stepId: 'departmentDiscussion',
    before: null,
    after: null,
    requestId: null,
    workflowId: 'exam-e1',
    runId: 'r1',
    historyEventId: null,
    prevHash: '0',
    hash: '1',
    ...partial,
  };
}

const opened = record({
  action: 'step.opened',
  at: '2027-01-10T04:00:00.000Z',
  after: { status: 'open', dueAt: DUE },
});
// Friday 12 March 2027, 10:02 Almaty: 3 days (and 13 hours) before the due.
const approved = record({
  action: 'step.approved',
  at: '2027-03-12T05:02:00.000Z',
  actor: HEAD,
  actorRole: 'department_head',
  requestId: 'approve/departmentDiscussion/head/key-1',
  historyEventId: 41,
  before: { status: 'open' },
  after: { status: 'approved', comment: 'minutes No. 7', dueAt: DUE },
});

function input(
  lang: TimelineInput['language'],
  audit: AuditRecord[],
  events: HistoryEvent[] | null = null,
): TimelineInput {
  return {
    language: lang,
    timeZone: 'Asia/Almaty',
    policy: DEFAULT_POLICY,
    workflowId: 'exam-e1',
    audit,
    events,
    people,
  };
}

const sentenceOf = (lang: TimelineInput['language'], audit: AuditRecord[], action: string) =>
  buildTimeline(input(lang, audit)).items.find((i) => i.action === action)?.sentence;

describe('timeline sentences (issue 7)', () => {
  test('GP 3: an approval 3 days before its due, in kk, ru and en, with the head, the step and the clause', () => {
    expect(sentenceOf('en', [opened, approved], 'step.approved')).toBe(
      '12 March 2027, 10:02: Head of department Әлия Сәрсенбаева approved “Department discusses the exam questions, rubric, aids and literature” (GP 3, row 1), 3 days before its due.',
    );
    expect(sentenceOf('ru', [opened, approved], 'step.approved')).toBe(
      '12 марта 2027 г., 10:02: Заведующий кафедрой Әлия Сәрсенбаева — шаг «Обсуждение экзаменационных вопросов, листа оценки, средств и литературы на заседании кафедры» утверждён (GP 3, row 1), за 3 дня до срока.',
    );
    expect(sentenceOf('kk', [opened, approved], 'step.approved')).toBe(
      '2027 жылғы 12 наурыз, 10:02: Кафедра меңгерушісі Әлия Сәрсенбаева — «Емтихан сұрақтарын, бағалау парағын, құралдар мен әдебиеттерді кафедра отырысында талқылау» қадамы бекітілді (GP 3, row 1), мерзімінен 3 күн бұрын.',
    );
    const item = buildTimeline(input('en', [opened, approved])).items.find(
      (i) => i.action === 'step.approved',
    )!;
    expect(item).toMatchObject({
      at: '2027-03-12T10:02:00.000+05:00',
      source: 'audit',
      seq: approved.seq,
      eventId: 41,
      clauses: ['GP 3', 'row 1'],
      actor: { id: HEAD, name: 'Әлия Сәрсенбаева', role: 'department_head' },
      stepId: 'departmentDiscussion',
      dueAt: '2027-03-15T23:59:59.999+05:00',
      lateness: { late: false },
    });
    expect(item.lateness!.seconds).toBe(
      -Math.round((Date.parse(DUE) - Date.parse(approved.at)) / 1000),
    );
  });

  test('GP 3: a decision after the due is late, said in every language', () => {
    const late = record({
      action: 'step.approved',
      at: '2027-03-18T06:00:00.000Z', // two days and 11 hours after the due
      actor: HEAD,
      actorRole: 'department_head',
      after: { status: 'approved', dueAt: DUE },
    });
    const timeline = buildTimeline(input('en', [opened, late]));
    const item = timeline.items.find((i) => i.action === 'step.approved')!;
    expect(item.lateness).toMatchObject({ late: true, text: '2 days after its due (late)' });
    expect(item.sentence).toMatch(/approved .*\(GP 3, row 1\), 2 days after its due \(late\)\.$/);
    expect(sentenceOf('ru', [opened, late], 'step.approved')).toMatch(/с опозданием на 2 дня\.$/);
    expect(sentenceOf('kk', [opened, late], 'step.approved')).toMatch(
      /мерзімінен 2 күн кешігіп\.$/,
    );
  });

  test('GP 3: a waiver by the dean names the dean, the reason and the lateness', () => {
    const waived = record({
      action: 'step.waived',
      at: '2027-03-16T04:00:00.000Z', // 9 hours after the due
      actor: DEAN,
      actorRole: 'dean',
      after: { status: 'waived', comment: 'discussed at the school council', dueAt: DUE },
    });
    expect(sentenceOf('en', [opened, waived], 'step.waived')).toBe(
      '16 March 2027, 09:00: Dean Ерлан Мұхамедиев waived “Department discusses the exam questions, rubric, aids and literature” (GP 3, row 1), 9 hours after its due (late). Reason: discussed at the school council.',
    );
    expect(sentenceOf('ru', [opened, waived], 'step.waived')).toContain(
      'Декан Ерлан Мұхамедиев — шаг «Обсуждение экзаменационных вопросов, листа оценки, средств и литературы на заседании кафедры» снят как ненужный (GP 3, row 1), с опозданием на 9 часов. Причина: discussed at the school council.',
    );
    expect(sentenceOf('kk', [opened, waived], 'step.waived')).toContain(
      'мерзімінен 9 сағат кешігіп',
    );
  });

  test('a return for changes is measured against the due it missed, not the new one', () => {
    const rejected = record({
      action: 'step.rejected',
      at: '2027-03-16T04:00:00.000Z',
      actor: HEAD,
      actorRole: 'department_head',
      after: { status: 'open', comment: 'add literature', dueAt: '2027-03-19T18:59:59.999Z' },
    });
    const item = buildTimeline(input('en', [opened, rejected])).items[1];
    expect(item.dueAt).toBe('2027-03-15T23:59:59.999+05:00');
    expect(item.lateness?.late).toBe(true);
    expect(item.sentence).toContain('new due 19 March 2027, 23:59:59');
  });

  test('DEADLINES.md reminders (issue 10): a reminder held by an outage until the step closed says it was not sent', () => {
    const withheld = record({
      action: 'step.reminder-cancelled',
      at: '2027-03-12T05:03:00.000Z',
      after: { role: 'department_head', to: [], messageIds: [], cancelled: ['head@x.kz'] },
    });
    expect(sentenceOf('en', [opened, approved, withheld], 'step.reminder-cancelled')).toMatch(
      /: A reminder for .*\(GP 3, row 1\) was not sent: the step was closed first\.$/,
    );
    expect(sentenceOf('ru', [opened, approved, withheld], 'step.reminder-cancelled')).toContain(
      'Напоминание по шагу',
    );
  });

  test('Russian plurals and Kazakh units of lateness', () => {
    expect(latenessText(-86_400, 'ru')).toBe('за 1 день до срока');
    expect(latenessText(-5 * 86_400, 'ru')).toBe('за 5 дней до срока');
    expect(latenessText(21 * 60, 'ru')).toBe('с опозданием на 21 минуту');
    expect(latenessText(-30, 'kk')).toBe('мерзімінен 30 секунд бұрын');
    expect(latenessText(3_600, 'en')).toBe('1 hour after its due (late)');
  });

  test('Temporal events: started and completed get a line, timers are counted, not listed; an update names who asked', () => {
    const json = (value: unknown) => ({
      metadata: { encoding: new TextEncoder().encode('json/plain') },
      data: new TextEncoder().encode(JSON.stringify(value)),
    });
    const at = (iso: string) => ({ seconds: Date.parse(iso) / 1000, nanos: 0 });
    const events: HistoryEvent[] = [
      {
        eventId: 1,
        eventTime: at('2027-01-10T04:00:00Z'),
        workflowExecutionStartedEventAttributes: { workflowType: { name: 'examWorkflow' } },
      },
      {
        eventId: 2,
        eventTime: at('2027-01-10T04:00:00Z'),
        workflowTaskScheduledEventAttributes: {},
      },
      { eventId: 9, eventTime: at('2027-03-08T04:00:00Z'), timerFiredEventAttributes: {} },
      { eventId: 12, eventTime: at('2027-03-09T04:00:00Z'), timerFiredEventAttributes: {} },
      {
        eventId: 40,
        eventTime: at('2027-03-12T05:01:59Z'),
        workflowExecutionUpdateAcceptedEventAttributes: {
          acceptedRequest: {
            meta: { updateId: approved.requestId },
            input: {
              name: 'decideStep',
              args: {
                payloads: [
                  json({
                    stepId: 'departmentDiscussion',
                    decision: 'approve',
                    actor: HEAD,
                    actorName: 'A. S.',
                    actorRoles: ['department_head'],
                  }),
                ],
              },
            },
          },
        },
      },
      {
        eventId: 60,
        eventTime: at('2027-06-20T04:00:00Z'),
        workflowExecutionCompletedEventAttributes: {},
      },
    ] as unknown as HistoryEvent[];
    const timeline = buildTimeline(input('en', [opened, approved], events));
    expect(timeline.timersFired).toBe(2);
    expect(timeline.temporalEvents).toBe(6);
    expect(timeline.items.map((i) => `${i.source}:${i.action}`)).toEqual([
      'temporal:workflow.started',
      'audit:step.opened',
      'temporal:update.accepted',
      'audit:step.approved',
      'temporal:workflow.completed',
    ]);
    const update = timeline.items[2];
    expect(update.sentence).toBe(
      '12 March 2027, 10:01:59: Temporal accepted the request of Head of department Әлия Сәрсенбаева: approve “Department discusses the exam questions, rubric, aids and literature”.',
    );
    // Linked to the audit record it led to (the Update id is the record's request id).
    expect(update.seq).toBe(approved.seq);
    expect(timeline.personIds).toEqual([HEAD]);
  });
});

describe('CSV (RFC 4180)', () => {
  test('quotes fields with commas, quotes and line breaks; doubles quotes; neutralises formulas', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a, b')).toBe('"a, b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\r\nlines')).toBe('"two\r\nlines"');
    expect(csvField('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvField(null)).toBe('');
    expect(csvField(42)).toBe('42');
  });

  test('the timeline as CSV: BOM, header row, CRLF, one row per item that parses back to the same values', () => {
    const timeline = buildTimeline(input('ru', [opened, approved]));
    const csv = timelineCsv(timeline.items);
    expect(csv.startsWith('\uFEFFat,source,seq,eventId,action,')).toBe(true);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parse<Record<string, string>>(csv, { bom: true, columns: true });
    expect(rows).toHaveLength(timeline.items.length);
    expect(rows.map((r) => r.sentence)).toEqual(timeline.items.map((i) => i.sentence));
    expect(rows[1]).toMatchObject({
      action: 'step.approved',
      clauses: 'GP 3; row 1',
      actorId: HEAD,
      actorName: 'Әлия Сәрсенбаева',
      late: 'false',
      lateness: 'за 3 дня до срока',
    });
  });
});

describe('timeline sentences for the paperwork (issue 8)', () => {
  test('GP 3: a step reopened by a new question-list version says so (not "closed")', () => {
    const reopened = record({
      action: 'step.reopened',
      at: '2027-03-13T05:00:00.000Z',
      actor: HEAD,
      after: { status: 'open', reason: 'question list version 2 uploaded' },
    });
    expect(sentenceOf('en', [opened, approved, reopened], 'step.reopened')).toBe(
      '13 March 2027, 10:00: “Department discusses the exam questions, rubric, aids and literature” is open again (GP 3, row 1): question list version 2 uploaded.',
    );
  });

  test('§5.3, §5.5: the assignment and the seed’s reveal, in ru', () => {
    const made = record({
      action: 'assignment.made',
      at: '2027-03-16T04:00:00.000Z',
      stepId: null,
      clauses: ['§5.3', '§5.5'],
      after: { day: 1, students: 25 },
    });
    const revealed = record({
      action: 'assignment.seed-revealed',
      at: '2027-03-16T07:01:00.000Z',
      stepId: null,
      clauses: ['§5.5'],
      after: { day: 1, seed: 'ab' },
    });
    expect(sentenceOf('ru', [made, revealed], 'assignment.made')).toBe(
      '16 марта 2027 г., 09:00: Билеты дня 1 случайно распределены: 25 обучающихся (§5.3, §5.5).',
    );
    expect(sentenceOf('en', [made, revealed], 'assignment.seed-revealed')).toBe(
      '16 March 2027, 12:01: The seed of day 1 was revealed: anyone can recompute the assignment (§5.5).',
    );
  });
});
