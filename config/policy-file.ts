import { readFileSync } from 'node:fs';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../sop/policy';

/** The policy in force: POLICY_FILE (JSON, validated) or the SOP as written. */
export function loadPolicy(policyFile: string | undefined): Policy {
  if (policyFile === undefined) return DEFAULT_POLICY;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(policyFile, 'utf8'));
  } catch (error) {
    throw new Error(
      `POLICY_FILE: cannot read ${policyFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return parsePolicy(raw);
}
