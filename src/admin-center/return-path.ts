import { type ReturnPath, returnPath } from '../dashboard/return-path.ts';

/** Where the admin center opens when no page was asked for. */
export const ADMIN_HOME = returnPath('/admin');

/**
 * Where the browser goes after signing in to the admin center: a safe same-origin path
 * (dashboard/return-path.ts) that is one of the admin center's own, or its home — a sign-in
 * started here never lands on Partner Center, which would refuse the session anyway.
 */
export function adminReturnPath(value: unknown): ReturnPath {
  const path = returnPath(value);
  return path === ADMIN_HOME || path.startsWith('/admin/') || path.startsWith('/admin?') ? path : ADMIN_HOME;
}
