import { test, expect } from './fixtures';
import AxeBuilder from '@axe-core/playwright';
import { chooseRepositories, freshLogin, hydrated, noSeriousAxe, relay, screenshot, signUp } from './helpers';

test('Continue moves on with one page load, and the next step is hydrated too', async ({ page }) => {
  await signUp(page, freshLogin('hydration'));
  await expect(page).toHaveURL(/\/onboarding\/repositories$/);
  await hydrated(page);
  // Islands: the server renders each step; Continue is a form it answers
  // with the next one, whose islands then hydrate on their own.
  const loads: string[] = [];
  page.on('framenavigated', (frame) => { if (frame === page.mainFrame()) loads.push(frame.url()); });

  await chooseRepositories(page);

  await expect(page).toHaveURL(/\/onboarding\/providers$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
  await hydrated(page);
  expect(loads.filter((url) => url.endsWith('/onboarding/providers'))).toHaveLength(1);
});

test('a returning user resumes at the step they left, and sign out works', async ({ page }) => {
  const login = freshLogin('returning');
  await signUp(page, login);
  await hydrated(page);
  await chooseRepositories(page);
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
    if (slug === 'repositories') await chooseRepositories(page, 2);
    else if (slug === 'team') await page.getByRole('button', { name: 'Skip for now' }).click();
    else await page.getByRole('button', { name: slug === 'ready' ? 'Open Dashboard →' : 'Continue →' }).click();
  }
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  await noSeriousAxe(page, 'dashboard');
  await screenshot(page, '08-dashboard');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-up, Continue and Sign out still work as plain forms', async ({ page }) => {
    await signUp(page, freshLogin('nojs'));
    await expect(page).toHaveURL(/\/onboarding\/repositories$/);

    // A plain form: the checkboxes post their ids; the button's count is the server's.
    await page.locator('.repo-list input[type=checkbox]').first().check();
    await page.getByRole('button', { name: /^Continue with/ }).click();
    await expect(page).toHaveURL(/\/onboarding\/providers$/);
    await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();

    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Welcome to Agent Relay Cloud' })).toBeVisible();
  });
});

test('repositories: search filters in the page, the count follows, and the choice is remembered', async ({ page }) => {
  await signUp(page, freshLogin('repos'));
  await hydrated(page);
  const rows = page.locator('.repo-list li');
  const total = await rows.count();
  expect(total).toBeGreaterThanOrEqual(240);
  await expect(page.getByRole('button', { name: 'Continue with 0 repositories →' })).toBeDisabled();
  await expect(rows.first()).toContainText(/Updated (just now|\d+ (minute|hour|day)s? ago)/);

  const search = page.getByRole('searchbox', { name: 'Search repositories' });
  const started = Date.now();
  await search.fill('website');
  const visible = page.locator('.repo-list li:not([hidden])');
  const matching = await visible.count();
  console.log(`filtering ${total} repositories for "website": ${Date.now() - started} ms, ${matching} shown`);
  expect(matching).toBeGreaterThan(0);
  expect(matching).toBeLessThan(total);
  for (const name of await visible.locator('.repo-name').allInnerTexts()) expect(name).toContain('website');

  await visible.nth(0).locator('input').check();
  await visible.nth(1).locator('input').check();
  const chosen = await visible.locator('.repo-name').evaluateAll((els) => els.slice(0, 2).map((e) => e.textContent));
  await search.fill('');
  await expect(page.getByText(`${total} repositories · 2 selected`)).toBeVisible();
  await screenshot(page, '09-repositories-selected');
  await page.getByRole('button', { name: 'Continue with 2 repositories →' }).click();
  await expect(page).toHaveURL(/\/onboarding\/providers$/);

  await page.goto(relay() + '/onboarding/repositories');
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Continue with 2 repositories →' })).toBeEnabled();
  const checked = await page.locator('.repo-list input:checked').evaluateAll((els) =>
    els.map((e) => e.closest('li')!.querySelector('.repo-name')!.textContent),
  );
  expect(checked.sort()).toEqual(chosen.sort());
});
