import type { MfaMethodKind } from '../../authentication-methods/manage.ts';
import { methodsOf, type PasskeyMethod, type TotpMethod } from '../../authentication-methods/methods.ts';
import { findTemporaryAccessPass } from '../../authentication-methods/temporary-access-pass/passes.ts';
import type { WardenContext } from '../../context.ts';
import type { User } from '../../directory/users.ts';
import { temporaryAccessPassShape } from './users-temporary-access-pass.ts';

/*
 * Graph v1.0 `authenticationMethod` subtypes (reference entra-identity §3.1), as Warden holds them:
 * the password, authenticator apps (TOTP), passkeys (WebAuthn) and the Temporary Access Pass.
 * Lists carry `@odata.type` on every item, as Graph's polymorphic `methods` does.
 */

export const PASSWORD_TYPE = '#microsoft.graph.passwordAuthenticationMethod';
export const SOFTWARE_OATH_TYPE = '#microsoft.graph.softwareOathAuthenticationMethod';
export const FIDO2_TYPE = '#microsoft.graph.fido2AuthenticationMethod';

/** Graph's fixed id of the password method (the same for every user). */
export const PASSWORD_METHOD_ID = '28c10230-6103-485e-b985-444c60001490';

const iso = (ms: number) => new Date(ms).toISOString();

/** The password: never returned (`password` is always null); Graph does not populate its creation time. */
export function passwordShape() {
  return { '@odata.type': PASSWORD_TYPE, id: PASSWORD_METHOD_ID, password: null, createdDateTime: null };
}

/** An authenticator app; its seed (`secretKey`) is never returned. */
export function softwareOathShape(method: TotpMethod) {
  return {
    '@odata.type': SOFTWARE_OATH_TYPE,
    id: method.id,
    secretKey: null,
    createdDateTime: iso(method.createdAt),
  };
}

/**
 * A passkey. `attestationLevel` says whether registration verified an attestation statement (any
 * format but `none`); `passkeyType` follows WebAuthn's credential device type (a `multiDevice`
 * credential is synced, a `singleDevice` one device-bound). Warden keeps no FIDO metadata
 * service, so `model` is null and no attestation certificates are kept.
 */
export function fido2Shape(passkey: PasskeyMethod) {
  return {
    '@odata.type': FIDO2_TYPE,
    id: passkey.id,
    displayName: passkey.displayName,
    createdDateTime: iso(passkey.createdAt),
    aaGuid: passkey.aaguid,
    model: null,
    attestationCertificates: [],
    attestationLevel: passkey.attestationFormat === 'none' ? 'notAttested' : 'attested',
    passkeyType: passkey.deviceType === 'multiDevice' ? 'synced' : 'deviceBound',
  };
}

/** The Graph collections of `authentication` Warden serves, each a kind of method. */
export type MethodCollection = 'passwordMethods' | 'softwareOathMethods' | 'fido2Methods';

/** The collection's method kind for the removal rule (manage.ts); the password has none. */
export const REMOVABLE: Record<MethodCollection, MfaMethodKind | undefined> = {
  passwordMethods: undefined,
  softwareOathMethods: 'softwareOath',
  fido2Methods: 'fido2',
};

export type MethodEntity = { '@odata.type': string; id: string } & Record<string, unknown>;

/** The user's methods of one collection, in Graph's shapes (tenant-scoped reads). */
export async function collectionOf(
  ctx: WardenContext,
  user: User,
  collection: MethodCollection,
): Promise<MethodEntity[]> {
  if (collection === 'passwordMethods') return user.passwordHash === null ? [] : [passwordShape()];
  const methods = await methodsOf(ctx.db, user.tenantId, user.id);
  return collection === 'softwareOathMethods'
    ? methods.totp.map(softwareOathShape)
    : methods.passkeys.map(fido2Shape);
}

/** Graph `authentication/methods`: every method of the user, the password first. */
export async function allMethodsOf(ctx: WardenContext, user: User): Promise<MethodEntity[]> {
  const [methods, tap] = await Promise.all([
    methodsOf(ctx.db, user.tenantId, user.id),
    findTemporaryAccessPass(ctx.db, user.tenantId, user.id),
  ]);
  return [
    ...(user.passwordHash === null ? [] : [passwordShape()]),
    ...methods.totp.map(softwareOathShape),
    ...methods.passkeys.map(fido2Shape),
    ...(tap ? [temporaryAccessPassShape(tap, ctx.clock.now())] : []),
  ];
}
