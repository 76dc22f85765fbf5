// What a browser downloads on the first load of each page, as it downloads
// it: the encoded (brotli) bytes of JavaScript and WebAssembly, read from
// the network, with an empty cache. Printed for every page; the budget the
// test command enforces is checked here too, on what really went over the wire.
import { test, expect, type Page } from './fixtures';
import { chooseRepositories, freshLogin, hydrated, relay, signUp } from './helpers';

const BUDGET = 150_000;

type Weight = { code: number; all: number; files: string[] };

/** Loads `path` and counts every response's encoded body by kind. */
async function firstLoad(page: Page, path: string): Promise<Weight> {
  const seen: Promise<{ url: string; kind: string; bytes: number }>[] = [];
  const listener = (request: import('@playwright/test').Request) => {
    seen.push(
      (async () => {
        const response = await request.response();
        const sizes = await request.sizes();
        const type = response?.headers()['content-type'] ?? '';
        const kind = /javascript|wasm/.test(type) ? 'code' : 'other';
        return { url: request.url(), kind, bytes: sizes.responseBodySize };
      })(),
    );
  };
  page.on('requestfinished', listener);
  await page.goto(relay() + path);
  await hydrated(page);
  page.off('requestfinished', listener);
  const all = await Promise.all(seen);
  const code = all.filter((r) => r.kind === 'code');
  return {
    code: code.reduce((n, r) => n + r.bytes, 0),
    all: all.reduce((n, r) => n + r.bytes, 0),
    files: code.map((r) => new URL(r.url).pathname),
  };
}

test('the first load of every page stays within the budget, brotli and cached for a year', async ({ browser }) => {
  // A signed-in browser (its cookies), then a fresh cache for every page.
  const setup = await browser.newContext();
  const page = await setup.newPage();
  await signUp(page, freshLogin('weight'));
  await hydrated(page);
  await chooseRepositories(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Connect Your AI Providers' })).toBeVisible();
  const cookies = await setup.cookies();
  await setup.close();

  const pages = ['/onboarding/repositories', '/onboarding/providers', '/onboarding/team', '/onboarding/ready', '/dashboard', '/settings/providers'];
  for (const path of ['/', ...pages]) {
    const context = await browser.newContext();
    if (path !== '/') await context.addCookies(cookies);
    const fresh = await context.newPage();
    const weight = await firstLoad(fresh, path);
    console.log(`first load of ${path}: ${weight.code} B of JavaScript + WebAssembly (brotli), ${weight.all} B in all`);
    expect(weight.code, `${path} loads ${weight.files.join(', ')}`).toBeLessThanOrEqual(BUDGET);
    await context.close();
  }

  // The files themselves: stored brotli, named after their content, immutable.
  const probe = await browser.newContext();
  const home = await probe.newPage();
  const wasm = home.waitForResponse((r) => r.url().endsWith('.wasm'));
  await home.goto(relay() + '/');
  const answer = await wasm;
  expect(new URL(answer.url()).pathname).toMatch(/^\/pkg\/relay\.[\w-]+\.wasm$/);
  expect(answer.headers()['content-encoding']).toBe('br');
  expect(answer.headers()['cache-control']).toBe('public, max-age=31536000, immutable');
  await probe.close();
});
