import { DEFAULT_POLICY } from '../../sop/default-policy';
import type { Policy } from '../../sop/policy';

/**
 * The default policy cut down to some of its steps (an institution can drop steps the same way in
 * its policy file): a test of one step's deadlines runs that step alone, so nothing else of the
 * exam's life is waiting when the test lets time run to the workflow's end.
 */
export function onlySteps(ids: string[], base: Policy = DEFAULT_POLICY): Policy {
  const missing = ids.filter((id) => !base.steps.some((s) => s.id === id));
  if (missing.length > 0) throw new Error(`no such steps: ${missing.join(', ')}`);
  return {
    ...base,
    version: `${base.version}+only:${ids.join(',')}`,
    steps: base.steps
      .filter((s) => ids.includes(s.id))
      .map((s) => ({ ...s, after: s.after.filter((id) => ids.includes(id)) })),
  };
}
