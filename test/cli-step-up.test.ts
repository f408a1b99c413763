import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser } from './support/cli.ts';
import { answerConfirmation, enterUserCode } from './support/device.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';

describe('SPEC R1: warden login --mfa, the step-up the CLI recommends', () => {
  let w: TestWarden;
  let john: CliUser;
  before(async () => {
    w = await startWarden();
    john = new CliUser(w.baseUrl);
  });
  after(async () => {
    john?.cleanup();
    await w?.stop();
  });

  test('SPEC R1: John (no MFA policy) signs in by device code with --mfa, registers an authenticator, and then passes', async () => {
    const cli = john.start(['login', '--tenant', 'fabrikam.example', '--device-code', '--mfa']);
    const [, uri, code] = await cli.waitForStderr(
      /open (\S+) in a browser on any device and enter the code (\S+)/,
    );
    const ua = new UserAgent();
    await enterUserCode(ua, uri!, code!);
    await answerConfirmation(ua, 'continue');
    const at = await ua.submit('password', { username: 'john@fabrikam.example', password: w.demo.password });
    // Asked for MFA (amr_values=mfa on the device request), John must set up an authenticator now;
    // without --mfa his sign-in ends after the password (Fabrikam has no MFA policy).
    assert.equal(ua.step(), 'register_method', ua.lastPage.slice(0, 1500));
    assert.ok(!ua.lastPage.includes('value="skip_registration"'));
    await completeSecondStep(w, ua, { at, upn: 'john@fabrikam.example', mfa: true });
    const login = await cli.exited;
    assert.equal(login.code, 0, login.stderr);
    assert.match(login.stdout, /as john@fabrikam\.example \(amr: [^;]*mfa[^;]*; MFA verified\)/);
    const check = await john.run(['test-security-requirements', '--json']);
    assert.equal(check.code, 0, check.stderr);
    const result = JSON.parse(check.stdout);
    assert.equal(result.result, 'pass');
    assert.ok(result.amr.includes('mfa'));
    assert.equal(result.api.status, 200);
  });
});
