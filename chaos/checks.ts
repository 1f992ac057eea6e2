import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Pool } from 'pg';
import {
  DONE,
  examStateQuery,
  examWorkflowId,
  type ExamWorkflowState,
  type StepState,
} from '../workflows/exam.contract';
import type { SentDecision } from './actors';
import type { HumanStep, PlannedExam } from './scenario';

/** What the drill counts at the end; `problems` names each thing that is wrong. */
export interface Checks {
  workflows: {
    expectedCompleted: number;
    completed: number;
    expectedWaiting: number;
    waitingAsPlanned: number;
    unexpected: number;
  };
  decisions: {
    planned: number;
    inWorkflow: number;
    /** The read model keeps a step's last state: its approvals are compared, not its returns. */
    plannedApprovals: number;
    inReadModel: number;
    inAudit: number;
    missing: number;
    duplicated: number;
  };
  outbox: {
    rows: number;
    sent: number;
    cancelled: number;
    notSent: number;
    caught: number;
    distinctKeys: number;
    duplicateKeys: number;
    /** Duplicates of rows the product re-sent after an attempt that died mid-send. */
    duplicatesAfterInterruptedSend: number;
    lost: number;
    unknown: number;
    byKind: Record<string, number>;
  };
  reminders: { sent: number; afterStepClosed: number };
  audit: { records: number; intact: boolean; detail?: string };
  problems: string[];
}

interface AuditRow {
  exam_id: string;
  step_id: string | null;
  action: string;
  request_id: string | null;
}

/** The value of a header in a raw message (unfolded), or undefined. */
export function headerOf(raw: string, name: string): string | undefined {
  const end = raw.search(/\r?\n\r?\n/);
  const head = (end < 0 ? raw : raw.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const wanted = name.toLowerCase();
  for (const line of head.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted)
      return line.slice(colon + 1).trim();
  }
  return undefined;
}

/** The outbox key of every caught message (files still being written, `.part`, are not counted). */
async function caughtKeys(mailDir: string): Promise<{ keys: string[]; withoutKey: number }> {
  const files = (await readdir(mailDir)).filter((f) => f.endsWith('.eml'));
  const keys: string[] = [];
  let withoutKey = 0;
  for (let i = 0; i < files.length; i += 200) {
    const batch = await Promise.all(
      files.slice(i, i + 200).map((f) => readFile(join(mailDir, f), 'utf8')),
    );
    for (const raw of batch) {
      const key = headerOf(raw, 'X-Emtihan-Outbox-Key');
      if (key === undefined) withoutKey++;
      else keys.push(key);
    }
  }
  return { keys, withoutKey };
}

