import { test, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { card, freshLogin, screenshot, toProviders } from './helpers';

/** The seconds shown by "Code expires in m:ss". */
async function countdown(page: Page): Promise<number> {
  const text = await page.locator('.countdown').innerText();
  const [m, s] = text.split(':').map(Number);
  return m * 60 + s;
}

/** Starts a device login and opens the provider's verification page in a second tab. */
async function openDeviceLogin(page: Page, name: string, title: string) {
  await card(page, title).getByRole('button', { name: `Login with ${name}` }).click();
  const panel = page.locator('.device-login');
  await expect(panel.getByText(`Enter this code at ${name}:`)).toBeVisible();
  const code = (await panel.getByLabel('Your code').innerText()).trim();
  expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
  const [provider] = await Promise.all([
    page.context().waitForEvent('page'),
    panel.getByRole('link', { name: `Open ${name} →` }).click(),
  ]);
  await provider.waitForLoadState();
  // verification_uri_complete pre-fills the code.
  await expect(provider.getByLabel('Code')).toHaveValue(code);
  return { panel, provider, code };
}

async function noSeriousAxe(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${label} ${v.id}: ${v.help} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
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
  await page.waitForTimeout(2200);
  expect(await countdown(page)).toBeLessThan(first);
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

test('an access token is checked, stored, shown as a hint, and disconnected', async ({ page }) => {
  await toProviders(page, freshLogin('token'));
  const openai = card(page, 'OpenAI');
  await openai.getByText('Use an access token instead').click();
  const field = openai.getByLabel('OpenAI access token or API key');
  const save = openai.getByRole('button', { name: 'Save token' });

  await field.fill('sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123');
  await save.click();
  await expect(openai.getByRole('alert')).toContainText('That looks like an Anthropic API key');
  await field.fill('hello');
  await save.click();
  await expect(openai.getByRole('alert')).toContainText('too short');
  await screenshot(page, '16-token-error');

  await field.fill('sk-proj-abcdefghijklmnopqrstuvwxyz0123wxyz');
  await save.click();
  await expect(openai.getByText('✓ Connected')).toBeVisible();
  await expect(openai.getByText('sk-proj-…wxyz')).toBeVisible();
  expect(await page.content()).not.toContain('abcdefghijklmnopqrstuvwxyz0123');

  await openai.getByRole('button', { name: 'Disconnect' }).click();
  await expect(openai.getByText('Disconnect OpenAI? Agents will stop using this credential.')).toBeVisible();
  await openai.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(openai.getByRole('button', { name: 'Login with OpenAI' })).toBeVisible();
});

test('settings list every provider with details, and the activity log', async ({ page }) => {
  await toProviders(page, freshLogin('settings'));
  const openai = card(page, 'OpenAI');
  await openai.getByText('Use an access token instead').click();
  await openai.getByLabel('OpenAI access token or API key').fill('sk-proj-settings0123456789abcdefWXYZ');
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
  await expect(activity.getByRole('cell', { name: 'access token (project API key)' })).toBeVisible();
  await noSeriousAxe(page, 'settings');
  await screenshot(page, '17-settings-providers');
});
