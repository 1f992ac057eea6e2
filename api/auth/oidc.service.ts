import { randomBytes } from 'node:crypto';
import type * as Oidc from 'openid-client';

/**
 * openid-client is an ES module, loaded when OpenID Connect is first used (Node's require of ESM):
 * an institution without OIDC never loads it, and neither do in-process tests of the API.
 */
let library: Promise<typeof Oidc> | undefined;
const openid = (): Promise<typeof Oidc> => (library ??= import('openid-client'));
import type { DataSource } from 'typeorm';
import type { Config } from '../../config/config';
import { ProblemException } from '../common/problem';
import type { AuthService, TokenPair } from './auth.service';

const REQUEST_TTL_MS = 10 * 60_000;

/**
 * OpenID Connect sign-in (authorization code with PKCE, state and nonce), behind the same tokens
 * as password sign-in: the provider proves who the person is, the directory says what they may
 * do. A person signs in only when their verified email is in the directory and active.
 */
export class OidcService {
  private configuration: Promise<Oidc.Configuration> | undefined;

  constructor(
    private readonly db: DataSource,
    private readonly auth: AuthService,
    private readonly config: Config,
  ) {}

  get enabled(): boolean {
    return this.config.oidc !== undefined;
  }

  private get redirectUri(): string {
    return `${this.config.publicUrl}/auth/oidc/callback`;
  }

  private discover(): Promise<Oidc.Configuration> {
    const settings = this.config.oidc;
    if (settings === undefined) {
      throw new ProblemException({
        status: 404,
        detail: 'OpenID Connect sign-in is not configured',
      });
    }
    this.configuration ??= openid()
      .then((oidc) =>
        oidc.discovery(
          new URL(settings.issuer),
          settings.clientId,
          settings.clientSecret,
          undefined,
          // A provider on plain http is only accepted on loopback (development and tests).
          ['localhost', '127.0.0.1', '[::1]'].includes(new URL(settings.issuer).hostname)
            ? { execute: [oidc.allowInsecureRequests] }
            : undefined,
        ),
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw new ProblemException({
          status: 503,
          detail: `the OpenID Connect provider cannot be reached: ${error instanceof Error ? error.message : String(error)}`,
        });
      });
    return this.configuration;
  }

  /** Where to send the browser: the provider's authorization URL for a fresh state. */
  async start(now: number): Promise<string> {
    const configuration = await this.discover();
    const oidc = await openid();
    const verifier = oidc.randomPKCECodeVerifier();
    const state = randomBytes(32).toString('base64url');
    const nonce = randomBytes(32).toString('base64url');
    await this.db.query(`DELETE FROM oidc_request WHERE expires_at < $1`, [new Date(now)]);
    await this.db.query(
      `INSERT INTO oidc_request (state, verifier, nonce, expires_at) VALUES ($1, $2, $3, $4)`,
      [state, verifier, nonce, new Date(now + REQUEST_TTL_MS)],
    );
    return oidc
      .buildAuthorizationUrl(configuration, {
        redirect_uri: this.redirectUri,
        scope: 'openid email profile',
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
        state,
        nonce,
      })
      .toString();
  }

  /** The provider's redirect back: exchanges the code and signs the directory's person in. */
  async finish(query: Record<string, string>, now: number): Promise<TokenPair> {
    const configuration = await this.discover();
    const oidc = await openid();
    const state = query.state ?? '';
    const [rows] = await this.db.query<
      [{ verifier: string; nonce: string; expires_at: Date }[], number]
    >(`DELETE FROM oidc_request WHERE state = $1 RETURNING verifier, nonce, expires_at`, [state]);
    const request = rows[0];
    if (request === undefined || request.expires_at.getTime() < now) {
      throw new ProblemException({
        status: 400,
        detail: 'state: unknown or expired sign-in; start again at /auth/oidc/login',
        errors: [{ path: 'state', message: 'unknown or expired' }],
      });
    }
    const current = new URL(this.redirectUri);
    for (const [name, value] of Object.entries(query)) current.searchParams.set(name, value);
    let claims: Record<string, unknown> | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, current, {
        pkceCodeVerifier: request.verifier,
        expectedState: state,
        expectedNonce: request.nonce,
        idTokenExpected: true,
      });
      const id = tokens.claims();
      claims = id;
      // Many providers put the email only in the UserInfo answer (scope-based claims).
      if (id !== undefined && typeof id.email !== 'string') {
        claims = await oidc.fetchUserInfo(configuration, tokens.access_token, id.sub);
      }
    } catch (error) {
      throw new ProblemException({
        status: 401,
        detail: `the OpenID Connect provider did not confirm the sign-in: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    const email = typeof claims?.email === 'string' ? claims.email : undefined;
    if (email === undefined || claims?.email_verified === false) {
      throw new ProblemException({ status: 403, detail: 'the provider gave no verified email' });
    }
    const people = await this.db.query<{ id: string }[]>(
      `SELECT id FROM person WHERE lower(email) = lower($1) AND active`,
      [email],
    );
    if (people[0] === undefined) {
      throw new ProblemException({ status: 403, detail: `${email} is not in the directory` });
    }
    return this.auth.issueFor(people[0].id, now);
  }
}
