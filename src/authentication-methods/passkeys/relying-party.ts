/**
 * The WebAuthn Relying Party (WebAuthn L3 §5.1.1 `rp.id`, §7.1 step 9 origin): Warden's public
 * host. Every tenant's authority is a path of that one origin, so one RP id serves them all; a
 * credential is still a tenant's own (its row is tenant-scoped, and its user handle is the user's
 * object id, unique across tenants).
 */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
  /** The roots an enforced attestation must chain to (config `fidoAttestationRoots`). */
  attestationRoots: readonly string[];
}

export function relyingPartyOf(
  config: { baseUrl: string; fidoAttestationRoots: readonly string[] },
  tenantName: string,
): RelyingParty {
  const url = new URL(config.baseUrl);
  return {
    id: url.hostname,
    origin: url.origin,
    name: `Warden (${tenantName})`,
    attestationRoots: config.fidoAttestationRoots,
  };
}
