import { continueAsNew, sleep, workflowInfo } from '@temporalio/workflow';
import { localDayOf, localInstant } from '../sop/zone';
import { acts } from './activities';
import type { AuditDigestInput } from './audit-digest.contract';

/** Digests per run before continuing as new, so the history stays short. */
const DIGESTS_PER_RUN = 31;

/** Sends the audit digest every day at `hour`:00 in the institution's time zone. */
export async function auditDigestWorkflow(input: AuditDigestInput): Promise<void> {
  for (let i = 0; i < DIGESTS_PER_RUN; i++) {
    const now = Date.now();
    let next = localInstant(input.timeZone, localDayOf(input.timeZone, now), input.hour, 0);
    if (next <= now)
      next = localInstant(input.timeZone, localDayOf(input.timeZone, now) + 1, input.hour, 0);
    await sleep(next - now);
    const { workflowId, runId } = workflowInfo();
    await acts.sendAuditDigest({ at: Date.now(), timeZone: input.timeZone, workflowId, runId });
  }
  await continueAsNew<typeof auditDigestWorkflow>(input);
}
