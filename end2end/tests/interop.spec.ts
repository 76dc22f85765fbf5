// Relay against oidc-provider, the certified OpenID server nobody here wrote
// (end2end/oidc/provider.mjs), configured only by environment: Google by
// discovery, Microsoft by endpoint URLs (end2end/server.ts, startInterop).
// A protocol mistake shared by Relay and its own development providers
// would pass every other test; here the other side is someone else's.
import { test, expect, type Page, type BrowserContext } from './fixtures';
import { card, freshLogin, toProviders } from './helpers';

const relay = () => process.env.RELAY_INTEROP_URL!;
const oidc = {
  google: () => process.env.RELAY_OIDC_GOOGLE!,
  microsoft: () => process.env.RELAY_OIDC_MICROSOFT!,
};

type Event = { name: string; at: number; since?: number | null; interval?: number };

/** What oidc-provider saw: grants, refresh-token uses, device polls. */
async function events(issuer: string): Promise<Event[]> {
  return (await fetch(`${issuer}/__events`)).json();
}
const count = async (issuer: string, name: string) => (await events(issuer)).filter((e) => e.name === name).length;

/** oidc-provider's own login page, then its consent page. */
async function signInAtOidc(page: Page, login: string) {
  await expect(page.getByRole('heading', { name: 'Sign-in' })).toBeVisible();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password will do');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize' })).toBeVisible();
  await page.getByRole('button', { name: 'Continue' }).click();
}

/** "Use a code instead" on a provider's card; returns the code Relay shows. */
async function startCodeLogin(page: Page, name: string) {
  await card(page, name).getByRole('button', { name: 'Use a code instead' }).click();
  const panel = page.locator('.device-login');
  await expect(panel.getByText(`Enter this code at ${name}:`)).toBeVisible();
  return (await panel.getByLabel('Your code').innerText()).trim();
}

/** Types `code` into oidc-provider's device page (not the pre-filled link) and reaches its confirmation. */
async function enterCode(context: BrowserContext, issuer: string, code: string) {
  const provider = await context.newPage();
  await provider.goto(`${issuer}/device`);
  await expect(provider.getByText('Enter the code displayed on your device')).toBeVisible();
  await provider.locator('input[name="user_code"]').fill(code);
  await provider.getByRole('button', { name: 'Continue' }).click();
  await expect(provider.getByRole('heading', { name: 'Confirm Device' })).toBeVisible();
  await expect(provider.locator('code')).toHaveText(code);
  return provider;
}

test('oidc-provider: Google by discovery connects by a device code typed into its pages, honouring interval and slow_down', async ({ page, context }) => {
  await toProviders(page, freshLogin('oidc-device'), relay());
  const before = (await events(oidc.google())).length;
  const polls = async () => (await events(oidc.google())).slice(before).filter((e) => e.name.startsWith('device.'));
  const code = await startCodeLogin(page, 'Google');
  // RFC 8628: the first poll after `interval` (2 s) is told to slow down;
  // the next must come 5 s later than the interval said (§3.5). Wait for
  // both before approving, so both are answered "pending".
  await expect
    .poll(async () => (await polls()).filter((e) => e.name === 'device.poll').length, { timeout: 20_000 })
    .toBeGreaterThanOrEqual(2);
  const seen = await polls();
  expect(seen.map((e) => e.name).slice(0, 3)).toEqual(['device.poll', 'device.slow_down', 'device.poll']);
  expect(seen[2].since!, JSON.stringify(seen)).toBeGreaterThanOrEqual(7_000);

  const provider = await enterCode(context, oidc.google(), code);
  await provider.getByRole('button', { name: 'Continue' }).click();
  await signInAtOidc(provider, 'ada');
  await expect(provider.getByRole('heading', { name: 'Sign-in Success' })).toBeVisible();

  await expect(page.getByRole('heading', { name: '✅ Connected!' })).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('.device-login').getByText('Account: ada@oidc.test')).toBeVisible();
  // No poll ever came sooner than the interval it had been given.
  for (const poll of (await polls()).filter((e) => e.name === 'device.poll' && e.since !== null)) {
    expect(poll.since!).toBeGreaterThanOrEqual(7_000);
  }
});

test('oidc-provider: Microsoft by endpoint URLs connects by redirect with PKCE, refreshes with rotation and revokes on disconnect', async ({ page }) => {
  const issuer = oidc.microsoft();
  await toProviders(page, freshLogin('oidc-redirect'), relay());
  await card(page, 'Microsoft').getByRole('button', { name: 'Login with Microsoft' }).click();
  await signInAtOidc(page, 'grace');
  const microsoft = card(page, 'Microsoft');
  await expect(microsoft.getByText('✓ Connected')).toBeVisible();
  await expect(microsoft.getByText('grace@oidc.test')).toBeVisible();

  // Access tokens last 60 s there, inside Relay's refresh window: each Test
  // refreshes first, with the refresh token the last one rotated in. A
  // token used twice would make oidc-provider revoke the whole grant.
  await page.goto(`${relay()}/settings/providers`);
  const settings = card(page, 'Microsoft');
  const refreshes = await count(issuer, 'refresh_token.consumed');
  for (let round = 1; round <= 2; round++) {
    await settings.getByRole('button', { name: 'Test' }).click();
    await expect(settings.getByRole('status')).toContainText('grace@oidc.test');
    await expect.poll(() => count(issuer, 'refresh_token.consumed')).toBe(refreshes + round);
    await page.reload();
  }
  expect(await count(issuer, 'grant.revoked')).toBe(0);

  await settings.getByRole('button', { name: 'Disconnect' }).click();
  await settings.getByRole('button', { name: 'Yes, disconnect' }).click();
  await expect(settings.getByText('✓ Connected')).toHaveCount(0);
  // The refresh token was revoked at oidc-provider (RFC 7009), ending the grant.
  await expect.poll(() => count(issuer, 'grant.revoked')).toBe(1);
});

test('oidc-provider: a device code denied on its confirmation page says Access Denied', async ({ page, context }) => {
  await toProviders(page, freshLogin('oidc-denied'), relay());
  const code = await startCodeLogin(page, 'Microsoft');
  const provider = await enterCode(context, oidc.microsoft(), code);
  await provider.getByRole('button', { name: '[ Abort ]' }).click();
  await expect(page.getByRole('heading', { name: '⛔ Access Denied' })).toBeVisible({ timeout: 15_000 });
});

test('oidc-provider: an unused device code expires and says Code Expired', async ({ page }) => {
  await toProviders(page, freshLogin('oidc-expired'), relay());
  await startCodeLogin(page, 'Microsoft');
  // Its codes last 10 s.
  await expect(page.getByRole('heading', { name: '⚠️ Code Expired' })).toBeVisible({ timeout: 30_000 });
});
