import { test, expect } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { freshLogin, hydrated, relay, screenshot, signUp } from './helpers';

test('a new user signs up through the development GitHub and lands on Select Repositories', async ({ page }) => {
  const login = freshLogin('newcomer');
  await page.goto(relay() + '/');
  await expect(page.getByRole('heading', { name: 'Welcome to Agent Relay Cloud' })).toBeVisible();
  await expect(page.getByText('Orchestrate AI agents across your repos')).toBeVisible();
  await screenshot(page, '01-landing');

  await signUp(page, login, '02');

  await expect(page).toHaveURL(/\/onboarding\/repositories$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Select Repositories' })).toBeVisible();
  await expect(page.locator('.account-display')).toHaveText(login);
  await expect(page.locator('.topbar img.avatar')).toBeVisible();
  await expect(page.locator('.steps [aria-current="step"]')).toContainText('Repositories');
  await hydrated(page);
  await screenshot(page, '03-onboarding-repositories');
});

test('the landing page has no serious or critical accessibility violations', async ({ page }) => {
  await page.goto(relay() + '/');
  await hydrated(page);
  const results = await new AxeBuilder({ page }).analyze();
  const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
});

test('a denied sign-in explains what happened and offers Try again', async ({ page }) => {
  await page.goto(relay() + '/');
  await page.getByRole('link', { name: 'Continue with GitHub' }).click();
  await page.getByRole('button', { name: 'Cancel' }).click();

  await expect(page.getByRole('heading', { name: 'Sign-in was cancelled' })).toBeVisible();
  await screenshot(page, '09-signin-failed');
  await page.getByRole('link', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Authorize Agent Relay Cloud' })).toBeVisible();
});
