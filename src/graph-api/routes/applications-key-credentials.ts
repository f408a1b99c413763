import {
  type KeyCredential,
  type KeyCredentialChange,
  MAX_KEY_CREDENTIALS,
  parseCertificate,
} from '../../directory/application-key-credentials.ts';
import { GraphError } from '../../errors/graph-errors.ts';

/**
 * Graph's `keyCredentials` of an application (certificates for `private_key_jwt`): the shape
 * Graph returns — `key` is never returned, `customKeyIdentifier` is the SHA-1 thumbprint in
 * upper-case hex, the dates are the certificate's — and the PATCH body, which replaces the
 * collection as Graph's does (an existing credential is kept by naming its `keyId`).
 */

export interface KeyCredentialInput {
  keyId?: string;
  type?: string;
  usage?: string;
  key?: string;
  displayName?: string;
}

export const KEY_CREDENTIALS_SCHEMA = {
  type: 'array',
  maxItems: MAX_KEY_CREDENTIALS,
  items: {
    type: 'object',
    additionalProperties: false,
    properties: {
      keyId: { type: 'string', maxLength: 64 },
      type: { type: 'string', maxLength: 64 },
      usage: { type: 'string', maxLength: 64 },
      key: { type: 'string', minLength: 1, maxLength: 16_384 },
      displayName: { type: 'string', maxLength: 256 },
      // Graph's read-only fields, sent back by scripts that PATCH what they read.
      customKeyIdentifier: { type: ['string', 'null'], maxLength: 128 },
      startDateTime: { type: ['string', 'null'], maxLength: 64 },
      endDateTime: { type: ['string', 'null'], maxLength: 64 },
    },
  },
} as const;

export function graphKeyCredential(c: KeyCredential) {
  return {
    customKeyIdentifier: c.thumbprint,
    displayName: c.displayName,
    endDateTime: iso(c.endAt),
    key: null,
    keyId: c.keyId,
    startDateTime: iso(c.startAt),
    type: 'AsymmetricX509Cert',
    usage: 'Verify',
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const bad = (message: string) => new GraphError('Request_BadRequest', message);

/** What a PATCH's `keyCredentials` asks for, validated; Graph's 400s for what it refuses. */
export function keyCredentialChanges(input: readonly KeyCredentialInput[]): KeyCredentialChange[] {
  const changes: KeyCredentialChange[] = [];
  const seen = new Set<string>();
  for (const [i, entry] of input.entries()) {
    const where = `keyCredentials[${i}]`;
    if (entry.key === undefined) {
      if (!entry.keyId)
        throw bad(
          `Invalid value for '${where}': give the certificate as 'key', or the 'keyId' of one to keep.`,
        );
      changes.push({ keep: entry.keyId.toLowerCase() });
      continue;
    }
    if (entry.type !== 'AsymmetricX509Cert' || entry.usage !== 'Verify')
      throw bad(
        `Invalid value for '${where}': only type 'AsymmetricX509Cert' with usage 'Verify' is supported.`,
      );
    const parsed = parseCertificate(entry.key);
    if (!parsed.ok)
      throw bad(
        parsed.reason === 'unsupported_key'
          ? `Invalid value for '${where}.key': the certificate's key must be RSA or EC.`
          : `Invalid value for '${where}.key': not a base64 DER X.509 certificate.`,
      );
    if (seen.has(parsed.x5tS256))
      throw bad(`Invalid value for '${where}.key': the certificate is listed twice.`);
    seen.add(parsed.x5tS256);
    changes.push({ add: parsed, displayName: entry.displayName ?? null });
  }
  return changes;
}
