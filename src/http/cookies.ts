/** Reads one cookie from a Cookie header (RFC 6265 §5.4: `name=value` pairs separated by `; `). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * A Set-Cookie value: HttpOnly always, SameSite=Lax unless told Strict (a form's own state, never
 * needed on a navigation from elsewhere), Secure under https (issue 3 item 3); `path` keeps a
 * cookie only one route needs away from every other request.
 */
export function cookie(
  name: string,
  value: string,
  options: { secure: boolean; maxAgeS: number; path?: string; sameSite?: 'Lax' | 'Strict' },
): string {
  return [
    `${name}=${value}`,
    `Path=${options.path ?? '/'}`,
    'HttpOnly',
    `SameSite=${options.sameSite ?? 'Lax'}`,
    ...(options.secure ? ['Secure'] : []),
    `Max-Age=${options.maxAgeS}`,
  ].join('; ');
}

/** Cookies are Secure when Warden is served over https (WARDEN_BASE_URL). */
export function secureCookies(baseUrl: string): boolean {
  return baseUrl.startsWith('https:');
}
