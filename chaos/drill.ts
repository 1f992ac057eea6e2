import { join } from 'node:path';
import { ROOT } from '../scripts/infra';
import { formatReport } from './report';
import { drillSizes, runDrill } from './run-drill';

/**
 * `npm run chaos` (issue 10): the drill at the size, or as the CHAOS_* variables say.
 * Prints the counts and exits 0 only when nothing was lost or doubled; stops by itself within
 * 20 minutes whatever happens.
 */
function numberFrom(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    process.stderr.write(`${name} must be a number ≥ 0 (got "${raw}")\n`);
    process.exit(78);
  }
  return value;
}

async function main(): Promise<void> {
  const exams = numberFrom('CHAOS_EXAMS', 200);
  const sizes = drillSizes({
    exams,
    kills: numberFrom('CHAOS_KILLS', 10),
    pgStopSeconds: numberFrom('CHAOS_PG_STOP_S', 30),
    smtpStopSeconds: numberFrom('CHAOS_SMTP_STOP_S', 30),
    temporalRestart: (process.env.CHAOS_TEMPORAL_RESTART ?? '1') !== '0',
    seed: numberFrom('CHAOS_SEED', 1),
  });
  sizes.spreadSeconds = numberFrom('CHAOS_SPREAD_S', sizes.spreadSeconds);
  sizes.leadSeconds = numberFrom('CHAOS_LEAD_S', sizes.leadSeconds);
  const limit = numberFrom('CHAOS_DEADLINE_S', 1200);
  // The overall stop: whatever hangs, the drill ends (its servers with it) within the limit.
  const watchdog = setTimeout(() => {
    process.stderr.write(`chaos: not done after ${limit} s; stopping\n`);
    process.exit(2);
  }, limit * 1000);
  watchdog.unref();
  const result = await runDrill({
    ...sizes,
    dir: join(ROOT, 'var', 'chaos'),
    deadlineSeconds: limit - 30,
  });
  process.stdout.write(formatReport(result));
  process.exit(result.ok ? 0 : 1);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
