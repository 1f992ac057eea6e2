import { randomUUID } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { DataSource } from 'typeorm';
import { findPerson, grantsOf } from '../directory/directory.repository';
import { ProblemException } from '../common/problem';
import type { Principal } from './principal';
import { newToken, sha256, tokenKind } from './secrets';

export const ACCESS_TTL_SECONDS = 15 * 60;
export const REFRESH_TTL_SECONDS = 30 * 24 * 3600;

/** A verification against this keeps the time of a login for an unknown email like a real one. */
let dummyHash: Promise<string> | undefined;

const unauthorized = (detail: string) =>
  new ProblemException({ status: 401, detail, type: 'https://emtihan.dev/problems/unauthorized' });

export interface TokenPair {
  tokenType: 'Bearer';
  accessToken: string;
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

/**
 * Password sign-in (argon2id), short-lived access tokens with rotating refresh tokens, and API keys.
 * Tokens are opaque and stored as SHA-256; a refresh token used twice revokes its whole family
 * (a stolen token is then useless to both parties).
 */
export class AuthService {
  constructor(private readonly db: DataSource) {}

  static hashPassword(password: string): Promise<string> {
    return hash(password);
  }

  async login(email: string, password: string, now: number): Promise<TokenPair> {
    const rows = await this.db.query<
      { id: string; password_hash: string | null; active: boolean }[]
    >(`SELECT id, password_hash, active FROM person WHERE lower(email) = lower($1)`, [email]);
    const person = rows[0];
    dummyHash ??= hash('emtihan-timing-equaliser');
    const stored = person?.password_hash ?? (await dummyHash);
    const ok = await verify(stored, password).catch(() => false);
    if (person === undefined || person.password_hash === null || !person.active || !ok) {
      throw unauthorized('email or password is wrong');
    }
    return this.issue(person.id, randomUUID(), now);
  }

  /** Changes a password after checking the current one; other sign-ins of the person end. */
  async changePassword(personId: string, current: string, next: string): Promise<void> {
    const rows = await this.db.query<{ password_hash: string | null }[]>(
      `SELECT password_hash FROM person WHERE id = $1`,
      [personId],
    );
    const stored = rows[0]?.password_hash ?? null;
    if (stored === null || !(await verify(stored, current).catch(() => false))) {
      throw unauthorized('the current password is wrong');
    }
    await this.db.query(`UPDATE person SET password_hash = $2, updated_at = now() WHERE id = $1`, [
      personId,
      await hash(next),
    ]);
  }

  /** A new sign-in for a person another method has identified (OpenID Connect). */
  issueFor(personId: string, now: number): Promise<TokenPair> {
    return this.issue(personId, randomUUID(), now);
  }

  async refresh(refreshToken: string, now: number): Promise<TokenPair> {
    if (tokenKind(refreshToken) !== 'refresh') throw unauthorized('not a refresh token');
    const outcome: { pair: TokenPair } | { reused: string } = await this.db.transaction(
      async (tx): Promise<{ pair: TokenPair } | { reused: string }> => {
        const rows = await tx.query<
          { person_id: string; family: string; expires_at: Date; revoked_at: Date | null }[]
        >(
          `SELECT person_id, family, expires_at, revoked_at FROM auth_token
          WHERE token_hash = $1 AND kind = 'refresh' FOR UPDATE`,
          [sha256(refreshToken)],
        );
        const token = rows[0];
        if (token === undefined) throw unauthorized('refresh token is unknown');
        // Reuse of a rotated token: someone else has it. The whole sign-in ends (committed below).
        if (token.revoked_at !== null) return { reused: token.family };
        if (token.expires_at.getTime() <= now) throw unauthorized('refresh token has expired');
        await tx.query(`UPDATE auth_token SET revoked_at = now() WHERE token_hash = $1`, [
          sha256(refreshToken),
        ]);
        return { pair: await this.issue(token.person_id, token.family, now, tx) };
      },
    );
    if ('pair' in outcome) return outcome.pair;
    await this.db.query(
      `UPDATE auth_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`,
      [outcome.reused],
    );
    throw unauthorized('refresh token was already used; sign in again');
  }

  async logout(accessToken: string): Promise<void> {
    const rows = await this.db.query<{ family: string }[]>(
      `SELECT family FROM auth_token WHERE token_hash = $1`,
      [sha256(accessToken)],
    );
    if (rows[0] !== undefined) {
      await this.db.query(
        `UPDATE auth_token SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`,
        [rows[0].family],
      );
    }
  }

  private async issue(
    personId: string,
    family: string,
    now: number,
    db: Pick<DataSource, 'query'> = this.db,
  ): Promise<TokenPair> {
    const accessToken = newToken('access');
    const refreshToken = newToken('refresh');
    await db.query(
      `INSERT INTO auth_token (token_hash, person_id, kind, family, expires_at)
       VALUES ($1, $3, 'access', $4, $5), ($2, $3, 'refresh', $4, $6)`,
      [
        sha256(accessToken),
        sha256(refreshToken),
        personId,
        family,
        new Date(now + ACCESS_TTL_SECONDS * 1000),
        new Date(now + REFRESH_TTL_SECONDS * 1000),
      ],
    );
    return {
      tokenType: 'Bearer',
      accessToken,
      expiresIn: ACCESS_TTL_SECONDS,
      refreshToken,
      refreshExpiresIn: REFRESH_TTL_SECONDS,
    };
  }

