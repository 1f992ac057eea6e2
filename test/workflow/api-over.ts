import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../api/main';
import { TemporalGateway } from '../../api/temporal/temporal.gateway';
import { loadConfig } from '../../config/config';
import { testInfra, uniqueId } from '../support';
import type { TimeSkipping } from './time-skipping';

export interface ApiOver {
  baseUrl: string;
  /** JSON (or a multipart form) to the API as `as`; an Idempotency-Key on every write. */
  http(
    method: string,
    path: string,
    options?: { as?: { email: string; password: string }; body?: unknown; form?: FormData },
  ): Promise<{ status: number; body: Record<string, unknown>; text: string }>;
}

/**
 * The real API in this process, over the time-skipping server's client (issue 8's whole-exam
 * test): the same controllers, services, validation and PostgreSQL as production, while the test
 * moves the workflows' clock. Started per test (the time-skipping environment is per test).
 */
export function useApiOver(ctx: TimeSkipping, documentKeyBase64: string): ApiOver {
  let app: INestApplication | undefined;
  const tokens = new Map<string, string>();
  const api: ApiOver = {
    baseUrl: '',
    async http(method, path, { as, body, form } = {}) {
      const headers: Record<string, string> = {};
      if (as !== undefined) headers.authorization = `Bearer ${await login(as)}`;
      if (method !== 'GET') headers['idempotency-key'] = uniqueId('k');
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${api.baseUrl}${path}`, {
        method,
        headers,
        body: form ?? (body === undefined ? undefined : JSON.stringify(body)),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = {};
      }
      return { status: response.status, body: parsed, text };
    },
  };
  const login = async (as: { email: string; password: string }) => {
    const cached = tokens.get(as.email);
    if (cached !== undefined) return cached;
    const response = await fetch(`${api.baseUrl}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: as.email, password: as.password }),
    });
    if (response.status !== 200) throw new Error(`login of ${as.email}: ${response.status}`);
    const { accessToken } = (await response.json()) as { accessToken: string };
    tokens.set(as.email, accessToken);
    return accessToken;
  };

  beforeEach(async () => {
    const infra = testInfra();
    const taskQueue = ctx.worker.options.taskQueue;
    // The port is listened on as 0 (any free one); the configuration wants a valid one.
    const config = loadConfig({
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '3999',
      DATABASE_URL: infra.databaseUrl,
      TEMPORAL_ADDRESS: infra.temporalAddress,
      TEMPORAL_TASK_QUEUE: taskQueue,
      SMTP_URL: infra.smtpUrl,
      LINK_SECRET: 'x'.repeat(32),
      DOCUMENT_KEY: documentKeyBase64,
    });
    app = await createApp(config, TemporalGateway.over(ctx.env.client, taskQueue), ['error']);
    await app.listen(0, '127.0.0.1');
    const address = (app.getHttpServer() as Server).address() as {
      port: number;
    };
    api.baseUrl = `http://127.0.0.1:${address.port}`;
    tokens.clear();
  });

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  return api;
}
