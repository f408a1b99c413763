import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { MFA_ACR } from '../src/policy/acr.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { completeSecondStep, redeem, signIn, startAuthorization } from './support/oidc.ts';

/** OIDC Core §5.5.1.1: `acr` requested as an essential claim with Warden's MFA value. */
const ESSENTIAL_MFA_ACR = JSON.stringify({ id_token: { acr: { essential: true, values: [MFA_ACR] } } });

describe('OIDC Core §3.1.2.1, §5.5.1.1; RFC 9470: step-up requests', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('OIDC Core §5.5.1.1: the claims parameter asking for the MFA acr as essential signs in with MFA, once', async () => {
    // John's tenant (Fabrikam) has no MFA policy: only the request asks for MFA.
    const start = await startAuthorization(w, 'fabrikam', { claims: ESSENTIAL_MFA_ACR });
    const { ua, callback } = await signIn(w, start, { upn: 'john@fabrikam.example' });
    assert.ok(!callback.includes('code='), 'the password alone does not finish the sign-in');
    const { at } = await completeSecondStep(w, ua, { at: callback, upn: 'john@fabrikam.example', mfa: true });
    assert.match(at, /[?&]code=/, 'after MFA the browser returns to the client, not to the password page');
    const tokens = await redeem(start, at);
    const idToken = decodeJwt(tokens.id_token!);
    assert.equal(idToken.acr, MFA_ACR);
    assert.ok((idToken.amr as string[]).includes('mfa'));
  });

  it('OIDC Core §5.5.1.1: a session with MFA satisfies the essential acr without a prompt', async () => {
    const start = await startAuthorization(w, 'contoso', { claims: ESSENTIAL_MFA_ACR });
    const seed = w.demo.users['jane@contoso.example']!.totpSeed!;
    const { ua, callback } = await signIn(w, start, { upn: 'jane@contoso.example', totpSeed: seed });
    assert.match(callback, /code=/);
    const again = await startAuthorization(w, 'contoso', { claims: ESSENTIAL_MFA_ACR });
    assert.match(await ua.navigate(again.url), /code=/, 'no sign-in page the second time');
  });
});
