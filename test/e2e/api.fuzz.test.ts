import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EMBEDDED_DEFAULTS } from '../../config/config';
import { ROOT, toolPaths } from '../../scripts/infra';
import { useStack } from './harness';

/**
 * npm run test:fuzz (also part of npm test when Python is present): schemathesis, installed from
 * PyPI by scripts/provision.sh, generates requests from /docs-json against the running API as the
 * admin (the widest rights) and checks that no answer is a 5xx and that every answer matches its
 * documented schema. It must make at least 1,000 requests; the count is printed.
 */
const ctx = useStack();
const bin = toolPaths().schemathesis;
const run = existsSync(bin) ? test : test.skip;

run(
  'schemathesis: at least 1,000 generated requests, no 5xx, every answer as documented',
  async () => {
    const admin = {
      email: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_EMAIL,
      password: EMBEDDED_DEFAULTS.BOOTSTRAP_ADMIN_PASSWORD,
    };
    const key = await ctx.stack.http('POST', '/me/api-keys', { body: { name: 'fuzz' }, as: admin });
    expect(key.status).toBe(201);
    // Kept after the run (var/ is ignored by git): the HAR of every request and schemathesis' output.
    const reportDir = join(ROOT, 'var', 'fuzz-report');
    rmSync(reportDir, { recursive: true, force: true });
    mkdirSync(reportDir, { recursive: true });
    const args = [
      'run',
      `${ctx.stack.baseUrl}/docs-json`,
      '--checks',
      'not_a_server_error,response_schema_conformance,content_type_conformance',
      '--max-examples',
      process.env.FUZZ_MAX_EXAMPLES ?? '60',
      '--phases',
      'examples,coverage,fuzzing',
      '--header',
      `Authorization: Bearer ${key.body.key as string}`,
      '--exclude-path-regex',
      '^/(auth/logout|me/api-keys/\\{id\\})$',
      '--generation-deterministic',
      '--seed',
      '20261125',
      '--report',
      'har',
      '--report-dir',
      reportDir,
      '--no-color',
    ];
    const output = await new Promise<{ code: number | null; text: string }>((resolve) => {
      // cwd: schemathesis keeps a cache folder where it runs; var/ is ignored by git.
      const child = spawn(bin, args, {
        cwd: reportDir,
        env: { ...process.env, PYTHONUNBUFFERED: '1' },
      });
      let text = '';
      child.stdout.on('data', (c: Buffer) => (text += c.toString()));
      child.stderr.on('data', (c: Buffer) => (text += c.toString()));
      child.on('exit', (code) => resolve({ code, text }));
    });
    writeFileSync(join(reportDir, 'schemathesis.txt'), output.text);
    const har = JSON.parse(readFileSync(join(reportDir, readdirHar(reportDir)), 'utf8')) as {
      log: { entries: { response: { status: number } }[] };
    };
    const requests = har.log.entries.length;
    const serverErrors = har.log.entries.filter((e) => e.response.status >= 500).length;
    process.stdout.write(
      `\nschemathesis: ${requests} requests, ${serverErrors} with a 5xx; exit ${output.code}\n`,
    );
    if (output.code !== 0) process.stdout.write(output.text.slice(-6000));
    expect(serverErrors).toBe(0);
    expect(requests).toBeGreaterThanOrEqual(1000);
    expect(output.code).toBe(0);
  },
  900_000,
);

function readdirHar(dir: string): string {
  const file = readdirSync(dir).find((f) => f.startsWith('har') && f.endsWith('.json'));
  if (file === undefined) throw new Error(`schemathesis wrote no HAR report in ${dir}`);
  return file;
}
