import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { redemptionFailure } from '../src/cli/sam/failures.ts';
import { type SamChain, samFile } from '../src/cli/sam/store.ts';
import type { Authority } from '../src/cli/session/authority.ts';
import { GRAPH_API, PARTNER_API } from '../src/tokens/audiences.ts';
import { type CliResult, CliUser } from './support/cli.ts';
import { tenantUrl } from './support/device.ts';
import { graphToken } from './support/graph.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, verifyWithJwks } from './support/oidc.ts';
import { startTravel } from './support/sam.ts';
import { callApi } from './support/tokens.ts';
import { UserAgent } from './support/user-agent.ts';

const JANE = 'jane@contoso.example';
const DAY = 86_400_000;

// biome-ignore lint/suspicious/noExplicitAny: tests read response fields freely
type Json = any;

/**
 * `warden sam consent` as the integration user does it: the CLI prints the authorization URL, the
 * user signs in there (password, then TOTP at the harness clock), and the browser lands on the
 * CLI's loopback listener with the code.
 */
async function consent(
  w: TestWarden,
  user: CliUser,
  args: string[] = [],
): Promise<{ result: CliResult; authorize: URL }> {
  const clientId = w.demo.clients['contoso-sam']!.clientId;
  const cli = user.start([
    'sam',
    'consent',
    '--client-id',
    clientId,
    '--tenant',
    'contoso.example',
    '--no-browser',
    ...args,
  ]);
  const [, url] = await cli.waitForStderr(/open this URL in a browser:\n(\S+)\n/);
  const ua = new UserAgent();
  await ua.navigate(url!);
  const password = await ua.submit('password', { username: JANE, password: w.demo.password });
  let { at } = await completeSecondStep(w, ua, { at: password, upn: JANE, mfa: true });
  if (ua.step() === 'consent') at = await ua.submit('consent');
  assert.match(at, /^http:\/\/localhost:\d+\/\?code=/, ua.lastPage.slice(0, 1500));
  await fetch(at.replace('localhost', '127.0.0.1'));
  return { result: await cli.exited, authorize: new URL(url!) };
}

/** The raw refresh a tool would send (reference §3.1 step 4), at the partner's or a customer's authority. */
async function rawRefresh(
  w: TestWarden,
  refreshToken: string,
  tenantKey = 'contoso',
): Promise<{ status: number; body: Json }> {
  const sam = w.demo.clients['contoso-sam']!;
  const response = await fetch(tenantUrl(w, tenantKey, '/oauth2/v2.0/token'), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: sam.clientId,
      client_secret: sam.clientSecret!,
      refresh_token: refreshToken,
      scope: `${PARTNER_API}/.default`,
    }),
  });
  return { status: response.status, body: await response.json() };
}

