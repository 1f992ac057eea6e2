import { types } from 'pg';
import { DataSource } from 'typeorm';

// DATE columns are local calendar dates: keep them as 'YYYY-MM-DD', never a JS Date at midnight.
types.setTypeParser(types.builtins.DATE, (value: string) => value);
import { Foundation1764100000000 } from './1764100000000-foundation';
import { PlanPreview1764200000000 } from './1764200000000-plan-preview';
import { Directory1764300000000 } from './1764300000000-directory';
import { Lifecycle1764400000000 } from './1764400000000-lifecycle';

/** Every migration, in order. `synchronize` is off everywhere: the schema is the migrations. */
export const MIGRATIONS = [
  Foundation1764100000000,
  PlanPreview1764200000000,
  Directory1764300000000,
  Lifecycle1764400000000,
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

/** Applies pending migrations; returns the names applied. */
export async function migrate(url: string, ssl = false): Promise<string[]> {
  const ds = createDataSource({ url, ssl, poolSize: 1 });
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
