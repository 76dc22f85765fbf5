import { test, expect, type Page } from './fixtures';
import { remember } from '../secrets';
import { card, fake, freshLogin, mintKey, noSeriousAxe, openDeviceLogin, screenshot, toProviders } from './helpers';

/** The seconds shown by "Code expires in m:ss". */
async function countdown(page: Page): Promise<number> {
  const text = await page.locator('.countdown').innerText();
  const [m, s] = text.split(':').map(Number);
  return m * 60 + s;
}

test('connect Anthropic by device code in two tabs', async ({ page }) => {
  await toProviders(page, freshLogin('device'));
  await screenshot(page, '10-providers');
  await noSeriousAxe(page, 'providers');

  const { panel, provider } = await openDeviceLogin(page, 'Anthropic', 'Anthropic');
  await expect(page.getByRole('heading', { name: 'Connect Claude Code' })).toBeVisible();
  await expect(panel.getByText('Waiting for you to authorize…')).toBeVisible();
  await expect(panel.getByRole('link', { name: "Didn't open? Click here →" })).toBeVisible();
  await expect(panel.locator('.device-qr svg')).toBeVisible();

  // The countdown runs.
  const first = await countdown(page);
  expect(first).toBeGreaterThan(14 * 60);
  await expect.poll(() => countdown(page), { timeout: 5_000 }).toBeLessThan(first);
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  await noSeriousAxe(page, 'device panel');
  await screenshot(page, '11-device-code');
  await screenshot(provider, '12-dev-device-page');

  await provider.getByLabel('Or another login').fill('claude-user');
  const pressed = Date.now();
  await provider.getByRole('button', { name: 'Authorize' }).click();
  await expect(provider.getByText('Device authorized.')).toBeVisible();

  await expect(page.getByRole('heading', { name: '✅ Connected!' })).toBeVisible({ timeout: 15_000 });
  console.log(`Authorize pressed → "Connected!" shown: ${Date.now() - pressed} ms`);
  await expect(panel.getByText('Account: claude-user@users.dev.example')).toBeVisible();
  await screenshot(page, '13-device-connected');

  await page.getByRole('button', { name: 'Continue →' }).first().click();
  const anthropic = card(page, 'Anthropic');
  await expect(anthropic.getByText('✓ Connected')).toBeVisible();
  await expect(anthropic.getByText('Logged in as claude-user@users.dev.example')).toBeVisible();
});

test('a denied device login says Access Denied and offers Try Again', async ({ page }) => {
  await toProviders(page, freshLogin('denied'));
  const { provider, code } = await openDeviceLogin(page, 'OpenAI', 'OpenAI');
  await provider.getByRole('button', { name: 'Deny' }).click();
  await expect(page.getByRole('heading', { name: '⛔ Access Denied' })).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('You denied the authorization request at OpenAI.')).toBeVisible();
  await screenshot(page, '14-device-denied');
  await page.getByRole('button', { name: 'Try Again' }).click();
  await expect(page.getByText('Enter this code at OpenAI:')).toBeVisible();
  expect((await page.getByLabel('Your code').innerText()).trim()).not.toBe(code);
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(card(page, 'OpenAI').getByRole('button', { name: 'Login with OpenAI' })).toBeVisible();
});

test('an unused code expires and Get New Code starts again', async ({ page }) => {
  const short = process.env.RELAY_SHORT_URL!;
  await toProviders(page, freshLogin('expiry'), short);
  await card(page, 'Anthropic').getByRole('button', { name: 'Login with Anthropic' }).click();
  await expect(page.getByText('Enter this code at Anthropic:')).toBeVisible();
  await expect(page.getByRole('heading', { name: '⚠️ Code Expired' })).toBeVisible({ timeout: 20_000 });
  await screenshot(page, '15-device-expired');
  await page.getByRole('button', { name: 'Get New Code' }).click();
  await expect(page.getByText('Waiting for you to authorize…')).toBeVisible();
});

