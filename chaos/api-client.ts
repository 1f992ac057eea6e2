/**
 * The drill's HTTP client: what a patient user's browser does during an outage. A request that
 * got no answer, a 5xx, a 429 or the API's "still being processed" 409 is sent again, the same
 * request with the same Idempotency-Key, until it gets an answer that is final; so a retried
 * decision is still one decision (the API replays the first answer, Temporal dedups the Update).
 */

export interface Person {
  /** The drill's name for them: `department_head@dept-2`, `dean`, … */
  name: string;
  email: string;
  password: string;
  id?: string;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
  replayed: boolean;
}

export interface RequestStats {
  requests: number;
  /** Sent again after no answer, a 5xx, a 429, an expired token or an idempotency 409. */
  retries: number;
  /** Answered from the idempotency store (Idempotent-Replayed: true). */
  replayed: number;
}

/** A problem's `detail`, or the whole body when it has none. */
export function detailOf(answer: Pick<Answer, 'body'>): string {
  const { detail } = answer.body;
  return typeof detail === 'string' ? detail : JSON.stringify(answer.body);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ApiClient {
  readonly stats: RequestStats = { requests: 0, retries: 0, replayed: 0 };
  private readonly tokens = new Map<string, string>();

  constructor(
    private readonly baseUrl: string,
    /** Retrying stops when this says so (the drill's deadline). */
    private readonly stopped: () => boolean,
  ) {}

  /** One attempt; undefined when no answer came (connection refused, reset, timed out). */
  private async once(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | FormData | undefined,
  ): Promise<Answer | undefined> {
    this.stats.requests++;
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body,
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        parsed = { text };
      }
      const replayed = response.headers.get('idempotent-replayed') === 'true';
      if (replayed) this.stats.replayed++;
      return { status: response.status, body: parsed, replayed };
    } catch {
      return undefined;
    }
  }

  async login(person: Person, fresh = false): Promise<string> {
    const cached = this.tokens.get(person.email);
    if (cached !== undefined && !fresh) return cached;
    const answer = await this.send('POST', '/auth/login', {
      body: { email: person.email, password: person.password },
    });
    if (answer.status !== 200)
      throw new Error(
        `sign-in of ${person.email}: ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    const token = answer.body.accessToken as string;
    this.tokens.set(person.email, token);
    return token;
  }

  /**
   * Sends until a final answer: 2xx, or a 4xx that is not about timing (an idempotency key still
   * in flight, a rate limit, an expired token). Gives up only when the drill stops.
   */
  async send(
    method: string,
    path: string,
    options: {
      as?: Person;
      body?: unknown;
      form?: () => FormData;
      idempotencyKey?: string;
    } = {},
  ): Promise<Answer> {
    let delay = 500;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) {
        this.stats.retries++;
        if (this.stopped())
          throw new Error(`${method} ${path}: the drill stopped before an answer`);
        await sleep(delay);
        delay = Math.min(delay * 2, 5_000);
      }
      const headers: Record<string, string> = {};
      if (options.as !== undefined) {
        let token: string;
        try {
          token = await this.login(options.as);
        } catch {
          continue;
        }
        headers.authorization = `Bearer ${token}`;
      }
      if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
      let body: string | FormData | undefined;
      if (options.form !== undefined) body = options.form();
      else if (options.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(options.body);
      }
      const answer = await this.once(method, path, headers, body);
      if (answer === undefined) continue;
      if (answer.status === 401 && options.as !== undefined) {
        // The access token expired (15 min): sign in again, then the same request.
        this.tokens.delete(options.as.email);
        continue;
      }
      if (answer.status >= 500 || answer.status === 429) continue;
      if (
        answer.status === 409 &&
        /Idempotency-Key: (a request with this key is still being processed|the first request with this key failed)/.test(
          detailOf(answer),
        )
      )
        continue;
      return answer;
    }
  }
}
