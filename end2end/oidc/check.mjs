// Proves, as a plain OAuth client using fetch, that provider.mjs behaves the
// way Relay's interoperability tests rely on. One line per check; exits
// non-zero if any fails.
//
//   node end2end/oidc/check.mjs
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

// Nothing listens here: the walk through the pages stops at Relay's callback.
const RELAY = 'http://127.0.0.1:9';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

async function startProvider(...args) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('provider.mjs', import.meta.url)), '--relay-url', RELAY, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => { stderr += chunk; });
  const [line] = await Promise.race([
    once(createInterface({ input: child.stdout }), 'line'),
    once(child, 'exit').then(([code]) => { throw new Error(`provider.mjs exited with ${code}:\n${stderr}`); }),
  ]);
  const { issuer, clients } = JSON.parse(line);
  const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  return { issuer, clients, discovery, stderr: () => stderr, stop: () => child.kill() };
}

// Relay's side: a confidential client authenticating with HTTP Basic.
function oauthClient(op, name) {
  const { client_id: id, client_secret: secret } = op.clients[name];
  const basic = Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64');
  const post = async (endpoint, params) => {
    const response = await fetch(op.discovery[endpoint], {
      method: 'POST',
      headers: { authorization: `Basic ${basic}`, accept: 'application/json' },
      body: new URLSearchParams(params),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : {} };
  };
  return {
    id,
    redirectUri: `${RELAY}/oauth/callback/${name}`,
    token: (params) => post('token_endpoint', params),
    deviceAuthorization: (scope) => post('device_authorization_endpoint', { scope }),
    revoke: (token) => post('revocation_endpoint', { token, token_type_hint: 'refresh_token' }),
    poll: (device) => post('token_endpoint', { grant_type: DEVICE_GRANT, device_code: device.device_code }),
  };
}

// The user's side: a cookie jar and redirects followed by hand.
class Browser {
  #cookies = new Map();

  async request(url, form) {
    const headers = { accept: 'text/html' };
    if (this.#cookies.size) headers.cookie = [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      method: form ? 'POST' : 'GET',
      headers,
      body: form && new URLSearchParams(form),
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair, ...attributes] = cookie.split(';');
      const name = pair.slice(0, pair.indexOf('=')).trim();
      const value = pair.slice(pair.indexOf('=') + 1).trim();
      if (!value || attributes.some((a) => /expires=.*1970/i.test(a))) this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    const location = response.headers.get('location');
    return { status: response.status, location: location && new URL(location, url).href, html: await response.text() };
  }

  async go(url, form) {
    let page = await this.request(url, form);
    while (page.location && !page.location.startsWith(RELAY)) page = await this.request(page.location);
    return page;
  }
}

const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

// The page's (only) form: where it posts and its preset fields.
function formOf(page) {
  const action = page.html.match(/<form[^>]*\saction="([^"]+)"/)?.[1];
  assert(action, `no form on the page (HTTP ${page.status}): ${page.html.slice(0, 300)}`);
  const fields = {};
  for (const [input] of page.html.matchAll(/<input[^>]*>/g)) {
    const name = input.match(/\sname="([^"]*)"/)?.[1];
    const value = input.match(/\svalue="([^"]*)"/)?.[1];
    if (name && value !== undefined) fields[name] = unescape(value);
  }
  return { action: unescape(action), fields };
}

async function logIn(browser, page, login) {
  assert.match(page.html, /<h1>Sign-in<\/h1>/, 'expected the login page');
  const { action, fields } = formOf(page);
  return browser.go(action, { ...fields, login, password: 'any' });
}

async function consent(browser, page) {
  assert.match(page.html, /<h1>Authorize<\/h1>/, 'expected the consent page');
  const { action, fields } = formOf(page);
  return browser.go(action, fields);
}

// Verification URI, user code, device confirmation: up to the login page,
// or with abort, the denial on the confirmation page.
async function enterUserCode(device, { abort = false } = {}) {
  const browser = new Browser();
  let page = await browser.go(device.verification_uri);
  let { action, fields } = formOf(page);
  page = await browser.go(action, { ...fields, user_code: device.user_code });
  assert.match(page.html, /Confirm Device/, 'expected the device confirmation page');
  ({ action, fields } = formOf(page));
  page = await browser.go(action, abort ? { ...fields, abort: 'yes' } : fields);
  return { browser, page };
}

