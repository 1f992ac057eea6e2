import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
} from '@temporalio/client';
import { ApplicationFailure, TypedSearchAttributes } from '@temporalio/common';
import type { Config } from '../../config/config';
import { temporalConnectionOptions } from '../../config/temporal';
import {
  decideStepUpdate,
  examWorkflowId,
  rescheduleExamUpdate,
  type RescheduleRequest,
  EXAM_WORKFLOW_TYPE,
  SEARCH_ATTRIBUTE_KEYS,
  type DecideRefusal,
  type DecideStepRequest,
  type DecideStepResult,
  type ExamWorkflowInput,
} from '../../workflows/exam.contract';

export type StartResult =
  | { kind: 'started'; workflowId: string; runId: string }
  | { kind: 'already-started'; workflowId: string };

export type DecideOutcome =
  | { kind: 'decided'; result: DecideStepResult }
  | { kind: 'refused'; refusal: DecideRefusal; message: string }
  | { kind: 'workflow-closed' };

/** The API's one door to Temporal (CONVENTIONS.md: external systems behind one class). */
export class TemporalGateway {
  private constructor(
    private readonly connection: Connection,
    readonly client: Client,
    private readonly taskQueue: string,
  ) {}

  static async connect(config: Config): Promise<TemporalGateway> {
    const connection = await Connection.connect({
      ...temporalConnectionOptions(config),
      connectTimeout: '10s',
    });
    const client = new Client({ connection, namespace: config.temporal.namespace });
    return new TemporalGateway(connection, client, config.temporal.taskQueue);
  }

  async startExam(input: ExamWorkflowInput): Promise<StartResult> {
    const workflowId = examWorkflowId(input.examId);
    try {
      const handle = await this.client.workflow.start(EXAM_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId,
        args: [input],
        // A business id: starting the same exam twice is a conflict, never a second workflow.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
        // Registered by scripts/infra.ts on the dev server; production registers them once.
        typedSearchAttributes: new TypedSearchAttributes([
          { key: SEARCH_ATTRIBUTE_KEYS.examId, value: input.examId },
          { key: SEARCH_ATTRIBUTE_KEYS.department, value: input.departmentId },
          {
            key: SEARCH_ATTRIBUTE_KEYS.examDate,
            value: new Date(input.facts.startsAt ?? input.facts.endsAt),
          },
        ]),
      });
      return { kind: 'started', workflowId, runId: handle.firstExecutionRunId };
    } catch (error) {
      if (error instanceof WorkflowExecutionAlreadyStartedError)
        return { kind: 'already-started', workflowId };
      throw error;
    }
  }

  /**
   * Delivers a decision as an Update; `updateId` (from the Idempotency-Key, or the email link's id)
   * makes repeats act once.
   */
  async decide(
    examId: string,
    request: DecideStepRequest,
    updateId: string,
  ): Promise<DecideOutcome> {
    const handle = this.client.workflow.getHandle(examWorkflowId(examId));
    try {
      const result = await handle.executeUpdate(decideStepUpdate, { args: [request], updateId });
      return { kind: 'decided', result };
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError && error.cause instanceof ApplicationFailure) {
        const match =
          /^(unknown-step|not-open|missing-actor|missing-reason|missing-assignee|not-allowed): (.*)$/s.exec(
            error.cause.message,
          );
        if (match !== null)
          return { kind: 'refused', refusal: match[1] as DecideRefusal, message: match[2] };
      }
      if (error instanceof WorkflowNotFoundError) return { kind: 'workflow-closed' };
      throw error;
    }
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

  async ping(): Promise<void> {
    await this.connection.workflowService.getSystemInfo({});
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
