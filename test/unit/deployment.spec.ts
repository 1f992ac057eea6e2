import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { requiredInProduction, VARIABLES } from '../../config/config';
import { SEARCH_ATTRIBUTES } from '../../workflows/exam.contract';

const root = join(__dirname, '..', '..');
const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<
    string,
    {
      image?: string;
      build?: unknown;
      command?: string[] | string;
      environment?: Record<string, string> | string[];
    }
  >;
};

function environment(service: string): Record<string, string> {
  const env = compose.services[service]?.environment ?? {};
  if (Array.isArray(env))
    return Object.fromEntries(env.map((line) => line.split(/=(.*)/s).slice(0, 2))) as Record<
      string,
      string
    >;
  return env;
}

describe('docker-compose.yml for production users', () => {
  test.each(['api', 'worker', 'migrate'])(
    '%s sets every variable the configuration requires in production',
    (service) => {
      const env = environment(service);
      expect(env.NODE_ENV).toBe('production');
      const missing = requiredInProduction().filter((name) => !env[name]);
      expect(missing).toEqual([]);
    },
  );

  test('the API and worker connect as the application role; migrations as the owner (issue 7)', () => {
    for (const service of ['api', 'worker'])
      expect(new URL(environment(service).DATABASE_URL).username).toBe('emtihan_app');
    const migrate = environment('migrate');
    expect(new URL(migrate.DATABASE_MIGRATION_URL).username).toBe(
      environment('postgres').POSTGRES_USER,
    );
    expect(migrate.DATABASE_URL).toBe(environment('api').DATABASE_URL);
  });

  test('it runs PostgreSQL, Temporal on PostgreSQL, the Temporal UI, an SMTP relay, the API and the worker', () => {
    const { services } = compose;
    expect(services.postgres.image).toMatch(/^postgres:/);
    expect(services.temporal.image).toMatch(/^temporalio\/auto-setup:/);
    expect(environment('temporal').DB).toBe('postgres12');
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:/);
    expect(services['smtp-relay'].image).toBeDefined();
    expect(services.api.command).toEqual(['node', 'dist/api/main.js']);
    expect(services.worker.command).toEqual(['node', 'dist/worker/main.js']);
  });

  test('the search attributes the workflows set are registered', () => {
    const setup = JSON.stringify(compose.services['temporal-setup']);
    for (const sa of Object.values(SEARCH_ATTRIBUTES))
      expect(setup).toContain(`${sa.name}=${sa.type}`);
  });

  test('the image prebuilds the workflow bundle the worker loads', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toContain('node dist/scripts/build-workflow-bundle.js');
  });
});

test('.env.example lists exactly the variables of the configuration schema', () => {
  const listed = readFileSync(join(root, '.env.example'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=')[0])
    .sort();
  expect(listed).toEqual(Object.keys(VARIABLES).sort());
});
