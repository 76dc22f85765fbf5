import { test, expect } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { freshLogin, hydrated, relay, screenshot, signUp } from './helpers';

test('Continue is handled by the hydrated app, without a page load', async ({ page }) => {
  await signUp(page, freshLogin('hydration'));
  await expect(page).toHaveURL(/\/onboarding\/repositories$/);
  await hydrated(page);
  // A full page load would wipe this; client-side navigation keeps it.
  await page.evaluate(() => ((window as any).__sameDocument = true));

  await page.getByRole('button', { name: 'Continue →' }).click();

  await expect(page).toHaveURL(/\/onboarding\/providers$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
  expect(await page.evaluate(() => (window as any).__sameDocument)).toBe(true);
});

test('a returning user resumes at the step they left, and sign out works', async ({ page }) => {
  const login = freshLogin('returning');
  await signUp(page, login);
  await hydrated(page);
  await page.getByRole('button', { name: 'Continue →' }).click();
  await expect(page).toHaveURL(/\/onboarding\/providers$/);
  await page.getByRole('button', { name: 'Continue →' }).click();
  await expect(page).toHaveURL(/\/onboarding\/team$/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Agent Relay Cloud' })).toBeVisible();
  await page.goto(relay() + '/onboarding/team');
  await expect(page).toHaveURL(relay() + '/');

  await signUp(page, login);
  await expect(page).toHaveURL(/\/onboarding\/team$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Create Your First Agent Team' })).toBeVisible();
});

test('every step of the wizard renders, passes axe, and is photographed', async ({ page }) => {
  await signUp(page, freshLogin('tour'));
  await hydrated(page);
  const steps = [
    ['repositories', 'Select Repositories'],
    ['providers', 'Connect Your AI Providers'],
    ['team', 'Create Your First Agent Team'],
    ['ready', "You're all set!"],
  ];
  for (const [index, [slug, heading]] of steps.entries()) {
    await expect(page).toHaveURL(new RegExp(`/onboarding/${slug}$`));
    await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
    const results = await new AxeBuilder({ page }).analyze();
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(serious.map((v) => `${slug} ${v.id}: ${v.help}`)).toEqual([]);
    await screenshot(page, `0${4 + index}-onboarding-${slug}`);
    await page.getByRole('button', { name: slug === 'ready' ? 'Open Dashboard →' : 'Continue →' }).click();
  }
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await screenshot(page, '08-dashboard');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-up, Continue and Sign out still work as plain forms', async ({ page }) => {
    await signUp(page, freshLogin('nojs'));
    await expect(page).toHaveURL(/\/onboarding\/repositories$/);

    await page.getByRole('button', { name: 'Continue →' }).click();
    await expect(page).toHaveURL(/\/onboarding\/providers$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Welcome to Agent Relay Cloud' })).toBeVisible();
  });
});
