import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { installAdminGate } from '../src/admin-center/gate.ts';
import type { SignInDeps } from '../src/dashboard/sign-in.ts';
import { runGdapClock } from '../src/delegated-admin/clock-job.ts';
import { applyEvent, createRelationship, getRelationship } from '../src/delegated-admin/relationships.ts';
import { DashboardSessions } from '../src/relying-party/sessions.ts';
import {
  APPROVAL_PATH,
  adminSignIn,
  csrfOf,
  gdapParties,
  pendingRelationship,
  USER_ADMINISTRATOR,
} from './support/admin-center.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { routesOf } from './support/routes.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

/** The customer admin center over HTTP: what is quicker to show without a browser (SPEC §13). */
let w: TestWarden;
let parties: Awaited<ReturnType<typeof gdapParties>>;
let admin: UserAgent;
let adminId: string;
before(async () => {
  w = await startWarden();
  parties = await gdapParties(w);
  const ga = await makeUser(w, {
    tenant: parties.customer.key,
    name: 'ga',
    roles: ['Global Administrator'],
    totp: true,
  });
  adminId = ga.id;
  admin = await adminSignIn(w, ga.upn);
});
after(async () => {
  await w?.stop();
});

const status = async (partnerTenantId: string, id: string) =>
  (await getRelationship(w.ctx.db, { partnerTenantId }, id))?.status;

