import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { createUser } from '../src/directory/users.ts';
import { listRequests } from '../src/reports/request-log.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import type { UserAgent } from './support/user-agent.ts';

/** SPEC E1 as written (003 + 004), not read back from the code: who may open which MFA-protected area. */
const AREAS = {
  customers: '/commerce/customers',
  'customer requests': '/dashboard/support/customers',
  billing: '/dashboard/billing',
  'security workspace': '/dashboard/security',
} as const;
type Area = keyof typeof AREAS;
const E1: Record<string, { role: string; opens: Area[] }> = {
  'jane@contoso.example': {
    role: 'Admin agent (+ Global admin)',
    opens: ['customers', 'customer requests', 'billing', 'security workspace'],
  },
  'sam@contoso.example': { role: 'Sales agent', opens: ['customers'] },
  'hal@contoso.example': { role: 'Helpdesk agent', opens: ['customers', 'customer requests'] },
  'gail@contoso.example': { role: 'Global admin', opens: ['billing'] },
  'bill@contoso.example': { role: 'Billing admin', opens: ['billing'] },
  'sky@contoso.example': { role: 'Security admin', opens: ['security workspace'] },
};

describe('SPEC E1: the dashboard over HTTP', () => {
  let w: TestWarden;
  const sessions = new Map<string, UserAgent>();
  before(async () => {
    w = await startWarden();
    // A Global admin who is no agent: the E1 column the demo data does not have on its own.
    await createUser(w.ctx.db, w.demo.tenants.contoso!.id, {
      userPrincipalName: 'gail@contoso.example',
      displayName: 'Gail Global',
      passwordHash: await hashPassword(w.demo.password),
      directoryRoles: ['Global Administrator'],
    });
    for (const upn of Object.keys(E1)) sessions.set(upn, (await dashboardSignIn(w, upn, { mfa: true })).ua);
  });
  after(() => w.stop());

  for (const [upn, { role, opens }] of Object.entries(E1)) {
    for (const [area, path] of Object.entries(AREAS) as [Area, string][]) {
      const allowed = opens.includes(area);
      it(`SPEC E1: ${role} ${allowed ? 'opens' : 'gets 403 for'} ${area}`, async () => {
        const ua = sessions.get(upn)!;
        const landed = await ua.navigate(`${w.baseUrl}${path}`);
        assert.equal(new URL(landed).pathname, path, 'no detour: the MFA session is not asked again');
        assert.equal(ua.lastStatus, allowed ? 200 : 403);
        if (!allowed)
          assert.match(
            ua.lastPage,
            /data-testid="forbidden-roles">Only these roles may open this page: [^<]*Admin agent/,
          );
      });
    }
  }

  it('SPEC E1: Overview and Service health need a sign-in but no MFA', async () => {
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    assert.match(ua.lastPage, /data-testid="mfa-status">Signed in without MFA</);
    for (const path of ['/dashboard', '/dashboard/health']) {
      assert.equal(new URL(await ua.navigate(`${w.baseUrl}${path}`)).pathname, path);
      assert.equal(ua.lastStatus, 200);
    }
  });

  it('SPEC E1: a protected page without a session goes to sign-in, then to the page first asked for', async () => {
    const anonymous = (
      await fetch(`${w.baseUrl}/dashboard/billing?month=10`, { redirect: 'manual' })
    ).headers.get('location');
    assert.equal(anonymous, `/dashboard/sign-in?return=${encodeURIComponent('/dashboard/billing?month=10')}`);
    const { ua } = await dashboardSignIn(w, 'jane@contoso.example', {
      mfa: true,
      returnTo: '/dashboard/billing?month=10',
    });
    assert.equal(new URL(ua.lastUrl).pathname, '/dashboard/billing');
    assert.equal(ua.lastStatus, 200);
  });

  it('SPEC E1: a session without mfa is sent to the authority with amr_values=mfa (step-up) and back', async () => {
    const john = (await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false })).ua;
    const response = await john.request(`${w.baseUrl}/commerce/customers`);
    assert.equal(response.status, 303);
    const authorize = new URL(response.headers.get('location')!);
    assert.equal(authorize.pathname, `/${w.demo.tenants.fabrikam!.id}/oauth2/v2.0/authorize`);
    assert.equal(authorize.searchParams.get('amr_values'), 'mfa');
    assert.equal(authorize.searchParams.get('login_hint'), 'john@fabrikam.example');
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    await john.navigate(authorize.href);
    const at = await john.submit('password', {
      username: 'john@fabrikam.example',
      password: w.demo.password,
    });
    assert.equal(john.step(), 'register_method', 'never registered: registration first');
    await completeSecondStep(w, john, { at, upn: 'john@fabrikam.example', mfa: true });
    assert.equal(new URL(john.lastUrl).pathname, '/commerce/customers');
    assert.match(john.lastPage, /data-testid="mfa-status">MFA verified</);
  });

  it('RFC 9700 §4.11: only same-origin return paths are followed after sign-in', async () => {
    for (const evil of [
      '//evil.example/x',
      'https://evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
    ]) {
      const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true, returnTo: evil });
      assert.equal(new URL(ua.lastUrl).origin, w.baseUrl, evil);
      assert.equal(new URL(ua.lastUrl).pathname, '/dashboard', evil);
    }
  });

  it('STYLE 8: the session cookie is HttpOnly and SameSite=Lax, and only its hash is stored', async () => {
    const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
    const value = ua.cookies.get('warden_dashboard')!;
    assert.ok(value);
    const rows = await w.ctx.db.selectFrom('dashboard_sessions').select('id_hash').execute();
    assert.ok(rows.every((r) => r.id_hash !== value));
    // A callback replayed without the pending sign-in cookie is refused.
    const res = await fetch(`${w.baseUrl}/dashboard/callback?code=x&state=y`, { redirect: 'manual' });
    assert.equal(res.status, 400);
    const setCookie = await sessionSetCookie(w);
    assert.match(setCookie, /warden_dashboard=[^;]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+/);
    assert.doesNotMatch(setCookie, /Secure/, 'Secure is for https base URLs');
  });

  it('Security: forms without the session CSRF token are refused and write nothing', async () => {
    const ua = sessions.get('hal@contoso.example')!;
    const before = await w.ctx.db.selectFrom('service_requests').select('id').execute();
    const form = {
      customerId: w.demo.customers['northwind.example']!,
      title: 'x',
      description: 'y',
      severity: 'minimal',
    };
    const refused = await ua.request(`${w.baseUrl}/dashboard/support/customers`, {
      form: { ...form, csrf: 'forged' },
    });
    assert.equal(refused.status, 403);
    assert.equal(
      (await w.ctx.db.selectFrom('service_requests').select('id').execute()).length,
      before.length,
    );
    await ua.navigate(`${w.baseUrl}/dashboard/support/customers`);
    const csrf = /name="csrf" value="([^"]+)"/.exec(ua.lastPage)![1]!;
    const created = await ua.request(`${w.baseUrl}/dashboard/support/customers`, { form: { ...form, csrf } });
    assert.equal(created.status, 303);
    assert.equal(
      (await w.ctx.db.selectFrom('service_requests').select('id').execute()).length,
      before.length + 1,
    );
  });

  it('SPEC §11: dashboard operations are logged with mfaCompliant, outcome and surface', async () => {
    const since = w.clock.now();
    const { ua } = await dashboardSignIn(w, 'john@fabrikam.example', { mfa: false });
    await ua.request(`${w.baseUrl}/dashboard/health`);
    await ua.request(`${w.baseUrl}/dashboard/billing`);
    await w.ctx.requestLog.flush();
    const rows = (await listRequests(w.ctx.db, w.demo.tenants.fabrikam!.id, { since })).map((r) => [
      r.surface,
      r.operation,
      r.mfa_compliant,
      r.outcome,
    ]);
    assert.deepEqual(rows, [
      ['dashboard', 'overview.view', 0, 'success'],
      ['dashboard', 'health.view', 0, 'success'],
      ['dashboard', 'invoices.list', 0, 'unauthorized'],
    ]);
  });
});

/** The session's Set-Cookie header, captured at the callback of a second sign-in (Jane's authority session is reused). */
async function sessionSetCookie(w: TestWarden): Promise<string> {
  const { ua } = await dashboardSignIn(w, 'jane@contoso.example', { mfa: true });
  const start = await ua.request(`${w.baseUrl}/dashboard/sign-in?email=jane%40contoso.example`);
  let location = start.headers.get('location')!;
  for (let i = 0; i < 10; i++) {
    const res = await ua.request(new URL(location, w.baseUrl).href);
    if (new URL(location, w.baseUrl).pathname === '/dashboard/callback') {
      return res.headers.getSetCookie().find((c) => c.startsWith('warden_dashboard=')) ?? '';
    }
    location = res.headers.get('location') ?? '';
    if (!location) throw new Error(`sign-in stopped at a page: ${res.status}`);
  }
  throw new Error('no callback');
}
