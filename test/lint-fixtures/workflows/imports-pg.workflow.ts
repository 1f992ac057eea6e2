// Lint fixture: a workflow that reaches for the database directly. `npm run lint` ignores this
// folder; test/unit/lint.spec.ts lints it on purpose and expects the ban to fire.
import { Client } from 'pg';
import { readFileSync } from 'node:fs';

export async function badWorkflow(): Promise<string> {
  const client = new Client();
  await client.connect();
  return readFileSync('/etc/hostname', 'utf8');
}
