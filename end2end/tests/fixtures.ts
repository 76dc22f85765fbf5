import { test as base, expect, type Page } from '@playwright/test';
import { remember } from '../secrets';

/** What Chromium reports of a Content-Security-Policy refusal, on any page of the test. */
const refusal = /Content Security Policy|Content-Security-Policy/i;

/**
 * Every browser test also checks the Content-Security-Policy: whatever the
 * page did, Chromium must not have refused anything (a refused hydration
 * script, style or WebAssembly compile would show here first).
 */
export const test = base.extend<{ cspWatch: void; cspRefusalsExpected: boolean; secretLedger: void }>({
  /** Set by the test that provokes refusals on purpose. */
  cspRefusalsExpected: [false, { option: true }],
  cspWatch: [
    async ({ context, cspRefusalsExpected }, use) => {
      const violations: string[] = [];
      const watch = (page: Page) => {
        page.on('console', (message) => {
          if (refusal.test(message.text())) violations.push(`${page.url()}: ${message.text()}`);
        });
      };
      context.pages().forEach(watch);
      context.on('page', watch);
      await use();
      if (!cspRefusalsExpected) expect(violations, 'no Content-Security-Policy violation').toEqual([]);
    },
    { auto: true },
  ],
  /**
   * Writes down the secrets a browser held during the test (OAuth states and
   * PKCE challenges it carried, its session cookies), for the scan of logs
   * and databases at the end of the run (`../secrets.ts`).
   */
  secretLedger: [
    async ({ context }, use) => {
      context.on('request', (request) => {
        const params = new URL(request.url()).searchParams;
        remember('state', params.get('state') ?? '');
        remember('challenge', params.get('code_challenge') ?? '');
      });
      // Every session id set, not only the last (sign-in and sign-out change it).
      context.on('response', async (response) => {
        for (const { name, value } of await response.headersArray().catch(() => [])) {
          const cookie = name.toLowerCase() === 'set-cookie' && value.match(/^([^=;]*session[^=;]*)=([^;]*)/i);
          if (cookie) remember('session', cookie[2]);
        }
      });
      await use();
      for (const cookie of await context.cookies()) {
        if (/session/i.test(cookie.name)) remember('session', cookie.value);
      }
    },
    { auto: true },
  ],
});

export { expect, type Page };
