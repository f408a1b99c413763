/**
 * Where the browser goes after signing in: a path of this origin, normalised once and safe as it
 * stands (issue 9 item 7). Whatever writes it into a page, a cookie or a Location header can use
 * it without cleaning it again; the type says it went through here.
 */
export type ReturnPath = string & { readonly __returnPath: unique symbol };

export const HOME = '/dashboard' as ReturnPath;

const PLACEHOLDER = 'http://warden.invalid';
/** `//host` and `/\host` are other origins to a browser (WHATWG URL: scheme-relative). */
const OFF_SITE = /^[/\\]{2}/;

/**
 * The same-origin absolute path `value` names, or `/dashboard`. Refuses rather than repairs:
 * anything that is not a plain path (a scheme, `//`, `/\`, control characters, whitespace) is
 * refused; dot segments are resolved (`/.//evil.example` would become `//evil.example`) and the
 * result checked again; a path whose percent-decoded form (decoded until stable, so `%252F` too)
 * would be off-site or hold controls is refused, for any decoder later on the way (a proxy, a
 * router). The fragment is dropped: it never reaches the server.
 */
export function returnPath(value: unknown): ReturnPath {
  if (typeof value !== 'string' || value.length > 512) return HOME;
  if (!value.startsWith('/') || OFF_SITE.test(value) || hasUnsafeCharacter(value)) return HOME;
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER);
  } catch {
    return HOME;
  }
  if (url.origin !== PLACEHOLDER) return HOME;
  const path = url.pathname + url.search;
  return isSafeAsItStands(url.pathname, path) ? (path as ReturnPath) : HOME;
}

function isSafeAsItStands(pathname: string, path: string): boolean {
  if (!path.startsWith('/') || OFF_SITE.test(path) || hasUnsafeCharacter(path)) return false;
  let decoded = pathname;
  for (let round = 0; round < 4; round++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      return false; // malformed percent-encoding: not a path anyone should follow
    }
    if (OFF_SITE.test(next) || hasUnsafeCharacter(next)) return false;
    if (next === decoded) return true;
    decoded = next;
  }
  return false; // still changing after four decodings: refused
}

/** C0 controls, space, DEL, and the backslash (which browsers read as `/` in a URL). */
function hasUnsafeCharacter(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}
