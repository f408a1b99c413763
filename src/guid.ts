/**
 * THE GUID check (RFC 9562 §4 string form). GUIDs compare case-insensitively: `A1B2…` and `a1b2…`
 * name the same object. Warden writes them lower-case, so a GUID from outside is lower-cased
 * before it is looked up (`canonicalGuid`). A leaf module: anything may import it.
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
  return typeof value === 'string' && GUID.test(value);
}

/** The GUID in Warden's (lower-case) form, or undefined when `value` is not one. */
export function canonicalGuid(value: unknown): string | undefined {
  return isGuid(value) ? value.toLowerCase() : undefined;
}
