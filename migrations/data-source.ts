import { types } from 'pg';
import { DataSource } from 'typeorm';

// DATE columns are local calendar dates: keep them as 'YYYY-MM-DD', never a JS Date at midnight.
types.setTypeParser(types.builtins.DATE, (value: string) => value);
import { Foundation1764100000000 } from './1764100000000-foundation';
import { PlanPreview1764200000000 } from './1764200000000-plan-preview';
import { Directory1764300000000 } from './1764300000000-directory';
import { Lifecycle1764400000000 } from './1764400000000-lifecycle';
import { APP_ROLE, AuditChain1764500000000 } from './1764500000000-audit-chain';
import { Paperwork1764700000000 } from './1764700000000-paperwork';
import { Grading1764800000000 } from './1764800000000-grading';
import { Appeals1764900000000 } from './1764900000000-appeals';
import { Integrity1765000000000 } from './1765000000000-integrity';
import { Form4UploadLink1765100000000 } from './1765100000000-form4-upload-link';
import { CaseDrawnUpBy1765200000000 } from './1765200000000-case-drawn-up-by';
import { CaseAppeal1765300000000 } from './1765300000000-case-appeal';
import { OutboxSending1765400000000 } from './1765400000000-outbox-sending';
import { InboxIndexes1765500000000 } from './1765500000000-inbox-indexes';
import { HistoryArchive1764600000000 } from './1764600000000-history-archive';

/** Every migration, in order. `synchronize` is off everywhere: the schema is the migrations. */
export const MIGRATIONS = [
  Foundation1764100000000,
  PlanPreview1764200000000,
  Directory1764300000000,
  Lifecycle1764400000000,
  AuditChain1764500000000,
  HistoryArchive1764600000000,
  Paperwork1764700000000,
  Grading1764800000000,
  Appeals1764900000000,
  Integrity1765000000000,
  Form4UploadLink1765100000000,
  CaseDrawnUpBy1765200000000,
  CaseAppeal1765300000000,
  OutboxSending1765400000000,
  InboxIndexes1765500000000,
];

export function createDataSource(options: {
  url: string;
  ssl?: boolean;
  poolSize?: number;
}): DataSource {
  return new DataSource({
    type: 'postgres',
    url: options.url,
    ssl: options.ssl === true ? { rejectUnauthorized: true } : undefined,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    extra: { max: options.poolSize ?? 10 },
    logging: ['error', 'migration'],
  });
}

/**
 * Applies pending migrations as the schema's owner (`url`); returns the names applied. With
 * `appUrl` (the API's and worker's DATABASE_URL) its user is made a login member of the
 * application role, with the URL's password, unless it is the owner itself.
 */
export async function migrate(url: string, ssl = false, appUrl?: string): Promise<string[]> {
  const ds = createDataSource({ url, ssl, poolSize: 1 });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    if (appUrl !== undefined) await provisionAppUser(ds, url, appUrl);
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** The login role of DATABASE_URL, a member of the application role (issue 7's grants). */
async function provisionAppUser(ds: DataSource, ownerUrl: string, appUrl: string): Promise<void> {
  const user = decodeURIComponent(new URL(appUrl).username);
  const password = decodeURIComponent(new URL(appUrl).password);
  if (user === '' || user === decodeURIComponent(new URL(ownerUrl).username)) return;
  const exists = await ds.query<unknown[]>(`SELECT 1 FROM pg_roles WHERE rolname = $1`, [user]);
  const [{ sql }] = await ds.query<{ sql: string }[]>(
    exists.length === 0
      ? `SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql`
      : `SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', $1::text, $2::text) AS sql`,
    [user, password],
  );
  try {
    await ds.query(sql);
  } catch (error) {
    // Two processes provisioning at once: the other one created it.
    if (!/already exists/.test(String(error))) throw error;
  }
  if (user === APP_ROLE) return;
  const [{ grant }] = await ds.query<{ grant: string }[]>(
    `SELECT format('GRANT ${APP_ROLE} TO %I', $1::text) AS grant`,
    [user],
  );
  await ds.query(grant);
}
