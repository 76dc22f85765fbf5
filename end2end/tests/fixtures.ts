import { test as base, expect, type Page } from '@playwright/test';

/** What Chromium reports of a Content-Security-Policy refusal, on any page of the test. */
const refusal = /Content Security Policy|Content-Security-Policy/i;

/**
 * Every browser test also checks the Content-Security-Policy: whatever the
 * page did, Chromium must not have refused anything (a refused hydration
 * script, style or WebAssembly compile would show here first).
 */
export const test = base.extend<{ cspWatch: void; cspRefusalsExpected: boolean }>({
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
});

export { expect, type Page };
