import { randomInt } from 'node:crypto';

/**
 * THE password policy (STYLE 2: one function, used wherever a password is set — an admin's
 * create, update or reset through the Graph-shaped API, and the user's own change at sign-in).
 * The rules follow Microsoft Entra's cloud password policy: 8 to 256 characters, at least three
 * of the four character classes, not containing the account's name; and, per SPEC §9, no password
 * from a known-breached list.
 */
export const MIN_LENGTH = 8;
export const MAX_LENGTH = 256;

/**
 * A short inline deny list: the most common passwords of the public breach corpora (the top of
 * the "most used passwords" lists), each of which satisfies the character-class rule and so would
 * otherwise pass. It stands in for SPEC §9's known-breached password list; a full feed belongs to
 * leaked-credential detection. Compared case-insensitively, after dropping trailing digits and
 * symbols people append to satisfy a policy ("Password1!" is still "password").
 */
const BREACHED = new Set([
  'password',
  'passw0rd',
  'p@ssw0rd',
  'p@ssword',
  'welcome',
  'welc0me',
  'qwerty',
  'qwertyuiop',
  'letmein',
  'iloveyou',
  'admin',
  'administrator',
  'changeme',
  'football',
  'baseball',
  'monkey',
  'dragon',
  'sunshine',
  'princess',
  'trustno1',
  'abc123',
  'summer',
  'winter',
  'spring',
  'autumn',
  'starwars',
  'master',
  'superman',
  'michael',
  'shadow',
  'azerty',
  'secret',
  'login',
  'hello',
  'freedom',
  'whatever',
  'qazwsx',
  '1q2w3e4r',
  '1qaz2wsx',
  'zaq12wsx',
]);

/** Who the password is for: the name parts it must not contain. */
export interface PasswordOwner {
  userPrincipalName: string;
  displayName?: string | null;
  givenName?: string | null;
  surname?: string | null;
}

/** The rule a password breaks, in words for the person choosing it; undefined when it complies. */
export function passwordPolicyProblem(password: string, owner: PasswordOwner): string | undefined {
  const length = [...password].length;
  if (length < MIN_LENGTH) return `The password must have at least ${MIN_LENGTH} characters.`;
  if (length > MAX_LENGTH) return `The password must have at most ${MAX_LENGTH} characters.`;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter((c) => c.test(password)).length;
  if (classes < 3)
    return 'The password must contain characters of at least three of these kinds: lowercase letters, uppercase letters, digits, symbols.';
  const lower = password.toLowerCase();
  const localPart = owner.userPrincipalName.split('@')[0]!.toLowerCase();
  const names = [localPart, owner.displayName, owner.givenName, owner.surname]
    .flatMap((n) => (n ?? '').toLowerCase().split(/[\s.\-_]+/))
    .concat(localPart)
    // Entra ignores name parts shorter than three characters (they match too much by chance).
    .filter((n) => n.length >= 3);
  if (names.some((n) => lower.includes(n)))
    return "The password must not contain the user's name or the user name part of the account.";
  const core = lower.replace(/[^a-z]+$/, '').replace(/^[^a-z]+/, '');
  if (BREACHED.has(lower) || BREACHED.has(core))
    return 'The password is on a list of commonly used or breached passwords. Choose another.';
  return undefined;
}

// Unambiguous characters (no 0/O, 1/l/I) so a temporary password can be read out over the phone.
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '!#$%&*+-=?@';

/**
 * A strong temporary password (SPEC §9 admin unblock): 16 characters from a CSPRNG, with every
 * character class, about 95 bits of entropy. It is shown once and must be changed at next sign-in.
 */
export function generateTemporaryPassword(): string {
  const all = LOWER + UPPER + DIGITS + SYMBOLS;
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(LOWER), pick(UPPER), pick(DIGITS), pick(SYMBOLS)];
  while (chars.length < 16) chars.push(pick(all));
  // Fisher–Yates, so the guaranteed classes are not always at the front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}
