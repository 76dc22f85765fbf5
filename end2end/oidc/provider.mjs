// A certified OpenID provider (oidc-provider) for Relay's interoperability
// tests, standing in for Google and Microsoft over plain http on 127.0.0.1.
//
//   node end2end/oidc/provider.mjs --relay-url http://127.0.0.1:PORT
//        [--device-ttl SECONDS] [--access-ttl SECONDS] [--slow-down-first]
//
// Once listening it prints one JSON line to stdout, {"issuer": …, "clients": …},
// and runs until killed. Everything else goes to stderr. `GET /__events`
// lists what happened to grants and refresh tokens, for the tests to check
// what Relay did (refreshes, rotations, revocation).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

// oidc-provider prints its development notices with console.info: keep
// stdout for the one JSON line.
console.info = console.error;

const { values: args } = parseArgs({
  options: {
    'relay-url': { type: 'string' },
    'device-ttl': { type: 'string', default: '600' },
    'access-ttl': { type: 'string', default: '3600' },
    // Like a provider whose clock runs ahead: the first poll of every device
    // code is "too early", so a client must show it honours slow_down.
    'slow-down-first': { type: 'boolean', default: false },
  },
});
const relayUrl = args['relay-url']?.replace(/\/$/, '');
const deviceTtl = Number(args['device-ttl']);
const accessTtl = Number(args['access-ttl']);
if (!relayUrl || !(deviceTtl > 0) || !(accessTtl > 0)) {
  console.error('usage: provider.mjs --relay-url http://127.0.0.1:PORT [--device-ttl SECONDS] [--access-ttl SECONDS]');
  process.exit(2);
}

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const INTERVAL = 2; // seconds between device-code polls (RFC 8628 §3.2)

const clients = [
  { client_id: 'relay-google', client_secret: 'relay-google-secret', callback: 'google' },
  { client_id: 'relay-microsoft', client_secret: 'relay-microsoft-secret', callback: 'microsoft' },
];

// Account ids, and so subs, are the login typed with this prefix, so that a
// test can tell sub from the login name.
const SUB_PREFIX = 'sub-';

const configuration = {
  clients: clients.map(({ client_id, client_secret, callback }) => ({
    client_id,
    client_secret,
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
    response_types: ['code'],
    redirect_uris: [`${relayUrl}/oauth/callback/${callback}`],
  })),
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
  },
  async findAccount(ctx, accountId) {
    const login = accountId.slice(SUB_PREFIX.length);
    return {
      accountId,
      async claims() {
        return {
          sub: accountId,
          email: `${login}@oidc.test`,
          email_verified: true,
          name: `${login.charAt(0).toUpperCase()}${login.slice(1)} Test`,
          preferred_username: login,
        };
      },
    };
  },
  features: {
    devInteractions: { enabled: true }, // the login and consent pages the browser fills in
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    userinfo: { enabled: true },
  },
  // Only S256 is implemented; this makes it mandatory for confidential clients too.
  pkce: { required: () => true },
  // Like Google and Microsoft: a refresh token whatever the scope or prompt
  // (oidc-provider drops offline_access without prompt=consent), outliving
  // the provider's browser session, and a new one on every use.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  expiresWithSession: async () => false,
  rotateRefreshToken: true,
  ttl: { DeviceCode: deviceTtl, AccessToken: accessTtl },
  // Over http oidc-provider leaves off Secure by itself (it sets it only when
  // ctx.secure), and SameSite=Lax holds between two ports of 127.0.0.1.
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  jwks: { keys: [generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' })] },
};

// The issuer names its port, so the port is taken before the provider is made.
const server = createServer();
await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
const issuer = `http://127.0.0.1:${server.address().port}`;
const provider = new Provider(issuer, configuration);

// oidc-provider makes sub the account id, and its dev login page makes the
// login typed the account id: prefix it where that page hands it over.
const interactionResult = provider.interactionResult.bind(provider);
provider.interactionResult = (req, res, result, options) => interactionResult(req, res, result.login
  ? { ...result, login: { ...result.login, accountId: SUB_PREFIX + result.login.accountId } }
  : result, options);

// RFC 8628 polling etiquette, which stock oidc-provider leaves out: advertise
// an interval, and answer slow_down to a poll that comes too soon. slow_down
// is a variant of authorization_pending (§3.5), so only a pending answer is
// turned into it; approval, denial and expiry answer as they are.
const polls = new Map(); // device_code -> { at: ms of the last poll, interval: s }
// What the tests may ask about afterwards (GET /__events): names and times, no tokens.
const events = [];
provider.use(async (ctx, next) => {
  const arrived = Date.now();
  await next();
  const route = ctx.oidc?.route;
  if (route === 'device_authorization' && ctx.status === 200) {
    ctx.body = { ...ctx.body, interval: INTERVAL };
  } else if (route === 'token' && ctx.oidc.body?.grant_type === DEVICE_GRANT) {
    const code = ctx.oidc.body.device_code;
    if (ctx.body?.error !== 'authorization_pending') {
      polls.delete(code);
      return;
    }
    const poll = polls.get(code) ?? { interval: INTERVAL };
    const first = poll.at === undefined;
    const since = first ? Infinity : arrived - poll.at;
    poll.at = arrived;
    polls.set(code, poll);
    events.push({ name: 'device.poll', at: arrived, since: first ? null : since });
    if (since < poll.interval * 1000 || (first && args['slow-down-first'])) {
      poll.interval += 5;
      console.error(`slow_down: device code polled ${since} ms after the last poll; its interval is now ${poll.interval} s`);
      events.push({ name: 'device.slow_down', at: arrived, interval: poll.interval });
      ctx.status = 400;
      ctx.body = { error: 'slow_down', error_description: `poll at most every ${poll.interval} seconds` };
    }
  }
});

for (const name of ['grant.success', 'grant.revoked', 'refresh_token.consumed', 'grant.error']) {
  provider.on(name, (...args) => {
    const error = args.find((a) => a instanceof Error);
    events.push({ name, at: Date.now(), ...(error ? { error: error.error ?? error.message } : {}) });
  });
}
const oidc = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/__events') {
    res.setHeader('content-type', 'application/json');
    return res.end(JSON.stringify(events));
  }
  return oidc(req, res);
});
process.stdout.write(`${JSON.stringify({
  issuer,
  clients: Object.fromEntries(clients.map(({ client_id, client_secret, callback }) => [
    callback, { client_id, client_secret },
  ])),
})}\n`);
