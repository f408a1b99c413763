import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  issuePasskeyChallenge,
  PASSKEY_CHALLENGE_TTL_MS,
  purgeStalePasskeyChallenges,
  takePasskeyChallenge,
} from '../src/authentication-methods/passkeys/challenges.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('WebAuthn L3 §13.4.3: a passkey challenge proves one ceremony', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w?.stop());

  it('WebAuthn L3 §13.4.3: taken once, by one of two racing requests; the holder’s next page gets a new one; another holder or tenant never gets it', async () => {
    const tenant = w.demo.tenants.contoso!.id;
    const now = w.clock.now();
    const first = await issuePasskeyChallenge(w.ctx.db, tenant, 'flow:a', now);
    const second = await issuePasskeyChallenge(w.ctx.db, tenant, 'flow:a', now);
    assert.notEqual(first, second, 'a fresh one per page');
    assert.equal(await takePasskeyChallenge(w.ctx.db, tenant, 'flow:b', now), undefined);
    assert.equal(await takePasskeyChallenge(w.ctx.db, w.demo.tenants.fabrikam!.id, 'flow:a', now), undefined);
    const racing = await Promise.all([
      takePasskeyChallenge(w.ctx.db, tenant, 'flow:a', now),
      takePasskeyChallenge(w.ctx.db, tenant, 'flow:a', now),
    ]);
    assert.deepEqual(racing.filter(Boolean), [second]);
  });

  it('WebAuthn L3 §13.4.3: older than its 5 minutes it is refused, and the periodic purge drops it', async () => {
    const tenant = w.demo.tenants.contoso!.id;
    const now = w.clock.now();
    await issuePasskeyChallenge(w.ctx.db, tenant, 'flow:old', now);
    await issuePasskeyChallenge(w.ctx.db, tenant, 'flow:stale', now);
    const later = now + PASSKEY_CHALLENGE_TTL_MS + 1;
    assert.equal(await takePasskeyChallenge(w.ctx.db, tenant, 'flow:old', later), undefined);
    await purgeStalePasskeyChallenges(w.ctx.db, later);
    const left = await w.ctx.db
      .selectFrom('passkey_challenges')
      .select('holder')
      .where('tenant_id', '=', tenant)
      .where('holder', '=', 'flow:stale')
      .execute();
    assert.deepEqual(left, []);
  });
});
