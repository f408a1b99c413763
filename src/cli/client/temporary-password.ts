import { randomInt } from 'node:crypto';

// No look-alikes (0/O, 1/l/I): the password is read off a screen and typed once.
const CLASSES = ['ABCDEFGHJKLMNPQRSTUVWXYZ', 'abcdefghijkmnopqrstuvwxyz', '23456789', '!#$%*+-=?@'];

/**
 * A temporary password for an administrator to hand over: 16 characters from a CSPRNG, with every
 * character class (Entra's policy asks for three of four), so any reasonable policy accepts it.
 * The user must change it at the next sign-in (forceChangePasswordNextSignIn).
 */
export function temporaryPassword(length = 16): string {
  const all = CLASSES.join('');
  const chars = CLASSES.map((c) => c[randomInt(c.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  // Fisher–Yates, so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