  /** The person behind an access token or API key, or undefined. */
  async authenticate(credential: string, now: number): Promise<Principal | undefined> {
    const kind = tokenKind(credential);
    let personId: string | undefined;
    if (kind === 'access') {
      const rows = await this.db.query<{ person_id: string }[]>(
        `SELECT person_id FROM auth_token
          WHERE token_hash = $1 AND kind = 'access' AND revoked_at IS NULL AND expires_at > $2`,
        [sha256(credential), new Date(now)],
      );
      personId = rows[0]?.person_id;
    } else if (kind === 'apiKey') {
      // TypeORM answers an UPDATE … RETURNING with [rows, affected].
      const [rows] = await this.db.query<[{ person_id: string }[], number]>(
        `UPDATE api_key SET last_used_at = now()
          WHERE key_hash = $1 AND revoked_at IS NULL RETURNING person_id`,
        [sha256(credential)],
      );
      personId = rows[0]?.person_id;
    }
    if (personId === undefined) return undefined;
    return this.principalOf(personId, kind === 'apiKey' ? 'apiKey' : 'token');
  }

  /** A directory person as a caller, with their roles; undefined when unknown or inactive. */
  async principalOf(
    personId: string,
    via: Principal['via'] = 'token',
  ): Promise<Principal | undefined> {
    const person = await findPerson(this.db, personId);
    if (person === undefined || !person.active) return undefined;
    return {
      personId: person.id,
      email: person.email,
      fullName: person.fullName,
      language: person.language,
      grants: await grantsOf(this.db, person.id),
      via,
    };
  }

  async createApiKey(personId: string, name: string) {
    const id = randomUUID();
    const key = newToken('apiKey');
    await this.db.query(
      `INSERT INTO api_key (id, person_id, name, key_hash) VALUES ($1, $2, $3, $4)`,
      [id, personId, name, sha256(key)],
    );
    return { id, name, key };
  }

  async listApiKeys(personId: string) {
    const rows = await this.db.query<
      {
        id: string;
        name: string;
        created_at: Date;
        last_used_at: Date | null;
        revoked_at: Date | null;
      }[]
    >(
      `SELECT id, name, created_at, last_used_at, revoked_at FROM api_key WHERE person_id = $1 ORDER BY created_at`,
      [personId],
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      createdAt: r.created_at.toISOString(),
      lastUsedAt: r.last_used_at?.toISOString() ?? null,
      revokedAt: r.revoked_at?.toISOString() ?? null,
    }));
  }

  async revokeApiKey(personId: string, id: string): Promise<boolean> {
    const [, affected] = await this.db.query<[unknown[], number]>(
      `UPDATE api_key SET revoked_at = now() WHERE id = $1 AND person_id = $2 AND revoked_at IS NULL RETURNING id`,
      [id, personId],
    );
    return affected > 0;
  }

  /** Creates the first admin when nobody holds the admin role (BOOTSTRAP_ADMIN_*). */
  async bootstrapAdmin(admin: { email: string; password: string } | undefined): Promise<boolean> {
    if (admin === undefined) return false;
    const passwordHash = await AuthService.hashPassword(admin.password);
    return this.db.transaction(async (tx) => {
      // Several API replicas may start at once: one creates the admin, the others see it.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtext('emtihan/bootstrap-admin'))`);
      const existing = await tx.query<unknown[]>(
        `SELECT 1 FROM role_assignment WHERE role = 'admin' LIMIT 1`,
      );
      if (existing.length > 0) return false;
      await tx.query(
        `INSERT INTO org_unit (id, kind, parent_id, name_kk, name_ru, name_en)
         SELECT 'institution', 'institution', NULL, 'Университет', 'Университет', 'University'
          WHERE NOT EXISTS (SELECT 1 FROM org_unit WHERE kind = 'institution')`,
      );
      const institution = await tx.query<{ id: string }[]>(
        `SELECT id FROM org_unit WHERE kind = 'institution' ORDER BY created_at LIMIT 1`,
      );
      const people = await tx.query<{ id: string }[]>(
        `INSERT INTO person (id, email, full_name, language, password_hash)
         VALUES ($1, $2, 'Administrator', 'en', $3)
         ON CONFLICT ((lower(email))) DO UPDATE SET password_hash = EXCLUDED.password_hash
         RETURNING id`,
        [randomUUID(), admin.email, passwordHash],
      );
      await tx.query(
        `INSERT INTO role_assignment (person_id, role, scope_id) VALUES ($1, 'admin', $2)
         ON CONFLICT DO NOTHING`,
        [people[0].id, institution[0].id],
      );
      return true;
    });
  }
}