describe('SPEC R2, reference §3.1: warden sam, the Secure Application Model from the command line', () => {
  let w: TestWarden;
  let jane: CliUser;
  let consented: { result: CliResult; authorize: URL };
  let file: string;
  const stored = (): SamChain => JSON.parse(readFileSync(file, 'utf8'));
  before(async () => {
    w = await startWarden();
    jane = new CliUser(w.baseUrl, { WARDEN_SAM_CLIENT_SECRET: w.demo.clients['contoso-sam']!.clientSecret! });
    file = join(jane.configHome, 'warden', 'sam.json');
    consented = await consent(w, jane);
  });
  after(async () => {
    jane?.cleanup();
    await w?.stop();
  });

  test('RFC 7636, RFC 8252, OIDC Core §3.1.2.1: the consent URL has PKCE S256, state, nonce, a loopback redirect and both APIs with offline_access', () => {
    const params = consented.authorize.searchParams;
    assert.equal(params.get('client_id'), w.demo.clients['contoso-sam']!.clientId);
    assert.equal(params.get('code_challenge_method'), 'S256');
    assert.ok(params.get('code_challenge'));
    assert.ok(params.get('state'));
    assert.ok(params.get('nonce'));
    assert.equal(params.get('amr_values'), 'mfa');
    assert.match(params.get('redirect_uri')!, /^http:\/\/localhost:\d+\/$/);
    assert.deepEqual(
      new Set(params.get('scope')!.split(' ')),
      new Set([
        'openid',
        'profile',
        'offline_access',
        `${PARTNER_API}/user_impersonation`,
        `${GRAPH_API}/Directory.AccessAsUser.All`,
      ]),
    );
    assert.ok(consented.authorize.pathname.startsWith(`/${w.demo.tenants.contoso!.id}/`));
  });

  test('Reference §3.1 step 2: one consent with MFA stores the chain in $XDG_CONFIG_HOME/warden/sam.json, 0600 in a 0700 directory, without the secret', () => {
    assert.equal(consented.result.code, 0, consented.result.stderr);
    assert.match(consented.result.stdout, /^Consented as jane@contoso\.example .*MFA verified/);
    assert.equal(statSync(dirname(file)).mode & 0o777, 0o700);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    const chain = stored();
    assert.equal(chain.clientId, w.demo.clients['contoso-sam']!.clientId);
    assert.equal(chain.tenantId, w.demo.tenants.contoso!.id);
    assert.equal(chain.user.upn, JANE);
    assert.ok(chain.amr.includes('mfa'));
    assert.equal(typeof chain.refreshToken, 'string');
    assert.equal(chain.consentedAt, chain.lastUsedAt);
    const text = readFileSync(file, 'utf8');
    assert.equal(
      text.includes(w.demo.clients['contoso-sam']!.clientSecret!),
      false,
      'the secret is not stored',
    );
    assert.equal(consented.result.stdout.includes(chain.refreshToken), false, 'the token is not printed');
  });

  test('Reference §3.1 step 4: token --resource partner-api gives a Partner API token with mfa that lists the customers; the refresh token rotated', async () => {
    const before = stored();
    const { code, stdout, stderr } = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(code, 0, stderr);
    const token = stdout.trim();
    const claims = await verifyWithJwks(w, 'contoso', token, PARTNER_API);
    assert.ok((claims.amr as string[]).includes('mfa'), 'SPEC §3: the chain keeps the consent’s MFA proof');
    const customers = await callApi(w, 'GET', '/v1/customers', { token });
    assert.equal(customers.status, 200, JSON.stringify(customers.body));
    const after = stored();
    assert.notEqual(
      after.refreshToken,
      before.refreshToken,
      'RFC 9700 §4.14.2: the stored refresh token rotated',
    );
    assert.ok(Date.parse(after.lastUsedAt) >= Date.parse(before.lastUsedAt));
    assert.equal(after.consentedAt, before.consentedAt);
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the rewritten file is 0600 again');
  });

  test('RFC 9700 §4.14.2: token waits while another warden process holds the SAM file’s lock, then redeems the token that process stored', async () => {
    const lock = `${file}.lock`;
    writeFileSync(lock, '');
    const waiting = jane.start(['sam', 'token', '--resource', 'partner-api']);
    await waiting.waitForStderr(/Another warden process is using the SAM file; waiting/);
    const before = stored();
    rmSync(lock);
    const result = await waiting.exited;
    assert.equal(result.code, 0, result.stderr);
    assert.notEqual(stored().refreshToken, before.refreshToken);
    assert.equal(existsSync(lock), false, 'the lock is released');
  });

  test('Reference §3.1 step 4: the same chain gives a Graph token (--json), verified, with mfa', async () => {
    const { code, stdout, stderr } = await jane.run(['sam', 'token', '--resource', 'graph', '--json']);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    assert.equal(result.resource, GRAPH_API);
    assert.equal(result.tenantId, w.demo.tenants.contoso!.id);
    const claims = await verifyWithJwks(w, 'contoso', result.accessToken, GRAPH_API);
    assert.ok((claims.amr as string[]).includes('mfa'));
    const users = await callApi(w, 'GET', '/v1.0/users', { token: result.accessToken });
    assert.equal(users.status, 200);
  });

  test('SPEC E3: at the authority of a customer Jane has no relationship with, token fails (exit 3) saying so, and the chain is kept', async () => {
    const before = stored();
    const refused = await jane.run(['sam', 'token', '--resource', 'graph', '--tenant', 'tailspin.example']);
    assert.equal(refused.code, 3);
    assert.equal(refused.stdout, '');
    assert.match(
      refused.stderr,
      /tailspin\.example's authority refused the stored refresh token \(invalid_grant/,
    );
    assert.match(refused.stderr, /warden sam token --resource partner-api/);
    assert.equal(stored().refreshToken, before.refreshToken);
    const partner = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(partner.code, 0, partner.stderr);
  });

  test('Reference §3.1 step 4: token --resource graph --tenant woodgrove.example redeems the partner’s chain at the customer’s authority: tid Woodgrove, idp Contoso, mfa kept', async () => {
    const before = stored();
    const { code, stdout, stderr } = await jane.run([
      'sam',
      'token',
      '--resource',
      'graph',
      '--tenant',
      'woodgrove.example',
      '--json',
    ]);
    assert.equal(code, 0, stderr);
    const result = JSON.parse(stdout);
    const claims = await verifyWithJwks(w, 'woodgrove', result.accessToken, GRAPH_API);
    assert.equal(claims.tid, w.demo.tenants.woodgrove!.id);
    assert.equal(claims.idp, w.issuer('contoso'));
    assert.ok((claims.amr as string[]).includes('mfa'));
    const users = await callApi(w, 'GET', '/v1.0/users', { token: result.accessToken });
    assert.equal(users.status, 200, JSON.stringify(users.body));
    assert.ok(
      (users.body.value as { userPrincipalName: string }[]).every((u) =>
        u.userPrincipalName.endsWith('@woodgrove.example'),
      ),
    );
    const after = stored();
    assert.notEqual(after.refreshToken, before.refreshToken, 'the rotated token is stored');
    assert.equal(after.tenantId, w.demo.tenants.contoso!.id, 'the chain stays the partner’s');
    // And the chain still works at the partner's authority afterwards.
    const partner = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(partner.code, 0, partner.stderr);
  });

  test('Reference §3.2: status shows the client, tenant, last use and days left before inactivity expiry, never the token', async () => {
    const { code, stdout, stderr } = await jane.run(['sam', 'status']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, new RegExp(`Application: +${w.demo.clients['contoso-sam']!.clientId}`));
    assert.match(stdout, /Tenant: +contoso\.example/);
    assert.match(stdout, /Methods: +amr \[[^\]]*mfa[^\]]*\]/);
    assert.match(stdout, /Last used: +\d{4}-\d\d-\d\dT/);
    assert.match(stdout, /\(90 days left\)/);
    assert.equal(stdout.includes(stored().refreshToken), false);
    // Eighty days since the last use: ten left. Past ninety: expired, consent again.
    const chain = stored();
    writeFileSync(
      file,
      JSON.stringify({
        ...chain,
        consentedAt: new Date(Date.now() - 400 * DAY).toISOString(),
        lastUsedAt: new Date(Date.now() - 80 * DAY).toISOString(),
      }),
    );
    const aged = JSON.parse((await jane.run(['sam', 'status', '--json'])).stdout);
    assert.equal(aged.daysLeft, 10);
    assert.equal(aged.ageDays, 400);
    assert.equal(aged.expired, false);
    assert.equal(JSON.stringify(aged).includes(chain.refreshToken), false);
    writeFileSync(
      file,
      JSON.stringify({ ...chain, lastUsedAt: new Date(Date.now() - 91 * DAY).toISOString() }),
    );
    const idle = await jane.run(['sam', 'status']);
    assert.match(idle.stdout, /expired through inactivity; run warden sam consent again/);
    writeFileSync(file, JSON.stringify(chain));
  });

  test('CLI: a wrong client secret is invalid_client (exit 2) and does not spend the chain; a missing one is a usage error', async () => {
    const before = stored();
    const wrong = await jane.run([
      'sam',
      'token',
      '--resource',
      'partner-api',
      '--client-secret',
      'not-the-secret',
    ]);
    assert.equal(wrong.code, 2, wrong.stderr);
    assert.match(wrong.stderr, /invalid_client/);
    assert.equal(wrong.stdout, '');
    assert.equal(stored().refreshToken, before.refreshToken);
    const none = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(none.code, 0, 'the chain still works with the right secret');
    const user = new CliUser(w.baseUrl);
    try {
      const missing = await user.run(['sam', 'token', '--resource', 'graph']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /client secret/);
      const nothing = await user.run(['sam', 'status']);
      assert.equal(nothing.code, 3);
      assert.match(nothing.stderr, /warden sam consent/);
    } finally {
      user.cleanup();
    }
  });

  test('Reference §3.1 step 3: consent --print prints the refresh token for a vault and stores nothing; a tool redeems it with raw HTTP', async () => {
    const vault = new CliUser(w.baseUrl, {
      WARDEN_SAM_CLIENT_SECRET: w.demo.clients['contoso-sam']!.clientSecret!,
    });
    try {
      vault.env.WARDEN_SAM_FILE = join(vault.home, 'elsewhere', 'chain.json');
      const { result } = await consent(w, vault, ['--print']);
      assert.equal(result.code, 0, result.stderr);
      const printed = result.stdout.trim();
      assert.match(printed, /^\S+$/);
      assert.equal(existsSync(vault.env.WARDEN_SAM_FILE), false);
      assert.equal(existsSync(join(vault.configHome, 'warden', 'sam.json')), false);
      const redeemed = await rawRefresh(w, printed);
      assert.equal(redeemed.status, 200, JSON.stringify(redeemed.body));
      assert.ok(redeemed.body.refresh_token);
      assert.notEqual(redeemed.body.refresh_token, printed);
    } finally {
      vault.cleanup();
    }
  });

  test('RFC 9700 §4.14.2: the refresh token before a rotation no longer works, and token then fails (exit 3) with AADSTS50173', async () => {
    const spent = stored().refreshToken;
    const used = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(used.code, 0, used.stderr);
    const replayed = await rawRefresh(w, spent);
    assert.equal(replayed.status, 400);
    assert.equal(replayed.body.error, 'invalid_grant');
    // The replay revoked the chain: the newest token stored is refused too.
    const after = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(after.code, 3);
    assert.equal(after.stdout, '');
    assert.match(after.stderr, /was revoked.*invalid_grant: AADSTS50173/);
    assert.match(after.stderr, /warden sam consent --client-id \S+ --tenant contoso\.example/);
  });

  test('Reference §3.2: after an administrator revokes the integration user’s sessions, token fails (exit 3) with AADSTS50173 and says to consent again', async () => {
    const again = await consent(w, jane);
    assert.equal(again.result.code, 0, again.result.stderr);
    const works = await jane.run(['sam', 'token', '--resource', 'graph']);
    assert.equal(works.code, 0, works.stderr);
    const admin = await graphToken(w, JANE);
    const revoked = await callApi(w, 'POST', `/v1.0/users/${w.demo.users[JANE]!.id}/revokeSignInSessions`, {
      token: admin,
    });
    assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
    const refused = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(refused.code, 3);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /was revoked.*AADSTS50173/);
    assert.match(refused.stderr, /Run warden sam consent/);
  });
  test('Reference §3.2: a chain left unused for 90 days and 1 s makes token fail (exit 3) with AADSTS700082 and "consent again"; status agrees', async (t) => {
    const travel = startTravel(w, t);
    const fresh = await consent(w, jane);
    assert.equal(fresh.result.code, 0, fresh.result.stderr);
    travel(90 * DAY + 1000);
    const idle = await jane.run(['sam', 'token', '--resource', 'partner-api']);
    assert.equal(idle.code, 3);
    assert.equal(idle.stdout, '');
    assert.match(idle.stderr, /expired through inactivity.*AADSTS700082/);
    assert.match(idle.stderr, /Run warden sam consent --client-id \S+ --tenant contoso\.example/);
    // The CLI's clock (its own process) has not moved with the server's: the file's last use is
    // moved back instead. Date.now() here is the travelled one, so it is not used.
    const chain = stored();
    const lastUsedAt = new Date(Date.parse(chain.lastUsedAt) - 91 * DAY).toISOString();
    writeFileSync(file, JSON.stringify({ ...chain, lastUsedAt }));
    const status = JSON.parse((await jane.run(['sam', 'status', '--json'])).stdout);
    assert.equal(status.expired, true);
    assert.equal(status.daysLeft, 0);
  });
});

