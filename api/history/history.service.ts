import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { DataSource } from 'typeorm';
import { AUDIT_COLUMNS, toAuditRecord } from '../../activities/audit-log';
import { auditPersonalDataRead } from '../audit/personal-data';
import { STAFF } from '../auth/access.decorators';
import { holdsAny, type Principal } from '../auth/principal';
import type { Language } from '../common/language';
import { notFound, ProblemException } from '../common/problem';
import { isoInZone } from '../common/time';
import type { ExamRow, ExamsService } from '../exams/exams.service';
import type { SopService } from '../plans/sop.service';
import type { TemporalGateway } from '../temporal/temporal.gateway';
import { EXAM_WORKFLOW_TYPE } from '../../workflows/exam.contract';
import { historyPdf } from './history.pdf';
import {
  buildTimeline,
  candidatePersonIds,
  type HistoryEvent,
  timelineCsv,
  when,
} from './timeline';

/** Where the Temporal part of an answer came from. */
export type TemporalSource = 'temporal' | 'archive' | 'unavailable';

interface RawHistory {
  source: 'temporal' | 'archive';
  runId: string;
  closedAt: Date | null;
  archivedAt: Date | null;
  /** Proto3 JSON, as `temporal workflow show --output json` writes it. */
  json: string;
  events: HistoryEvent[];
}

const NOTES = {
  running: {
    en: 'The Temporal part is read live from Temporal: the workflow is still running.',
    ru: 'Часть Temporal прочитана из Temporal: процесс ещё выполняется.',
    kk: 'Temporal бөлігі Temporal-дан оқылды: процесс әлі жүріп жатыр.',
  },
  closed: {
    en: 'The Temporal part is read from Temporal; the workflow has closed and its history is archived in PostgreSQL.',
    ru: 'Часть Temporal прочитана из Temporal; процесс завершён, его история сохранена в архиве PostgreSQL.',
    kk: 'Temporal бөлігі Temporal-дан оқылды; процесс аяқталды, оның тарихы PostgreSQL мұрағатында сақталды.',
  },
  archive: {
    en: "Temporal's retention has removed the workflow's history: the Temporal part comes from the archive in PostgreSQL.",
    ru: 'Срок хранения в Temporal истёк: часть Temporal взята из архива PostgreSQL.',
    kk: 'Temporal-дағы сақтау мерзімі өтті: Temporal бөлігі PostgreSQL мұрағатынан алынды.',
  },
  unavailable: {
    en: "The Temporal part is no longer available (Temporal's retention removed it before it was archived): this timeline is built from the audit records alone.",
    ru: 'Часть Temporal больше недоступна (срок хранения в Temporal истёк до архивации): хронология построена только по записям аудита.',
    kk: 'Temporal бөлігі енді қолжетімсіз (мұрағатталғанға дейін Temporal-дағы сақтау мерзімі өтті): хронология тек аудит жазбалары бойынша құрылды.',
  },
} satisfies Record<string, Record<Language, string>>;

function timersNote(count: number, lang: Language): string {
  return {
    en: `${count} timer${count === 1 ? '' : 's'} fired (reminders, dues, waits); they are not listed one by one.`,
    ru: `Сработало таймеров: ${count} (напоминания, сроки, ожидания); по отдельности они не перечислены.`,
    kk: `Іске қосылған таймерлер: ${count} (еске салулар, мерзімдер, күтулер); олар жеке тізілмейді.`,
  }[lang];
}

/**
 * History for auditors (issue 7): `GET /exams/:id/history` (+ .json, .csv, .pdf). Who may read it
 * is ExamsService's rule for the exam itself; every answer is audited as a personal-data read.
 */
export class HistoryService {
  constructor(
    private readonly db: DataSource,
    private readonly temporal: TemporalGateway,
    private readonly sop: SopService,
    private readonly exams: ExamsService,
  ) {}

  private get zone(): string {
    return this.sop.policy.timeZone;
  }

