import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { decodeJwt } from 'jose';
import { ResponseBodyError } from 'openid-client';
import type { Browser } from 'playwright-core';
import { consent, run, type SamOidcConfig, storedRefreshToken } from '../examples/sam/openid-client.ts';
import { PARTNER_API } from '../src/tokens/audiences.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { DAY_MS, redeemAt, samClient, startTravel } from './support/sam.ts';
import { consentInChromium } from './support/sam-browser.ts';

const JANE = 'jane@contoso.example';

/**
 * Reference §3.1–3.2 run by a partner's script written with openid-client v6, unmodified
 * (examples/sam/openid-client.ts): the consent in Chromium with MFA, then only the kept refresh
 * token, at Contoso's authority for the Partner API and at Woodgrove's for Graph. Warden's clock
 * and `Date` move together (startTravel) from before the consent: openid-client checks the id
 * token `exp` of every answer against `Date` (oauth4webapi's JWT checks), so its clock must be the
 * server's.
 */
describe('Interop: the Secure Application Model with openid-client v6 (reference §3.1–3.2)', () => {
  let w: TestWarden;
  let browser: Browser;
  let dir: string;
  before(async () => {
    w = await startWarden({ tls: true });
    browser = await launchChromium();
    dir = mkdtempSync(join(tmpdir(), 'warden-sam-oidc-'));
  });
  after(async () => {
    await browser?.close();
    await w?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function consentAsJane(name: string): Promise<SamOidcConfig> {
    const { clientId, clientSecret } = samClient(w);
    const c: SamOidcConfig = {
      baseUrl: w.baseUrl,
      clientId,
      clientSecret,
      partnerTenant: w.demo.tenants.contoso!.id,
      customerTenants: [w.demo.tenants.woodgrove!.id],
      storeFile: join(dir, `${name}.token`),
      loginHint: JANE,
      requireMfa: true,
    };
    let steps: string[] = [];
    const claims = await consent(c, async (url) => {
      steps = (
        await consentInChromium(w, browser, url, { upn: JANE, totpSeed: w.demo.users[JANE]!.totpSeed! })
      ).steps;
    });
    assert.equal(claims.preferred_username, JANE);
    assert.ok((claims.amr as string[]).includes('mfa'));
    assert.ok(steps.includes('second_factor'), `the consent asked for MFA: ${steps}`);
    assert.equal(statSync(c.storeFile).mode & 0o777, 0o600);
    return c;
  }

  /** Runs on days 29, 59 and 89: both APIs answer 200 with MFA tokens, each run keeps a new refresh token. */
  async function use89Days(c: SamOidcConfig, travel: (ms: number) => void) {
    let kept = await storedRefreshToken(c);
    let replaced = kept;
    for (const [day, step] of [
      [29, 29],
      [59, 30],
      [89, 30],
    ] as const) {
      travel(step * DAY_MS);
      const [partner, woodgrove] = await run(c);
      assert.equal(partner?.status, 200, `day ${day}: ${JSON.stringify(partner?.body)}`);
      const partnerClaims = decodeJwt(partner!.accessToken);
      assert.equal(partnerClaims.aud, PARTNER_API);
      assert.equal(partnerClaims.tid, w.demo.tenants.contoso!.id);
      assert.ok((partnerClaims.amr as string[]).includes('mfa'));
      assert.equal(woodgrove?.status, 200, `day ${day}: ${JSON.stringify(woodgrove?.body)}`);
      const graphClaims = decodeJwt(woodgrove!.accessToken);
      assert.equal(
        graphClaims.tid,
        w.demo.tenants.woodgrove!.id,
        'an admin-on-behalf-of token for Woodgrove',
      );
      assert.equal(graphClaims.idp, w.issuer('contoso'));
      assert.ok((graphClaims.amr as string[]).includes('mfa'));
      const now = await storedRefreshToken(c);
      assert.notEqual(now, kept, `day ${day}: the run keeps a new refresh token`);
      replaced = kept;
      kept = now;
    }
    return { kept, replaced };
  }

  it('reference §3.1, §3.2: discovery, authorizationCodeGrant with PKCE, then refreshTokenGrant at Contoso and Woodgrove for 89 days; 91 days idle → ResponseBodyError invalid_grant, error_codes [700082]', async (t: TestContext) => {
    const travel = startTravel(w, t);
    const c = await consentAsJane('idle');
    await use89Days(c, travel);

    travel(91 * DAY_MS);
    const failure = await run(c).then(
      () => assert.fail('the chain should have expired'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ResponseBodyError, String(failure));
    assert.equal(failure.error, 'invalid_grant');
    assert.equal(failure.status, 400);
    const body = failure.cause as { error_codes?: number[]; error_description?: string };
    assert.deepEqual(body.error_codes, [700082]);
    assert.match(failure.error_description ?? '', /^AADSTS700082: /);
  });

  it('RFC 9700 §4.14.2: the refresh token a run replaced is refused, and its replay ends the chain the script holds (AADSTS50173)', async (t: TestContext) => {
    const travel = startTravel(w, t);
    const c = await consentAsJane('replay');
    const { replaced } = await use89Days(c, travel);

    const replay = await redeemAt(w, 'contoso.example', replaced, `${PARTNER_API}/user_impersonation`);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const failure = await run(c).then(
      () => assert.fail('the replay should have revoked the chain'),
      (error: unknown) => error,
    );
    assert.ok(failure instanceof ResponseBodyError, String(failure));
    assert.equal(failure.error, 'invalid_grant');
    assert.deepEqual((failure.cause as { error_codes?: number[] }).error_codes, [50173]);
  });
});
