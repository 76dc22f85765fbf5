import { expect, type Page } from '@playwright/test';
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