async function approveDevice(device, login) {
  const { browser, page } = await enterUserCode(device);
  const done = await consent(browser, await logIn(browser, page, login));
  assert.match(done.html, /Sign-in Success/, 'expected the success page');
}

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

function authorizationUrl(op, c, scope, extra) {
  const url = new URL(op.discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: c.id, response_type: 'code', redirect_uri: c.redirectUri, scope, ...extra,
  });
  return url.href;
}

let failures = 0;
async function check(name, run) {
  try {
    console.log(`ok   ${name}: ${await run()}`);
  } catch (error) {
    failures += 1;
    console.log(`FAIL ${name}: ${error.message.replace(/\s+/g, ' ')}`);
  }
}

const op = await startProvider();
const short = await startProvider('--device-ttl', '3');
const google = oauthClient(op, 'google');
const microsoft = oauthClient(op, 'microsoft');
let deviceTokens;
let codeTokens;

try {
  await check('discovery', async () => {
    const d = op.discovery;
    assert.equal(d.issuer, op.issuer);
    for (const endpoint of ['authorization', 'token', 'device_authorization', 'userinfo', 'revocation']) {
      assert.match(d[`${endpoint}_endpoint`] ?? '', /^http:\/\/127\.0\.0\.1:\d+\//, `${endpoint}_endpoint`);
    }
    assert.equal(d.authorization_response_iss_parameter_supported, true);
    assert.deepEqual(d.code_challenge_methods_supported, ['S256']);
    return `five endpoints, iss parameter supported, PKCE methods ${d.code_challenge_methods_supported}`;
  });

  await check('device interval and slow_down', async () => {
    const { status, body: device } = await google.deviceAuthorization('openid email profile');
    assert.equal(status, 200);
    assert.equal(device.interval, 2);
    const first = await google.poll(device);
    const second = await google.poll(device);
    assert.deepEqual([first.status, first.body.error], [400, 'authorization_pending']);
    assert.deepEqual([second.status, second.body.error], [400, 'slow_down']);
    assert.match(op.stderr(), /slow_down/, 'slow_down not logged to stderr');
    return `interval ${device.interval}, expires_in ${device.expires_in}; polls: ${first.body.error}, then ${second.body.error}`;
  });

  await check('device flow approved', async () => {
    const { body: device } = await google.deviceAuthorization('openid email profile');
    await approveDevice(device, 'ada');
    const { status, body } = await google.poll(device);
    assert.equal(status, 200, JSON.stringify(body));
    assert(body.access_token && body.refresh_token, 'access_token and refresh_token');
    deviceTokens = body;
    const userinfo = await (await fetch(op.discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${body.access_token}` },
    })).json();
    assert.equal(userinfo.sub, 'sub-ada');
    assert.equal(userinfo.email, 'ada@oidc.test');
    return `tokens (scope "${body.scope}"); userinfo ${JSON.stringify(userinfo)}`;
  });

  await check('refresh rotates', async () => {
    const old = deviceTokens.refresh_token;
    const { status, body } = await google.token({ grant_type: 'refresh_token', refresh_token: old });
    assert.equal(status, 200, JSON.stringify(body));
    assert(body.refresh_token && body.refresh_token !== old, 'a new refresh token');
    const reused = await google.token({ grant_type: 'refresh_token', refresh_token: old });
    assert.deepEqual([reused.status, reused.body.error], [400, 'invalid_grant']);
    // Reuse detection revokes the whole grant: the new token dies with it.
    const after = await google.token({ grant_type: 'refresh_token', refresh_token: body.refresh_token });
    assert.deepEqual([after.status, after.body.error], [400, 'invalid_grant']);
    return `new refresh token; the old one again: ${reused.body.error} (${reused.body.error_description}); then the new one too: ${after.body.error}`;
  });

  await check('authorization code with PKCE S256', async () => {
    const scope = 'openid profile email offline_access';
    const missing = await new Browser().request(authorizationUrl(op, microsoft, scope, { state: 's' }));
    const plain = await new Browser().request(authorizationUrl(op, microsoft, scope, {
      state: 's', code_challenge: pkce().verifier, code_challenge_method: 'plain',
    }));
    for (const refused of [missing, plain]) {
      assert.equal(new URL(refused.location).searchParams.get('error'), 'invalid_request', refused.location);
    }

    const { verifier, challenge } = pkce();
    const state = randomBytes(8).toString('hex');
    const browser = new Browser();
    const login = await browser.go(authorizationUrl(op, microsoft, scope, {
      state, code_challenge: challenge, code_challenge_method: 'S256',
    }));
    const back = await consent(browser, await logIn(browser, login, 'grace'));
    assert(back.location?.startsWith(`${microsoft.redirectUri}?`), `redirect to ${back.location}`);
    const params = new URL(back.location).searchParams;
    assert.equal(params.get('state'), state);
    assert.equal(params.get('iss'), op.issuer);
    const code = params.get('code');
    assert(code, 'code');

    const exchange = (codeVerifier) => microsoft.token({
      grant_type: 'authorization_code', code, redirect_uri: microsoft.redirectUri, code_verifier: codeVerifier,
    });
    const wrong = await exchange(pkce().verifier);
    assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
    const { status, body } = await exchange(verifier);
    assert.equal(status, 200, JSON.stringify(body));
    assert(body.access_token && body.refresh_token && body.id_token, 'access, refresh and id tokens');
    codeTokens = body;
    return `no PKCE and plain refused (invalid_request); redirect has ${[...params.keys()].join(', ')}; `
      + `wrong verifier: ${wrong.body.error}; right one: ${Object.keys(body).join(', ')} (scope "${body.scope}")`;
  });

  await check('revocation', async () => {
    const revoked = await microsoft.revoke(codeTokens.refresh_token);
    assert.equal(revoked.status, 200);
    const { status, body } = await microsoft.token({ grant_type: 'refresh_token', refresh_token: codeTokens.refresh_token });
    assert.deepEqual([status, body.error], [400, 'invalid_grant']);
    const userinfo = await fetch(op.discovery.userinfo_endpoint, {
      headers: { authorization: `Bearer ${codeTokens.access_token}` },
    });
    return `revoke: ${revoked.status}; refresh afterwards: ${body.error} (${body.error_description}); `
      + `the grant's access token at userinfo: ${userinfo.status}`;
  });

  await check('device code expires', async () => {
    const c = oauthClient(short, 'google');
    const { body: device } = await c.deviceAuthorization('openid email profile');
    assert.equal(device.expires_in, 3);
    const started = Date.now();
    const answers = [];
    let interval = device.interval;
    for (;;) {
      const { body } = await c.poll(device);
      answers.push(body.error);
      if (body.error === 'slow_down') interval += 5;
      else if (body.error !== 'authorization_pending') break;
      assert(Date.now() - started < 30_000, 'still pending after 30 s');
      await sleep(interval * 1000);
    }
    assert.equal(answers.at(-1), 'expired_token');
    return `expires_in 3; polls every ${interval} s: ${answers.join(', ')} after ${((Date.now() - started) / 1000).toFixed(1)} s`;
  });

  await check('device code denied', async () => {
    const atConfirmation = (await google.deviceAuthorization('openid email profile')).body;
    const { page } = await enterUserCode(atConfirmation, { abort: true });
    assert.match(page.html, /interrupted/);
    const first = await google.poll(atConfirmation);
    assert.deepEqual([first.status, first.body.error], [400, 'access_denied']);

    const atConsent = (await google.deviceAuthorization('openid email profile')).body;
    const { browser, page: login } = await enterUserCode(atConsent);
    const consentPage = await logIn(browser, login, 'ada');
    const cancel = consentPage.html.match(/<a href="([^"]+\/abort)">\[ Cancel \]<\/a>/)?.[1];
    assert(cancel, 'a Cancel link on the consent page');
    assert.match((await browser.go(unescape(cancel))).html, /interrupted/);
    const second = await google.poll(atConsent);
    assert.deepEqual([second.status, second.body.error], [400, 'access_denied']);
    return `Abort on the confirmation page: ${first.body.error}; Cancel on the consent page: ${second.body.error}`;
  });
} finally {
  op.stop();
  short.stop();
}

if (failures) {
  console.log(`${failures} check(s) failed; provider stderr:\n${op.stderr()}`);
  process.exit(1);
}
