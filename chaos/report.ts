import type { DrillResult } from './run-drill';

/** The drill's counts as a table: what was expected, what was found, and what is wrong. */
export function formatReport(result: DrillResult): string {
  const { checks, sizes, faults, requests, lifecycle } = result;
  const rows: [string, string | number, string | number, string | number][] = [
    [
      'exams registered through the API',
      result.exams.planned,
      result.exams.created,
      result.exams.planned - result.exams.created,
    ],
    [
      'workflows completed',
      checks.workflows.expectedCompleted,
      checks.workflows.completed,
      checks.workflows.expectedCompleted - checks.workflows.completed,
    ],
    [
      'workflows waiting on the planned step',
      checks.workflows.expectedWaiting,
      checks.workflows.waitingAsPlanned,
      checks.workflows.expectedWaiting - checks.workflows.waitingAsPlanned,
    ],
    [
      'decisions in the workflows',
      checks.decisions.planned,
      checks.decisions.inWorkflow,
      checks.decisions.planned - checks.decisions.inWorkflow,
    ],
    [
      'approvals in the read model (exam_step)',
      checks.decisions.plannedApprovals,
      checks.decisions.inReadModel,
      checks.decisions.plannedApprovals - checks.decisions.inReadModel,
    ],
    [
      'decisions in the audit log, by request',
      checks.decisions.planned,
      checks.decisions.inAudit,
      checks.decisions.planned - checks.decisions.inAudit,
    ],
    ['decisions recorded twice', 0, checks.decisions.duplicated, checks.decisions.duplicated],
    [
      'exam records (started, ended, completed, purge)',
      lifecycle.expected,
      lifecycle.found,
      lifecycle.expected - lifecycle.found + lifecycle.duplicated,
    ],
    [
      'outbox rows sent',
      checks.outbox.rows - checks.outbox.cancelled,
      checks.outbox.sent,
      checks.outbox.notSent,
    ],
    [
      'emails caught, distinct outbox keys',
      checks.outbox.sent,
      checks.outbox.distinctKeys,
      checks.outbox.lost,
    ],
    [
      'emails caught, all',
      checks.outbox.sent,
      checks.outbox.caught,
      checks.outbox.caught - checks.outbox.distinctKeys,
    ],
    ['keys caught more than once', 0, checks.outbox.duplicateKeys, checks.outbox.duplicateKeys],
    [
      '  of which re-sent after an interrupted send',
      '-',
      checks.outbox.duplicatesAfterInterruptedSend,
      '-',
    ],
    ['emails without an outbox row', 0, checks.outbox.unknown, checks.outbox.unknown],
    [
      'reminders after their step closed',
      0,
      checks.reminders.afterStepClosed,
      checks.reminders.afterStepClosed,
    ],
    [
      'audit chain verifies (GET /audit/verify)',
      'intact',
      checks.audit.intact ? 'intact' : 'BROKEN',
      checks.audit.intact ? 0 : 1,
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  const line = (cells: (string | number)[]) =>
    `${String(cells[0]).padEnd(width)}  ${String(cells[1]).padStart(9)}  ${String(cells[2]).padStart(9)}  ${String(cells[3]).padStart(8)}`;
  const kinds = Object.entries(checks.outbox.byKind)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, n]) => `${k.replace(/^step\./, '')} ${n}`)
    .join(', ');
  const minutes = `${Math.floor(result.wallSeconds / 60)} min ${result.wallSeconds % 60} s`;
  const out = [
    '',
    `Chaos drill: ${sizes.exams} exams, seed ${sizes.seed}; ${faults.kills} worker kills (SIGKILL), ` +
      `Temporal ${sizes.temporalRestart ? 'restarted once' : 'not restarted'}, PostgreSQL stopped ${sizes.pgStopSeconds} s, ` +
      `SMTP catcher stopped ${sizes.smtpStopSeconds} s; wall time ${minutes}`,
    '',
    line(['check', 'expected', 'found', 'problem']),
    line(['-'.repeat(width), '-'.repeat(9), '-'.repeat(9), '-'.repeat(8)]),
    ...rows.map(line),
    '',
    `emails by kind: ${kinds}${checks.outbox.cancelled > 0 ? `; cancelled (step closed first): ${checks.outbox.cancelled}` : ''}`,
    `audit records: ${checks.audit.records}; requests: ${requests.requests}, retried ${requests.retries}, ` +
      `answered from the idempotency store ${requests.replayed}, refused ${requests.refused}, ` +
      `keys left in flight ${requests.keysLeftInFlight}`,
    `faults: ${faults.events.map((e) => `+${e.at} s ${e.what}`).join('; ')}`,
    `processes that exited on their own (restarted): worker ${faults.workerExitsOnItsOwn}, API ${faults.apiExitsOnItsOwn}`,
    '',
    ...(result.problems.length > 0
      ? [
          `${result.problems.length} problems:`,
          ...result.problems.slice(0, 40).map((p) => `  ${p}`),
          ...(result.problems.length > 40 ? [`  … and ${result.problems.length - 40} more`] : []),
          '',
        ]
      : []),
    result.ok
      ? 'OK: nothing lost, nothing doubled.'
      : 'FAILED: something was lost or doubled (see above).',
    '',
  ];
  return out.join('\n');
}
