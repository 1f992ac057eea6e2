import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

interface LintMessage {
  ruleId: string | null;
  severity: number;
  message: string;
}

/** Runs the project's real ESLint CLI (its flat config is ESM, which jest's sandbox cannot load). */
function lint(args: string[]): { status: number | null; messages: LintMessage[] } {
  const run = spawnSync(
    process.execPath,
    [join(root, 'node_modules/eslint/bin/eslint.js'), '--format', 'json', ...args],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  const results = JSON.parse(run.stdout) as { messages: LintMessage[] }[];
  return { status: run.status, messages: results.flatMap((r) => r.messages) };
}

describe('lint: workflows/ and sop/ stay deterministic', () => {
  test('a workflow file importing pg (and a Node builtin) fails lint', () => {
    const { status, messages } = lint([
      '--no-ignore',
      'test/lint-fixtures/workflows/imports-pg.workflow.ts',
    ]);
    expect(status).toBe(1);
    const restricted = messages.filter((m) => m.ruleId === 'no-restricted-imports');
    expect(restricted.map((m) => m.message)).toEqual([
      "'pg' import is restricted from being used. Database access belongs in activities/, not in workflows/ or sop/.",
      "'node:fs' import is restricted from being used by a pattern. Node builtins are banned in workflows/ and sop/: move I/O into activities/.",
    ]);
    expect(restricted.every((m) => m.severity === 2)).toBe(true);
  }, 60_000);

  test('the same import outside workflows/ and sop/ is allowed (activities may use pg)', () => {
    const { messages } = lint(['activities/exam-steps.activity.ts', 'workflows', 'sop']);
    expect(messages.filter((m) => m.ruleId === 'no-restricted-imports')).toEqual([]);
  }, 60_000);
});
