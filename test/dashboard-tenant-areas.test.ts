import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { installPageGate, type PageDeclaration } from '../src/dashboard/guard.ts';
import { DASHBOARD_PAGES } from '../src/dashboard/index.ts';
import type { SignInDeps } from '../src/dashboard/sign-in.ts';
import { type AccessArea, AREA_TENANT_KIND } from '../src/partner-center/access.ts';
import { DashboardSessions } from '../src/relying-party/sessions.ts';
import { readProgramSettings } from '../src/technical-exceptions/program-settings.ts';
import { dashboardSignIn } from './support/dashboard.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { routesOf } from './support/routes.ts';
import { makePartner } from './support/security-score.ts';
import type { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

/**
 * The security review's finding 1: the operator-only rule of the program pages (and the partner-only
 * rule of a partner's own requirements and exceptions) is THE dashboard gate's, taken before any
 * handler runs, for every page of those areas — enumerated from the registered routes.
 */

interface Page {
  method: string;
  url: string;
  declaration: PageDeclaration;
}

const GUID = '00000000-0000-4000-8000-000000000e01';
const csrfOf = (page: string) => /name="csrf" value="([^"]+)"/.exec(page)![1]!;
const cookieOf = (ua: UserAgent) => [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, GUID);

let w: TestWarden;
let pages: Page[];
let partnerAdmin: UserAgent; // a partner's Global admin and Security admin, with MFA
let operatorAdmin: UserAgent; // the operator's Global admin, with MFA

/** Every dashboard page with its declaration, seen through onRoute on a fresh instance. */
async function declaredPages(): Promise<Page[]> {
  const found: Page[] = [];
  const fresh = Fastify();
  fresh.addHook('onRoute', (route) => {
    const declaration = route.config?.dashboardPage;
    if (!declaration) return;
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') found.push({ method, url: route.url, declaration });
    }
  });
  for (const register of DASHBOARD_PAGES) register(fresh, w.ctx);
  await fresh.ready();
  await fresh.close();
  return found;
}

/**
 * THE gate before stand-in handlers that answer 200 for every page of `area`: whatever is
 * refused here was refused before a handler ran.
 */
async function probe(area: AccessArea): Promise<FastifyInstance> {
  const deps: SignInDeps = {
    ctx: w.ctx,
    sessions: new DashboardSessions(w.ctx.db),
    get rp(): never {
      throw new Error('no step-up expected: the sessions have the MFA proof');
    },
    ready: async () => true,
  };
  const app = Fastify();
  await app.register(async (gated) => {
    installPageGate(gated, deps);
    for (const page of pages.filter((p) => p.declaration.area === area)) {
      gated.route({
        method: page.method as 'GET' | 'POST',
        url: page.url,
        config: { dashboardPage: page.declaration },
        handler: async () => ({ handlerRan: true }),
      });
    }
  });
  await app.ready();
  return app;
}

before(async () => {
  w = await startWarden();
  pages = await declaredPages();
  const partner = await makePartner(w, 'kinds');
  const admin = await makeUser(w, {
    tenant: partner.key,
    name: 'ga',
    roles: ['Global Administrator', 'Security Administrator'],
    groups: ['AdminAgents'],
    totp: true,
  });
  ({ ua: partnerAdmin } = await dashboardSignIn(w, admin.upn, { mfa: true }));
  const op = await makeUser(w, {
    tenant: 'operator',
    name: 'opga',
    roles: ['Global Administrator', 'Security Administrator'],
    totp: true,
  });
  ({ ua: operatorAdmin } = await dashboardSignIn(w, op.upn, { mfa: true }));
});
after(() => w.stop());

