import { isGuid } from '../guid.ts';
import { hasMfaProof } from '../policy/mfa-proof.ts';
import { ExceptionRefusal } from './refusals.ts';

/**
 * The evidence of an "MFA - Request for exception" (SPEC §12; seeds 003/004): the third-party MFA
 * product, how it is integrated, the self-test of an affected account, and a purchase reference.
 * Every field is required and bounded; the self-test is the JSON `warden test-security-requirements
 * --json` prints (src/cli/client/security-requirements.ts), checked field by field.
 */
export const LIMITS = {
  mfaProduct: 200,
  integration: 4000,
  purchaseReference: 100,
  /** The self-test as sent (JSON text). */
  selfTest: 16_000,
} as const;

/** What `warden test-security-requirements --json` prints, as far as the review needs it. */
export interface SelfTest {
  result: 'pass' | 'fail';
  user: string;
  tenantId: string;
  amr: string[];
  reason?: string;
  /** The Partner API probe the self-test made: `GET /v1/customers` and its status. */
  api?: { request: string; status: number; code?: string };
}

export interface Evidence {
  mfaProduct: string;
  integration: string;
  selfTest: SelfTest;
  purchaseReference: string;
}

// Single-line fields: no control characters (they would break the review queue's rendering and CSV).
const CONTROL = /\p{Cc}/u;

function invalid(message: string): never {
  throw new ExceptionRefusal('invalid_exception_evidence', message);
}

function badSelfTest(message: string): never {
  throw new ExceptionRefusal('invalid_self_test', message);
}

function text(value: unknown, field: string, max: number, singleLine: boolean): string {
  if (typeof value !== 'string') invalid(`${field} is required (text).`);
  const trimmed = value.trim();
  if (trimmed === '') invalid(`${field} is required.`);
  if (trimmed.length > max) invalid(`${field} has ${trimmed.length} characters; at most ${max}.`);
  if (singleLine && CONTROL.test(trimmed)) invalid(`${field} must be one line of text.`);
  return trimmed;
}

/**
 * The self-test as sent: the JSON object itself (Partner API) or its text (a form's textarea,
 * the CLI's file). Checked: `result` pass|fail and consistent with `amr` (pass exactly when amr
 * holds `mfa`, SPEC §3), `user` a UPN, `tenantId` the filing partner's own tenant, `amr` a list
 * of method names. Unknown fields are dropped.
 */
export function readSelfTest(value: unknown, partnerTenantId: string): SelfTest {
  let parsed: unknown = value;
  if (typeof value === 'string') {
    if (value.length > LIMITS.selfTest)
      badSelfTest(`The self-test has ${value.length} characters; at most ${LIMITS.selfTest}.`);
    try {
      parsed = JSON.parse(value);
    } catch {
      badSelfTest('The self-test is not JSON: attach what warden test-security-requirements --json prints.');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    badSelfTest('The self-test must be the JSON object warden test-security-requirements --json prints.');
  const t = parsed as Record<string, unknown>;
  if (t.result !== 'pass' && t.result !== 'fail')
    badSelfTest('The self-test result must be "pass" or "fail".');
  if (typeof t.user !== 'string' || !/^[^@\s]{1,256}@[^@\s]{1,255}$/.test(t.user))
    badSelfTest('The self-test must name the account it signed in (user: a UPN).');
  if (!isGuid(t.tenantId)) badSelfTest('The self-test must carry the tenantId of the account (a GUID).');
  if (t.tenantId.toLowerCase() !== partnerTenantId.toLowerCase())
    badSelfTest('The self-test is of an account of another tenant: attach one of your own accounts.');
  if (
    !Array.isArray(t.amr) ||
    t.amr.length > 16 ||
    !t.amr.every((m) => typeof m === 'string' && /^[A-Za-z0-9_-]{1,32}$/.test(m))
  )
    badSelfTest('The self-test must carry the token’s amr claim (a list of method names).');
  const amr = t.amr as string[];
  if ((t.result === 'pass') !== hasMfaProof(amr))
    badSelfTest(`The self-test says ${t.result}, but its amr [${amr.join(', ')}] says otherwise.`);
  const selfTest: SelfTest = {
    result: t.result,
    user: t.user.toLowerCase(),
    tenantId: t.tenantId.toLowerCase(),
    amr,
  };
  if (typeof t.reason === 'string') selfTest.reason = t.reason.slice(0, 1000);
  const api = t.api as Record<string, unknown> | undefined;
  if (api && typeof api === 'object' && typeof api.request === 'string' && Number.isInteger(api.status)) {
    selfTest.api = {
      request: api.request.slice(0, 200),
      status: api.status as number,
      ...(typeof api.code === 'string' ? { code: api.code.slice(0, 64) } : {}),
    };
  }
  return selfTest;
}

/** The request's evidence, trimmed and checked; throws an ExceptionRefusal naming the first problem. */
export function readEvidence(input: Record<string, unknown>, partnerTenantId: string): Evidence {
  return {
    mfaProduct: text(input.mfaProduct, 'The third-party MFA product', LIMITS.mfaProduct, true),
    integration: text(input.integration, 'How it is integrated', LIMITS.integration, false),
    purchaseReference: text(
      input.purchaseReference,
      'The purchase reference',
      LIMITS.purchaseReference,
      true,
    ),
    selfTest: readSelfTest(input.selfTest, partnerTenantId),
  };
}
