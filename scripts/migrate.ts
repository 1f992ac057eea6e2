import { loadConfigOrExit } from '../config/config';
import { createDataSource, migrate } from '../migrations/data-source';

/** `npm run migrate` applies pending migrations; `npm run migrate:revert` undoes the last one. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (process.argv[2] !== 'revert') {
    const applied = await migrate(
      config.databaseMigrationUrl,
      config.databaseSsl,
      config.databaseUrl,
    );
    process.stdout.write(
      applied.length ? `applied: ${applied.join(', ')}\n` : 'schema is up to date\n',
    );
    return;
  }
  const db = createDataSource({
    url: config.databaseMigrationUrl,
    ssl: config.databaseSsl,
    poolSize: 1,
  });
  await db.initialize();
  try {
    await db.undoLastMigration({ transaction: 'each' });
    process.stdout.write('reverted the last migration\n');
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
