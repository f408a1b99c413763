import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { methodsOf } from '../src/authentication-methods/methods.ts';
import { SECURITY_INFO_ERRORS } from '../src/errors/security-info-errors.ts';
import { activeUserRisk, raiseDetection } from '../src/identity-protection/risk-state.ts';
import { DashboardSessions } from '../src/relying-party/sessions.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { type MadeUser, makeUser } from './support/users.ts';

/** Issue 15 item 3: the Security info page's refusals over HTTP. */
let w: TestWarden;
before(async () => {
  w = await startWarden();
});
after(async () => {
  await w?.stop();
});

/** A session of the page's store as its callback starts one (amr with mfa, signed in now unless told). */
async function sessionFor(user: MadeUser, amr = ['pwd', 'otp', 'mfa'], authTime = w.clock.now()) {
  const { cookieValue, session } = await new DashboardSessions(w.ctx.db).start(
    { site: 'security-info', tenantId: user.tenantId, userId: user.id, amr, authTime },
    w.clock.now(),
  );
  return { cookie: `warden_security_info=${cookieValue}`, csrf: session.csrf };
}

function post(
  user: MadeUser,
  cookie: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
) {
  return fetch(`${w.baseUrl}/${user.tenantId}/security-info`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie,
      'content-type': 'application/x-www-form-urlencoded',
      origin: w.baseUrl,
      ...headers,
    },
    body: new URLSearchParams(fields),
  });
}

const dataCode = (body: string) => /data-code="([a-z_]+)"/.exec(body)?.[1];

async function addPasskey(user: MadeUser): Promise<string> {
  const id = randomUUID();
  await w.ctx.db
    .insertInto('passkey_credentials')
    .values({
      tenant_id: user.tenantId,
      id,
      user_id: user.id,
      credential_id: randomUUID(),
      public_key: 'AA',
      sign_count: 0,
      aaguid: '00000000-0000-0000-0000-000000000000',
      device_type: 'singleDevice',
      backed_up: 0,
      transports: '[]',
      attestation_format: 'none',
      display_name: 'Security key',
      created_at: w.clock.now(),
      last_used_at: null,
    })
    .execute();
  return id;
}

