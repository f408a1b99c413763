import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { methodsOf } from '../src/authentication-methods/methods.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { freshCode, signIn, startAuthorization } from './support/oidc.ts';
import { UserAgent } from './support/user-agent.ts';
import { makeUser } from './support/users.ts';

describe('STYLE 6: authenticator registration under concurrency', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §5: two browsers confirming a first authenticator at the same moment register exactly one', async () => {
    // A Security Administrator of Contoso (security defaults) must register at once.
    for (let round = 0; round < 5; round += 1) {
      const admin = await makeUser(w, { name: `racer${round}`, roles: ['Security Administrator'] });
      const browsers = [new UserAgent(), new UserAgent()];
      const secrets: string[] = [];
      for (const ua of browsers) {
        await signIn(w, await startAuthorization(w, 'contoso'), { upn: admin.upn }, ua);
        assert.equal(ua.step(), 'register_method');
        secrets.push(/aria-label="Secret key">([^<]+)</.exec(ua.lastPage)![1]!.replaceAll(' ', ''));
      }
      const codes = secrets.map((secret) => freshCode(w, secret));
      await Promise.all(browsers.map((ua, i) => ua.submit('confirm_totp', { code: codes[i]! })));
      const steps = browsers.map((ua) => ua.step()).sort();
      assert.deepEqual(steps, ['recovery_codes', 'second_factor'], 'one registers; the other must prove it');
      assert.equal((await methodsOf(w.ctx.db, admin.tenantId, admin.id)).totp.length, 1);
    }
  });
});