  /**
   * The exam, if the principal may read it (GET /exams/:id's rule); 404 otherwise. Students read
   * only their own records: the history names staff and their decisions, so it is a 404 too.
   */
  private async exam(principal: Principal, examId: string): Promise<ExamRow> {
    if (!holdsAny(principal, STAFF)) throw notFound(`exam ${examId} does not exist`);
    return this.exams.readable(principal, examId);
  }

  /**
   * The workflow's history: from Temporal while it has it (archived in PostgreSQL the first time
   * it is read after the workflow closed), then from the archive; undefined when neither has it.
   */
  async rawHistory(workflowId: string): Promise<RawHistory | undefined> {
    const fetched = await this.temporal.fetchHistory(workflowId);
    if (fetched.kind === 'found') {
      const json = exportHistoryJson(fetched.history);
      if (fetched.closedAt !== null)
        await this.archive(workflowId, fetched.runId, fetched.closedAt, json);
      return {
        source: 'temporal',
        runId: fetched.runId,
        closedAt: fetched.closedAt,
        archivedAt: null,
        json,
        events: fetched.history.events ?? [],
      };
    }
    const rows = await this.db.query<
      { run_id: string; closed_at: Date; archived_at: Date; history: unknown }[]
    >(
      `SELECT run_id, closed_at, archived_at, history FROM workflow_history
        WHERE workflow_id = $1 ORDER BY closed_at DESC LIMIT 1`,
      [workflowId],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    const history = historyFromJSON(row.history);
    return {
      source: 'archive',
      runId: row.run_id,
      closedAt: row.closed_at,
      archivedAt: row.archived_at,
      json: JSON.stringify(row.history, null, 2),
      events: history.events ?? [],
    };
  }

  /**
   * Archives the histories of exam workflows closed in the last `days` days that are not archived
   * yet (the sweep of HistoryArchiver); returns how many it archived.
   */
  async archiveClosed(days: number): Promise<number> {
    const closed = await this.temporal.closedWorkflows(EXAM_WORKFLOW_TYPE, days);
    if (closed.length === 0) return 0;
    const kept = await this.db.query<{ workflow_id: string; run_id: string }[]>(
      `SELECT workflow_id, run_id FROM workflow_history WHERE workflow_id = ANY($1)`,
      [closed.map((c) => c.workflowId)],
    );
    const done = new Set(kept.map((k) => `${k.workflow_id}/${k.run_id}`));
    let archived = 0;
    for (const run of closed) {
      if (done.has(`${run.workflowId}/${run.runId}`)) continue;
      const raw = await this.rawHistory(run.workflowId);
      if (raw?.source === 'temporal' && raw.closedAt !== null) archived++;
    }
    return archived;
  }

  /** Keeps a closed run's history (once per run): the archive outlives Temporal's retention. */
  private async archive(workflowId: string, runId: string, closedAt: Date, json: string) {
    await this.db.query(
      `INSERT INTO workflow_history (workflow_id, run_id, closed_at, history)
       SELECT $1, $2, $3, $4::jsonb
        WHERE NOT EXISTS (SELECT 1 FROM workflow_history WHERE workflow_id = $1 AND run_id = $2)
       ON CONFLICT (workflow_id, run_id) DO NOTHING`,
      [workflowId, runId, closedAt, json],
    );
  }

  /** The merged timeline and what the answers in every format say about the exam. */
  async timeline(principal: Principal, examId: string, lang: Language, resource: string) {
    const exam = await this.exam(principal, examId);
    const raw = await this.rawHistory(exam.workflow_id);
    const audit = (
      await this.db.query<Record<string, unknown>[]>(
        `SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE exam_id = $1 ORDER BY seq`,
        [examId],
      )
    ).map(toAuditRecord);
    const events = raw?.events ?? null;
    const people = await this.people(candidatePersonIds(audit, events));
    const steps = await this.db.query<{ step_id: string; due_at: Date }[]>(
      `SELECT step_id, due_at FROM exam_step WHERE exam_id = $1`,
      [examId],
    );
    const timeline = buildTimeline({
      language: lang,
      timeZone: this.zone,
      policy: this.sop.policy,
      workflowId: exam.workflow_id,
      audit,
      events,
      people,
      dues: new Map(steps.map((s) => [s.step_id, s.due_at.getTime()])),
    });
    const departments = await this.db.query<{ name: string }[]>(
      `SELECT name_${lang} AS name FROM org_unit WHERE id = $1`,
      [exam.department_id],
    );
    const status: TemporalSource = raw === undefined ? 'unavailable' : raw.source;
    const note =
      raw === undefined
        ? NOTES.unavailable[lang]
        : raw.source === 'archive'
          ? NOTES.archive[lang]
          : raw.closedAt === null
            ? NOTES.running[lang]
            : NOTES.closed[lang];
    await auditPersonalDataRead(this.db, principal, {
      resource,
      examId,
      scopeId: exam.department_id,
      personIds: timeline.personIds,
    });
    return {
      examId: exam.id,
      discipline: exam.discipline,
      department: { id: exam.department_id, name: departments[0]?.name ?? exam.department_id },
      examDate: exam.exam_date,
      startsAt: isoInZone(this.zone, exam.starts_at),
      workflowId: exam.workflow_id,
      language: lang,
      timeZone: this.zone,
      temporal: {
        status,
        available: raw !== undefined,
        runId: raw?.runId ?? null,
        closedAt: raw?.closedAt == null ? null : isoInZone(this.zone, raw.closedAt),
        archivedAt: raw?.archivedAt == null ? null : isoInZone(this.zone, raw.archivedAt),
        events: timeline.temporalEvents,
        timersFired: timeline.timersFired,
        note,
      },
      items: timeline.items,
    };
  }

  async csv(principal: Principal, examId: string, lang: Language) {
    const answer = await this.timeline(principal, examId, lang, 'GET /exams/:id/history.csv');
    return { body: timelineCsv(answer.items), filename: fileName(examId, lang, 'csv') };
  }

  async pdf(principal: Principal, examId: string, lang: Language) {
    const answer = await this.timeline(principal, examId, lang, 'GET /exams/:id/history.pdf');
    const body = await historyPdf({
      language: lang,
      exam: {
        id: answer.examId,
        discipline: answer.discipline,
        department: answer.department.name,
        examDate: answer.examDate,
        startsAt: when(Date.parse(answer.startsAt), this.zone, lang),
      },
      generatedAt: when(Date.now(), this.zone, lang),
      notes: [answer.temporal.note, timersNote(answer.temporal.timersFired, lang)],
      items: answer.items,
    });
    return { body, filename: fileName(examId, lang, 'pdf') };
  }

  /** The raw Temporal history, replayable (Worker.runReplayHistory); 410 once it is gone. */
  async json(principal: Principal, examId: string) {
    const exam = await this.exam(principal, examId);
    const raw = await this.rawHistory(exam.workflow_id);
    if (raw === undefined)
      throw new ProblemException({
        status: 410,
        detail: `the Temporal history of ${exam.workflow_id} is no longer available: the namespace's retention removed it before it was archived; GET /exams/${examId}/history still answers from the audit records`,
      });
    const people = await this.people(candidatePersonIds([], raw.events));
    await auditPersonalDataRead(this.db, principal, {
      resource: 'GET /exams/:id/history.json',
      examId,
      scopeId: exam.department_id,
      personIds: [...people.keys()],
    });
    return {
      body: raw.json,
      source: raw.source,
      filename: `${exam.workflow_id}-${raw.runId}-history.json`,
    };
  }

  private async people(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; full_name: string }[]>(
      `SELECT id, full_name FROM person WHERE id = ANY($1::text[])`,
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.full_name]));
  }
}

/**
 * A history in the JSON form `temporal workflow show --output json` writes (proto3 JSON, enum
 * names like EVENT_TYPE_WORKFLOW_EXECUTION_STARTED): what history.json serves and what
 * Worker.runReplayHistory takes back (through historyFromJSON).
 */
export function exportHistoryJson(history: Parameters<typeof historyToJSON>[0]): string {
  return historyToJSON(history);
}

function fileName(examId: string, lang: Language, ext: string): string {
  return `exam-${examId}-history-${lang}.${ext}`;
}
