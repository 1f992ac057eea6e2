import { proxyActivities } from '@temporalio/workflow';
import type { createActivities } from '../activities';

/** The activities as workflows call them: one proxy, one retry policy for every step. */
export const acts = proxyActivities<ReturnType<typeof createActivities>>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumInterval: '1 minute', backoffCoefficient: 2 },
});
