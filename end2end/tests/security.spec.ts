// The Content-Security-Policy as Chromium enforces it: every page carries
// one whose nonce its own hydration script holds, the WebAssembly still
// runs under it, and a script injected into the page is refused.
import { test, expect } from './fixtures';
import { hydrated, relay, freshLogin, toProviders } from './helpers';

/** Checks the policy a page was sent with against the page itself. */
async function policyHolds(page: import('@playwright/test').Page, path: string) {
  const response = await page.goto(relay() + path);
  const policy = response!.headers()['content-security-policy'] ?? '';
  for (const directive of ["object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "'wasm-unsafe-eval'"]) {
    expect(policy, `${path}: ${directive}`).toContain(directive);
  }
  expect(policy, path).not.toContain('unsafe-inline');
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(nonce, `${path} has a nonce`).toBeTruthy();
  // Chromium hides nonce attributes from getAttribute; the property keeps it.
  const scriptNonce = await page.locator('script[type=module]').first().evaluate((s) => (s as HTMLScriptElement).nonce);
  expect(scriptNonce, path).toBe(nonce);
  await hydrated(page);
}

test('every page is sent with a nonce policy its hydration satisfies', async ({ page }) => {
  await policyHolds(page, '/');
  await policyHolds(page, '/signin/failed?reason=denied');
  await toProviders(page, freshLogin('csp'));
  for (const path of ['/onboarding/providers', '/settings/providers', '/dashboard', '/no-such-page']) {
    await policyHolds(page, path);
  }
});

test.describe('refusals', () => {
  test.use({ cspRefusalsExpected: true });

  test('a script injected into a page is refused', async ({ page }) => {
    await page.goto(relay() + '/');
    await hydrated(page);
    const outcome = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; refused: string }>((resolve) => {
          document.addEventListener('securitypolicyviolation', (e) =>
            resolve({ ran: (window as any).injected === true, refused: e.violatedDirective }),
          );
          const script = document.createElement('script');
          script.textContent = 'window.injected = true';
          document.body.append(script);
        }),
    );
    expect(outcome).toEqual({ ran: false, refused: 'script-src-elem' });
  });
});
