import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { addTotpMethod, newTotpSecret } from '../src/authentication-methods/totp.ts';
import { createApplication } from '../src/directory/applications.ts';
import { createUser, findUserByUpn, type NewUser, updateUser } from '../src/directory/users.ts';
import { FLOW_STATES, type Flow, type FlowState } from '../src/sign-in/flow.ts';
import type { StepInput } from '../src/sign-in/step.ts';
import {
  ACTION_REFUSED,
  type Destination,
  dispatch,
  FLOW_ACTIONS,
  FLOW_ENDS,
  type FlowAction,
  isAllowed,
  TRANSITIONS,
  type TransitionTable,
} from '../src/sign-in/transitions.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, freshCode, relyingParty, startAuthorization, totpCode } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

const DESTINATIONS = new Set<string>([...FLOW_STATES, ...FLOW_ENDS]);
const isFlowState = (value: string): value is FlowState => (FLOW_STATES as readonly string[]).includes(value);
/** Names a form could post that are no action of the table, some of them keys every object inherits. */
const NOT_ACTIONS = ['', 'consent', 'PASSWORD', '__proto__', 'constructor', 'toString', 'hasOwnProperty'];

describe('Sign-in state machine: the table (STYLE 6)', () => {
  it('STYLE 6: the table is total — every state lists its actions, and every action runs one step wherever it is allowed', () => {
    assert.deepEqual(Object.keys(TRANSITIONS).sort(), [...FLOW_STATES].sort(), 'one row per state, no other');
    const listed = new Set<string>();
    for (const state of FLOW_STATES) {
      const actions = Object.keys(TRANSITIONS[state]);
      assert.ok(actions.length > 0, `${state} lists no action: the flow would be stuck there`);
      for (const action of actions) {
        assert.ok(
          (FLOW_ACTIONS as readonly string[]).includes(action),
          `${state} lists unknown action ${action}`,
        );
        listed.add(action);
      }
    }
    assert.deepEqual([...listed].sort(), [...FLOW_ACTIONS].sort(), 'every action is allowed somewhere');
    for (const action of FLOW_ACTIONS) {
      const steps = new Set(
        FLOW_STATES.flatMap((state) => {
          const transition = TRANSITIONS[state][action];
          return transition ? [transition.run] : [];
        }),
      );
      assert.equal(steps.size, 1, `${action} runs ${steps.size} different steps`);
      assert.equal(typeof [...steps][0], 'function');
    }
  });

  it('STYLE 6: the table is closed — steps lead only to states and ends of the flow; every state is reachable from credentials and can reach an end', () => {
    const next = new Map<string, Set<string>>();
    for (const state of FLOW_STATES) {
      const targets = new Set<string>();
      for (const [action, transition] of Object.entries(TRANSITIONS[state])) {
        assert.ok(transition.leadsTo.length > 0, `${state} --${action}--> leads nowhere`);
        for (const to of transition.leadsTo) {
          assert.ok(DESTINATIONS.has(to), `${state} --${action}--> ${to}: neither a state nor an end`);
          targets.add(to);
        }
      }
      next.set(state, targets);
    }
    const reach = (from: string): Set<string> => {
      const seen = new Set<string>([from]);
      const queue = [from];
      while (queue.length > 0) {
        for (const to of next.get(queue.shift()!) ?? []) {
          if (!seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        }
      }
      return seen;
    };
    assert.deepEqual(
      [...reach('credentials')].sort(),
      [...DESTINATIONS].sort(),
      'from credentials the table reaches every state and every end, and nothing else',
    );
    for (const state of FLOW_STATES) {
      const ends = [...reach(state)].filter((d) => (FLOW_ENDS as readonly string[]).includes(d));
      assert.ok(ends.length > 0, `${state} cannot end the flow`);
    }
    // Cancel means the same everywhere; the recovery codes have no way back once the method is saved.
    for (const state of FLOW_STATES) {
      const cancel = TRANSITIONS[state].cancel;
      if (cancel) assert.deepEqual(cancel.leadsTo, ['cancelled']);
    }
    assert.equal(isAllowed('recovery_codes', 'cancel'), false);
  });

  it('STYLE 6: isAllowed reads the table and nothing else: listed actions only, no inherited keys', () => {
    for (const state of FLOW_STATES) {
      for (const action of [...FLOW_ACTIONS, ...NOT_ACTIONS]) {
        assert.equal(
          isAllowed(state, action),
          Object.keys(TRANSITIONS[state]).includes(action),
          `${state} × ${JSON.stringify(action)}`,
        );
      }
    }
  });

  it('STYLE 6: dispatch fails closed on a step that leads where the table does not say, and leaves the state alone', async () => {
    const flow: Flow = {
      tenantId: 't',
      id: 'f',
      state: 'credentials',
      data: { csrf: 'c', proven: [], steps: [] },
      expiresAt: Number.MAX_SAFE_INTEGER,
    };
    // A table whose only step jumps past the second factor: the defect the guard exists for.
    const rogue: TransitionTable = {
      ...TRANSITIONS,
      credentials: {
        password: { run: async () => ({ kind: 'show', state: 'recovery_codes' }), leadsTo: ['credentials'] },
      },
    };
    const input = { flow, form: {} } as unknown as StepInput;
    await assert.rejects(dispatch(input, 'password', rogue), /credentials --password--> recovery_codes/);
    assert.equal(flow.state, 'credentials');
    assert.equal(await dispatch(input, 'cancel', rogue), undefined, 'not in this table: nothing runs');
    assert.equal(flow.state, 'credentials');
  });
});

describe('Sign-in state machine: the table against the pages (STYLE 6)', () => {
  let w: TestWarden;
  let passwordHash: string;
  let serial = 0;
  before(async () => {
    w = await startWarden();
    passwordHash = await hashPassword(w.demo.password);
  });
  after(() => w.stop());

  /** A user of its own for each scenario, so no test depends on another's changes. */
  async function makeUser(tenantKey: string, extra: Partial<NewUser> = {}): Promise<string> {
    const tenant = w.demo.tenants[tenantKey]!;
    serial += 1;
    const upn = `walker${serial}@${tenant.domain}`;
    await createUser(
      w.ctx.db,
      tenant.id,
      { userPrincipalName: upn, displayName: `Walker ${serial}`, passwordHash, ...extra },
      w.clock.now(),
    );
    return upn;
  }

  function interactionOf(ua: UserAgent): { tenantId: string; uid: string } {
    const match = /\/([^/]+)\/login\/([^/?#]+)/.exec(new URL(ua.lastUrl).pathname);
    assert.ok(match, `not on a sign-in page: ${ua.lastUrl}`);
    return { tenantId: match[1]!, uid: match[2]! };
  }

  async function storedFlow(ua: UserAgent): Promise<Flow> {
    const { tenantId, uid } = interactionOf(ua);
    const flow = await w.ctx.flows.load(tenantId, uid, w.clock.now());
    assert.ok(flow, 'the flow is stored');
    return flow;
  }

  /** Where a submitted form took the user: a page of Warden's, or back to the relying party. */
  function destinationAfter(ua: UserAgent, at: string): string {
    const url = new URL(at);
    if (url.origin !== new URL(w.baseUrl).origin) {
      if (url.searchParams.get('code')) return 'signed_in';
      if (url.searchParams.get('error') === 'access_denied') return 'cancelled';
      return `relying party with ${url.search}`;
    }
    return ua.step();
  }

  const STATUS: Record<string, number[]> = { blocked: [403], locked: [429] };

  /**
   * Drives one sign-in through real pages. Every form posted names an action the current page's
   * state allows, and every page reached must be one the table says that action leads to.
   */
  class Walk {
    readonly ua = new UserAgent();
    readonly seen: Map<string, number>;
    readonly probe: ((ua: UserAgent) => Promise<void>) | undefined;
    constructor(seen: Map<string, number>, probe?: (ua: UserAgent) => Promise<void>) {
      this.seen = seen;
      this.probe = probe;
    }

    async start(tenantKey = 'contoso', extra: Record<string, string> = {}): Promise<void> {
      await this.ua.navigate((await startAuthorization(w, tenantKey, extra)).url);
      assert.equal(this.ua.step(), 'credentials');
      await this.landed('credentials');
    }

    async act(action: FlowAction, values: Record<string, string>, expected: Destination): Promise<void> {
      const from = this.ua.step();
      assert.ok(isFlowState(from), `not on a page of the flow but on ${JSON.stringify(from)}`);
      assert.ok(
        isAllowed(from, action),
        `the page of ${from} offers ${action}, which the table does not list`,
      );
      const to = destinationAfter(this.ua, await this.ua.submit(action, values));
      assert.ok(
        TRANSITIONS[from][action]!.leadsTo.includes(to as Destination),
        `${from} --${action}--> ${to} is not in the table`,
      );
      assert.equal(to, expected, `${from} --${action}-->`);
      await this.landed(to);
    }

    async landed(to: string): Promise<void> {
      this.seen.set(to, (this.seen.get(to) ?? 0) + 1);
      if (!isFlowState(to) && to !== 'locked') return;
      assert.ok(
        (STATUS[to] ?? [200, 400]).includes(this.ua.lastStatus),
        `${to}: status ${this.ua.lastStatus}`,
      );
      if (!isFlowState(to) || to === 'blocked') return; // the flow ended there
      // The page is the state's, not the step's: shown again on its own, it is the same step.
      const again = new UserAgent();
      for (const [name, value] of this.ua.cookies) again.cookies.set(name, value);
      await again.navigate(this.ua.lastUrl);
      assert.equal(again.step(), to, `${to} shown again`);
      assert.equal((await storedFlow(this.ua)).state, to, 'the stored flow is in the state its page shows');
      await this.probe?.(this.ua);
    }

    /**
     * Issue 15 item 4: a new authorization in the same browser, whose authority session the new
     * flow may build on — it starts with the table's `session_second_factor` (interaction-routes.ts).
     */
    async startAgain(tenantKey: string, extra: Record<string, string>, expected: Destination): Promise<void> {
      await this.ua.navigate((await startAuthorization(w, tenantKey, extra)).url);
      const to = this.ua.step();
      assert.ok(
        TRANSITIONS.credentials.session_second_factor!.leadsTo.includes(to as Destination),
        `credentials --session_second_factor--> ${to} is not in the table`,
      );
      assert.equal(to, expected, 'credentials --session_second_factor-->');
      await this.landed(to);
    }

    /** The secret on the enrolment page, as an authenticator app would read it. */
    secret(): string {
      return /class="secret" aria-label="Secret key">([^<]+)</
        .exec(this.ua.lastPage)![1]!
        .replace(/\s+/g, '');
    }
  }

  /** A code that is not the authenticator's at this step (nor ±1 step, but for a 1-in-a-million clash). */
  function wrongCode(code: string): string {
    return String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
  }

  it('STYLE 6: every state of the table renders a page whose data-step is that state, reached only through transitions the table lists', async () => {
    const seen = new Map<string, number>();

    // No method yet, security defaults on: the offer, then registration, codes, signed in.
    const alice = await makeUser('contoso');
    const a = new Walk(seen);
    await a.start();
    await a.act('password', { username: alice, password: 'not-the-password' }, 'credentials');
    await a.act('password', { username: alice, password: w.demo.password }, 'register_offer');
    await a.act('begin_registration', {}, 'register_method');
    const seed = a.secret();
    await a.act('confirm_totp', { code: wrongCode(totpCode(w, seed)) }, 'register_method');
    await a.act('confirm_totp', { code: freshCode(w, seed) }, 'recovery_codes');
    const recovery = /<li><code>([a-z0-9-]+)<\/code><\/li>/.exec(a.ua.lastPage)![1]!;
    await a.act('continue', {}, 'signed_in');

    // With the method, and the relying party asking for MFA: the second factor, by code or by recovery code.
    const b = new Walk(seen);
    await b.start('contoso', { amr_values: 'mfa' });
    await b.act('password', { username: alice, password: w.demo.password }, 'second_factor');
    await b.act('totp', { code: wrongCode(freshCode(w, seed)) }, 'second_factor');
    await b.act('totp', { code: freshCode(w, seed) }, 'signed_in');
    const c = new Walk(seen);
    await c.start('contoso', { amr_values: 'mfa' });
    await c.act('password', { username: alice, password: w.demo.password }, 'second_factor');
    await c.act('recovery_code', { code: recovery }, 'signed_in');

    // SPEC §9: a temporary password is replaced first; then the policy's step as usual.
    const bob = await makeUser('contoso', { passwordChangeRequired: true });
    const d = new Walk(seen);
    await d.start();
    await d.act('password', { username: bob, password: w.demo.password }, 'change_password');
    await d.act(
      'change_password',
      { newPassword: 'Saffron-Harbor-77', confirmPassword: 'Saffron-Harbor-78' },
      'change_password',
    );
    await d.act(
      'change_password',
      { newPassword: 'Saffron-Harbor-77', confirmPassword: 'Saffron-Harbor-77' },
      'register_offer',
    );
    await d.act('skip_registration', {}, 'signed_in');

    // The temporary password was reset again meanwhile: back to the password.
    const carol = await makeUser('contoso', { passwordChangeRequired: true });
    const e = new Walk(seen);
    await e.start();
    await e.act('password', { username: carol, password: w.demo.password }, 'change_password');
    const carolUser = (await findUserByUpn(w.ctx.db, w.demo.tenants.contoso!.id, carol))!;
    await updateUser(w.ctx.db, carolUser.tenantId, carolUser.id, {
      password: { hash: await hashPassword('Another-Temporary-42'), changedAt: w.clock.now() },
    });
    await e.act(
      'change_password',
      { newPassword: 'Saffron-Harbor-77', confirmPassword: 'Saffron-Harbor-77' },
      'credentials',
    );

    // A privileged role under security defaults: registration at once, no offer.
    const sky = await makeUser('contoso', { directoryRoles: ['Security Administrator'] });
    const f = new Walk(seen);
    await f.start();
    await f.act('password', { username: sky, password: w.demo.password }, 'register_method');
    await f.act('cancel', {}, 'cancelled');

    // Two browsers register at once: the second must prove the method the first saved.
    const dora = await makeUser('contoso');
    const first = new Walk(seen);
    const second = new Walk(seen);
    for (const walk of [first, second]) {
      await walk.start();
      await walk.act('password', { username: dora, password: w.demo.password }, 'register_offer');
      await walk.act('begin_registration', {}, 'register_method');
    }
    await first.act('confirm_totp', { code: freshCode(w, first.secret()) }, 'recovery_codes');
    await second.act('confirm_totp', { code: freshCode(w, second.secret()) }, 'second_factor');

    // No policy asks anything (Fabrikam has security defaults off): signed in after the password.
    const erin = await makeUser('fabrikam');
    const g = new Walk(seen);
    await g.start('fabrikam');
    await g.act('password', { username: erin, password: w.demo.password }, 'signed_in');

    // Issue 15 item 4: that session proved the password; asked for MFA, a user without a method
    // registers, which is the whole sign-in — and one with a method is asked only the second factor.
    await g.startAgain('fabrikam', { amr_values: 'mfa' }, 'credentials');
    assert.match(g.ua.lastPage, /name="password"/);
    const fay = await makeUser('fabrikam');
    const j = new Walk(seen);
    await j.start('fabrikam');
    await j.act('password', { username: fay, password: w.demo.password }, 'signed_in');
    const faySeed = newTotpSecret();
    const fayUser = (await findUserByUpn(w.ctx.db, w.demo.tenants.fabrikam!.id, fay))!;
    await addTotpMethod(w.ctx.db, w.ctx.secrets, fayUser.tenantId, fayUser.id, faySeed, w.clock.now());
    await j.startAgain('fabrikam', { amr_values: 'mfa' }, 'second_factor');
    assert.doesNotMatch(j.ua.lastPage, /name="password"/, 'the password is not asked again');
    // Not the session's user at the browser: the whole sign-in, as whoever types their password.
    await j.act('use_another_account', {}, 'credentials');
    await j.act('password', { username: fay, password: w.demo.password }, 'second_factor');
    await j.act('totp', { code: freshCode(w, faySeed) }, 'signed_in');

    // A disabled account is blocked (AADSTS50057); an account under guessing is locked (50053).
    const frank = await makeUser('contoso', { accountEnabled: false });
    const h = new Walk(seen);
    await h.start();
    await h.act('password', { username: frank, password: w.demo.password }, 'blocked');
    assert.match(h.ua.lastPage, /AADSTS50057/);
    const gus = await makeUser('contoso');
    const i = new Walk(seen);
    await i.start();
    for (let attempt = 0; attempt < 5; attempt++) {
      await i.act('password', { username: gus, password: `wrong-${attempt}` }, 'credentials');
    }
    await i.act('password', { username: gus, password: w.demo.password }, 'locked');
    assert.match(i.ua.lastPage, /AADSTS50053/);

    assert.deepEqual(
      [...seen.keys()].filter(isFlowState).sort(),
      [...FLOW_STATES].sort(),
      'every state of the table was shown by its own page',
    );
    for (const end of FLOW_ENDS) assert.ok(seen.has(end), `the walk ended at least once as ${end}`);
  });

  it('STYLE 6: in every state, an action the table does not list for it is refused — 400 with the flow’s error, the same page, the flow and the sign-in log unchanged', async () => {
    const probed = new Set<FlowState>();
    /** From the page the user is on, posts every name its state does not allow, with the page's own CSRF token. */
    async function refuseTheRest(ua: UserAgent): Promise<void> {
      const state = ua.step() as FlowState;
      const allowed = Object.keys(TRANSITIONS[state]);
      const { url, fields } = ua.formFor(allowed[0]!);
      const { tenantId } = interactionOf(ua);
      const before = await storedFlow(ua);
      const logged = (await listSignIns(w.ctx.db, tenantId)).length;
      const { error: _, ...data } = before.data;
      const prober = new UserAgent();
      for (const [name, value] of ua.cookies) prober.cookies.set(name, value);
      const refused = [...FLOW_ACTIONS.filter((action) => !allowed.includes(action)), ...NOT_ACTIONS];
      for (const action of refused) {
        await prober.navigate(url, { form: { csrf: fields.csrf!, action } });
        const label = `${state} × ${JSON.stringify(action)}`;
        assert.equal(prober.lastStatus, 400, label);
        assert.equal(prober.step(), state, `${label}: the same page`);
        assert.ok(prober.lastPage.includes(ACTION_REFUSED), `${label}: the page says why`);
        const after = await storedFlow(ua);
        assert.equal(after.state, state, label);
        assert.equal(after.data.error, ACTION_REFUSED, `${label}: the flow's error`);
        const { error: __, ...unchanged } = after.data;
        assert.deepEqual(unchanged, data, `${label}: nothing else in the flow changed`);
      }
      assert.equal((await listSignIns(w.ctx.db, tenantId)).length, logged, `${state}: no sign-in log row`);
      probed.add(state);
    }

    const seen = new Map<string, number>();
    const henry = await makeUser('contoso', { passwordChangeRequired: true });
    const a = new Walk(seen, refuseTheRest);
    await a.start();
    await a.act('password', { username: henry, password: w.demo.password }, 'change_password');
    await a.act(
      'change_password',
      { newPassword: 'Saffron-Harbor-77', confirmPassword: 'Saffron-Harbor-77' },
      'register_offer',
    );
    await a.act('begin_registration', {}, 'register_method');
    const seed = a.secret();
    await a.act('confirm_totp', { code: freshCode(w, seed) }, 'recovery_codes');
    await a.act('continue', {}, 'signed_in');
    const b = new Walk(seen, refuseTheRest);
    await b.start('contoso', { amr_values: 'mfa' });
    await b.act('password', { username: henry, password: 'Saffron-Harbor-77' }, 'second_factor');
    await b.act('totp', { code: freshCode(w, seed) }, 'signed_in');

    assert.deepEqual(
      [...probed].sort(),
      FLOW_STATES.filter((state) => state !== 'blocked').sort(),
      'every state a flow can rest in was probed (blocked ends the flow at once)',
    );
  });

  it('STYLE 6: the pages around the flow say what they are too — consent, and the error pages', async () => {
    // A multi-tenant app of another partner asks the user's consent after the sign-in.
    await createApplication(w.ctx.db, w.ctx.secrets, w.demo.tenants.fabrikam!.id, {
      id: '8cf728db-f732-4054-b35c-baa82fbab5eb',
      displayName: 'Fabrikam state machine',
      clientType: 'public',
      redirectUris: ['http://localhost/'],
      multiTenant: true,
      allowedScopes: [],
    });
    const config = await relyingParty(w, 'contoso', '8cf728db-f732-4054-b35c-baa82fbab5eb');
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:53682/',
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const ivy = await makeUser('contoso');
    const ua = new UserAgent();
    await ua.navigate(url.toString());
    assert.equal(ua.step(), 'credentials');
    const at = await ua.submit('password', { username: ivy, password: w.demo.password });
    // SPEC §10: consent needs MFA; with no method, registration is required (no skip).
    assert.equal(ua.step(), 'register_method');
    await completeSecondStep(w, ua, { at, upn: ivy, mfa: true });
    assert.equal(ua.step(), 'consent');

    // The interaction's cookie is missing (another browser): the sign-in cannot go on.
    const stranger = new UserAgent();
    await stranger.navigate(ua.lastUrl);
    assert.equal(stranger.lastStatus, 400);
    assert.equal(stranger.step(), 'error');

    // A form that does not carry the flow's CSRF token.
    const start = new UserAgent();
    await start.navigate((await startAuthorization(w, 'contoso')).url);
    await start.navigate(start.lastUrl, { form: { csrf: 'forged', action: 'cancel' } });
    assert.equal(start.lastStatus, 403);
    assert.equal(start.step(), 'error');
  });
});
