import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../scripts/infra';

/** A bad or missing variable stops each process at boot with its name and the reason. */
describe('configuration is validated at boot', () => {
  test.each(['api/main.js', 'worker/main.js', 'scripts/migrate.js'])(
    '%s stops on a bad variable, naming it',
    (script) => {
      const run = spawnSync(process.execPath, [join(ROOT, 'dist', script)], {
        env: { PATH: process.env.PATH, DATABASE_URL: 'mysql://db:3306/emtihan', PORT: '99999' },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).toBe(78);
      expect(run.stderr).toContain('PORT: Too big');
      expect(run.stderr).toContain(
        'DATABASE_URL: must be a URL with scheme postgres or postgresql (got "mysql://db:3306/emtihan")',
      );
    },
  );

  test('production refuses to start without its connection variables', () => {
    const run = spawnSync(process.execPath, [join(ROOT, 'dist', 'api/main.js')], {
      env: { PATH: process.env.PATH, NODE_ENV: 'production' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(78);
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'SMTP_URL'])
      expect(run.stderr).toContain(`${name}: is required in production`);
  });
});

describe('the policy file is validated at boot', () => {
  test.each(['api/main.js', 'worker/main.js'])(
    '%s stops on a bad POLICY_FILE, naming the file, the path and the reason',
    (script) => {
      const dir = mkdtempSync(join(tmpdir(), 'emtihan-boot-'));
      const file = join(dir, 'policy.yaml');
      writeFileSync(file, 'version: bad-1\nworkingWeek: [1, 2, 9]\n');
      const run = spawnSync(process.execPath, [join(ROOT, 'dist', script)], {
        env: { PATH: process.env.PATH, POLICY_FILE: file },
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain(`POLICY_FILE ${file}: Invalid policy: workingWeek.2:`);
    },
  );
});
