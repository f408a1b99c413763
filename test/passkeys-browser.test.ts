import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  convertCertBufferToPEM,
  decodeAttestationObject,
  isoBase64URL,
} from '@simplewebauthn/server/helpers';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import {
  type PasskeySettings,
  passkeySettings,
  setPasskeySettings,
} from '../src/authentication-methods/passkeys/settings.ts';
import { launchChromium } from './support/browser.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { REDIRECT_URI, redeem, startAuthorization } from './support/oidc.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/**
 * Passkeys end to end (issue 15 items 1, 2, 9): Chromium's virtual authenticator over CDP
 * (WebAuthn domain) makes and uses real WebAuthn credentials against the sign-in pages, and
 * openid-client redeems the code, so what a passkey proves is read from the tokens.
 */
let w: TestWarden;
let browser: Browser;

before(async () => {
  w = await startWarden();
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await w?.stop();
});

interface Authenticator {
  cdp: CDPSession;
  id: string;
}

/** A CTAP2 platform authenticator with resident keys; UV and backup (synced) as the test asks. */
async function addAuthenticator(
  context: BrowserContext,
  page: Page,
  options: { userVerification?: boolean; synced?: boolean } = {},
): Promise<Authenticator> {
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: options.userVerification ?? true,
      isUserVerified: options.userVerification ?? true,
      automaticPresenceSimulation: true,
      defaultBackupEligibility: options.synced ?? false,
      defaultBackupState: options.synced ?? false,
    },
  });
  return { cdp, id: authenticatorId };
}

/**
 * Catches the authorization response at the client's redirect URI (nothing listens there); it
 * resolves once the page is there, so the next navigation is not interrupted by this one.
 */
async function catchCallback(page: Page): Promise<string> {
  const caught = new Promise<string>((resolve) => {
    void page.route(`${REDIRECT_URI}**`, async (route) => {
      resolve(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/plain', body: 'signed in' });
    });
  });
  const url = await caught;
  await page.waitForURL((at) => at.href.startsWith(REDIRECT_URI));
  await page.unroute(`${REDIRECT_URI}**`);
  return url;
}

async function typePassword(page: Page, user: MadeUser): Promise<void> {
  await page.waitForSelector('main[data-step=credentials]');
  await page.fill('#username', user.upn);
  await page.fill('#password', user.password);
  await page.click('form:has(input[value=password]) button[type=submit]');
}

/** Security defaults offer the registration for 14 days (SPEC §5); the user takes it now. */
async function beginRegistration(page: Page): Promise<void> {
  await page.waitForSelector('main[data-step=register_offer], main[data-step=register_method]');
  if ((await page.getAttribute('main', 'data-step')) === 'register_offer')
    await page.click('form:has(input[value=begin_registration]) button[type=submit]');
  await page.waitForSelector('main[data-step=register_method]');
}

async function claimsOf(start: Awaited<ReturnType<typeof startAuthorization>>, callback: string) {
  const tokens = await redeem(start, callback);
  return tokens.claims()!;
}

/** Password, then the registration interrupt's passkey; returns the token claims. */
async function registerAtInterrupt(page: Page, user: MadeUser) {
  const start = await startAuthorization(w, 'contoso');
  const callback = catchCallback(page);
  await page.goto(start.url);
  await typePassword(page, user);
  await beginRegistration(page);
  await page.click('form[data-passkey=register] button[data-passkey-start]');
  await page.waitForSelector('main[data-step=recovery_codes]');
  await page.click('form:has(input[value=continue]) button[type=submit]');
  return claimsOf(start, await callback);
}

/** A full sign-in (prompt=login): password, then the passkey as the second factor. */
async function passwordThenPasskey(page: Page, user: MadeUser): Promise<void> {
  const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
  await page.goto(start.url);
  await typePassword(page, user);
  await page.waitForSelector('main[data-step=second_factor]');
  await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
}

/** passwordThenPasskey to its end: the claims of the tokens the sign-in's code redeems for. */
async function signInWithPasswordThenPasskey(page: Page, user: MadeUser) {
  const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
  const callback = catchCallback(page);
  await page.goto(start.url);
  await typePassword(page, user);
  await page.waitForSelector('main[data-step=second_factor]');
  await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
  return claimsOf(start, await callback);
}

/** The result detail of the last step of the user's last sign-in row (a passkey refusal's code). */
async function lastStepDetail(user: MadeUser): Promise<string | undefined> {
  const steps = JSON.parse((await lastSignIn(user)).authentication_details) as {
    authenticationStepResultDetail?: string;
  }[];
  return steps.at(-1)?.authenticationStepResultDetail;
}

async function credentialRows(user: MadeUser) {
  return w.ctx.db
    .selectFrom('passkey_credentials')
    .selectAll()
    .where('tenant_id', '=', user.tenantId)
    .where('user_id', '=', user.id)
    .execute();
}

async function lastSignIn(user: MadeUser) {
  return w.ctx.db
    .selectFrom('sign_ins')
    .selectAll()
    .where('user_id', '=', user.id)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
}

/** Runs `body` with the tenant's passkey settings changed, and puts them back after. */
async function withSettings(change: Partial<PasskeySettings>, body: () => Promise<void>): Promise<void> {
  const tenantId = w.demo.tenants.contoso!.id;
  const before = await passkeySettings(w.ctx.db, tenantId);
  await setPasskeySettings(w.ctx.db, tenantId, { ...before, ...change }, w.clock.now());
  try {
    await body();
  } finally {
    await setPasskeySettings(w.ctx.db, tenantId, before, w.clock.now());
  }
}

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  return { context, page: await context.newPage() };
}

