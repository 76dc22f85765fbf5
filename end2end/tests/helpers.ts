import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { remember } from '../secrets';
import AxeBuilder from '@axe-core/playwright';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const relay = () => process.env.RELAY_URL!;

/** A login nobody has used yet, so each test starts as a brand-new user. */
export const freshLogin = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;

/** Waits until the WebAssembly has hydrated the page. */
export async function hydrated(page: Page) {
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
}

/** From the landing page through the development GitHub's Authorize page. */
export async function signUp(page: Page, login: string, shots?: string, base = relay()) {
  await page.goto(base + '/');
  await page.getByRole('link', { name: 'Continue with GitHub' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize Agent Relay Cloud' })).toBeVisible();
  if (shots) await screenshot(page, `${shots}-dev-github-authorize`);
  await page.getByLabel('Or another login').fill(login);
  await page.getByRole('button', { name: 'Authorize' }).click();
}

const shotsDir = join(__dirname, '..', 'screenshots');

/** Saves the page at desktop and phone widths into end2end/screenshots/ (ignored by git). */
export async function screenshot(page: Page, name: string) {
  mkdirSync(shotsDir, { recursive: true });
  const original = page.viewportSize();
  for (const width of [1280, 375]) {
    await page.setViewportSize({ width, height: width === 375 ? 812 : 800 });
    await page.screenshot({ path: join(shotsDir, `${name}-${width}.png`), fullPage: true });
  }
  if (original) await page.setViewportSize(original);
}

/** On "Select Repositories": ticks the first `n` repositories and continues. */
export async function chooseRepositories(page: Page, n = 1) {
  const boxes = page.locator('.repo-list input[type=checkbox]');
  for (let i = 0; i < n; i++) await boxes.nth(i).check();
  const label = n === 1 ? 'Continue with 1 repository →' : `Continue with ${n} repositories →`;
  await page.getByRole('button', { name: label }).click();
}

/** Signs up and walks to the providers step, hydrated. */
export async function toProviders(page: Page, login: string, base = relay()) {
  await signUp(page, login, undefined, base);
  await hydrated(page);
  await chooseRepositories(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
}

/** The card of one provider on the providers or settings page. */
export const card = (page: Page, title: string) => page.getByRole('article', { name: title });

/** A made-up token of the given shape (built here, so the source holds nothing secret-like). */
export const fake = (prefix: string, last4 = 'ZZZZ') => `${prefix}${'FAKE'.repeat(6)}${last4}`;

/** A new key from a development provider's console, as a user creates one at
 * the provider's (Relay proves a key before storing it); remembered for the
 * secret scan. `kind`: "api", or "oauth" (Anthropic's setup token). */
export async function mintKey(request: APIRequestContext, provider: string, kind = 'api'): Promise<string> {
  const response = await request.post(`${process.env.RELAY_DEV_PROVIDERS_URL}/${provider}/console/keys`, {
    headers: { Accept: 'application/json' },
    form: { kind },
  });
  expect(response.status()).toBe(200);
  const { key } = await response.json();
  remember('key', key);
  return key;
}

/** Starts a device login and opens the provider's verification page in a second tab. */
export async function openDeviceLogin(page: Page, name: string, title: string) {
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

export async function noSeriousAxe(page: Page, label: string) {
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${label} ${v.id}: ${v.help} ${v.nodes.map((n) => n.target).join(' ')}`)).toEqual([]);
}