describe('CLI: where warden sam keeps the chain, and what it says of Entra’s refresh errors', () => {
  test('XDG Base Directory, Apple and Windows conventions: the SAM file’s place per OS; WARDEN_SAM_FILE overrides', () => {
    assert.equal(samFile({ XDG_CONFIG_HOME: '/x/cfg' }, 'linux', '/home/j'), '/x/cfg/warden/sam.json');
    assert.equal(
      samFile({ XDG_CONFIG_HOME: 'relative' }, 'linux', '/home/j'),
      '/home/j/.config/warden/sam.json',
    );
    assert.equal(samFile({}, 'linux', '/home/j'), '/home/j/.config/warden/sam.json');
    assert.equal(
      samFile({ XDG_CONFIG_HOME: '/x/cfg' }, 'darwin', '/Users/j'),
      '/Users/j/Library/Application Support/warden/sam.json',
    );
    assert.equal(
      samFile({ APPDATA: 'C:\\Users\\j\\AppData\\Roaming' }, 'win32', 'C:\\Users\\j'),
      'C:\\Users\\j\\AppData\\Roaming\\warden\\sam.json',
    );
    assert.equal(samFile({ WARDEN_SAM_FILE: '/vault/sam.json' }, 'darwin', '/Users/j'), '/vault/sam.json');
  });

  test('Reference §3.2: AADSTS700082 and AADSTS50173 answers become "consent again" (exit 3) with the code; invalid_client exit 2', () => {
    const authority = { server: 'http://localhost:3000' } as Authority;
    const answer = (error: string, code: number, description: string) => ({
      error,
      error_description: `${description}\r\nTrace ID: x\r\nCorrelation ID: y`,
      cause: { error, error_codes: [code] },
    });
    const hint = 'Run warden sam consent --client-id a --tenant b again.';
    const inactive = redemptionFailure(
      authority,
      answer('invalid_grant', 700082, 'AADSTS700082: The refresh token has expired due to inactivity.'),
      hint,
    );
    assert.equal(inactive.exitCode, 3);
    assert.match(inactive.message, /inactivity.*AADSTS700082/);
    assert.equal(inactive.message.includes('Trace ID'), false);
    assert.equal(inactive.hint, hint);
    const revoked = redemptionFailure(
      authority,
      answer('invalid_grant', 50173, 'AADSTS50173: The provided grant has expired due to it being revoked.'),
      hint,
    );
    assert.equal(revoked.exitCode, 3);
    assert.match(revoked.message, /revoked.*AADSTS50173/);
    // At a customer's authority 50173 may be the relationship's end: the partner's authority tells.
    const ended = redemptionFailure(
      authority,
      answer('invalid_grant', 50173, 'AADSTS50173: The provided grant has expired due to it being revoked.'),
      hint,
      'woodgrove.example',
    );
    assert.equal(ended.exitCode, 3);
    assert.match(
      ended.message,
      /^woodgrove\.example's authority refused .*AADSTS50173.*no active relationship/,
    );
    assert.match(ended.hint!, /warden sam token --resource partner-api/);
    const client = redemptionFailure(
      authority,
      answer('invalid_client', 7000215, 'AADSTS7000215: Invalid client secret.'),
      hint,
    );
    assert.equal(client.exitCode, 2);
    assert.match(client.message, /invalid_client/);
  });
});
