import {
  Client,
  Connection,
  isGrpcServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  TypedSearchAttributes,
  type UpdateDefinition,
} from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import type { Config } from '../../config/config';
import { temporalConnectionOptions } from '../../config/temporal';
import {
  AUDIT_DIGEST_WORKFLOW_TYPE,
  auditDigestWorkflowId,
  type AuditDigestInput,
} from '../../workflows/audit-digest.contract';
import {
  sessionStateQuery,
  sessionWorkflowId,
  SESSION_WORKFLOW_TYPE,
  type SessionWorkflowInput,
  type SessionWorkflowState,
} from '../../workflows/session.contract';
import {
  DECIDE_REFUSALS,
  decideStepUpdate,
  examWorkflowId,
  recordExamEventUpdate,
  reopenStepsUpdate,
  type ReopenStepsRequest,
  type ExamEventRequest,
  type ExamWorkflowState,
  rescheduleExamUpdate,
  type RescheduleRequest,
  EXAM_WORKFLOW_TYPE,
  examSearchAttributes,
  SEARCH_ATTRIBUTE_KEYS,
  type DecideRefusal,
  type DecideStepRequest,
  type DecideStepResult,
  type ExamWorkflowInput,
} from '../../workflows/exam.contract';

export type StartResult =
  | { kind: 'started'; workflowId: string; runId: string }
  | { kind: 'already-started'; workflowId: string };

export type UpdateOutcome<Ret> =
  | { kind: 'done'; result: Ret }
  | { kind: 'refused'; refusal: DecideRefusal; message: string }
  | { kind: 'workflow-closed' };

export type DecideOutcome =
  | { kind: 'decided'; result: DecideStepResult }
  | { kind: 'refused'; refusal: DecideRefusal; message: string }
  | { kind: 'workflow-closed' };

/** A workflow's event history as Temporal has it now, or gone (never started, or past retention). */
export type FetchedHistory =
  { kind: 'found'; history: History; runId: string; closedAt: Date | null } | { kind: 'gone' };

/** gRPC NOT_FOUND: the workflow (or its run's history) does not exist (any more). */
const GRPC_NOT_FOUND = 5;

/** The API's one door to Temporal (CONVENTIONS.md: external systems behind one class). */
export class TemporalGateway {
  private constructor(
    private readonly connection: Connection,
    readonly client: Client,
    private readonly taskQueue: string,
    /** Whether close() closes the connection (not when a test environment owns it). */
    private readonly owned = true,
  ) {}

  /**
   * Over an existing client (the time-skipping test environment's): workflows start on
   * `taskQueue`; close() leaves the client's connection to its owner.
   */
  static over(client: Client, taskQueue: string): TemporalGateway {
    return new TemporalGateway(client.connection as Connection, client, taskQueue, false);
  }

  static async connect(config: Config): Promise<TemporalGateway> {
    const connection = await Connection.connect({
      ...temporalConnectionOptions(config),
      connectTimeout: '10s',
    });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    return new TemporalGateway(connection, client, config.temporal.taskQueue);
  }

  /**
   * Starts a workflow under its business id: starting the same exam or session twice is a
   * conflict, never a second workflow. Its search attributes are registered by scripts/infra.ts on
   * the dev server; production registers them once.
   */
  private async start(
    type: string,
    workflowId: string,
    input: unknown,
    attributes: ConstructorParameters<typeof TypedSearchAttributes>[0],
  ): Promise<StartResult> {
    try {
      const handle = await this.client.workflow.start(type, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        typedSearchAttributes: new TypedSearchAttributes(attributes),
      });
      return { kind: 'started', workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        return { kind: 'already-started', workflowId };
      throw error;
    }
  }

  startExam(input: ExamWorkflowInput): Promise<StartResult> {
    return this.start(
      EXAM_WORKFLOW_TYPE,
      examWorkflowId(input.examId),
      input,
      examSearchAttributes(input),
    );
  }

  /** Starts `session-<id>`, which starts the exams' workflows (ABANDON: they outlive it). */
  startSession(input: SessionWorkflowInput): Promise<StartResult> {
    return this.start(SESSION_WORKFLOW_TYPE, sessionWorkflowId(input.sessionId), input, [
      { key: SEARCH_ATTRIBUTE_KEYS.sessionId, value: input.sessionId },
    ]);
  }

