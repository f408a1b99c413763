import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import type { Browser } from 'playwright-core';
import { consent, run, type SamMsalConfig, storedRefreshToken } from '../examples/sam/msal-node.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { DAY_MS, redeemAt, samClient, startTravel } from './support/sam.ts';
import { consentInChromium } from './support/sam-browser.ts';

const JANE = 'jane@contoso.example';

/**
 * Reference §3.1 (the Secure Application Model) run by a partner's script written with
 * @azure/msal-node, unmodified (examples/sam/msal-node.ts): the one consent in Chromium with MFA,
 * then only the kept refresh token, across 89 days of use and then 91 idle (reference §3.2).
 *
 * Time: Warden's clock and `Date` move together (startTravel), started before the consent so the
 * sign-in, oidc-provider's expiries and MSAL's own bookkeeping share one clock. MSAL reads `Date`
 * for its cache (access tokens' `expiresOn`, `cachedAt`) and needs nothing more: msal-common has no
 * check of an id token's `iat` or `exp` against its clock, so a mocked `Date` keeps it consistent.
 * The runs use `forceRefresh` (cache) or `acquireTokenByRefreshToken`, which redeem the refresh
 * token every run whatever MSAL's cache thinks of its access tokens.
 */
describe('Interop: the Secure Application Model with @azure/msal-node (reference §3.1–3.2)', () => {
  let w: TestWarden;
  let browser: Browser;
  let dir: string;
  before(async () => {
    w = await startWarden({ tls: true });
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'warden-sam-msal-'));
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function config(store: 'cache' | 'refresh-token'): SamMsalConfig {
    const { clientId, clientSecret } = samClient(w);
    return {
      baseUrl: w.baseUrl,
      clientId,
      clientSecret,
      // By id, as SAM writes authorities (`/{CSPTenantId}`); why MSAL needs that: the script's header.
      partnerTenant: w.demo.tenants.contoso!.id,
      customerTenants: [w.demo.tenants.woodgrove!.id],
      storeFile: join(dir, `${store}.json`),
      store,
      loginHint: JANE,
      requireMfa: true,
    };
  }

  /** The script's consent, Jane at the keyboard in Chromium; returns what the pages asked. */
  async function consentAsJane(c: SamMsalConfig) {
    let steps: string[] = [];
    const account = await consent(c, async (url) => {
      steps = (
        await consentInChromium(w, browser, url, { upn: JANE, totpSeed: w.demo.users[JANE]!.totpSeed! })
      ).steps;
    });
    assert.equal(account.username, JANE);
    assert.ok(steps.includes('second_factor'), `the consent asked for MFA: ${steps}`);
    assert.equal(statSync(c.storeFile).mode & 0o777, 0o600, 'the kept refresh token is the user’s alone');
  }

  /** One run of the script: 200 from both APIs, each token carrying the consent's MFA. */
  async function runOnce(c: SamMsalConfig, day: number) {
    const [partner, woodgrove] = await run(c);
    assert.ok(woodgrove, 'the run called Woodgrove too');
    assert.equal(partner?.status, 200, `day ${day}: ${JSON.stringify(partner?.body)}`);
    const partnerClaims = decodeJwt(partner!.accessToken);
    assert.equal(partnerClaims.aud, PARTNER_API);
    assert.equal(partnerClaims.tid, w.demo.tenants.contoso!.id);
    assert.ok((partnerClaims.amr as string[]).includes('mfa'), `day ${day}`);
    if (!woodgrove) return;
    assert.equal(woodgrove.status, 200, `day ${day}: ${JSON.stringify(woodgrove.body)}`);
    const graphClaims = decodeJwt(woodgrove.accessToken);
    assert.equal(graphClaims.tid, w.demo.tenants.woodgrove!.id, 'an admin-on-behalf-of token for Woodgrove');
    assert.equal(graphClaims.idp, w.issuer('contoso'));
    assert.ok((graphClaims.amr as string[]).includes('mfa'), `day ${day}`);
  }

  /** 89 days of use: a run on days 29, 59 and 89, each leaving a new refresh token. Returns the last two. */
  async function use89Days(c: SamMsalConfig, travel: (ms: number) => void) {
    let kept = await storedRefreshToken(c);
    assert.ok(kept);
    let replaced = kept;
    for (const [day, step] of [
      [29, 29],
      [59, 30],
      [89, 30],
    ] as const) {
      travel(step * DAY_MS);
      await runOnce(c, day);
      const now = await storedRefreshToken(c);
      assert.ok(now);
      assert.notEqual(now, kept, `day ${day}: the run keeps a new refresh token`);
      replaced = kept;
      kept = now;
    }
    return { kept, replaced };
  }

  /** The next run, after 91 idle days: MSAL's error carries Entra's code (reference §3.2). */
  async function expectInactivityExpiry(c: SamMsalConfig, travel: (ms: number) => void) {
    travel(91 * DAY_MS);
    const failure = await run(c).then(
      () => assert.fail('the chain should have expired'),
      (error: unknown) => error as Record<string, unknown>,
    );
    assert.equal(failure.name, 'InteractionRequiredAuthError');
    assert.equal(failure.errorCode, 'invalid_grant');
    assert.equal(failure.subError, 'bad_token');
    assert.match(String(failure.errorMessage), /^AADSTS700082: /);
    assert.equal(failure.errorNo, 700082);
  }

  it('reference §3.1, §3.2: the refresh token kept alone, acquireTokenByRefreshToken: 89 days of Partner API calls at Contoso’s authority and Graph calls at Woodgrove’s from one MFA consent, then 91 days idle → invalid_grant AADSTS700082', async (t: TestContext) => {
    const travel = startTravel(w, t);
    const c = config('refresh-token');
    await consentAsJane(c);
    await use89Days(c, travel);
    await expectInactivityExpiry(c, travel);
  });

  it('reference §3.1 step 4: MSAL’s token cache with acquireTokenSilent(forceRefresh) follows the chain to a customer’s authority (Entra’s client_info keys one account): 89 days of Partner API and Woodgrove Graph calls, then 91 days idle → invalid_grant AADSTS700082', async (t: TestContext) => {
    const travel = startTravel(w, t);
    const c = config('cache');
    await consentAsJane(c);
    await use89Days(c, travel);
    await expectInactivityExpiry(c, travel);
  });

  it('RFC 9700 §4.14.2: after 89 days of runs with acquireTokenByRefreshToken, the refresh token the last run replaced is refused and its replay ends the chain MSAL holds (AADSTS50173)', async (t: TestContext) => {
    const travel = startTravel(w, t);
    const c = config('refresh-token');
    await consentAsJane(c);
    const { replaced } = await use89Days(c, travel);

    const { clientId, clientSecret } = samClient(w);
    const replay = await redeemAt(w, 'contoso.example', replaced, `${PARTNER_API}/user_impersonation`, {
      clientId,
      clientSecret,
    });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const after = await run(c).then(
      () => assert.fail('the replay should have revoked the chain'),
      (error: unknown) => error as Record<string, unknown>,
    );
    assert.equal(after.errorCode, 'invalid_grant');
    assert.match(String(after.errorMessage), /AADSTS50173: /);
  });
});