describe('SPEC §13: the customer admin center over HTTP', () => {
  it('STYLE 2: every admin-center page sits behind the gate (signed out: sent to sign in)', async () => {
    const pages = routesOf(w.app).filter(
      (r) => r.split(' ')[1]!.startsWith('/admin') && !/\/admin\/(sign-in|sign-out|signed-out)$/.test(r),
    );
    assert.ok(pages.length >= 6, pages.join(', '));
    for (const route of pages) {
      const [method, path] = route.split(' ') as [string, string];
      const res = await fetch(
        `${w.baseUrl}${path.replaceAll(':id', `${crypto.randomUUID()}-${crypto.randomUUID()}`)}`,
        {
          method,
          redirect: 'manual',
          ...(method === 'POST'
            ? { body: 'csrf=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }
            : {}),
        },
      );
      assert.equal(res.status, 303, route);
      assert.match(res.headers.get('location') ?? '', /^\/admin\/sign-in\?return=/, route);
    }
  });

  it('STYLE 2: a route without its declaration cannot be registered inside the admin center', async () => {
    const deps: SignInDeps = {
      ctx: w.ctx,
      sessions: new DashboardSessions(w.ctx.db),
      get rp(): never {
        throw new Error('not used');
      },
      ready: async () => true,
    };
    const app = Fastify();
    await assert.rejects(async () => {
      await app.register(async (pages) => {
        installAdminGate(pages, deps);
        pages.get('/admin/undeclared', async () => 'x');
      });
      await app.ready();
    }, /admin-center page GET \/admin\/undeclared must declare/);
    await app.close();
  });

  it('SPEC §13: an approval without the session’s CSRF token, or from another origin, is refused and changes nothing', async () => {
    const rel = await pendingRelationship(w, parties.partner.id, parties.customer.id);
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`);
    assert.equal(admin.lastStatus, 200);
    const noToken = await admin.request(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`, {
      form: { decision: 'approve', csrf: 'not-the-token' },
    });
    assert.equal(noToken.status, 403);
    const cookie = [...admin.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const crossOrigin = await fetch(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ decision: 'approve', csrf: csrfOf(admin) }).toString(),
    });
    assert.equal(crossOrigin.status, 403);
    assert.equal(await status(parties.partner.id, rel.id), 'approvalPending');

    // With the token the same form is accepted: the refusals above were the token's and the origin's.
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`, {
      form: { decision: 'approve', csrf: csrfOf(admin) },
    });
    assert.equal(admin.lastStatus, 200);
    assert.equal(await status(parties.partner.id, rel.id), 'active');
    const approved = await getRelationship(w.ctx.db, { partnerTenantId: parties.partner.id }, rel.id);
    assert.equal(approved?.approvedBy, adminId);
    // A link is used once: answering again is refused (409) and changes nothing.
    const again = await admin.request(`${w.baseUrl}${APPROVAL_PATH}${rel.id}`, {
      form: { decision: 'reject', csrf: csrfOf(admin) },
    });
    assert.equal(again.status, 409);
    assert.equal(await status(parties.partner.id, rel.id), 'active');
  });

  it('SPEC §13: another customer’s request is 404 to read and to answer, and stays pending', async () => {
    const theirs = await pendingRelationship(w, parties.partner.id, parties.other.id);
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${theirs.id}`);
    assert.equal(admin.lastStatus, 404);
    assert.ok(!admin.lastPage.includes(theirs.displayName), 'the page never names it');
    const csrf = csrfOf(admin);
    for (const path of [`${APPROVAL_PATH}${theirs.id}`, `/admin/partners/${theirs.id}/remove-roles`]) {
      const res = await admin.request(`${w.baseUrl}${path}`, { form: { decision: 'approve', csrf } });
      assert.equal(res.status, 404, path);
    }
    await admin.navigate(`${w.baseUrl}/admin/partners/${theirs.id}`);
    assert.equal(admin.lastStatus, 404);
    assert.equal(await status(parties.partner.id, theirs.id), 'approvalPending');
  });

  it('SPEC §13, reference §1.2: a request naming no customer is answered by the partner’s own customers only', async () => {
    const strangers = await gdapParties(w);
    const foreign = await pendingRelationship(w, strangers.partner.id, undefined);
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${foreign.id}`);
    assert.equal(admin.lastStatus, 404, 'a partner this customer does not have');
    const res = await admin.request(`${w.baseUrl}${APPROVAL_PATH}${foreign.id}`, {
      form: { decision: 'approve', csrf: csrfOf(admin) },
    });
    assert.equal(res.status, 404);
    assert.equal(await status(strangers.partner.id, foreign.id), 'approvalPending');

    const open = await pendingRelationship(w, parties.partner.id, undefined);
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${open.id}`);
    assert.equal(admin.lastStatus, 200);
    await admin.navigate(`${w.baseUrl}${APPROVAL_PATH}${open.id}`, {
      form: { decision: 'approve', csrf: csrfOf(admin) },
    });
    const bound = await getRelationship(w.ctx.db, { partnerTenantId: parties.partner.id }, open.id);
    assert.equal(bound?.status, 'active');
    assert.equal(bound?.customerTenantId, parties.customer.id);
  });

  it('SPEC §13: each site refuses the other’s sessions: a customer session in Partner Center, a partner session in the admin center', async () => {
    // The admin center's session, carried in Partner Center's cookie, is refused (and ended).
    const customerSession = admin.cookies.get('warden_admin')!;
    const thief = new UserAgent();
    thief.cookies.set('warden_dashboard', customerSession);
    const dash = await thief.request(`${w.baseUrl}/dashboard`);
    assert.equal(dash.status, 303);
    assert.match(dash.headers.get('location') ?? '', /^\/dashboard\/sign-in/);

    // A partner's Partner Center session, carried in the admin center's cookie, is refused too.
    const agent = await makeUser(w, {
      tenant: parties.partner.key,
      name: 'agent',
      groups: ['AdminAgents'],
      totp: true,
    });
    const { ua: partnerUa } = await dashboardSignIn(w, agent.upn, { mfa: true });
    const borrowed = new UserAgent();
    borrowed.cookies.set('warden_admin', partnerUa.cookies.get('warden_dashboard')!);
    const page = await borrowed.request(`${w.baseUrl}/admin/partners`);
    assert.equal(page.status, 303);
    assert.match(page.headers.get('location') ?? '', /^\/admin\/sign-in/);

    // …and the admin center's sign-in page does not send a partner account to its authority.
    const asked = await fetch(`${w.baseUrl}/admin/sign-in?email=${encodeURIComponent(agent.upn)}`, {
      redirect: 'manual',
    });
    assert.equal(asked.status, 400);
    const partnerAtDashboardSignIn = await fetch(
      `${w.baseUrl}/dashboard/sign-in?email=${encodeURIComponent(`ga@${w.demo.tenants[parties.customer.key]!.domain}`)}`,
      { redirect: 'manual' },
    );
    assert.equal(partnerAtDashboardSignIn.status, 400, 'Partner Center does not sign customers in');
  });

  it('SPEC §3, §13: signing out of the admin center ends the authority’s session too (RP-Initiated Logout): signing in again asks for the password', async () => {
    const ga = await makeUser(w, {
      tenant: parties.customer.key,
      name: 'ga-out',
      roles: ['Global Administrator'],
      totp: true,
    });
    const ua = await adminSignIn(w, ga.upn);
    await ua.navigate(`${w.baseUrl}/admin/partners`);
    const response = await ua.request(`${w.baseUrl}/admin/sign-out`, { form: { csrf: csrfOf(ua) } });
    assert.equal(response.status, 303);
    assert.ok(!ua.cookies.has('warden_admin'), 'the admin-center session cookie is cleared');
    const endSession = new URL(response.headers.get('location') ?? '', w.baseUrl);
    assert.equal(
      endSession.origin + endSession.pathname,
      `${w.baseUrl}/${parties.customer.id}/oauth2/v2.0/logout`,
      'the customer authority’s end-session endpoint',
    );
    assert.equal(endSession.searchParams.get('post_logout_redirect_uri'), `${w.baseUrl}/admin/signed-out`);
    assert.ok(
      endSession.searchParams.get('id_token_hint'),
      'the session’s ID token names it to the authority',
    );
    assert.ok(!ua.cookies.has('warden_admin_idt'), 'the ID token cookie is cleared');
    await ua.navigate(endSession.href);
    assert.match(ua.lastPage, /data-step="logout_confirm"/);
    const confirm = /<form method="post" action="([^"]+)"/.exec(ua.lastPage)![1]!;
    const xsrf = /name="xsrf" value="([^"]*)"/.exec(ua.lastPage)![1]!;
    const landed = await ua.navigate(confirm, { form: { xsrf, logout: 'yes' } });
    assert.equal(landed, `${w.baseUrl}/admin/signed-out`);
    assert.match(ua.lastPage, /data-step="signed_out"/);
    // Someone else at this browser cannot sign in as the Global Administrator without the password.
    await ua.navigate(`${w.baseUrl}/admin/sign-in?${new URLSearchParams({ email: ga.upn })}`);
    assert.match(ua.lastPage, /id="password"/);
  });

  it('SPEC §13: Partner relationships filters active and expired (the clock moved past the end)', async () => {
    const now = w.clock.now();
    const short = await createRelationship(
      w.ctx.db,
      parties.partner.id,
      {
        displayName: 'One day only',
        duration: 'P1D',
        autoExtendDuration: 'PT0S',
        roleTemplateIds: [USER_ADMINISTRATOR],
        customerTenantId: parties.customer.id,
      },
      now,
    );
    const scope = { partnerTenantId: parties.partner.id };
    await applyEvent(
      w.ctx.db,
      scope,
      short.id,
      { event: 'lockForApproval', actor: 'partner' },
      w.clock.now(),
    );
    await applyEvent(
      w.ctx.db,
      { customerTenantId: parties.customer.id },
      short.id,
      { event: 'approve', actor: 'customer', approvedBy: adminId },
      w.clock.now(),
    );
    w.clock.advance(2 * 24 * 3600 * 1000);
    await runGdapClock(w.ctx.db, w.clock.now());
    assert.equal(await status(parties.partner.id, short.id), 'expired');

    const ua = await adminSignIn(w, Object.keys(w.demo.users).find((u) => w.demo.users[u]!.id === adminId)!);
    await ua.navigate(`${w.baseUrl}/admin/partners?status=expired`);
    assert.equal(ua.lastStatus, 200);
    assert.ok(ua.lastPage.includes(`data-relationship="${short.id}"`));
    await ua.navigate(`${w.baseUrl}/admin/partners?status=active`);
    assert.ok(!ua.lastPage.includes(`data-relationship="${short.id}"`));
    await ua.navigate(`${w.baseUrl}/admin/partners?status=all`);
    assert.ok(ua.lastPage.includes(`data-relationship="${short.id}"`));
    // An expired relationship offers no "Remove roles".
    await ua.navigate(`${w.baseUrl}/admin/partners/${short.id}`);
    assert.equal(ua.lastStatus, 200);
    assert.ok(!ua.lastPage.includes('data-testid="remove-roles"'));
  });
});
