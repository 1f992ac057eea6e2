import { rmSync } from 'node:fs';
import type { Service } from '../../scripts/infra';

export default async function globalTeardown(): Promise<void> {
  const state = globalThis as { __emtihanInfra?: Service[]; __emtihanInfraStopped?: boolean };
  if (state.__emtihanInfra === undefined || state.__emtihanInfraStopped) return;
  state.__emtihanInfraStopped = true;
  for (const service of state.__emtihanInfra) await service.stop();
  if (process.env.TEST_VAR_DIR && process.env.KEEP_TEST_VAR !== '1') {
    rmSync(process.env.TEST_VAR_DIR, { recursive: true, force: true });
  }
}