describe('Security review finding 1: areas of one kind of tenant are the dashboard gate’s', () => {
  it('the program area is the operator’s; a partner’s requirements and exceptions are partners’', () => {
    assert.deepEqual(AREA_TENANT_KIND, {
      program: 'operator',
      'security-requirements': 'partner',
      'technical-exceptions': 'partner',
    });
  });

  it('every registered /dashboard/program/ route is a page of area program (none escapes the rule)', () => {
    const served = routesOf(w.app).filter((r) => r.split(' ')[1]!.startsWith('/dashboard/program/'));
    const program = pages.filter((p) => p.declaration.area === 'program').map((p) => `${p.method} ${p.url}`);
    assert.ok(served.length >= 6, served.join('\n'));
    assert.deepEqual([...program].sort(), [...served].sort());
  });

  it('ACCESS program: a partner’s Global admin with MFA gets 403 on every program page, before its handler runs', async () => {
    const app = await probe('program');
    try {
      const program = pages.filter((p) => p.declaration.area === 'program');
      assert.ok(program.length >= 6);
      const partnerCookie = cookieOf(partnerAdmin);
      const operatorCookie = cookieOf(operatorAdmin);
      const csrfOfCookie = async (ua: UserAgent) => {
        await ua.navigate(`${w.baseUrl}/dashboard`);
        return csrfOf(ua.lastPage);
      };
      const partnerCsrf = await csrfOfCookie(partnerAdmin);
      const operatorCsrf = await csrfOfCookie(operatorAdmin);
      for (const page of program) {
        const send = (cookie: string, csrf: string) =>
          app.inject({
            method: page.method as 'GET' | 'POST',
            url: concrete(page.url),
            headers: { cookie },
            ...(page.method === 'POST' ? { payload: { csrf } } : {}),
          });
        const refused = await send(partnerCookie, partnerCsrf);
        assert.equal(refused.statusCode, 403, `${page.method} ${page.url}`);
        assert.doesNotMatch(refused.body, /handlerRan/, `${page.method} ${page.url}`);
        assert.match(refused.body, /data-testid="forbidden-tenant">This page is the program operator’s/);
        // The same gate lets the operator's admin through to the handler.
        const admitted = await send(operatorCookie, operatorCsrf);
        assert.equal(admitted.statusCode, 200, `${page.method} ${page.url}: ${admitted.body.slice(0, 200)}`);
        assert.match(admitted.body, /handlerRan/);
      }
    } finally {
      await app.close();
    }
  });

  it('ACCESS program: the real program pages refuse the partner’s Global admin, forms with its own CSRF token included, and change nothing', async () => {
    const before = await readProgramSettings(w.ctx.db);
    await partnerAdmin.navigate(`${w.baseUrl}/dashboard`);
    const csrf = csrfOf(partnerAdmin.lastPage);
    for (const page of pages.filter((p) => p.declaration.area === 'program')) {
      const url = `${w.baseUrl}${concrete(page.url)}`;
      const response =
        page.method === 'POST'
          ? await partnerAdmin.request(url, {
              form: { csrf, technicalExceptionsAccepted: 'true', reason: 'x', endDate: '2099-01-01' },
            })
          : await partnerAdmin.request(url);
      assert.equal(response.status, 403, `${page.method} ${page.url}`);
      assert.match(await response.text(), /data-testid="forbidden-tenant"/);
    }
    assert.deepEqual(await readProgramSettings(w.ctx.db), before, 'the settings form changed nothing');
  });

  it('SPEC §11, §12: the operator’s admin gets 403 on every page of a partner’s own areas, before its handler runs', async () => {
    const cookie = cookieOf(operatorAdmin);
    await operatorAdmin.navigate(`${w.baseUrl}/dashboard`);
    const csrf = csrfOf(operatorAdmin.lastPage);
    for (const area of ['security-requirements', 'technical-exceptions'] as const) {
      const own = pages.filter((p) => p.declaration.area === area);
      assert.ok(own.length >= 1, area);
      const app = await probe(area);
      try {
        for (const page of own) {
          const refused = await app.inject({
            method: page.method as 'GET' | 'POST',
            url: concrete(page.url),
            headers: { cookie },
            ...(page.method === 'POST' ? { payload: { csrf } } : {}),
          });
          assert.equal(refused.statusCode, 403, `${page.method} ${page.url}`);
          assert.doesNotMatch(refused.body, /handlerRan/);
          assert.match(refused.body, /data-testid="forbidden-tenant">This page is a partner tenant’s own/);
          assert.match(refused.body, /href="\/dashboard\/program\/security"/);
        }
      } finally {
        await app.close();
      }
    }
  });

  it('the menu follows the same rule: program pages for the operator, a partner’s own pages for partners', async () => {
    await operatorAdmin.navigate(`${w.baseUrl}/dashboard`);
    assert.match(operatorAdmin.lastPage, /href="\/dashboard\/program\/exceptions"/);
    assert.doesNotMatch(operatorAdmin.lastPage, /href="\/dashboard\/security\/requirements"/);
    assert.doesNotMatch(operatorAdmin.lastPage, /href="\/dashboard\/technical-exceptions"/);
    await partnerAdmin.navigate(`${w.baseUrl}/dashboard`);
    assert.doesNotMatch(partnerAdmin.lastPage, /href="\/dashboard\/program\//);
    assert.match(partnerAdmin.lastPage, /href="\/dashboard\/security\/requirements"/);
  });
});
