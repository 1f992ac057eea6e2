import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, ROOT, stopProcess } from '../../scripts/infra';
import { waitFor } from '../support';
import { useStack } from './harness';

/**
 * Issue 5: sign-in through OpenID Connect, end to end against a real provider on loopback
 * (node-oidc-provider, its development login and consent pages), never a mock. The browser is
 * played by fetch with a cookie jar; the API gives the same token pair as password sign-in.
 */
let provider: ChildProcess | undefined;
let issuer = '';
const clientId = 'emtihan-e2e';
const clientSecret = 'e2e-client-secret-0123456789';
let apiPort = 0;

beforeAll(async () => {
  const port = await freePort();
  apiPort = await freePort();
  issuer = `http://127.0.0.1:${port}`;
  provider = spawn(
    process.execPath,
    [
      join(ROOT, 'test/e2e/oidc-provider.mjs'),
      String(port),
      clientId,
      clientSecret,
      `http://127.0.0.1:${apiPort}/auth/oidc/callback`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  provider.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  provider.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitFor(
    'the OIDC provider',
    async () => Promise.resolve(out.includes('oidc-provider ready')),
    30_000,
  );
});
afterAll(async () => {
  if (provider !== undefined) await stopProcess(provider);
});

const ctx = useStack({
  env: () => ({ OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret }),
  port: () => apiPort,
});

/** A minimal browser: follows redirects by hand, keeping the provider's cookies. */
class Browser {
  private readonly cookies = new Map<string, string>();
  async go(url: string, init: RequestInit = {}): Promise<Response> {
    const host = new URL(url).host;
    const cookie = [...this.cookies.entries()]
      .filter(([k]) => k.startsWith(`${host}|`))
      .map(([k, v]) => `${k.split('|')[1]}=${v}`)
      .join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: {
        ...(init.headers as Record<string, string> | undefined),
        ...(cookie ? { cookie } : {}),
      },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.cookies.set(`${host}|${pair.slice(0, eq)}`, pair.slice(eq + 1));
    }
    return response;
  }
  /** Follows redirects until a page (or the API's callback) answers. */
  async follow(
    url: string,
    init: RequestInit = {},
    stopAt?: string,
  ): Promise<{ url: string; response: Response }> {
    let current = url;
    let response = await this.go(current, init);
    for (let hops = 0; response.status >= 300 && response.status < 400; hops++) {
      if (hops > 10) throw new Error('too many redirects');
      current = new URL(response.headers.get('location')!, current).toString();
      if (stopAt !== undefined && current.startsWith(stopAt)) return { url: current, response };
      response = await this.go(current);
    }
    return { url: current, response };
  }
}

async function submit(
  browser: Browser,
  page: { url: string; response: Response },
  fields: Record<string, string>,
  stopAt: string,
) {
  const html = await page.response.text();
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) throw new Error(`no form on ${page.url}: ${html.slice(0, 300)}`);
  return browser.follow(
    new URL(action, page.url).toString(),
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    },
    stopAt,
  );
}

test('a directory person signs in through the OpenID Connect provider and gets the usual tokens', async () => {
  const browser = new Browser();
  const callback = `${ctx.stack.baseUrl}/auth/oidc/callback`;
  const login = await browser.follow(`${ctx.stack.baseUrl}/auth/oidc/login`);
  expect(login.url.startsWith(issuer)).toBe(true);
  const afterLogin = await submit(
    browser,
    login,
    { prompt: 'login', login: ctx.dir.dean.email, password: 'any' },
    callback,
  );
  const back = afterLogin.url.startsWith(callback)
    ? afterLogin
    : await submit(browser, afterLogin, { prompt: 'consent' }, callback);
  expect(back.url.startsWith(callback)).toBe(true);
  expect(new URL(back.url).searchParams.get('code')).toBeTruthy();

  const tokens = await fetch(back.url);
  expect(tokens.status).toBe(200);
  const pair = (await tokens.json()) as { accessToken: string };
  const me = await ctx.stack.http('GET', '/me', { as: { token: pair.accessToken } });
  expect(me.body).toMatchObject({ email: ctx.dir.dean.email, roles: [{ role: 'dean' }] });

  // The same callback again: its state is used up.
  const replay = await fetch(back.url);
  expect(replay.status).toBe(400);
});

test('someone the provider knows but the directory does not is refused (403)', async () => {
  const browser = new Browser();
  const callback = `${ctx.stack.baseUrl}/auth/oidc/callback`;
  const login = await browser.follow(`${ctx.stack.baseUrl}/auth/oidc/login`);
  const afterLogin = await submit(
    browser,
    login,
    { prompt: 'login', login: 'stranger@example.org', password: 'any' },
    callback,
  );
  const back = afterLogin.url.startsWith(callback)
    ? afterLogin
    : await submit(browser, afterLogin, { prompt: 'consent' }, callback);
  const refused = await fetch(back.url);
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { detail: string }).detail).toBe(
    'stranger@example.org is not in the directory',
  );
});
