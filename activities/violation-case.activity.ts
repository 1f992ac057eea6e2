import type { ActivityDeps } from './exam-steps.activity';
import { audit } from './exam-steps.activity';

/**
 * A violation case's status in its row (issue 9): confirmed or dismissed by the commission's step
 * (§5.8, §5.15), closed when its last step is done (§5.7: the exam's recordings are released).
 */
export function createViolationCaseActivities({ db }: Pick<ActivityDeps, 'db'>) {
  return {
    async recordCaseStatus(input: {
      examId: string;
      caseId: string;
      status: 'confirmed' | 'dismissed' | 'closed';
      clauses: string[];
      workflowId: string;
      runId: string;
      scopeId: string;
      historyEventId?: number;
      at: number;
      after: unknown;
    }): Promise<void> {
      await db.transaction(async (tx) => {
        await tx.query(
          input.status === 'closed'
            ? `UPDATE violation_case SET closed_at = COALESCE(closed_at, $3)
                WHERE exam_id = $1 AND case_id = $2`
            : `UPDATE violation_case SET status = $4, decided_at = COALESCE(decided_at, $3)
                WHERE exam_id = $1 AND case_id = $2`,
          input.status === 'closed'
            ? [input.examId, input.caseId, new Date(input.at)]
            : [input.examId, input.caseId, new Date(input.at), input.status],
        );
        await audit(
          tx,
          {
            examId: input.examId,
            stepId: '',
            clauses: input.clauses,
            workflowId: input.workflowId,
            runId: input.runId,
            scopeId: input.scopeId,
            historyEventId: input.historyEventId,
          },
          {
            action: `case.${input.status}`,
            actor: 'system:workflow',
            at: input.at,
            after: { caseId: input.caseId, ...(input.after as object) },
          },
        );
      });
    },
  };
}
