import { fork } from 'node:child_process';
import { join } from 'node:path';
import type { BenchStack } from './stack';

export interface LoadResult {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

/** One autocannon run against `path` (bench/http-load.ts in a child process). */
export function load(
  stack: BenchStack,
  path: string,
  options: { token?: string; connections: number; seconds: number },
): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(__dirname, 'http-load.js'),
      [JSON.stringify({ url: `${stack.baseUrl}${path}`, ...options })],
      { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
    );
    stack.children.add(child);
    let result: LoadResult | undefined;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('message', (message) => (result = message as LoadResult));
    child.once('exit', (code) => {
      stack.children.delete(child);
      if (result !== undefined) resolve(result);
      else reject(new Error(`autocannon exited ${code}: ${stderr}`));
    });
  });
}
