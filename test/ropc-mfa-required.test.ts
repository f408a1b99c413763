import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  InteractionRequiredAuthError,
  LogLevel,
  ProtocolMode,
  PublicClientApplication,
} from '@azure/msal-node';
import { decodeJwt } from 'jose';
import { isGuid } from '../src/guid.ts';
import { MFA_ACR } from '../src/policy/acr.ts';
import { listSignIns } from '../src/sign-in-logs/sign-in-log.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, PARTNER_SCOPE, redeem, signIn, startAuthorization } from './support/oidc.ts';
import { makeUser } from './support/users.ts';

/**
 * SPEC E3: non-interactive user authentication (the resource owner password credentials grant,
 * RFC 6749 §4.3) cannot satisfy MFA and fails as Entra's AADSTS50076 does, at every authority, for
 * members, guests and partner users alike; it never issues a token.
 */
describe('SPEC E3, RFC 6749 §4.3: the password grant answers AADSTS50076 and never issues a token', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden({ tls: true });
  });
  after(() => w.stop());

  interface Answer {
    status: number;
    headers: Headers;
    body: Record<string, unknown>;
  }

  async function passwordGrant(
    authority: string,
    form: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const res = await fetch(`${w.baseUrl}/${authority}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ grant_type: 'password', scope: PARTNER_SCOPE, ...form }),
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  }

  function assertMfaRequired(answer: Answer): void {
    const { status, headers, body } = answer;
    assert.equal(status, 400, JSON.stringify(body));
    assert.equal(body.error, 'invalid_grant');
    assert.match(String(body.error_description), /^AADSTS50076: /);
    assert.match(String(body.error_description), /multi-factor authentication/i);
    assert.deepEqual(body.error_codes, [50076]);
    assert.match(String(body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
    assert.ok(isGuid(body.trace_id), String(body.trace_id));
    assert.ok(isGuid(body.correlation_id), String(body.correlation_id));
    assert.equal(body.suberror, 'basic_action');
    assertEssentialMfaAcr(String(body.claims));
    for (const field of ['access_token', 'refresh_token', 'id_token', 'token_type'])
      assert.equal(body[field], undefined, `no ${field} in the answer`);
    assert.equal(headers.get('cache-control'), 'no-store');
  }

  /** The claims challenge asks for Warden's MFA acr as essential, where Entra and where OIDC Core put it. */
  function assertEssentialMfaAcr(challenge: string): void {
    const claims = JSON.parse(challenge) as Record<string, { acr?: unknown }>;
    const essentialMfa = { essential: true, values: [MFA_ACR] };
    assert.deepEqual(claims.access_token?.acr, essentialMfa);
    assert.deepEqual(claims.id_token?.acr, essentialMfa);
  }

  /** The answer without what is new on every request (ids; the clock is frozen). */
  function invariant(body: Record<string, unknown>): Record<string, unknown> {
    const { trace_id: _t, correlation_id: _c, ...rest } = body;
    return {
      ...rest,
      error_description: String(body.error_description)
        .replaceAll(String(body.trace_id), '<trace>')
        .replaceAll(String(body.correlation_id), '<correlation>'),
    };
  }

  async function rowsFor(tenantKey: string, userId: string) {
    return (await listSignIns(w.ctx.db, w.demo.tenants[tenantKey]!.id, { userId })).filter(
      (row) => row.status.errorCode === 50076,
    );
  }

  test('SPEC E3: a partner tenant member (Jane, right password) gets AADSTS50076 with the claims challenge; the sign-in log has a non-interactive 50076 row', async () => {
    const jane = w.demo.users['jane@contoso.example']!;
    const requestId = randomUUID();
    const answer = await passwordGrant(
      'contoso.example',
      { client_id: 'warden-cli', username: 'jane@contoso.example', password: w.demo.password },
      { 'client-request-id': requestId },
    );
    assertMfaRequired(answer);
    assert.equal(
      answer.body.correlation_id,
      requestId,
      'the client-request-id is echoed as the correlation id',
    );
    const rows = await rowsFor('contoso', jane.id);
    assert.equal(rows.length, 1);
    const row = rows[0]!;
    assert.equal(row.isInteractive, false);
    assert.equal(row.appId, w.demo.clients['warden-cli']!.clientId);
    assert.equal(row.userPrincipalName, 'jane@contoso.example');
    assert.equal(row.resourceTenantId, w.demo.tenants.contoso!.id);
    assert.equal(row.homeTenantId, w.demo.tenants.contoso!.id);
    assert.equal(row.clientAppUsed, 'Mobile Apps and Desktop clients');
    assert.equal(row.authenticationRequirement, 'multiFactorAuthentication');
    assert.equal(row.correlationId, requestId);
    assert.deepEqual(
      row.authenticationDetails.map((s) => [s.authenticationMethod, s.succeeded]),
      [['Password', false]],
      'the password is never checked, so no step is recorded as passed',
    );
  });

  test('SPEC E3: a member of a tenant with no MFA policy (John of Fabrikam) gets AADSTS50076 too', async () => {
    const john = w.demo.users['john@fabrikam.example']!;
    assertMfaRequired(
      await passwordGrant('fabrikam.example', {
        client_id: 'warden-cli',
        username: 'john@fabrikam.example',
        password: w.demo.password,
      }),
    );
    assert.equal((await rowsFor('fabrikam', john.id)).length, 1);
  });

  test('SPEC E3: a customer tenant member and a guest get AADSTS50076', async () => {
    const member = await makeUser(w, { tenant: 'northwind', name: 'ropcmember' });
    const guest = await makeUser(w, { tenant: 'northwind', name: 'ropcguest', userType: 'guest' });
    for (const user of [member, guest]) {
      assertMfaRequired(
        await passwordGrant('northwind.example', {
          client_id: 'warden-cli',
          username: user.upn,
          password: user.password,
        }),
      );
      const rows = await rowsFor('northwind', user.id);
      assert.equal(rows.length, 1, user.upn);
      assert.equal(rows[0]!.isInteractive, false);
    }
  });

  test("SPEC E3: a partner user at a customer's authority (Jane at northwind.example) gets AADSTS50076; the row is the customer's, with the partner as home tenant", async () => {
    const jane = w.demo.users['jane@contoso.example']!;
    assertMfaRequired(
      await passwordGrant(w.demo.tenants.northwind!.id, {
        client_id: 'warden-cli',
        username: 'jane@contoso.example',
        password: w.demo.password,
      }),
    );
    const rows = await rowsFor('northwind', jane.id);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.homeTenantId, w.demo.tenants.contoso!.id);
    assert.equal(rows[0]!.resourceTenantId, w.demo.tenants.northwind!.id);
    assert.equal(rows[0]!.userDisplayName, 'Jane Doe');
    assert.equal(rows[0]!.isInteractive, false);
  });

  test('SPEC E3: a wrong password, an unknown user and a disabled account get the same answer as the right password (no oracle)', async () => {
    const disabled = await makeUser(w, { tenant: 'contoso', name: 'ropcdisabled', accountEnabled: false });
    const ask = (username: string, password: string) =>
      passwordGrant('contoso.example', { client_id: 'warden-cli', username, password });
    const janeId = w.demo.users['jane@contoso.example']!.id;
    const janeRowsBefore = (await rowsFor('contoso', janeId)).length;
    const right = await ask('jane@contoso.example', w.demo.password);
    const answers = [
      await ask('jane@contoso.example', 'not-the-password'),
      await ask('nobody-here@contoso.example', w.demo.password),
      await ask(disabled.upn, disabled.password),
      await ask('', ''),
    ];
    for (const answer of answers) {
      assertMfaRequired(answer);
      assert.deepEqual(invariant(answer.body), invariant(right.body));
    }
    // Logged against the account named, whatever the password; an unknown name under the name typed.
    assert.equal((await rowsFor('contoso', janeId)).length, janeRowsBefore + 2);
    assert.equal((await rowsFor('contoso', disabled.id)).length, 1);
  });

  test('SPEC E3: an unknown name costs the same work as a known one — a 50076 row under the name typed, no user, no home tenant — so not even the time of the answer tells whether the account exists', async () => {
    const contosoId = w.demo.tenants.contoso!.id;
    const typed = (upn: string) =>
      listSignIns(w.ctx.db, contosoId).then((rows) => rows.filter((row) => row.userPrincipalName === upn));
    for (const username of [
      'Nobody-Else@Contoso.example ',
      'stranger@fabrikam.example',
      'ghost@northwind.example',
    ]) {
      assertMfaRequired(
        await passwordGrant('contoso.example', { client_id: 'warden-cli', username, password: 'x' }),
      );
      const rows = await typed(username.trim().toLowerCase());
      assert.equal(rows.length, 1, username);
      assert.equal(rows[0]!.status.errorCode, 50076);
      assert.equal(rows[0]!.userId, null);
      assert.equal(rows[0]!.homeTenantId, null);
      assert.equal(rows[0]!.isInteractive, false);
    }
    // No name at all: nothing to learn and nobody to log.
    const before = (await listSignIns(w.ctx.db, contosoId)).length;
    assertMfaRequired(await passwordGrant('contoso.example', { client_id: 'warden-cli', password: 'x' }));
    assert.equal((await listSignIns(w.ctx.db, contosoId)).length, before);
  });

  test('SPEC E3: the client is authenticated first: an unknown client or a wrong secret gets invalid_client, and no row', async () => {
    const before = (await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id)).length;
    const unknown = await passwordGrant('contoso.example', {
      client_id: 'no-such-client',
      username: 'jane@contoso.example',
      password: w.demo.password,
    });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error, 'invalid_client');
    const wrongSecret = await passwordGrant('contoso.example', {
      client_id: 'contoso-automation',
      client_secret: 'not-the-secret',
      username: 'jane@contoso.example',
      password: w.demo.password,
    });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    assert.equal((await listSignIns(w.ctx.db, w.demo.tenants.contoso!.id)).length, before);
    // A confidential client that authenticates gets the same 50076 as a public one.
    assertMfaRequired(
      await passwordGrant('contoso.example', {
        client_id: 'contoso-automation',
        client_secret: w.demo.clients['contoso-automation']!.clientSecret!,
        username: 'jane@contoso.example',
        password: w.demo.password,
      }),
    );
  });

  test('RFC 6749 §5.2: a grant Warden does not offer is still unsupported_grant_type; only the password grant is answered 50076', async () => {
    const res = await fetch(`${w.baseUrl}/contoso.example/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:saml2-bearer',
        client_id: 'warden-cli',
        assertion: 'x',
      }),
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.error, 'unsupported_grant_type');
    assert.equal(body.error_codes, undefined);
  });

  test('RFC 8414 §2: discovery does not advertise the password grant', async () => {
    for (const tenant of ['contoso.example', 'northwind.example']) {
      const res = await fetch(`${w.baseUrl}/${tenant}/v2.0/.well-known/openid-configuration`);
      const metadata = (await res.json()) as { grant_types_supported: string[] };
      assert.ok(metadata.grant_types_supported.includes('authorization_code'));
      assert.ok(!metadata.grant_types_supported.includes('password'), JSON.stringify(metadata));
    }
  });

  test('RFC 9470, OIDC Core §5.5.1.1: the claims challenge handed back to the authorization endpoint gets an interactive sign-in with MFA', async () => {
    const refused = await passwordGrant('fabrikam.example', {
      client_id: 'warden-cli',
      username: 'john@fabrikam.example',
      password: w.demo.password,
    });
    const start = await startAuthorization(w, 'fabrikam', { claims: String(refused.body.claims) });
    const { ua, callback } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    assert.ok(!callback.includes('code='), 'the password alone does not finish the sign-in');
    const { at } = await completeSecondStep(w, ua, { at: callback, upn: 'john@fabrikam.example', mfa: true });
    const tokens = await redeem(start, at);
    assert.ok((decodeJwt(tokens.access_token).amr as string[]).includes('mfa'));
  });

  test('Interop: MSAL Node acquireTokenByUsernamePassword throws InteractionRequiredAuthError carrying 50076 and the claims', async () => {
    const app = new PublicClientApplication({
      auth: {
        clientId: 'warden-cli',
        authority: `${w.baseUrl}/contoso.example`,
        knownAuthorities: [new URL(w.baseUrl).host],
      },
      system: {
        protocolMode: ProtocolMode.OIDC,
        loggerOptions: { logLevel: LogLevel.Error, piiLoggingEnabled: false, loggerCallback: () => {} },
      },
    });
    const correlationId = randomUUID();
    await assert.rejects(
      app.acquireTokenByUsernamePassword({
        scopes: ['urn:warden:partner-api/user_impersonation'],
        username: 'jane@contoso.example',
        password: w.demo.password,
        correlationId,
      }),
      (err: unknown) => {
        assert.ok(err instanceof InteractionRequiredAuthError, String(err));
        assert.equal(err.errorCode, 'invalid_grant');
        assert.equal(err.subError, 'basic_action');
        assert.match(err.errorMessage, /^AADSTS50076: /);
        assertEssentialMfaAcr(err.claims);
        return true;
      },
    );
  });
});
