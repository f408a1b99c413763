import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt } from 'jose';
import type { StoredSession } from '../src/cli/session/token-cache.ts';
import { type CliResult, CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

function cache(user: CliUser): { last: Record<string, string>; sessions: Record<string, StoredSession> } {
  return JSON.parse(readFileSync(user.cacheFile, 'utf8'));
}

function onlySession(user: CliUser): StoredSession {
  const sessions = Object.values(cache(user).sessions);
  assert.equal(sessions.length, 1);
  return sessions[0]!;
}

describe('CLI: the warden CLI against a running Warden', () => {
  let w: TestWarden;
  let jane: CliUser;
  let john: CliUser;
  let janeLogin: CliResult;
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    john = new CliUser(w.baseUrl);
    const logins = await Promise.all([
      deviceLogin(w, jane, 'jane@contoso.example', true),
      deviceLogin(w, john, 'john@fabrikam.example', false),
    ]);
    for (const result of logins) assert.equal(result.code, 0, result.stderr);
    janeLogin = logins[0];
  });
  after(async () => {
    jane?.cleanup();
    john?.cleanup();
    await w?.stop();
  });

  test('RFC 8628: Jane signs in by device code with her TOTP; the CLI says MFA verified', () => {
    assert.match(
      janeLogin.stdout,
      /^Signed in to contoso\.example as jane@contoso\.example \(amr: [^;]*mfa[^;]*; MFA verified\)\./,
    );
    assert.match(janeLogin.stderr, /Waiting for the sign-in to finish/);
    const session = onlySession(jane);
    assert.equal(session.tenantId, w.demo.tenants.contoso!.id);
    assert.equal(session.tenantName, 'contoso.example');
    assert.equal(session.user.upn, 'jane@contoso.example');
    assert.ok(session.amr.includes('mfa'));
  });

  test('STYLE 8: the token cache is mode 0600 in a 0700 directory', () => {
    assert.equal(statSync(jane.cacheDir).mode & 0o777, 0o700);
    assert.equal(statSync(jane.cacheFile).mode & 0o777, 0o600);
    assert.equal(typeof onlySession(jane).refreshToken, 'string');
  });

  test('SPEC §11 self-test: test-security-requirements prints pass for Jane (exit 0) and the API answers 200', async () => {
    const { code, stdout, stderr } = await jane.run(['test-security-requirements']);
    assert.equal(code, 0, stderr);
    assert.match(
      stdout,
      /^pass: the Partner API token of jane@contoso\.example carries the MFA proof \(amr \[[^\]]*mfa[^\]]*\]\)/,
    );
    assert.match(stdout, /Partner API: GET \/v1\/customers answered 200 OK\./);
  });

  test('SPEC §11 self-test: as John (Fabrikam, no MFA policy) it prints fail with the reason (exit 1) and the E2 401', async () => {
    const { code, stdout, stderr } = await john.run(['test-security-requirements']);
    assert.equal(code, 1, stderr);
    assert.match(
      stdout,
      /^fail: the token's amr is \[pwd\]: the sign-in was not challenged for MFA; turn on security defaults or a policy requiring MFA for every user \(SPEC R1\)\./,
    );
    assert.match(
      stdout,
      /Partner API: GET \/v1\/customers answered 401 Unauthorized - MFA required \(mfa_required\)\./,
    );
    const json = JSON.parse((await john.run(['test-security-requirements', '--json'])).stdout);
    assert.equal(json.result, 'fail');
    assert.deepEqual(json.amr, ['pwd']);
    assert.equal(json.api.status, 401);
  });

  test('CLI: whoami names the user, tenant, amr, MFA and token expiry, from the cache', async () => {
    const text = await jane.run(['whoami']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /User: +jane@contoso\.example \(Jane Doe\)/);
    assert.match(text.stdout, /MFA verified/);
    assert.match(text.stdout, /Token: +urn:warden:partner-api expires \S+ \(in \d+ min\)/);
    const json = JSON.parse((await john.run(['whoami', '--json'])).stdout);
    assert.equal(json.user, 'john@fabrikam.example');
    assert.equal(json.tenant, 'fabrikam.example');
    assert.deepEqual(json.amr, ['pwd']);
    assert.equal(json.mfa, false);
    assert.equal(json.refreshToken, 'cached');
    assert.equal(JSON.stringify(json).includes('eyJ'), false, 'whoami prints no token');
  });

  test('CLI: token decode --verify checks the cached Graph token against the issuer keys', async () => {
    const { code, stdout, stderr } = await jane.run([
      'token',
      'decode',
      '--resource',
      'graph',
      '--verify',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const decoded = JSON.parse(stdout);
    assert.equal(decoded.verified, true);
    assert.equal(decoded.claims.aud, 'urn:warden:graph');
    assert.equal(decoded.claims.iss, w.issuer('contoso'));
    assert.ok(decoded.claims.amr.includes('mfa'), 'SPEC §3: a refreshed token keeps the amr of the sign-in');
  });

  test('RFC 6749 §6: an access token about to expire is replaced by refreshing; the rotated refresh token is stored', async () => {
    const before = cache(jane);
    const key = Object.keys(before.sessions)[0]!;
    const oldRefresh = before.sessions[key]!.refreshToken;
    before.sessions[key]!.accessTokens['urn:warden:partner-api']!.expiresAt = Date.now() + 30_000;
    writeFileSync(jane.cacheFile, JSON.stringify(before));
    const { code, stderr } = await jane.run(['test-security-requirements']);
    assert.equal(code, 0, stderr);
    const afterwards = cache(jane).sessions[key]!;
    assert.notEqual(afterwards.refreshToken, oldRefresh, 'RFC 9700 §4.14.2: the refresh token rotated');
    assert.ok(afterwards.accessTokens['urn:warden:partner-api']!.expiresAt > Date.now() + 30 * 60_000);
    assert.equal(statSync(jane.cacheFile).mode & 0o777, 0o600, 'the rewritten cache is 0600 again');
  });

  test('CLI: a refresh waits for another warden process holding the cache lock, then uses what it stored', async () => {
    // Refresh tokens rotate and a replayed one revokes the chain (RFC 9700 §4.14.2): two processes
    // must not refresh with the same token. This one finds the lock taken, waits, and re-reads.
    const fresh = readFileSync(jane.cacheFile, 'utf8');
    const stale = JSON.parse(fresh) as ReturnType<typeof cache>;
    const session = Object.values(stale.sessions)[0]!;
    for (const token of Object.values(session.accessTokens)) token.expiresAt = 0;
    writeFileSync(jane.cacheFile, JSON.stringify(stale));
    const lock = join(jane.cacheDir, 'tokens.lock');
    writeFileSync(lock, '');
    const waiting = jane.start(['users', 'list', '--json']);
    await waiting.waitForStderr(/Another warden process is refreshing the tokens; waiting/);
    // "The other process" finishes: valid tokens in the cache, lock released.
    writeFileSync(jane.cacheFile, fresh);
    rmSync(lock);
    const result = await waiting.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.equal(
      onlySession(jane).refreshToken,
      session.refreshToken,
      'no second refresh with the same token',
    );
  });

  test('CLI: users list --json as Jane lists the Contoso users (Graph, all pages)', async () => {
    const { code, stdout, stderr } = await jane.run(['users', 'list', '--json']);
    assert.equal(code, 0, stderr);
    const upns = (JSON.parse(stdout) as { userPrincipalName: string }[])
      .map((u) => u.userPrincipalName)
      .sort();
    assert.deepEqual(upns, [
      'bill@contoso.example',
      'hal@contoso.example',
      'jane@contoso.example',
      'sam@contoso.example',
      'sky@contoso.example',
    ]);
  });

  test('SPEC §5 via the CLI: security-defaults show as Jane: Contoso has them on', async () => {
    const text = await jane.run(['security-defaults', 'show']);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^Security defaults are ON/);
    const json = JSON.parse((await jane.run(['security-defaults', 'show', '--json'])).stdout);
    assert.equal(json.isEnabled, true);
  });

  test('CLI: a Graph refusal prints its code, message and request id; John without MFA is told to sign in with MFA (exit 3)', async () => {
    const { code, stderr } = await john.run(['users', 'list']);
    assert.equal(code, 3, stderr);
    assert.match(stderr, /Authentication_MfaRequired: .+ \(request-id [\w-]+\)/);
    assert.match(stderr, /Run: warden login --tenant fabrikam\.example( --server \S+)? --mfa/);
  });

  test('SPEC §11 via the CLI: signins --format csv as Jane: a header and her device-code sign-in, properly quoted', async () => {
    const { code, stdout, stderr } = await jane.run([
      'signins',
      '--format',
      'csv',
      '--user',
      'jane@contoso.example',
      '--since',
      '1d',
    ]);
    assert.equal(code, 0, stderr);
    const lines = stdout.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'createdDateTime,userPrincipalName,userId,appId,appDisplayName,ipAddress,clientAppUsed,isInteractive,errorCode,failureReason,authenticationRequirement,correlationId,id',
    );
    assert.ok(lines.length >= 2, stdout);
    for (const line of lines.slice(1)) assert.match(line, /^\d{4}-\d{2}-\d{2}T[^,]+,jane@contoso\.example,/);
  });

  test('RFC 7009: logout revokes and removes the session; the cache file keeps no token', async () => {
    const session = onlySession(john);
    assert.ok(session.refreshToken);
    const { code, stdout } = await john.run(['logout']);
    assert.equal(code, 0);
    assert.match(stdout, /Signed out of fabrikam\.example \(john@fabrikam\.example\)/);
    const text = readFileSync(john.cacheFile, 'utf8');
    assert.equal(text.includes(session.refreshToken!), false);
    for (const t of Object.values(session.accessTokens)) assert.equal(text.includes(t.token), false);
    assert.doesNotMatch(text, /eyJ|refreshToken|accessTokens/);
    assert.equal(statSync(john.cacheFile).mode & 0o777, 0o600);
    const again = await john.run(['whoami']);
    assert.equal(again.code, 3);
    assert.match(again.stderr, /Not signed in/);
  });

  test('RFC 8252: login without --device-code returns through a loopback listener (PKCE); the browser shows "Signed in"', async () => {
    const user = new CliUser(w.baseUrl);
    try {
      const login = user.start(['login', '--tenant', 'contoso.example', '--no-browser', '--json']);
      const [, url] = await login.waitForStderr(/open this URL in a browser:\n(\S+)\n/);
      const authorize = new URL(url!);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.match(authorize.searchParams.get('redirect_uri')!, /^http:\/\/localhost:\d+\/$/);
      const ua = new UserAgent();
      await ua.navigate(url!);
      const at = await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
      const { at: callback } = await completeSecondStep(w, ua, {
        at,
        upn: 'jane@contoso.example',
        mfa: true,
      });
      assert.match(callback, /^http:\/\/localhost:\d+\/\?code=/);
      const page = await fetch(callback.replace('localhost', '127.0.0.1'));
      assert.match(await page.text(), /Signed in/);
      const result = await login.exited;
      assert.equal(result.code, 0, result.stderr);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.user, 'jane@contoso.example');
      assert.equal(summary.mfa, true);
      const token = onlySession(user).accessTokens['urn:warden:partner-api']!.token;
      assert.ok((decodeJwt(token).amr as string[]).includes('mfa'));
    } finally {
      user.cleanup();
    }
  });

  test('CLI: login and logout write the token cache under its lock on a fresh read, keeping what another warden process stored meanwhile', async () => {
    const user = new CliUser(w.baseUrl);
    // Another tenant's session, as another warden process keeps it; only its refresh token changes.
    const other = (refreshToken: string): StoredSession => ({
      server: w.baseUrl,
      tenantId: 'other-tenant',
      tenantName: 'other.example',
      issuer: `${w.baseUrl}/other-tenant/v2.0`,
      clientId: 'warden-cli',
      user: { oid: 'other-oid', upn: 'someone@other.example' },
      amr: ['pwd'],
      refreshToken,
      accessTokens: {},
      signedInAt: 0,
    });
    const withOther = (refreshToken: string) => {
      const data = existsSync(user.cacheFile) ? cache(user) : { last: {}, sessions: {} };
      data.sessions[`${w.baseUrl} other-tenant`] = other(refreshToken);
      writeFileSync(user.cacheFile, JSON.stringify({ version: 1, ...data }), { mode: 0o600 });
    };
    const otherToken = () => cache(user).sessions[`${w.baseUrl} other-tenant`]?.refreshToken;
    try {
      mkdirSync(user.cacheDir, { recursive: true, mode: 0o700 });
      withOther('other-rt-1');
      // The login reads the cache at start, then waits for the browser; meanwhile the other
      // process rotates its refresh token.
      const login = user.start(['login', '--tenant', 'contoso.example', '--no-browser']);
      const [, url] = await login.waitForStderr(/open this URL in a browser:\n(\S+)\n/);
      withOther('other-rt-2');
      const ua = new UserAgent();
      await ua.navigate(url!);
      const at = await ua.submit('password', { username: 'jane@contoso.example', password: w.demo.password });
      const { at: callback } = await completeSecondStep(w, ua, {
        at,
        upn: 'jane@contoso.example',
        mfa: true,
      });
      await fetch(callback.replace('localhost', '127.0.0.1'));
      const login2 = await login.exited;
      assert.equal(login2.code, 0, login2.stderr);
      assert.equal(otherToken(), 'other-rt-2', 'login kept the rotated refresh token of the other tenant');
      assert.ok(cache(user).sessions[`${w.baseUrl} ${w.demo.tenants.contoso!.id}`]?.refreshToken);

      // Logout waits while another process holds the lock, then removes only its session from
      // what that process stored.
      const lock = join(user.cacheDir, 'tokens.lock');
      writeFileSync(lock, '');
      const logout = user.start(['logout', '--tenant', 'contoso.example']);
      await logout.waitForStderr(/Another warden process is using the token cache; waiting/);
      withOther('other-rt-3');
      rmSync(lock);
      const out = await logout.exited;
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /Signed out of contoso\.example/);
      assert.equal(otherToken(), 'other-rt-3', 'logout kept the rotated refresh token of the other tenant');
      assert.deepEqual(Object.keys(cache(user).sessions), [`${w.baseUrl} other-tenant`]);
    } finally {
      user.cleanup();
    }
  });
});
