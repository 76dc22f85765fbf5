// The whole wizard as a new user does it, with and without JavaScript, and
// the repository list at 1,000 repositories.
import { test, expect, type Page } from './fixtures';
import { card, freshLogin, hydrated, noSeriousAxe, openDeviceLogin, relay, screenshot, signUp } from './helpers';

/** Types into the repository search and ticks the first match. */
async function searchAndTick(page: Page, query: string) {
  await page.getByLabel('Search repositories').fill(query);
  const visible = page.locator('.repo-list li:not([hidden])');
  await expect(visible.first()).toBeVisible();
  const name = (await visible.first().locator('.repo-name').innerText()).trim();
  await visible.first().locator('input[type=checkbox]').check();
  return name;
}

test('a new user goes from the landing page to "You\'re all set!" and the dashboard', async ({ page }) => {
  test.setTimeout(90_000);
  const login = freshLogin('wizard');
  await signUp(page, login);
  await expect(page).toHaveURL(/\/onboarding\/repositories$/);
  await hydrated(page);

  // Search and choose two repositories; the button counts them.
  const first = await searchAndTick(page, 'frontend');
  const second = await searchAndTick(page, 'docs');
  await page.getByLabel('Search repositories').fill('');
  await expect(page.getByRole('button', { name: 'Continue with 2 repositories →' })).toBeEnabled();
  await page.getByRole('button', { name: 'Continue with 2 repositories →' }).click();

  // Connect Anthropic by device code.
  await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
  const { provider } = await openDeviceLogin(page, 'Anthropic', 'Anthropic');
  await provider.getByLabel('Or another login').fill('claude-wizard');
  await provider.getByRole('button', { name: 'Authorize' }).click();
  await expect(page.getByRole('heading', { name: '✅ Connected!' })).toBeVisible({ timeout: 15_000 });
  await provider.close();
  await page.getByRole('button', { name: 'Continue →' }).first().click();
  await expect(card(page, 'Anthropic').getByText('✓ Connected')).toBeVisible();
  await page.getByRole('button', { name: 'Continue →' }).last().click();

  // Code Review Team, with Claude Code as the default provider.
  await expect(page.getByRole('heading', { level: 1, name: 'Create Your First Agent Team' })).toBeVisible();
  await expect(page.getByLabel('Default provider')).toHaveValue('anthropic');
  await page.locator('label[for=template-code-review]').click();
  await page.getByRole('button', { name: 'Select template →' }).click();

  await expect(page).toHaveURL(/\/onboarding\/ready$/);
  await expect(page.getByRole('heading', { level: 1, name: "You're all set!" })).toBeVisible();
  const summary = page.locator('.summary');
  await expect(summary.locator('div', { hasText: 'Repositories' }).locator('dd')).toHaveText('2 connected');
  await expect(summary.locator('div', { hasText: 'Agent Providers' }).locator('dd')).toHaveText('Claude, Copilot');
  await expect(summary.locator('div', { hasText: 'Teams' }).locator('dd')).toHaveText('Code Review Team');
  await expect(summary.locator('div', { hasText: 'Dashboard' }).locator('dd')).toHaveText(`${relay()}/dashboard`);
  await expect(page.getByText('Open a PR to trigger automatic code review')).toBeVisible();

  await page.getByRole('button', { name: 'Open Dashboard →' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
  const repos = page.getByRole('region', { name: 'Repositories' });
  await expect(repos.getByText(first)).toBeVisible();
  await expect(repos.getByText(second)).toBeVisible();
  const teams = page.getByRole('region', { name: 'Teams' });
  await expect(teams.getByText('Code Review Team')).toBeVisible();
  await expect(teams.getByText('Architect (Claude), Reviewer (Claude), Security Auditor (Claude)')).toBeVisible();

  // teams.json downloads.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    teams.getByRole('link', { name: 'Download teams.json of Code Review Team' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('teams.json');

  // A completed user who signs in again lands on the dashboard.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { name: 'Welcome to Agent Relay Cloud' })).toBeVisible();
  await signUp(page, login);
  await expect(page).toHaveURL(/\/dashboard$/);
});

test('the team form: a Custom Team is composed in the page, and a missing provider is named', async ({ page }) => {
  await signUp(page, freshLogin('custom'));
  await hydrated(page);
  await page.goto(relay() + '/onboarding/team');
  await hydrated(page);

  // Only Copilot is connected (by the sign-up): it is chosen; Anthropic is offered, marked.
  const providerSelect = page.getByLabel('Default provider');
  await expect(providerSelect).toHaveValue('github');
  await expect(providerSelect.locator('option[value=anthropic]')).toHaveText('Claude Code (Anthropic) · not connected');
  await noSeriousAxe(page, 'team');
  await screenshot(page, '24-team');
  await providerSelect.selectOption('anthropic');
  await page.getByRole('button', { name: 'Select template →' }).click();
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('Please connect Anthropic first.');
  await expect(alert.getByRole('link', { name: 'Connect Anthropic →' })).toHaveAttribute('href', '/onboarding/providers');

  // Custom Team: its fields appear, agents are added, renamed and removed.
  await page.locator('label[for=template-custom]').click();
  await expect(page.getByLabel('Team name')).toBeVisible();
  await page.getByLabel('Team name').fill('Night Shift');
  await providerSelect.selectOption('github');
  await expect(page.locator('.agent-row')).toHaveCount(3);
  await page.getByRole('link', { name: '+ Add agent' }).click();
  await expect(page.locator('.agent-row')).toHaveCount(4);
  await page.getByLabel('Agent 4 name').fill('Scribe');
  await page.getByLabel('Agent 4 role').selectOption('documenter');
  await page.getByLabel('Agent 4 provider').selectOption('github');
  await page.getByRole('button', { name: 'Remove agent 1' }).click();
  await expect(page.locator('.agent-row')).toHaveCount(3);
  await expect(page.getByLabel('Agent 3 name')).toHaveValue('Scribe');
  for (const n of [1, 2]) await page.getByLabel(`Agent ${n} provider`).selectOption('github');
  await page.getByLabel('Agent 1 name').fill('scribe');
  await page.getByRole('button', { name: 'Select template →' }).click();
  await expect(page.getByRole('alert')).toContainText('Two agents are called “Scribe”');
  await page.getByLabel('Agent 1 name').fill('Builder');
  await noSeriousAxe(page, 'custom team');
  await screenshot(page, '25-team-custom');
  await page.getByRole('button', { name: 'Select template →' }).click();

  await expect(page.getByRole('heading', { level: 1, name: "You're all set!" })).toBeVisible();
  await expect(page.locator('.summary div', { hasText: 'Teams' }).locator('dd')).toHaveText('Night Shift');
  await noSeriousAxe(page, 'ready');
  await screenshot(page, '26-ready');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('the repository and team steps work as plain forms', async ({ page }) => {
    await signUp(page, freshLogin('plain'));
    await expect(page).toHaveURL(/\/onboarding\/repositories$/);
    const boxes = page.locator('.repo-list input[type=checkbox]');
    await boxes.nth(0).check();
    await boxes.nth(1).check();
    await page.getByRole('button', { name: /^Continue with/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
    await page.getByRole('button', { name: 'Skip' }).click();

    // The refusal comes back to the page.
    await expect(page.getByRole('heading', { level: 1, name: 'Create Your First Agent Team' })).toBeVisible();
    await page.getByLabel('Default provider').selectOption('anthropic');
    await page.getByRole('button', { name: 'Select template →' }).click();
    await expect(page.getByRole('alert')).toContainText('Please connect Anthropic first.');

    // A Custom Team: "+ Add agent" is a link the server answers with one more row.
    await page.locator('label[for=template-custom]').click();
    await page.getByRole('link', { name: '+ Add agent' }).click();
    await expect(page).toHaveURL(/agents=4/);
    await expect(page.locator('#template-custom')).toBeChecked();
    await expect(page.locator('.agent-row')).toHaveCount(4);
    await page.getByLabel('Team name').fill('Plain Team');
    await page.getByLabel('Default provider').selectOption('github');
    for (const n of [1, 2, 3]) await page.getByLabel(`Agent ${n} provider`).selectOption('github');
    await page.getByLabel('Agent 3 name').fill(''); // an empty name drops the agent
    await page.getByLabel('Agent 4 name').fill('Docs');
    await page.getByLabel('Agent 4 provider').selectOption('github');
    await page.getByRole('button', { name: 'Select template →' }).click();

    await expect(page.getByRole('heading', { level: 1, name: "You're all set!" })).toBeVisible();
    await expect(page.locator('.summary div', { hasText: 'Repositories' }).locator('dd')).toHaveText('2 connected');
    await expect(page.locator('.summary div', { hasText: 'Teams' }).locator('dd')).toHaveText('Plain Team');
    await page.getByRole('button', { name: 'Open Dashboard →' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);
    await expect(page.getByText('Lead (Copilot), Developer (Copilot), Docs – Developer (Copilot)')).toBeVisible();
  });
});

test.describe('without JavaScript, a device login', () => {
  test.use({ javaScriptEnabled: false });

  test('shows its code after a plain form post and reloads itself until connected', async ({ page, context }) => {
    test.setTimeout(60_000);
    await signUp(page, freshLogin('plaindevice'));
    await page.locator('.repo-list input[type=checkbox]').first().check();
    await page.getByRole('button', { name: /^Continue with/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();

    await card(page, 'Anthropic').getByRole('button', { name: 'Login with Anthropic' }).click();
    await expect(page.getByText('Enter this code at Anthropic:')).toBeVisible();
    const code = (await page.getByLabel('Your code').innerText()).trim();
    expect(code).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    await expect(page.locator('.countdown')).toHaveText(/^1[45]:\d\d$/);

    const href = await page.getByRole('link', { name: 'Open Anthropic →' }).getAttribute('href');
    const provider = await context.newPage();
    await provider.goto(href!);
    await expect(provider.getByLabel('Code')).toHaveValue(code);
    await provider.getByLabel('Or another login').fill('plain-claude');
    await provider.getByRole('button', { name: 'Authorize' }).click();
    await expect(provider.getByText('Device authorized.')).toBeVisible();

    // The page reloads every 5 s while it waits, and then shows the outcome.
    const panel = page.locator('.device-login');
    await expect(panel.getByRole('heading', { name: '✅ Connected!' })).toBeVisible({ timeout: 20_000 });
    await expect(card(page, 'Anthropic').getByText('✓ Connected')).toBeVisible();
    await panel.getByRole('button', { name: 'Continue →' }).click();
    await expect(panel).toHaveCount(0);
    await page.getByRole('button', { name: 'Continue →' }).click();
    await expect(page.getByLabel('Default provider')).toHaveValue('anthropic');
    await page.getByRole('button', { name: 'Select template →' }).click();
    await expect(page.locator('.summary div', { hasText: 'Teams' }).locator('dd')).toHaveText('Code Review Team');
  });
});

test('1,000 repositories render, and filtering them is timed', async ({ page }) => {
  await signUp(page, freshLogin('many'));
  await hydrated(page);
  const rows = page.locator('.repo-list li');
  await expect(rows).toHaveCount(1000);
  const count = page.locator('.repo-count');
  await expect(count).toHaveText('1000 repositories · 0 selected');

  // Timed inside the page: from the input event to the moment the list and
  // its count are updated (no test-runner round trips in the figure).
  const search = page.getByLabel('Search repositories');
  for (const query of ['gateway', 'swift-api', 'zzz-nothing', 'a']) {
    const took = await page.evaluate(async (q) => {
      const input = document.querySelector<HTMLInputElement>('#repo-search')!;
      const count = document.querySelector('.repo-count')!;
      const started = performance.now();
      const done = new Promise<number>((resolve) => {
        const seen = () => count.textContent!.includes(`match “${q}”`);
        new MutationObserver((_, observer) => {
          if (seen()) { observer.disconnect(); resolve(performance.now() - started); }
        }).observe(count, { childList: true, characterData: true, subtree: true });
      });
      input.value = q;
      input.dispatchEvent(new Event('input', { bubbles: true }));
      return done;
    }, query);
    await expect(count).toContainText(`match “${query}”`);
    const shown = await page.locator('.repo-list li:not([hidden])').count();
    console.log(`filter 1,000 repositories by "${query}": ${shown} shown, ${took.toFixed(1)} ms from the keystroke to the updated list`);
  }
  await search.fill('');
  await expect(count).toHaveText('1000 repositories · 0 selected');
});

test('a GitHub account without repositories is told so', async ({ page }) => {
  await signUp(page, freshLogin('empty'));
  await hydrated(page);
  await expect(page.getByText('No repositories yet.')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Continue with 0 repositories →' })).toBeDisabled();
  await noSeriousAxe(page, 'no repositories');
  await screenshot(page, '27-no-repositories');
});