export async function runChecks(input: {
  pool: Pool;
  client: Client;
  mailDir: string;
  prefix: string;
  exams: PlannedExam[];
  steps: HumanStep[];
  created: Set<string>;
  decisions: SentDecision[];
  personOf: (exam: PlannedExam, step: HumanStep) => string;
  verifyAudit: () => Promise<{ intact: boolean; count: number; detail?: string }>;
}): Promise<Checks> {
  const { pool, client, exams, steps, prefix } = input;
  const problems: string[] = [];
  const like = `${prefix}%`;

  // ── Workflows: completed, or waiting on the planned step (described and queried, each).
  const workflows = {
    expectedCompleted: exams.filter((e) => e.expected.kind === 'completed').length,
    completed: 0,
    expectedWaiting: exams.filter((e) => e.expected.kind === 'waiting').length,
    waitingAsPlanned: 0,
    unexpected: 0,
  };
  const states = new Map<string, ExamWorkflowState>();
  for (let i = 0; i < exams.length; i += 20) {
    await Promise.all(
      exams.slice(i, i + 20).map(async (exam) => {
        const handle = client.workflow.getHandle(examWorkflowId(exam.id));
        let status: string;
        try {
          status = (await handle.describe()).status.name;
        } catch (error) {
          if (!(error instanceof WorkflowNotFoundError)) throw error;
          workflows.unexpected++;
          problems.push(`${exam.id}: no workflow`);
          return;
        }
        const state =
          status === 'COMPLETED'
            ? ((await handle.result()) as ExamWorkflowState)
            : status === 'RUNNING'
              ? await handle.query(examStateQuery)
              : undefined;
        if (state !== undefined) states.set(exam.id, state);
        const open = (state?.steps ?? []).filter((s) => !DONE.includes(s.status));
        if (exam.expected.kind === 'completed') {
          if (status === 'COMPLETED' && open.length === 0) workflows.completed++;
          else {
            workflows.unexpected++;
            problems.push(
              `${exam.id}: expected completed, is ${status} with ${open.map((s) => `${s.stepId} ${s.status}`).join(', ') || 'no open step'}`,
            );
          }
        } else {
          const { stepKey } = exam.expected;
          const asPlanned =
            status === 'RUNNING' &&
            open.length === 1 &&
            open[0].stepId === stepKey &&
            !(state?.steps ?? []).some((s) => exam.neverOpen.includes(s.stepId));
          if (asPlanned) workflows.waitingAsPlanned++;
          else {
            workflows.unexpected++;
            problems.push(
              `${exam.id}: expected waiting on ${stepKey}, is ${status} with open ${open.map((s) => `${s.stepId} ${s.status}`).join(', ') || 'none'}`,
            );
          }
        }
      }),
    );
  }

  // ── Decisions: the workflow's state, the read model and the audit log, against the plan.
  const readModel = new Map(
    (
      await pool.query<{ exam_id: string; step_id: string; status: string; approved_by: string }>(
        `SELECT exam_id, step_id, status, approved_by FROM exam_step WHERE exam_id LIKE $1`,
        [like],
      )
    ).rows.map((r) => [`${r.exam_id} ${r.step_id}`, r]),
  );
  const auditRows = (
    await pool.query<AuditRow>(
      `SELECT exam_id, step_id, action, request_id FROM audit_log
        WHERE exam_id LIKE $1 AND action IN ('step.approved', 'step.rejected', 'step.waived')`,
      [like],
    )
  ).rows;
  const auditOf = new Map<string, AuditRow[]>();
  for (const row of auditRows) {
    const key = `${row.exam_id} ${row.step_id}`;
    auditOf.set(key, [...(auditOf.get(key) ?? []), row]);
  }
  const decisions = {
    planned: 0,
    inWorkflow: 0,
    plannedApprovals: 0,
    inReadModel: 0,
    inAudit: 0,
    missing: 0,
    duplicated: 0,
  };
  const sentKey = new Map(
    input.decisions.map((d) => [`${d.examId} ${d.stepKey} ${d.decision}`, d]),
  );
  for (const exam of exams) {
    const state = states.get(exam.id);
    for (const step of steps) {
      const action = exam.actions[step.key];
      const id = `${exam.id} ${step.key}`;
      const planned =
        action === 'never' || exam.neverOpen.includes(step.key)
          ? { approvals: 0, rejections: 0 }
          : { approvals: 1, rejections: action === 'rejectThenApprove' ? 1 : 0 };
      decisions.planned += planned.approvals + planned.rejections;
      decisions.plannedApprovals += planned.approvals;
      const wf: StepState | undefined = state?.steps.find((s) => s.stepId === step.key);
      const rm = readModel.get(id);
      const audits = auditOf.get(id) ?? [];
      const approvals = audits.filter((a) => a.action === 'step.approved');
      const rejections = audits.filter((a) => a.action === 'step.rejected');
      const waivers = audits.filter((a) => a.action === 'step.waived');
      const person = input.personOf(exam, step);
      // The workflow: approved once by the planned person, returned as often as planned.
      const wfApproved = wf?.status === 'approved' && wf.approvedBy === person ? 1 : 0;
      const wfRejections = wf?.rejections ?? 0;
      decisions.inWorkflow +=
        Math.min(wfApproved, planned.approvals) + Math.min(wfRejections, planned.rejections);
      const rmApproved = rm?.status === 'approved' && rm.approved_by === person ? 1 : 0;
      decisions.inReadModel += Math.min(rmApproved, planned.approvals);
      // The audit log: one record per decision, carrying the request that made it.
      const byRequest = (decision: 'approve' | 'reject', rows: AuditRow[]) => {
        const sent = sentKey.get(`${id} ${decision}`);
        return sent === undefined
          ? 0
          : rows.filter((r) => (r.request_id ?? '').endsWith(`/${sent.key}`)).length;
      };
      const auditApprovals = byRequest('approve', approvals);
      const auditRejections = byRequest('reject', rejections);
      decisions.inAudit +=
        Math.min(auditApprovals, planned.approvals) + Math.min(auditRejections, planned.rejections);
      const extra =
        Math.max(approvals.length - planned.approvals, 0) +
        Math.max(rejections.length - planned.rejections, 0) +
        Math.max(wfRejections - planned.rejections, 0) +
        waivers.length;
      decisions.duplicated += extra;
      const wrong: string[] = [];
      if (wfApproved !== planned.approvals) wrong.push(`workflow ${wf?.status ?? 'absent'}`);
      if (wfRejections !== planned.rejections) wrong.push(`workflow rejections ${wfRejections}`);
      if (planned.approvals === 1 && rmApproved !== 1)
        wrong.push(`read model ${rm?.status ?? 'absent'}`);
      if (planned.approvals === 0 && rm?.status === 'approved') wrong.push('read model approved');
      if (approvals.length !== planned.approvals || auditApprovals !== planned.approvals)
        wrong.push(`audit approvals ${approvals.length} (${auditApprovals} with the request id)`);
      if (rejections.length !== planned.rejections || auditRejections !== planned.rejections)
        wrong.push(
          `audit rejections ${rejections.length} (${auditRejections} with the request id)`,
        );
      if (waivers.length > 0) wrong.push(`audit waivers ${waivers.length}`);
      if (exam.neverOpen.includes(step.key) && (wf !== undefined || rm !== undefined))
        wrong.push('opened, though it waits for a step never decided');
      if (wrong.length > 0) problems.push(`${id} (${action}): ${wrong.join('; ')}`);
    }
  }
  decisions.missing = Math.max(
    decisions.planned - decisions.inWorkflow,
    decisions.plannedApprovals - decisions.inReadModel,
    decisions.planned - decisions.inAudit,
  );

  // ── The outbox against the catcher, by key.
  const rows = (
    await pool.query<{
      key: string;
      kind: string;
      status: string;
      attempts: number;
      resends: number;
    }>(`SELECT key, kind, status, attempts, resends FROM outbox`)
  ).rows;
  const { keys, withoutKey } = await caughtKeys(input.mailDir);
  const caughtCount = new Map<string, number>();
  for (const key of keys) caughtCount.set(key, (caughtCount.get(key) ?? 0) + 1);
  const rowOf = new Map(rows.map((r) => [r.key, r]));
  const byKind: Record<string, number> = {};
  let lost = 0;
  let duplicateKeys = 0;
  let afterInterrupted = 0;
  for (const row of rows) {
    const caught = caughtCount.get(row.key) ?? 0;
    if (row.status === 'sent') byKind[row.kind] = (byKind[row.kind] ?? 0) + 1;
    if (row.status === 'sent' && caught === 0) {
      lost++;
      problems.push(`outbox ${row.key}: sent, but the catcher has no message`);
    }
    if (row.status !== 'sent' && row.status !== 'cancelled')
      problems.push(`outbox ${row.key}: still ${row.status} after ${row.attempts} attempts`);
    if (row.status === 'cancelled' && caught > 0)
      problems.push(`outbox ${row.key}: cancelled, yet caught ${caught} times`);
    if (caught > 1) {
      duplicateKeys++;
      if (row.resends > 0) afterInterrupted++;
      problems.push(
        `outbox ${row.key}: caught ${caught} times${row.resends > 0 ? ` (re-sent after an interrupted attempt, ${row.resends}×)` : ''}`,
      );
    }
  }
  const unknown = [...caughtCount.keys()].filter((k) => !rowOf.has(k)).length + withoutKey;
  if (unknown > 0) problems.push(`${unknown} caught messages have no outbox row`);
  const outbox = {
    rows: rows.length,
    sent: rows.filter((r) => r.status === 'sent').length,
    cancelled: rows.filter((r) => r.status === 'cancelled').length,
    notSent: rows.filter((r) => r.status !== 'sent' && r.status !== 'cancelled').length,
    caught: keys.length + withoutKey,
    distinctKeys: caughtCount.size,
    duplicateKeys,
    duplicatesAfterInterruptedSend: afterInterrupted,
    lost,
    unknown,
    byKind,
  };

  // ── No reminder once its step was closed (decided or waived): neither planned nor sent after.
  const late = (
    await pool.query<{ key: string; closed: Date; scheduled_for: Date; sent_at: Date | null }>(
      `SELECT o.key, coalesce(s.approved_at, s.waived_at) AS closed, o.scheduled_for, o.sent_at
         FROM outbox o JOIN exam_step s ON s.exam_id = o.exam_id AND s.step_id = o.step_id
        WHERE o.kind = 'step.reminder' AND o.exam_id LIKE $1 AND o.status = 'sent'
          AND coalesce(s.approved_at, s.waived_at) IS NOT NULL
          AND (o.scheduled_for > coalesce(s.approved_at, s.waived_at)
               OR o.sent_at > coalesce(s.approved_at, s.waived_at))`,
      [like],
    )
  ).rows;
  for (const r of late)
    problems.push(
      `reminder ${r.key} after its step closed at ${r.closed.toISOString()} (sent ${r.sent_at?.toISOString() ?? '-'})`,
    );
  const reminders = {
    sent: rows.filter((r) => r.kind === 'step.reminder' && r.status === 'sent').length,
    afterStepClosed: late.length,
  };

  const verified = await input.verifyAudit();
  if (!verified.intact) problems.push(`audit chain: ${verified.detail ?? 'broken'}`);
  return {
    workflows,
    decisions,
    outbox,
    reminders,
    audit: { records: verified.count, intact: verified.intact, detail: verified.detail },
    problems,
  };
}