test('an access token is checked, proven at the provider, stored, shown as a hint, and disconnected', async ({ page, context }) => {
  await toProviders(page, freshLogin('token'));
  const openai = card(page, 'OpenAI');
  await openai.getByText('Use an access token instead').click();
  const field = openai.getByLabel('OpenAI access token or API key');
  const save = openai.getByRole('button', { name: 'Save token' });

  await field.fill(fake('sk-ant-api03-'));
  await save.click();
  await expect(openai.getByRole('alert')).toContainText('That looks like an Anthropic API key');
  await field.fill('hello');
  await save.click();
  await expect(openai.getByRole('alert')).toContainText('too short');
  await screenshot(page, '16-token-error');

  // Well-formed, but not a key OpenAI issued: refused in OpenAI's words, not stored.
  await field.fill(fake('sk-proj-', 'wxyz'));
  await save.click();
  await expect(openai.getByRole('alert')).toContainText('OpenAI did not accept the credential: Incorrect API key provided (HTTP 401).');
  await expect(openai.getByText('✓ Connected')).toHaveCount(0);
  expect(await page.content()).not.toContain('FAKEFAKE');

  // A key made at the provider's console (the development one).
  const console = await context.newPage();
  await console.goto(`${process.env.RELAY_DEV_PROVIDERS_URL}/openai/console`);
  await console.getByRole('button', { name: 'Create project API key' }).click();
  const key = await console.locator('#new-key').innerText();
  remember('key', key);
  await console.close();
  await field.fill(key);
  await save.click();
  await expect(openai.getByText('✓ Connected')).toBeVisible();
  await expect(openai.getByText(`sk-proj-…${key.slice(-4)}`)).toBeVisible();
  expect(await page.content()).not.toContain(key);

  await openai.getByRole('button', { name: 'Disconnect' }).click();
  await expect(openai.getByText('Disconnect OpenAI? Agents will stop using this credential.')).toBeVisible();
  await openai.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(openai.getByRole('button', { name: 'Login with OpenAI' })).toBeVisible();
});

test('a key pasted while the provider is down is stored as "Not yet verified"', async ({ page, request }) => {
  const answers = (mode: string) =>
    request.post(`${process.env.RELAY_DEV_PROVIDERS_URL}/google/console/answers`, {
      headers: { Accept: 'application/json' },
      form: { mode },
    });
  await toProviders(page, freshLogin('down'));
  const key = await mintKey(request, 'google');
  expect((await answers('down')).status()).toBe(200);
  try {
    const google = card(page, 'Google');
    await google.getByText('Use an access token instead').click();
    await google.getByLabel('Google access token or API key').fill(key);
    await google.getByRole('button', { name: 'Save token' }).click();
    await expect(google.getByText('Not yet verified')).toBeVisible();
    await expect(google.getByText('Google gave no verdict on this credential when it was stored')).toBeVisible();
    await screenshot(page, '16b-not-yet-verified');
  } finally {
    await answers('normal');
  }
});

test('settings list every provider with details, and the activity log', async ({ page, request }) => {
  await toProviders(page, freshLogin('settings'));
  const openai = card(page, 'OpenAI');
  await openai.getByText('Use an access token instead').click();
  await openai.getByLabel('OpenAI access token or API key').fill(await mintKey(request, 'openai'));
  await openai.getByRole('button', { name: 'Save token' }).click();
  await expect(openai.getByText('✓ Connected')).toBeVisible();

  await page.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/\/settings\/providers$/);
  await expect(page.getByRole('heading', { level: 1, name: 'AI providers' })).toBeVisible();
  for (const title of ['Anthropic', 'OpenAI', 'Google', 'GitHub Copilot', 'Microsoft']) {
    await expect(card(page, title)).toBeVisible();
  }
  await expect(card(page, 'GitHub Copilot').getByText('Already connected via your GitHub account')).toBeVisible();
  await expect(card(page, 'OpenAI').getByText('OPENAI_API_KEY')).toBeVisible();
  const activity = page.getByRole('table');
  await expect(activity.getByRole('cell', { name: 'connect', exact: true })).toBeVisible();
  await expect(activity.getByRole('cell', { name: 'access token (project API key), works: 12 models' })).toBeVisible();
  await noSeriousAxe(page, 'settings');
  await screenshot(page, '17-settings-providers');

  // Test, then Disconnect with its confirmation, from settings.
  await card(page, 'GitHub Copilot').getByRole('button', { name: 'Test' }).click();
  await expect(card(page, 'GitHub Copilot').getByRole('status')).toContainText('✓ Works: signed in as');
  const settingsOpenai = card(page, 'OpenAI');
  await settingsOpenai.getByRole('button', { name: 'Test' }).click();
  await expect(settingsOpenai.getByRole('status')).toContainText('✓ Works: 12 models.');
  await expect(settingsOpenai.getByText(': works, 12 models')).toBeVisible();
  await settingsOpenai.getByRole('button', { name: 'Disconnect' }).click();
  await settingsOpenai.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(settingsOpenai.getByText('✓ Connected')).toHaveCount(0);
  await expect(page.getByRole('table').getByRole('cell', { name: 'disconnect', exact: true })).toBeVisible();
});

