import { WorkflowNotFoundError } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { parse } from 'csv-parse/sync';
import pdfParse from 'pdf-parse/lib/pdf-parse.js';
import type { TimelineItem } from '../../api/history/timeline';
import { examWorkflowId } from '../../workflows/exam.contract';
import { uniqueId, waitFor } from '../support';
import { examStartingAt, useStack, type Credentials } from './harness';

/**
 * History for auditors (issue 7) on the real stack: GP 3's step alone on the drill's seconds, so
 * an exam registered half a minute ahead runs to its end (E + nothing left to do) within the test.
 */
const ctx = useStack({
  onlySteps: ['departmentDiscussion'],
  // The archive sweep every 2 s (production: every 10 minutes).
  env: () => ({ HISTORY_ARCHIVE_EVERY_SECONDS: '2' }),
});

/** The answer as JSON carries it. */
interface Answer {
  examId: string;
  temporal: { status: string; available: boolean; timersFired: number; note: string };
  items: TimelineItem[];
}

async function raw(path: string, as: Credentials, headers: Record<string, string> = {}) {
  const token = await ctx.stack.login(as as { email: string; password: string });
  const response = await fetch(`${ctx.stack.baseUrl}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...headers },
  });
  return { response, bytes: Buffer.from(await response.arrayBuffer()) };
}

async function register(startsIn: number, discipline: string): Promise<string> {
  const examId = uniqueId('hist');
  const created = await ctx.stack.http('POST', '/exams', {
    body: {
      id: examId,
      discipline,
      department: ctx.dir.departmentId,
      ...examStartingAt(Date.now() + startsIn),
    },
    as: ctx.dir.head,
  });
  expect(created.status).toBe(201);
  return examId;
}

const timeline = async (examId: string, lang: string) => {
  const answer = await ctx.stack.http('GET', `/exams/${examId}/history?lang=${lang}`, {
    as: ctx.dir.auditor,
  });
  expect(answer.status).toBe(200);
  return answer.body as unknown as Answer;
};

let examId: string;

test('GP 3: the auditor reads who approved the step, when and against which clause — in kk, ru and en, as JSON, CSV and PDF; a student gets 404; each read is audited', async () => {
  examId = await register(30_000, 'Адам анатомиясы');
  // The step opens a moment after registration; the head approves it before its due.
  await waitFor(
    'GP 3 step to open',
    async () => {
      const exam = await ctx.stack.http('GET', `/exams/${examId}`, { as: ctx.dir.head });
      return (exam.body.steps as unknown[]).length > 0;
    },
    30_000,
  );
  expect((await ctx.stack.approve(examId, ctx.dir.head)).status).toBe(200);
  const approval = (answer: Answer) => answer.items.find((i) => i.action === 'step.approved');
  await waitFor(
    'the approval in the timeline',
    async () => approval(await timeline(examId, 'en')),
    30_000,
  );

  const head = ctx.dir.head.fullName;
  const sentences: Record<string, string> = {};
  for (const [lang, words] of [
    [
      'kk',
      /Кафедра меңгерушісі .* — «.*» қадамы бекітілді \(GP 3, row 1\), мерзімінен \d+ секунд бұрын\.$/,
    ],
    [
      'ru',
      /Заведующий кафедрой .* — шаг «.*» утверждён \(GP 3, row 1\), за \d+ секунд[уы]? до срока\.$/,
    ],
    ['en', /Head of department .* approved “.*” \(GP 3, row 1\), \d+ seconds? before its due\.$/],
  ] as const) {
    const answer = await timeline(examId, lang);
    const item = approval(answer)!;
    expect(item.sentence).toContain(head);
    expect(item.sentence).toMatch(words);
    expect(item).toMatchObject({
      source: 'audit',
      clauses: ['GP 3', 'row 1'],
      actor: { id: ctx.dir.head.id, name: head, role: 'department_head' },
      stepId: 'departmentDiscussion',
      lateness: { late: false },
    });
    expect(item.eventId).toEqual(expect.any(Number)); // the history event that decided it
    // Temporal's side: the Update that carried the decision, linked to the audit record.
    const update = answer.items.find((i) => i.action === 'update.accepted')!;
    expect(update).toMatchObject({ source: 'temporal', seq: item.seq });
    expect(update.sentence).toContain(head);
    expect(answer.items[0].action).toBe('workflow.started');
    sentences[lang] = item.sentence;
  }
  // Accept-Language picks the language when ?lang= is absent; a bad lang names the field.
  const ru = await ctx.stack.http('GET', `/exams/${examId}/history`, {
    as: ctx.dir.auditor,
    headers: { 'Accept-Language': 'ru-KZ, en;q=0.5' },
  });
  expect(ru.headers.get('content-language')).toBe('ru');
  expect(approval(ru.body as unknown as Answer)!.sentence).toBe(sentences.ru);
  const bad = await ctx.stack.http('GET', `/exams/${examId}/history.csv?lang=de`, {
    as: ctx.dir.auditor,
  });
  expect(bad.status).toBe(400);
  expect(bad.body.errors).toEqual([{ path: 'lang', message: 'must be one of kk, ru, en' }]);

  // CSV: the same items as the JSON answer read around it (retried while the exam moves on).
  await waitFor(
    'a CSV taken while the timeline stood still',
    async () => {
      const before = await timeline(examId, 'ru');
      const { response, bytes } = await raw(
        `/exams/${examId}/history.csv?lang=ru`,
        ctx.dir.auditor,
      );
      const after = await timeline(examId, 'ru');
      if (JSON.stringify(before.items) !== JSON.stringify(after.items)) return false;
      expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(response.headers.get('content-disposition')).toBe(
        `attachment; filename="exam-${examId}-history-ru.csv"`,
      );
      expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // UTF-8 BOM
      const rows = parse<Record<string, string>>(bytes, { bom: true, columns: true });
      expect(
        rows.map((r) => [r.at, r.source, r.seq, r.eventId, r.action, r.actorName, r.sentence]),
      ).toEqual(
        after.items.map((i) => [
          i.at,
          i.source,
          i.seq === null ? '' : String(i.seq),
          i.eventId === null ? '' : String(i.eventId),
          i.action,
          i.actor?.name ?? '',
          i.sentence,
        ]),
      );
      return true;
    },
    30_000,
  );

  // PDF: Kazakh letters and the Russian sentence come out of the file as text, so the font
  // embeds them (Helvetica would print garbage).
  const kk = await raw(`/exams/${examId}/history.pdf?lang=kk`, ctx.dir.auditor);
  expect(kk.response.status).toBe(200);
  expect(kk.response.headers.get('content-type')).toBe('application/pdf');
  expect(kk.response.headers.get('content-disposition')).toBe(
    `attachment; filename="exam-${examId}-history-kk.pdf"`,
  );
  expect(kk.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
  expect(kk.bytes.toString('latin1')).toContain('DejaVuSans');
  const kkText = (await pdfParse(kk.bytes)).text;
  for (const letter of ['қ', 'ә', 'ү', 'ң', 'ұ', 'і']) expect(kkText).toContain(letter);
  expect(kkText).toContain('Емтихан тарихы: Адам анатомиясы');
  expect(kkText).toContain('Әлия');
  const ruPdf = await raw(`/exams/${examId}/history.pdf`, ctx.dir.auditor, {
    'Accept-Language': 'ru',
  });
  const ruText = (await pdfParse(ruPdf.bytes)).text.replace(/\s+/g, ' ');
  expect(ruText).toContain('История экзамена: Адам анатомиясы');
  expect(ruText).toContain(sentences.ru);
  expect(ruText).toMatch(/Страница 1 \/ \d+/);

  // history.json: the raw Temporal history, proto3 JSON as `temporal workflow show` writes it.
  const json = await raw(`/exams/${examId}/history.json`, ctx.dir.auditor);
  expect(json.response.status).toBe(200);
  expect(json.response.headers.get('content-disposition')).toMatch(
    new RegExp(`^attachment; filename="exam-${examId}-[0-9a-f-]+-history\\.json"$`),
  );
  const events = (JSON.parse(json.bytes.toString('utf8')) as { events: { eventType: string }[] })
    .events;
  expect(events[0].eventType).toBe('EVENT_TYPE_WORKFLOW_EXECUTION_STARTED');

  // Who may not see the exam gets 404, in every format: a student, another department's head.
  for (const path of ['history', 'history.json', 'history.csv', 'history.pdf'])
    for (const who of [ctx.dir.student, ctx.dir.otherHead]) {
      const denied = await ctx.stack.http('GET', `/exams/${examId}/${path}`, { as: who });
      expect([path, denied.status]).toEqual([path, 404]);
      expect(denied.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }

  // Every answer was a read of personal data, in the audit chain: who, which resource, whom.
  const reads = await ctx.db.query<{ after: { resource: string; people: string[] } }[]>(
    `SELECT after FROM audit_log WHERE action = 'personal-data.read' AND actor = $1 AND exam_id = $2`,
    [ctx.dir.auditor.id, examId],
  );
  const resources = new Set(reads.map((r) => r.after.resource));
  for (const resource of [
    'GET /exams/:id/history',
    'GET /exams/:id/history.csv',
    'GET /exams/:id/history.pdf',
    'GET /exams/:id/history.json',
  ])
    expect(resources).toContain(resource);
  expect(reads.find((r) => r.after.resource === 'GET /exams/:id/history')!.after.people).toContain(
    ctx.dir.head.id,
  );
  const studentReads = await ctx.db.query<unknown[]>(
    `SELECT 1 FROM audit_log WHERE action = 'personal-data.read' AND actor = $1 AND exam_id = $2`,
    [ctx.dir.student.id, examId],
  );
  expect(studentReads).toEqual([]);
});

test("a completed exam's history.json replays against the current workflow code; it is archived and outlives Temporal's retention", async () => {
  const workflowId = examWorkflowId(examId);
  await ctx.stack.client.workflow.getHandle(workflowId).result();
  // Archived by the API's sweep, before anyone reads it.
  const swept = await waitFor(
    'the sweep to archive the closed history',
    async () => {
      const rows = await ctx.db.query<{ events: number }[]>(
        `SELECT jsonb_array_length(history -> 'events') AS events FROM workflow_history WHERE workflow_id = $1`,
        [workflowId],
      );
      return rows.length > 0 ? rows : undefined;
    },
    30_000,
  );

  const json = await raw(`/exams/${examId}/history.json`, ctx.dir.auditor);
  expect(json.response.headers.get('x-history-source')).toBe('temporal');
  const fromTemporal = JSON.parse(json.bytes.toString('utf8')) as { events: { eventId: string }[] };
  const bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: undefined,
  });
  // Throws DeterminismViolationError (or any replay failure) if the code no longer fits.
  await Worker.runReplayHistory(
    { workflowBundle: bundle },
    historyFromJSON(fromTemporal),
    workflowId,
  );

  const done = await timeline(examId, 'en');
  expect(done.temporal.status).toBe('temporal');
  expect(done.items.map((i) => i.action)).toEqual(
    expect.arrayContaining(['workflow.completed', 'exam.completed', 'step.approved']),
  );
  const archived = await ctx.db.query<{ events: number }[]>(
    `SELECT jsonb_array_length(history -> 'events') AS events FROM workflow_history WHERE workflow_id = $1`,
    [workflowId],
  );
  expect(archived).toEqual([{ events: fromTemporal.events.length }]);
  expect(swept).toEqual(archived);

  // Temporal's retention removes the closed workflow (here: at once, by deleting it).
  await ctx.stack.client.workflowService.deleteWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId },
  });
  await waitFor(
    'Temporal to forget the workflow',
    () =>
      ctx.stack.client.workflow
        .getHandle(workflowId)
        .describe()
        .then(
          () => false,
          (error: unknown) => error instanceof WorkflowNotFoundError,
        ),
    // The dev server deletes asynchronously; on a loaded machine that takes longer than 30 s.
    90_000,
  );
  const again = await raw(`/exams/${examId}/history.json`, ctx.dir.auditor);
  expect(again.response.status).toBe(200);
  expect(again.response.headers.get('x-history-source')).toBe('archive');
  const fromArchive = JSON.parse(again.bytes.toString('utf8')) as { events: { eventId: string }[] };
  expect(fromArchive.events.map((e) => e.eventId)).toEqual(
    fromTemporal.events.map((e) => e.eventId),
  );
  await Worker.runReplayHistory(
    { workflowBundle: bundle },
    historyFromJSON(fromArchive),
    workflowId,
  );
  const later = await timeline(examId, 'en');
  expect(later.temporal.status).toBe('archive');
  expect(later.items.map((i) => `${i.source}:${i.action}`)).toEqual(
    done.items.map((i) => `${i.source}:${i.action}`),
  );
}, 300_000);

test('when Temporal dropped a history that was never archived, the timeline comes from the audit records and says so; history.json is 410', async () => {
  const lost = await register(3_600_000, 'Гистология');
  const workflowId = examWorkflowId(lost);
  await waitFor(
    'GP 3 step opened in the audit log',
    async () => (await timeline(lost, 'en')).items.some((i) => i.action === 'step.opened'),
    30_000,
  );
  await ctx.stack.client.workflowService.deleteWorkflowExecution({
    namespace: 'default',
    workflowExecution: { workflowId },
  });
  const answer = await waitFor(
    'the timeline without Temporal',
    async () => {
      const now = await timeline(lost, 'ru');
      return now.temporal.status === 'unavailable' ? now : undefined;
    },
    30_000,
  );
  expect(answer.temporal.available).toBe(false);
  expect(answer.temporal.note).toContain('Часть Temporal больше недоступна');
  expect(answer.items.every((i) => i.source === 'audit')).toBe(true);
  expect(answer.items.map((i) => i.action)).toContain('step.opened');
  const json = await ctx.stack.http('GET', `/exams/${lost}/history.json`, { as: ctx.dir.auditor });
  expect(json.status).toBe(410);
  expect(String(json.body.detail)).toContain('no longer available');
});
