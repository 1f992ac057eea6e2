import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createActivities } from '../activities';

type Activities = ReturnType<typeof createActivities>;

const proxied = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});

/**
 * The activities as workflows call them: one proxy, one retry policy for every step. Each call's
 * input also carries the history event that decided it (the started event of the current workflow
 * task), which the audit log records beside the workflow and run ids (issue 7).
 */
export const acts: Activities = new Proxy(proxied, {
  get(target, name: string) {
    const activity = target[name as keyof Activities] as (input: object) => Promise<unknown>;
    return (input: object) => activity({ ...input, historyEventId: workflowInfo().historyLength });
  },
});
