import { test, expect } from './fixtures';
import { card, freshLogin, hydrated, mintKey, noSeriousAxe, relay, screenshot, signUp, toProviders } from './helpers';

test('Delete account asks for the login, then signing in again starts afresh', async ({ page, request }) => {
  const login = freshLogin('delete');
  await toProviders(page, login);
  const openai = card(page, 'OpenAI');
  await openai.getByText('Use an access token instead').click();
  await openai.getByLabel('OpenAI access token or API key').fill(await mintKey(request, 'openai'));
  await openai.getByRole('button', { name: 'Save token' }).click();
  await expect(openai.getByText('✓ Connected')).toBeVisible();

  await page.goto(`${relay()}/settings/providers`);
  await hydrated(page);
  const zone = page.getByRole('region', { name: 'Delete account' });
  await expect(zone.getByText(`Type ${login} to confirm`)).toBeVisible();
  await zone.getByLabel(`Type ${login} to confirm`).fill('someone-else');
  await zone.getByRole('button', { name: 'Delete my account' }).click();
  await expect(zone.getByRole('alert')).toContainText(`Type your GitHub login, ${login}, to confirm. Nothing was deleted.`);
  await noSeriousAxe(page, 'delete account');
  await screenshot(page, '19-delete-account');

  await zone.getByLabel(`Type ${login} to confirm`).fill(login);
  await zone.getByRole('button', { name: 'Delete my account' }).click();
  await expect(page.getByRole('link', { name: 'Continue with GitHub' })).toBeVisible();

  // The same GitHub account again: a new account, onboarding from the start.
  await signUp(page, login);
  await expect(page.getByRole('heading', { level: 1, name: 'Select Repositories' })).toBeVisible();
  await page.goto(`${relay()}/settings/providers`);
  await expect(card(page, 'OpenAI').getByText('✓ Connected')).toHaveCount(0);
});