  /**
   * Starts the daily audit digest once per deployment (issue 7); a running one is left alone, one
   * that ended (terminated by an operator) is started again.
   */
  async ensureAuditDigest(input: AuditDigestInput): Promise<void> {
    try {
      await this.client.workflow.start(AUDIT_DIGEST_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId: auditDigestWorkflowId(this.taskQueue),
        args: [input],
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
    }
  }

  /** The session workflow's summary (its query answers after it has completed too). */
  async sessionState(sessionId: string): Promise<SessionWorkflowState | undefined> {
    // A query needs a worker; when none answers within 2 s the caller reads the read model alone.
    const query = this.client.workflow
      .getHandle(sessionWorkflowId(sessionId))
      .query(sessionStateQuery)
      .catch((error: unknown) => {
        if (error instanceof WorkflowNotFoundError) return undefined;
        throw error;
      });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), 2_000);
    });
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
      query.catch(() => undefined);
    }
  }

  /** A refusal from a workflow's Update validator (`<refusal>: <message>`), if it is one. */
  private refusalOf(error: unknown): { refusal: DecideRefusal; message: string } | undefined {
    if (!(error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure))
      return undefined;
    const match = /^([a-z-]+): (.*)$/s.exec(error.cause.message);
    if (match === null || !(DECIDE_REFUSALS as readonly string[]).includes(match[1]))
      return undefined;
    return { refusal: match[1] as DecideRefusal, message: match[2] };
  }

  /**
   * Runs an Update on a workflow: its result, or the validator's refusal, or "closed" when the
   * workflow has completed; `updateId` makes a repeat act once.
   */
  private async update<Ret, Args extends [unknown, ...unknown[]]>(
    workflowId: string,
    definition: UpdateDefinition<Ret, Args>,
    args: Args,
    updateId: string,
  ): Promise<UpdateOutcome<Ret>> {
    const handle = this.client.workflow.getHandle(workflowId);
    try {
      return { kind: 'done', result: await handle.executeUpdate(definition, { args, updateId }) };
    } catch (error) {
      const refused = this.refusalOf(error);
      if (refused !== undefined) return { kind: 'refused', ...refused };
      if (error instanceof WorkflowNotFoundError) return { kind: 'workflow-closed' };
      throw error;
    }
  }

  /**
   * Delivers a decision as an Update to an exam's workflow (or, with `workflowId`, a session's);
   * `updateId` (from the Idempotency-Key, or the email link's id) makes repeats act once.
   */
  async decide(
    examId: string,
    request: DecideStepRequest,
    updateId: string,
    workflowId = examWorkflowId(examId),
  ): Promise<DecideOutcome> {
    const outcome = await this.update(
      workflowId,
      decideStepUpdate,
      [{ ...request, requestId: updateId }],
      updateId,
    );
    return outcome.kind === 'done' ? { kind: 'decided', result: outcome.result } : outcome;
  }

  /** An event of the exam's life (a violation, an act sent, an appeal, a case closed) as an Update. */
  recordEvent(
    examId: string,
    request: ExamEventRequest,
    updateId: string,
  ): Promise<UpdateOutcome<ExamWorkflowState>> {
    return this.update(
      examWorkflowId(examId),
      recordExamEventUpdate,
      [{ ...request, requestId: updateId }],
      updateId,
    );
  }

  /** Reopens approved steps whose document changed (issue 8), as an Update. */
  reopenSteps(
    examId: string,
    request: ReopenStepsRequest,
    updateId: string,
  ): Promise<UpdateOutcome<ExamWorkflowState>> {
    return this.update(
      examWorkflowId(examId),
      reopenStepsUpdate,
      [{ ...request, requestId: updateId }],
      updateId,
    );
  }

  /** Delivers a reschedule (or a new calendar) as an Update; `updateId` makes repeats act once. */
  async reschedule(
    examId: string,
    request: RescheduleRequest,
    updateId: string,
  ): Promise<
    { kind: 'done' } | { kind: 'refused'; message: string } | { kind: 'workflow-closed' }
  > {
    const handle = this.client.workflow.getHandle(examWorkflowId(examId));
    try {
      await handle.executeUpdate(rescheduleExamUpdate, { args: [request], updateId });
      return { kind: 'done' };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure)
        return { kind: 'refused', message: error.cause.message };
      if (error instanceof WorkflowNotFoundError) return { kind: 'workflow-closed' };
      throw error;
    }
  }

  /**
   * The event history of a workflow's latest run, with when it closed (null while it runs); `gone`
   * once the namespace's retention has removed it (or it never existed).
   */
  async fetchHistory(workflowId: string): Promise<FetchedHistory> {
    try {
      const description = await this.client.workflow.getHandle(workflowId).describe();
      const history = await this.client.workflow
        .getHandle(workflowId, description.runId)
        .fetchHistory();
      const closed = description.status.name !== 'RUNNING';
      return {
        kind: 'found',
        history,
        runId: description.runId,
        closedAt: closed ? (description.closeTime ?? new Date()) : null,
      };
    } catch (error) {
      if (
        error instanceof WorkflowNotFoundError ||
        (isGrpcServiceError(error) && Number(error.code) === GRPC_NOT_FOUND)
      )
        return { kind: 'gone' };
      throw error;
    }
  }

  /** Runs of a workflow type closed within the last `days` days (visibility). */
  async closedWorkflows(
    type: string,
    days: number,
  ): Promise<{ workflowId: string; runId: string }[]> {
    const since = new Date(Date.now() - days * 86_400_000).toISOString();
    const runs: { workflowId: string; runId: string }[] = [];
    for await (const run of this.client.workflow.list({
      query: `WorkflowType = '${type}' AND ExecutionStatus != 'Running' AND CloseTime > '${since}'`,
    }))
      runs.push({ workflowId: run.workflowId, runId: run.runId });
    return runs;
  }

  async ping(): Promise<void> {
    await this.connection.workflowService.getSystemInfo({});
  }

  async close(): Promise<void> {
    if (this.owned) await this.connection.close();
  }
}
