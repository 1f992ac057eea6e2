import { loadConfigOrExit } from '../config/config';
import { createDataSource } from '../migrations/data-source';

/** `npm run migrate` applies pending migrations; `npm run migrate:revert` undoes the last one. */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const db = createDataSource({ url: config.databaseUrl, ssl: config.databaseSsl, poolSize: 1 });
  await db.initialize();
  try {
    if (process.argv[2] === 'revert') {
      await db.undoLastMigration({ transaction: 'each' });
      process.stdout.write('reverted the last migration\n');
    } else {
      const applied = await db.runMigrations({ transaction: 'each' });
      process.stdout.write(
        applied.length
          ? `applied: ${applied.map((m) => m.name).join(', ')}\n`
          : 'schema is up to date\n',
      );
    }
  } finally {
    await db.destroy();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`migrate: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
