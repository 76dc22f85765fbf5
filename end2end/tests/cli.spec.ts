// `relay auth --no-browser` as a person uses it: the CLI prints a URL,
// Chromium opens it and signs in at the development GitHub, the tab says
// "You can close this tab", and the CLI prints who signed in.
import { test, expect } from './fixtures';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freshLogin, noSeriousAxe, relay, screenshot } from './helpers';

const binary = process.env.RELAY_CLI_BIN ?? resolve(__dirname, '../../target/release/relay');

test('relay auth --no-browser: the printed URL signs the terminal in', async ({ page }) => {
  expect(existsSync(binary), `${binary} is built by scripts/test`).toBe(true);
  const login = freshLogin('terminal');
  const configDir = mkdtempSync(join(tmpdir(), 'relay-cli-'));
  const cli = spawn(binary, ['auth', '--no-browser'], {
    env: { ...process.env, RELAY_SERVER: relay(), RELAY_CONFIG_DIR: configDir },
  });
  let out = '';
  cli.stdout.on('data', (chunk) => (out += chunk));
  const exited = new Promise<number | null>((done) => cli.on('exit', done));

  await expect.poll(() => /^\s*(http\S+)\s*$/m.test(out)).toBe(true);
  const url = out.match(/^\s*(http\S+)\s*$/m)![1];
  expect(url).toContain('mode=cli');

  await page.goto(url);
  await expect(page.getByRole('heading', { name: 'Authorize Agent Relay Cloud' })).toBeVisible();
  await page.getByLabel('Or another login').fill(login);
  await page.getByRole('button', { name: 'Authorize' }).click();

  // The browser confirms the code the terminal shows.
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in your terminal?' })).toBeVisible();
  const code = out.match(/Your code is ([A-Z]{4}-[A-Z]{4})/)![1];
  await expect(page.getByLabel('Code')).toHaveText(code);
  await noSeriousAxe(page, 'cli confirm');
  await screenshot(page, '28-cli-confirm');
  await page.getByRole('button', { name: 'Yes, sign in my terminal' }).click();

  await expect(page.getByRole('heading', { level: 1, name: 'You can close this tab' })).toBeVisible();
  await expect(page.getByText(`Signed in as @${login}. Your terminal will continue on its own.`)).toBeVisible();
  await noSeriousAxe(page, 'cli done');
  await screenshot(page, '29-cli-close-tab');

  expect(await exited).toBe(0);
  expect(out).toContain(`Logged in as ${login} at ${relay()}.`);
  // The tab hears that the terminal collected its session (pushed, /live/cli).
  await expect(page.getByRole('status')).toHaveText('✓ Your terminal is signed in.');
  await screenshot(page, '30-cli-terminal-signed-in');
  // It holds a session token: nothing of it stays behind.
  rmSync(configDir, { recursive: true, force: true });
});
