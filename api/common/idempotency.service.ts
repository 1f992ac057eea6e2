import { createHash } from 'node:crypto';
import { HttpException } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { conflict, toProblem } from './problem';

export interface StoredResponse {
  status: number;
  body: unknown;
  replayed: boolean;
}

/**
 * Idempotency-Key handling for every POST that acts (CONVENTIONS.md): the first request with a key
 * runs and its answer (success or 4xx) is stored; a repeat with the same key and body gets that
 * answer back without acting again. Unexpected failures free the key so the client can retry.
 */
export class IdempotencyService {
  constructor(private readonly db: DataSource) {}

  async run(
    scope: string,
    key: string,
    request: unknown,
    action: () => Promise<{ status: number; body: unknown }>,
  ): Promise<StoredResponse> {
    const hash = createHash('sha256')
      .update(JSON.stringify(request ?? null))
      .digest('hex');
    const claimed = await this.db.query<unknown[]>(
      `INSERT INTO idempotency_key (scope, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (scope, key) DO NOTHING RETURNING key`,
      [scope, key, hash],
    );
    if (claimed.length === 0) return this.replay(scope, key, hash);

    try {
      const response = await action();
      await this.store(scope, key, response.status, response.body);
      return { ...response, replayed: false };
    } catch (error) {
      if (error instanceof HttpException && error.getStatus() < 500) {
        await this.store(scope, key, error.getStatus(), toProblem(error));
      } else {
        await this.db.query(`DELETE FROM idempotency_key WHERE scope = $1 AND key = $2`, [
          scope,
          key,
        ]);
      }
      throw error;
    }
  }

  private async store(scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.db.query(
      `UPDATE idempotency_key SET response_status = $3, response_body = $4 WHERE scope = $1 AND key = $2`,
      [scope, key, status, JSON.stringify(body)],
    );
  }

  private async replay(scope: string, key: string, hash: string): Promise<StoredResponse> {
    const rows = await this.db.query<
      { request_hash: string; response_status: number | null; response_body: unknown }[]
    >(
      `SELECT request_hash, response_status, response_body FROM idempotency_key WHERE scope = $1 AND key = $2`,
      [scope, key],
    );
    const row = rows[0];
    if (row === undefined)
      throw conflict('Idempotency-Key: the first request with this key failed; retry');
    if (row.request_hash !== hash) {
      throw conflict('Idempotency-Key: this key was already used with a different request body', {
        errors: [
          { path: 'Idempotency-Key', message: 'already used with a different request body' },
        ],
      });
    }
    if (row.response_status === null) {
      throw conflict(
        'Idempotency-Key: a request with this key is still being processed; retry shortly',
      );
    }
    return { status: row.response_status, body: row.response_body, replayed: true };
  }
}