test('Import from Local Claude shows a one-time code and turns Connected when the file arrives', async ({ page, request }) => {
  await toProviders(page, freshLogin('import'));
  await card(page, 'Anthropic').getByRole('button', { name: 'Import from Local Claude' }).click();
  await expect(page.getByRole('heading', { name: 'Import Claude Credentials' })).toBeVisible();
  const command = await page.locator('.command').first().innerText();
  const code = command.match(/--code ([A-Z]{4}-[A-Z]{4}-[A-Z]{4})/)![1];
  expect(command).toContain(`--server ${process.env.RELAY_URL}`);
  await expect(page.getByText('Waiting for import…')).toBeVisible();
  await noSeriousAxe(page, 'import panel');
  await screenshot(page, '18-import-waiting');

  // What `relay credentials import claude` (or the curl line) sends.
  const file = JSON.stringify({
    claudeAiOauth: {
      accessToken: await mintKey(request, 'anthropic', 'oauth'),
      refreshToken: fake('sk-ant-ort01-'),
      expiresAt: Date.now() + 3_600_000,
      scopes: ['user:inference'],
      subscriptionType: 'pro',
    },
  });
  const response = await request.post(`${process.env.RELAY_URL}/api/credentials/import`, {
    headers: { 'X-Import-Code': code, 'Content-Type': 'application/json' },
    data: file,
  });
  expect(response.status()).toBe(200);
  await expect(page.getByRole('heading', { name: '✅ Connected!' })).toBeVisible({ timeout: 5_000 });
  await expect(page.getByText('Account: Claude pro subscription (imported)')).toBeVisible();
  await page.getByRole('button', { name: 'Continue →' }).first().click();
  await expect(card(page, 'Anthropic').getByText('✓ Connected')).toBeVisible();
});

test('self-hosted endpoints: bad input is refused, a model server is probed, listed and removed', async ({ page }) => {
  // A tiny OpenAI-compatible model server on a free port.
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    if (req.url === '/v1/models') {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ object: 'list', data: [{ id: 'llama-3-8b' }, { id: 'qwen-2' }] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const port = (server.address() as { port: number }).port;

  await toProviders(page, freshLogin('selfhosted'));
  const selfHosted = card(page, 'Self-Hosted');
  await selfHosted.getByRole('button', { name: '+ Add Self-Hosted Provider' }).click();
  await selfHosted.getByLabel('Name').fill('LM Studio');
  await selfHosted.getByLabel('Endpoint URL').fill('http://user:pw@127.0.0.1:1234');
  await selfHosted.getByRole('button', { name: 'Check and save' }).click();
  await expect(selfHosted.getByRole('alert')).toContainText('Leave credentials out of the URL');
  await screenshot(page, '19-self-hosted-error');

  await selfHosted.getByLabel('Endpoint URL').fill(`http://127.0.0.1:${port}`);
  await selfHosted.getByRole('button', { name: 'Check and save' }).click();
  await expect(selfHosted.getByText('✓ OpenAI-compatible · 2 models')).toBeVisible();
  await noSeriousAxe(page, 'self-hosted');
  await screenshot(page, '20-self-hosted-saved');

  await selfHosted.getByRole('button', { name: 'Remove LM Studio' }).click();
  await expect(selfHosted.getByText('✓ OpenAI-compatible · 2 models')).toHaveCount(0);
  server.close();
});
