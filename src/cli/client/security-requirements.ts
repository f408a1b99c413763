import { hasMfaProof } from '../../policy/mfa-proof.ts';
import type { Command } from '../command.ts';
import { EXIT, NotSignedInError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import { accessTokenFor, PARTNER_API } from '../session/access-token.ts';
import { verifyJwt } from '../session/verify.ts';
import { apiRequest } from './api.ts';
import { SIGN_IN_FLAGS, signIn } from './login.ts';
import { CLIENT_FLAGS, hintFor, JSON_FLAG, targetOf } from './target.ts';

const PROBE = '/v1/customers';

/** Why a token without the MFA proof fails, and what fixes it (SPEC R1, §3). */
function failReason(amr: string[]): string {
  return `the token's amr is [${amr.join(', ')}]: the sign-in was not challenged for MFA; turn on security defaults or a policy requiring MFA for every user (SPEC R1)`;
}

export const testSecurityRequirementsCommand: Command = {
  path: ['test-security-requirements'],
  summary: "Check that the signed-in user's Partner API token carries the MFA proof: prints pass or fail.",
  details: `Like Partner Center PowerShell's Test-PartnerSecurityRequirement (SPEC §11): gets a Partner API token for the signed-in user (cached, refreshed, or by signing in when there is none), verifies it against the issuer's keys, and passes when its amr claim holds "mfa" (SPEC §3). It then calls GET ${PROBE} with the token and reports the answer (200, or 401 "Unauthorized - MFA required"). Exit code 0 on pass, 1 on fail.`,
  flags: { ...CLIENT_FLAGS, ...SIGN_IN_FLAGS, ...JSON_FLAG },
  async run(invocation) {
    const target = targetOf(invocation);
    let session = target.cache.find(target.server, target.tenant);
    let token: string | undefined;
    if (session) {
      try {
        token = await accessTokenFor(target.cache, session, PARTNER_API, hintFor(target, session.tenantName));
      } catch (error) {
        if (!(error instanceof NotSignedInError)) throw error;
        note(`${error.message} Signing in again.`);
      }
    }
    if (!session || !token) {
      session = await signIn(target, invocation);
      token = await accessTokenFor(target.cache, session, PARTNER_API, hintFor(target, session.tenantName));
    }
    const claims = await verifyJwt(target.server, token, session.clientId);
    const amr = Array.isArray(claims.amr) ? claims.amr.map(String) : [];
    const pass = hasMfaProof(amr);
    const answer = await apiRequest(target, token, 'GET', `${target.server}${PROBE}`);
    const api = {
      request: `GET ${PROBE}`,
      status: answer.status,
      statusText: answer.statusText,
      // Warden's stable name of a refusal (the body's `code` is Partner Center's number).
      ...(typeof answer.body?.wardenCode === 'string' ? { code: answer.body.wardenCode } : {}),
    };
    const user = String(claims.upn ?? session.user.upn);
    if (target.json) {
      printJson({
        result: pass ? 'pass' : 'fail',
        ...(pass ? {} : { reason: failReason(amr) }),
        user,
        tenant: session.tenantName,
        tenantId: claims.tid,
        amr,
        api,
      });
    } else {
      out(
        pass
          ? `pass: the Partner API token of ${user} carries the MFA proof (amr [${amr.join(', ')}]).`
          : `fail: ${failReason(amr)}.`,
      );
      out(
        `Partner API: ${api.request} answered ${api.status} ${api.statusText}${'code' in api ? ` (${api.code})` : ''}.`,
      );
    }
    return pass ? EXIT.ok : EXIT.failed;
  },
};
