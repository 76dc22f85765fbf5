// Time to interactive in headless Chromium: from navigation start to the
// first interaction that works in place on /onboarding/providers ("+ Add
// Self-Hosted Provider" opens its form without a page load, which needs the
// page's WebAssembly hydrated; it is pressed the moment the page says so).
// Cold: a new browser profile each load (nothing cached); warm: the same profile (the hashed files come from the cache).
//
//   node bench/tti.mjs <relay url> <session cookie value> <loads>
// prints {"cold": [ms, ...], "warm": [ms, ...]}
import { createRequire } from 'node:module';

const require = createRequire(new URL('../end2end/package.json', import.meta.url));
const { chromium } = require('@playwright/test');

const [base, session, loadsText] = process.argv.slice(2);
const loads = Number(loadsText ?? 20);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

// In the page, from its first script on: the moment the page says it is
// hydrated, press the button and note when its form has opened in place.
// (Done in the page, not through the browser's remote control, whose round
// trips would be counted as the page's.)
function pressWhenInteractive() {
  window.__interactive = new Promise((resolve) => {
    const press = () => {
      const button = [...document.querySelectorAll('button')]
        .find((b) => b.textContent.includes('+ Add Self-Hosted Provider'));
      const wrapper = button.closest('.add-endpoint');
      const opened = () => wrapper.classList.contains('revealed') && resolve(performance.now());
      new MutationObserver(opened).observe(wrapper, { attributes: true });
      button.click();
      opened();
    };
    new MutationObserver((_, watching) => {
      if (document.body && document.body.hasAttribute('data-hydrated')) {
        watching.disconnect();
        press();
      }
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-hydrated'] });
  });
}

async function profile() {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'relay_session', value: session, url: base }]);
  await context.addInitScript(pressWhenInteractive);
  return context;
}

async function timeOneLoad(page) {
  await page.goto(`${base}/onboarding/providers`, { waitUntil: 'commit' });
  await page.waitForFunction(() => window.__interactive !== undefined);
  const ms = await page.evaluate(() => window.__interactive);
  // Opened in place: the click did not load the page's plain-form address.
  if (!page.url().endsWith('/onboarding/providers')) throw new Error(`the click navigated to ${page.url()}`);
  return ms;
}

const cold = [];
for (let i = 0; i <= loads; i++) {
  const context = await profile();
  const ms = await timeOneLoad(await context.newPage());
  if (i > 0) cold.push(ms); // the first load also starts the browser's own machinery
  await context.close();
}
const warm = [];
const context = await profile();
const page = await context.newPage();
for (let i = 0; i <= loads; i++) {
  const ms = await timeOneLoad(page);
  if (i > 0) warm.push(ms);
}
await browser.close();
console.log(JSON.stringify({ cold, warm }));
