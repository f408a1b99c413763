import { addTotpMethod } from '../authentication-methods/totp.ts';
import { createUser } from '../directory/users.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';
import { setExceptionsAccepted } from '../technical-exceptions/program-settings.ts';
import { fileException } from '../technical-exceptions/requests.ts';

const DAY = 24 * 3600 * 1000;

export interface ExceptionsDemoInput {
  operatorTenantId: string;
  partnerTenantId: string;
  /** The partner's Global admin / Admin agent who filed the request. */
  filer: { userId: string; userPrincipalName: string };
  /** The partner account whose self-test failed (its MFA sends no claim). */
  affectedUpn: string;
  passwordHash: string;
  totpSeed: string;
}

/**
 * Technical exceptions in the demo (SPEC §12): the operator's reviewer, Olivia (Global admin of
 * the operator tenant, demo TOTP seed), and one pending "MFA - Request for exception" from Contoso
 * filed a day ago, so the review queue is not empty. The program accepted requests when it was
 * filed and does not now — the default (seed 004) — so the operator can reject it, or turn the
 * setting on and approve it. Returns the reviewer for demo.json.
 */
export async function seedExceptionsDemo(
  db: Db,
  secrets: SecretBox,
  input: ExceptionsDemoInput,
  now: number,
): Promise<
  Record<string, { id: string; tenant: string; totpSeed: string; groups: string[]; roles: string[] }>
> {
  const upn = 'olivia@operator.example';
  const olivia = await createUser(
    db,
    input.operatorTenantId,
    {
      userPrincipalName: upn,
      displayName: 'Olivia Operator',
      givenName: 'Olivia',
      surname: 'Operator',
      passwordHash: input.passwordHash,
      directoryRoles: ['Global Administrator'],
    },
    now,
  );
  await addTotpMethod(db, secrets, input.operatorTenantId, olivia.id, input.totpSeed, now);

  const filedAt = now - DAY;
  await setExceptionsAccepted(db, true, upn, filedAt - 1);
  await fileException(
    db,
    input.partnerTenantId,
    {
      mfaProduct: 'Contoso RADIUS token appliance',
      integration:
        'Hardware tokens checked by a RADIUS appliance in front of our VPN; the appliance cannot federate with the identity provider, so tokens carry no MFA claim.',
      selfTest: {
        result: 'fail',
        reason: "the token's amr is [pwd]: the sign-in was not challenged for MFA",
        user: input.affectedUpn,
        tenantId: input.partnerTenantId,
        amr: ['pwd'],
        api: { request: 'GET /v1/customers', status: 401, code: 'mfa_required' },
      },
      purchaseReference: 'PO-CONTOSO-2026-117',
    },
    input.filer,
    filedAt,
  );
  await setExceptionsAccepted(db, false, upn, filedAt + 1);
  return {
    [upn]: {
      id: olivia.id,
      tenant: input.operatorTenantId,
      totpSeed: input.totpSeed,
      groups: [],
      roles: ['Global Administrator'],
    },
  };
}
