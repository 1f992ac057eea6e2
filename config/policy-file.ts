import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY, DEFAULT_POLICY_SOURCE } from '../sop/default-policy';
import { applyOverrides, PolicyError, type Policy } from '../sop/policy';

/**
 * The policy in force: the SOP as written, or POLICY_FILE's overrides on it (JSON or YAML, see
 * applyOverrides in sop/policy.ts). A bad file stops the process with the path and the reason.
 */
export function loadPolicy(policyFile: string | undefined): Policy {
  if (policyFile === undefined) return DEFAULT_POLICY;
  let text: string;
  try {
    text = readFileSync(policyFile, 'utf8');
  } catch (error) {
    throw new Error(
      `POLICY_FILE: cannot read ${policyFile}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  let raw: unknown;
  try {
    raw = /\.ya?ml$/i.test(policyFile) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new Error(
      `POLICY_FILE: ${policyFile} is not valid ${/\.ya?ml$/i.test(policyFile) ? 'YAML' : 'JSON'}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  try {
    return applyOverrides(DEFAULT_POLICY_SOURCE, raw);
  } catch (error) {
    if (error instanceof PolicyError)
      throw new Error(`POLICY_FILE ${policyFile}: ${error.message}`);
    throw error;
  }
}