describe('Passkeys (WebAuthn L3) in Chromium with a virtual authenticator', () => {
  it('issue 15 item 2: at the registration interrupt a partner user creates a passkey (UV, discoverable); the tokens say amr pwd+hwk+mfa, and acr mfa (a key made after a phishable password is not phishing-resistant yet); AAGUID, device type, backup state, transports and counter are stored', async () => {
    const user = await makeUser(w, { name: 'keyreg' });
    const { context, page } = await newPage();
    await addAuthenticator(context, page);
    const claims = await registerAtInterrupt(page, user);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['hwk', 'mfa', 'pwd']);
    // A key made in this sign-in came after a phishable password: MFA, not phishing-resistant.
    assert.equal(claims.acr, 'urn:warden:acr:mfa');
    const [row, ...others] = await credentialRows(user);
    assert.equal(others.length, 0);
    assert.match(row!.aaguid, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(row!.device_type, 'singleDevice');
    assert.equal(Number(row!.backed_up), 0);
    assert.deepEqual(JSON.parse(row!.transports), ['internal']);
    assert.equal(
      row!.attestation_format,
      'none',
      'no attestation asked while the tenant does not enforce it',
    );
    const log = await lastSignIn(user);
    assert.equal(Number(log.error_code), 0);
    assert.equal(log.authentication_strength, 'mfa');
    const steps = JSON.parse(log.authentication_details) as {
      authenticationMethod: string;
      succeeded: boolean;
    }[];
    assert.deepEqual(
      steps.map((s) => [s.authenticationMethod, s.succeeded]),
      [
        ['Password', true],
        ['FIDO2 security key', true],
      ],
    );
    await context.close();
  });

  it('issue 15 item 1: a registered passkey is the second factor after the password; the counter the authenticator presents is kept', async () => {
    const user = await makeUser(w, { name: 'keymfa' });
    const { context, page } = await newPage();
    await addAuthenticator(context, page);
    await registerAtInterrupt(page, user);
    const counterBefore = Number((await credentialRows(user))[0]!.sign_count);
    w.clock.advance(60_000);
    const signedInAt = w.clock.now();
    const claims = await signInWithPasswordThenPasskey(page, user);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['hwk', 'mfa', 'pwd']);
    assert.equal(claims.acr, 'urn:warden:acr:phishing-resistant');
    assert.equal((await lastSignIn(user)).authentication_strength, 'phishingResistant');
    const [row] = await credentialRows(user);
    assert.ok(Number(row!.sign_count) > counterBefore, 'the counter advanced');
    assert.ok(Number(row!.last_used_at) >= signedInAt, 'when it was last used');
    await context.close();
  });

  it('issue 15 item 1: where the tenant allows it (the default), a synced passkey signs in from the first page without a username; amr swk+mfa (no password)', async () => {
    const user = await makeUser(w, { name: 'keyless' });
    const { context, page } = await newPage();
    await addAuthenticator(context, page, { synced: true });
    await registerAtInterrupt(page, user);
    assert.equal((await credentialRows(user))[0]!.device_type, 'multiDevice');
    await withSettings({ passwordless: false }, async () => {
      const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
      await page.goto(start.url);
      await page.waitForSelector('main[data-step=credentials]');
      assert.equal(
        await page.locator('form[data-passkey]').count(),
        0,
        'not offered where the tenant turned it off',
      );
    });
    // On by default, as Entra offers passkey sign-in wherever the method is enabled.
    const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
    const callback = catchCallback(page);
    await page.goto(start.url);
    await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
    const claims = await claimsOf(start, await callback);
    assert.equal(claims.sub, user.id);
    assert.deepEqual([...(claims.amr as string[])].sort(), ['mfa', 'swk']);
    assert.equal(claims.acr, 'urn:warden:acr:phishing-resistant');
    await context.close();
  });

  it('issue 15 item 1: with attestation enforced, an authenticator that answers with attestation "none" is refused at registration (nothing stored)', async () => {
    await withSettings({ attestation: 'enforced' }, async () => {
      const user = await makeUser(w, { name: 'keynone' });
      const { context, page } = await newPage();
      await addAuthenticator(context, page);
      // The client asks for no attestation whatever the server said (as a browser may): `none` comes back.
      await page.route(`${w.baseUrl}/**/login/**`, async (route) => {
        const response = await route.fetch();
        const body = (await response.text()).replaceAll(
          '&quot;attestation&quot;:&quot;direct&quot;',
          '&quot;attestation&quot;:&quot;none&quot;',
        );
        await route.fulfill({ response, body });
      });
      const start = await startAuthorization(w, 'contoso');
      await page.goto(start.url);
      await typePassword(page, user);
      await beginRegistration(page);
      await page.click('form[data-passkey=register] button[data-passkey-start]');
      await page.waitForSelector('main[data-step=register_method] #form-error');
      assert.deepEqual(await credentialRows(user), []);
      await context.close();
    });
  });

  it('issue 15 item 1: with attestation enforced, a certificate chain that ends at no trusted root (here the virtual authenticator’s own) is refused — anyone can make one and claim any AAGUID', async () => {
    await withSettings({ attestation: 'enforced' }, async () => {
      const user = await makeUser(w, { name: 'keyselfca' });
      const { context, page } = await newPage();
      await addAuthenticator(context, page);
      let format = '';
      let chain: string[] = [];
      page.on('request', (request) => {
        const body = request.postData() ?? '';
        if (!body.includes('confirm_passkey')) return;
        const credential = JSON.parse(new URLSearchParams(body).get('credential') ?? '{}');
        const attestation = decodeAttestationObject(
          isoBase64URL.toBuffer(credential.response.attestationObject),
        );
        const x5c = (attestation.get('attStmt').get('x5c') ?? []) as Uint8Array[];
        format = `${attestation.get('fmt')}:${x5c.length}`;
        chain = x5c.map((c) => convertCertBufferToPEM(new Uint8Array(c)));
      });
      const start = await startAuthorization(w, 'contoso');
      await page.goto(start.url);
      await typePassword(page, user);
      await beginRegistration(page);
      await page.click('form[data-passkey=register] button[data-passkey-start]');
      await page.waitForSelector('main[data-step=register_method] #form-error');
      assert.match(format, /^packed:[1-9]/, 'a full attestation with a certificate chain was sent');
      assert.deepEqual(await credentialRows(user), []);
      assert.equal(await lastStepDetail(user), 'PasskeyAttestationRequired');
      // Chromium's virtual authenticator attests with one self-signed certificate: by design never
      // a trust anchor of its own chain, so even an operator who listed it would not make it one.
      assert.equal(chain.length, 1);
      await context.close();
    });
  });

  it('issue 15 item 1: a key whose AAGUID the tenant blocks cannot sign in, though it registered before the block (53003 in the sign-in log), and no longer counts as the user’s method: replacing it needs a Temporary Access Pass, not the password alone', async () => {
    const user = await makeUser(w, { name: 'keyblock' });
    const { context, page } = await newPage();
    await addAuthenticator(context, page);
    await registerAtInterrupt(page, user);
    const aaguid = (await credentialRows(user))[0]!.aaguid;
    await withSettings({ aaguidMode: 'block', aaguids: [aaguid] }, async () => {
      const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
      await page.goto(start.url);
      await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
      await page.waitForSelector('main[data-step=credentials] #form-error');
      const log = await lastSignIn(user);
      assert.equal(Number(log.error_code), 53003);
      assert.equal(log.user_id, user.id, 'the refusal names the key’s owner');
      // After the password, the blocked key is not offered, and the password alone may not
      // register a replacement (the account had MFA): a Temporary Access Pass is needed (53003).
      const again = await startAuthorization(w, 'contoso', { prompt: 'login' });
      await page.goto(again.url);
      await typePassword(page, user);
      await page.waitForSelector('main[data-step=blocked]');
      assert.equal(Number((await lastSignIn(user)).error_code), 53003);
    });
    await context.close();
  });

  it('WebAuthn L3 §13.4.3: a challenge answers one ceremony within its 5 minutes: after 6 minutes on the page the passkey is refused, and the page shown next has a fresh one that works', async () => {
    const user = await makeUser(w, { name: 'keystale' });
    const { context, page } = await newPage();
    await addAuthenticator(context, page);
    await registerAtInterrupt(page, user);
    const start = await startAuthorization(w, 'contoso', { prompt: 'login' });
    const callback = catchCallback(page);
    await page.goto(start.url);
    await typePassword(page, user);
    await page.waitForSelector('main[data-step=second_factor]');
    w.clock.advance(6 * 60_000);
    await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
    await page.waitForSelector('main[data-step=second_factor] #form-error');
    assert.equal(await lastStepDetail(user), 'PasskeyChallengeUsed');
    await page.click('form[data-passkey=authenticate] button[data-passkey-start]');
    const claims = await claimsOf(start, await callback);
    assert.ok((claims.amr as string[]).includes('hwk'));
    await context.close();
  });

  it('WebAuthn L3 §6.1.1: a clone of the credential presenting a lower signature counter is refused (500121), and the counter stays', async () => {
    const user = await makeUser(w, { name: 'keyclone' });
    const { context, page } = await newPage();
    const original = await addAuthenticator(context, page);
    await registerAtInterrupt(page, user);
    const { credentials } = await original.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: original.id,
    });
    const copied = credentials[0]!;
    // Two sign-ins with the original move the counter on.
    for (let i = 0; i < 2; i++) await signInWithPasswordThenPasskey(page, user);
    const stored = Number((await credentialRows(user))[0]!.sign_count);
    assert.ok(stored >= 2);
    // The clone: the same key on another authenticator, its counter where the copy was taken.
    await original.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: original.id });
    const clone = await addAuthenticator(context, page);
    await clone.cdp.send('WebAuthn.addCredential', {
      authenticatorId: clone.id,
      credential: { ...copied, signCount: 0 },
    });
    await passwordThenPasskey(page, user);
    await page.waitForSelector('main[data-step=second_factor] #form-error');
    assert.equal(Number((await lastSignIn(user)).error_code), 500121);
    assert.equal(Number((await credentialRows(user))[0]!.sign_count), stored);
    await context.close();
  });

  it('issue 15 item 1: an assertion without user verification is refused (UV is required for every passkey sign-in)', async () => {
    const user = await makeUser(w, { name: 'keyuv' });
    const { context, page } = await newPage();
    const verifying = await addAuthenticator(context, page);
    await registerAtInterrupt(page, user);
    const { credentials } = await verifying.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: verifying.id,
    });
    await verifying.cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: verifying.id });
    // The same key on an authenticator that cannot verify the user, asked (by a client that
    // rewrote the options) not to: its assertion has UV unset.
    const presenceOnly = await addAuthenticator(context, page, { userVerification: false });
    await presenceOnly.cdp.send('WebAuthn.addCredential', {
      authenticatorId: presenceOnly.id,
      credential: { ...credentials[0]!, signCount: 100 },
    });
    await page.route(`${w.baseUrl}/**/login/**`, async (route) => {
      const response = await route.fetch();
      const body = (await response.text()).replaceAll(
        '&quot;userVerification&quot;:&quot;required&quot;',
        '&quot;userVerification&quot;:&quot;discouraged&quot;',
      );
      await route.fulfill({ response, body });
    });
    await passwordThenPasskey(page, user);
    await page.waitForSelector('main[data-step=second_factor] #form-error');
    assert.equal(Number((await lastSignIn(user)).error_code), 500121);
    assert.equal(await lastStepDetail(user), 'PasskeyUserVerificationRequired');
    await context.close();
  });
});
