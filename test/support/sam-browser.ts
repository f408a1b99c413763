import type { Browser, Page } from 'playwright-core';
import { totpFor } from '../../src/authentication-methods/totp.ts';
import type { TestWarden } from './harness.ts';

/** What the sign-in pages asked on the way, so a test can prove the consent used MFA. */
export interface BrowserConsent {
  steps: string[];
}

const submit = (page: Page, action: string) =>
  page.click(`form:has(input[name=action][value="${action}"]) button[type=submit]`);

/**
 * The person at the keyboard for a SAM script's one interactive step (reference §3.1 step 2):
 * opens the script's sign-in URL in Chromium, types the password and, when asked, the
 * authenticator's code — computed at the harness clock, the time Warden checks codes against,
 * half a minute on so no code is used twice — and accepts a consent page if one is shown. Resolves
 * once the browser reaches the script's loopback redirect (which the script itself answers).
 */
export async function consentInChromium(
  w: TestWarden,
  browser: Browser,
  url: string,
  who: { upn: string; totpSeed: string },
): Promise<BrowserConsent> {
  // The harness's certificate is self-signed; the script's process trusts it, the browser is told to.
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  const steps: string[] = [];
  try {
    const page = await context.newPage();
    await page.goto(url);
    if (!(await page.inputValue('#username'))) await page.fill('#username', who.upn);
    await page.fill('#password', w.demo.password);
    const loopback = () => {
      const at = new URL(page.url());
      return at.protocol === 'http:' && at.hostname === 'localhost';
    };
    // Each form post ends in a page of the sign-in, or in the redirect to the script's listener.
    const post = (action: string) =>
      Promise.all([page.waitForNavigation(), submit(page, action)]).catch((error: Error) => {
        throw new Error(`after '${action}' at ${page.url()} (steps ${steps}): ${error.message}`);
      });
    await post('password');
    while (!loopback()) {
      const step = (await page.getAttribute('main[data-step]', 'data-step')) ?? '';
      steps.push(step);
      if (step === 'second_factor') {
        w.clock.advance(30_000);
        await page.fill('#code', totpFor(who.totpSeed).generate({ timestamp: w.clock.now() }));
        await post('totp');
      } else if (step === 'consent') {
        await post('consent');
      } else {
        throw new Error(`the sign-in stopped at '${step}': ${await page.textContent('main')}`);
      }
    }
    return { steps };
  } finally {
    await context.close();
  }
}
