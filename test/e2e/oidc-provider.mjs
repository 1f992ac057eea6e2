// A real OpenID Connect provider on loopback for the e2e test of sign-in through OIDC
// (node-oidc-provider with its development login and consent pages). Any login name is an
// account whose email is that name, marked verified.
// Usage: node test/e2e/oidc-provider.mjs <port> <client_id> <client_secret> <redirect_uri>
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    },
  ],
  claims: { openid: ['sub'], email: ['email', 'email_verified'] },
  findAccount: (_ctx, id) => ({
    accountId: id,
    claims: () => ({ sub: id, email: id, email_verified: true }),
  }),
  cookies: { keys: ['e2e-only-cookie-key-0123456789'] },
  pkce: { required: () => true },
});
provider.listen(Number(port), '127.0.0.1', () =>
  process.stdout.write(`oidc-provider ready ${issuer}\n`),
);