describe('Issue 15 item 3: Security info refusals', () => {
  it('STYLE 4: docs/errors.md lists exactly the Security info codes of the catalogue, with the same statuses', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const start = doc.indexOf('## Security info errors');
    assert.ok(start >= 0);
    const end = doc.indexOf('\n## ', start + 1);
    const rows = doc.slice(start, end < 0 ? undefined : end).matchAll(/^\| (\d+) \| `(\w+)` \|/gm);
    assert.deepEqual(
      [...rows].map((m) => [Number(m[1]), m[2]]),
      Object.entries(SECURITY_INFO_ERRORS).map(([code, e]) => [e.status, code]),
    );
  });

  it('Issue 15 item 5: the page asks an administrator to have both methods the self-service reset proves: with an authenticator app only, not ready; with recovery codes too, ready', async () => {
    const admin = await makeUser(w, { name: 'ssprready', roles: ['Helpdesk Administrator'], totp: true });
    const s = await sessionFor(admin);
    const page = async () =>
      (await fetch(`${w.baseUrl}/${admin.tenantId}/security-info`, { headers: { cookie: s.cookie } })).text();
    assert.match(await page(), /data-testid="sspr-readiness" data-ready="false"/);
    await w.ctx.recoveryCodes.regenerate(w.ctx.db, admin.tenantId, admin.id, w.clock.now());
    assert.match(await page(), /data-testid="sspr-readiness" data-ready="true"/);
    // makeUser set the password through the directory, on Warden's clock.
    assert.match(await page(), /data-testid="password-changed">\d{4}-\d{2}-\d{2} \d{2}:\d{2}</);
  });

  it('Issue 15 item 5: an account without a password is not told it could reset one: the reset refuses such an account', async () => {
    const user = await makeUser(w, { name: 'ssprnopassword', totp: true });
    await w.ctx.recoveryCodes.regenerate(w.ctx.db, user.tenantId, user.id, w.clock.now());
    await w.ctx.db
      .updateTable('users')
      .set({ password_hash: null })
      .where('tenant_id', '=', user.tenantId)
      .where('id', '=', user.id)
      .execute();
    const s = await sessionFor(user, ['swk', 'mfa']);
    const body = await (
      await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, { headers: { cookie: s.cookie } })
    ).text();
    assert.match(body, /data-testid="sspr-readiness" data-ready="false">Your account has no password/);
  });

  it('Issue 15 item 3, reference §3.4: 5–10 minutes after the MFA the page offers no passkey ceremony but a "verify it\'s you", which asks the authority for a sign-in within 5 minutes (max_age=300)', async () => {
    const user = await makeUser(w, { name: 'passkeyverify', totp: true });
    const stale = await sessionFor(user, ['pwd', 'otp', 'mfa'], w.clock.now() - 7 * 60_000);
    const body = await (
      await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, { headers: { cookie: stale.cookie } })
    ).text();
    assert.match(body, /data-testid="passkey-verify-again"/);
    assert.doesNotMatch(body, /data-passkey="register"/, 'no ceremony, so no key is made for nothing');
    const verify = await post(user, stale.cookie, { action: 'verify_for_passkey', csrf: stale.csrf });
    assert.equal(verify.status, 303);
    const to = new URL(verify.headers.get('location')!);
    assert.equal(to.pathname, `/${user.tenantId}/oauth2/v2.0/authorize`);
    assert.equal(to.searchParams.get('max_age'), '300');
    const fresh = await sessionFor(user);
    const again = await (
      await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, { headers: { cookie: fresh.cookie } })
    ).text();
    assert.match(again, /data-passkey="register"/);
    assert.doesNotMatch(again, /data-testid="passkey-verify-again"/);
  });

  it('Issue 15 item 3: not signed in, the page and a change send the browser to the authority for a fresh MFA (amr_values=mfa, max_age=600); nothing changes', async () => {
    const user = await makeUser(w, { totp: true });
    for (const response of [
      await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, { redirect: 'manual' }),
      await post(user, '', { action: 'regenerate_codes', csrf: 'x' }),
    ]) {
      assert.equal(response.status, 303);
      const to = new URL(response.headers.get('location')!);
      assert.equal(to.pathname, `/${user.tenantId}/oauth2/v2.0/authorize`);
      assert.equal(to.searchParams.get('amr_values'), 'mfa');
      assert.equal(to.searchParams.get('max_age'), '600');
    }
    assert.equal(await w.ctx.recoveryCodes.remaining(w.ctx.db, user.tenantId, user.id), 0);
  });

  it('Issue 15 item 3: a session without MFA, or whose MFA is 11 minutes old, is sent to sign in again', async () => {
    const user = await makeUser(w, { totp: true });
    const noMfa = await sessionFor(user, ['pwd']);
    const stale = await sessionFor(user, ['pwd', 'otp', 'mfa'], w.clock.now() - 11 * 60_000);
    for (const s of [noMfa, stale]) {
      const response = await post(user, s.cookie, { action: 'regenerate_codes', csrf: s.csrf });
      assert.equal(response.status, 303);
      assert.match(response.headers.get('location')!, /\/oauth2\/v2\.0\/authorize\?/);
    }
    assert.equal(await w.ctx.recoveryCodes.remaining(w.ctx.db, user.tenantId, user.id), 0);
  });

  it('Issue 15 item 3: a form without the session CSRF token, or from another origin, is refused (403 csrf_refused)', async () => {
    const user = await makeUser(w, { totp: true });
    const s = await sessionFor(user);
    const wrong = await post(user, s.cookie, { action: 'regenerate_codes', csrf: 'not-the-token' });
    assert.equal(wrong.status, 403);
    assert.equal(dataCode(await wrong.text()), 'csrf_refused');
    const crossSite = await post(
      user,
      s.cookie,
      { action: 'regenerate_codes', csrf: s.csrf },
      { origin: 'https://evil.example' },
    );
    assert.equal(crossSite.status, 403);
    assert.equal(await w.ctx.recoveryCodes.remaining(w.ctx.db, user.tenantId, user.id), 0);
    const ok = await post(user, s.cookie, { action: 'regenerate_codes', csrf: s.csrf });
    assert.equal(ok.status, 200);
    assert.equal(await w.ctx.recoveryCodes.remaining(w.ctx.db, user.tenantId, user.id), 10);
    assert.match(ok.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });

  it('Issue 15 item 3: the last method of a user whom policy mandates MFA cannot be removed (409 last_method_mandated)', async () => {
    const user = await makeUser(w, { totp: true, roles: ['Global Administrator'] });
    const s = await sessionFor(user);
    const [only] = (await methodsOf(w.ctx.db, user.tenantId, user.id)).totp;
    const response = await post(user, s.cookie, { action: 'remove', methodId: only!.id, csrf: s.csrf });
    assert.equal(response.status, 409);
    assert.equal(dataCode(await response.text()), 'last_method_mandated');
    assert.equal((await methodsOf(w.ctx.db, user.tenantId, user.id)).totp.length, 1);
  });

  it('Issue 15 item 3: removing the last passkey warns and asks to confirm (409 last_phishing_resistant_method); confirmed, it goes', async () => {
    const user = await makeUser(w, { totp: true });
    const passkey = await addPasskey(user);
    const s = await sessionFor(user);
    const warned = await post(user, s.cookie, { action: 'remove', methodId: passkey, csrf: s.csrf });
    assert.equal(warned.status, 409);
    assert.equal(dataCode(await warned.text()), 'last_phishing_resistant_method');
    assert.equal((await methodsOf(w.ctx.db, user.tenantId, user.id)).passkeys.length, 1);
    const confirmed = await post(user, s.cookie, {
      action: 'remove',
      methodId: passkey,
      confirm: 'yes',
      csrf: s.csrf,
    });
    assert.equal(confirmed.status, 200);
    assert.equal((await methodsOf(w.ctx.db, user.tenantId, user.id)).passkeys.length, 0);
    const audit = await w.ctx.db
      .selectFrom('audit_events')
      .select('activity')
      .where('tenant_id', '=', user.tenantId)
      .where('target_id', '=', user.id)
      .execute();
    assert.ok(audit.some((a) => a.activity === 'User deleted security info'));
  });

  it("Issue 15 item 3: a rename is length-limited (400 invalid_display_name) and reaches only the user's own methods (404 method_not_found)", async () => {
    const user = await makeUser(w, { totp: true });
    const other = await makeUser(w, { totp: true });
    const s = await sessionFor(user);
    const [mine] = (await methodsOf(w.ctx.db, user.tenantId, user.id)).totp;
    const [theirs] = (await methodsOf(w.ctx.db, other.tenantId, other.id)).totp;
    const long = await post(user, s.cookie, {
      action: 'rename',
      methodId: mine!.id,
      displayName: 'x'.repeat(65),
      csrf: s.csrf,
    });
    assert.equal(long.status, 400);
    assert.equal(dataCode(await long.text()), 'invalid_display_name');
    const foreign = await post(user, s.cookie, {
      action: 'rename',
      methodId: theirs!.id,
      displayName: 'Mine now',
      csrf: s.csrf,
    });
    assert.equal(foreign.status, 404);
    assert.equal(dataCode(await foreign.text()), 'method_not_found');
    assert.equal(
      (await methodsOf(w.ctx.db, other.tenantId, other.id)).totp[0]!.displayName,
      'Authenticator app',
    );
  });

  it("Issue 15 item 3: Partner Center's header links a signed-in user to their own tenant's Security info page", async () => {
    const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
    await ua.navigate(`${w.baseUrl}/dashboard`);
    const tenantId = w.demo.tenants.contoso!.id;
    assert.match(
      ua.lastPage,
      new RegExp(`href="/${tenantId}/security-info" data-testid="security-info-link"`),
    );
  });

  it('Issue 15 item 3: a wrong current password is refused (400 wrong_password) and audited; guesses count on the sign-in counter (429 throttled after 5), and the password stays', async () => {
    const user = await makeUser(w, { totp: true });
    const s = await sessionFor(user);
    const change = (current: string) =>
      post(user, s.cookie, {
        action: 'change_password',
        currentPassword: current,
        newPassword: 'Another-Long-Passphrase-77',
        confirmPassword: 'Another-Long-Passphrase-77',
        csrf: s.csrf,
      });
    for (let i = 0; i < 5; i++) {
      const wrong = await change('not-the-password');
      assert.equal(wrong.status, 400);
      assert.equal(dataCode(await wrong.text()), 'wrong_password');
    }
    const locked = await change(user.password);
    assert.equal(locked.status, 429);
    assert.equal(dataCode(await locked.text()), 'throttled');
    const failures = await w.ctx.db
      .selectFrom('audit_events')
      .select('activity')
      .where('tenant_id', '=', user.tenantId)
      .where('target_id', '=', user.id)
      .where('activity', '=', 'Change user password')
      .execute();
    assert.equal(failures.length, 5);
  });

  it("Issue 15 item 3, reference §6.4: a password change after a fresh MFA remediates the user's risk (userPerformedSecuredPasswordChange) and ends the other sessions", async () => {
    const user = await makeUser(w, { totp: true });
    const now = w.clock.now();
    await raiseDetection(
      w.ctx.db,
      {
        tenantId: user.tenantId,
        userId: user.id,
        userPrincipalName: user.upn,
        riskEventType: 'passwordSpray',
        riskLevel: 'medium',
        timing: 'offline',
        activity: 'user',
        activityAt: now,
        dedupeKey: `security-info-${user.id}`,
      },
      now,
    );
    assert.equal(await activeUserRisk(w.ctx.db, user.tenantId, user.id), 'medium');
    const other = await sessionFor(user);
    const s = await sessionFor(user);
    const changed = await post(user, s.cookie, {
      action: 'change_password',
      currentPassword: user.password,
      newPassword: 'Another-Long-Passphrase-78',
      confirmPassword: 'Another-Long-Passphrase-78',
      csrf: s.csrf,
    });
    assert.equal(changed.status, 200);
    assert.equal(await activeUserRisk(w.ctx.db, user.tenantId, user.id), 'none');
    const detail = await w.ctx.db
      .selectFrom('risky_users')
      .select('risk_detail')
      .where('tenant_id', '=', user.tenantId)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    assert.equal(detail?.risk_detail, 'userPerformedSecuredPasswordChange');
    // The other session ended; this browser goes on in the new session the answer set.
    const stale = await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, {
      redirect: 'manual',
      headers: { cookie: other.cookie },
    });
    assert.equal(stale.status, 303);
    const next = /warden_security_info=([^;]+)/.exec(changed.headers.get('set-cookie') ?? '')?.[1];
    const still = await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, {
      redirect: 'manual',
      headers: { cookie: `warden_security_info=${next}` },
    });
    assert.equal(still.status, 200);
  });

  it("Issue 15 item 3: a session of one tenant's page opens nothing at another tenant's: it is sent to that authority's sign-in", async () => {
    const user = await makeUser(w, { totp: true });
    const s = await sessionFor(user);
    const other = w.demo.tenants.fabrikam!.id;
    assert.notEqual(other, user.tenantId);
    const response = await fetch(`${w.baseUrl}/${other}/security-info`, {
      redirect: 'manual',
      headers: { cookie: s.cookie },
    });
    assert.equal(response.status, 303);
    assert.equal(new URL(response.headers.get('location')!).pathname, `/${other}/oauth2/v2.0/authorize`);
  });

  it('Issue 15 item 3: a first-party session opens only the site that made it: a Security info cookie value is no dashboard session, nor the other way round', async () => {
    const user = await makeUser(w, { totp: true });
    const s = await sessionFor(user);
    const value = s.cookie.split('=')[1]!;
    const asDashboard = await fetch(`${w.baseUrl}/dashboard`, {
      redirect: 'manual',
      headers: { cookie: `warden_dashboard=${value}` },
    });
    assert.equal(asDashboard.status, 303);
    assert.match(asDashboard.headers.get('location') ?? '', /\/dashboard\/sign-in/);
    const asAdmin = await fetch(`${w.baseUrl}/admin`, {
      redirect: 'manual',
      headers: { cookie: `warden_admin=${value}` },
    });
    assert.equal(asAdmin.status, 303);
    assert.match(asAdmin.headers.get('location') ?? '', /^\/admin\/sign-in/);
    const { cookieValue } = await new DashboardSessions(w.ctx.db).start(
      {
        site: 'dashboard',
        tenantId: user.tenantId,
        userId: user.id,
        amr: ['pwd', 'otp', 'mfa'],
        authTime: w.clock.now(),
      },
      w.clock.now(),
    );
    const asSecurityInfo = await fetch(`${w.baseUrl}/${user.tenantId}/security-info`, {
      redirect: 'manual',
      headers: { cookie: `warden_security_info=${cookieValue}` },
    });
    assert.equal(asSecurityInfo.status, 303);
    assert.equal(
      new URL(asSecurityInfo.headers.get('location')!).pathname,
      `/${user.tenantId}/oauth2/v2.0/authorize`,
    );
  });
});
