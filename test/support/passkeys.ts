import { randomBytes, randomUUID } from 'node:crypto';
import type { TestWarden } from './harness.ts';
import type { MadeUser } from './users.ts';

/** What a test says of a passkey it stores; the rest is filler a registration would have stored. */
export interface PasskeySpec {
  displayName?: string;
  aaguid?: string;
  deviceType?: 'singleDevice' | 'multiDevice';
  attestationFormat?: string;
}

/**
 * A passkey row of `passkey_credentials` (migration 0031) written straight into the test database,
 * as a finished WebAuthn registration would leave it: for the tests of what reads and removes
 * passkeys, which need no browser. Returns its id.
 */
export async function storePasskey(w: TestWarden, user: MadeUser, spec: PasskeySpec = {}): Promise<string> {
  const id = randomUUID();
  const deviceType = spec.deviceType ?? 'singleDevice';
  await w.ctx.db
    .insertInto('passkey_credentials')
    .values({
      tenant_id: user.tenantId,
      id,
      user_id: user.id,
      credential_id: randomBytes(32).toString('base64url'),
      public_key: randomBytes(77).toString('base64url'),
      sign_count: 0,
      aaguid: spec.aaguid ?? '00000000-0000-0000-0000-000000000000',
      device_type: deviceType,
      backed_up: deviceType === 'multiDevice' ? 1 : 0,
      transports: JSON.stringify(['usb']),
      attestation_format: spec.attestationFormat ?? 'none',
      display_name: spec.displayName ?? 'Security key',
      created_at: w.clock.now(),
      last_used_at: null,
    })
    .execute();
  return id;
}
