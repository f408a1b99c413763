import { hash, verify } from '@node-rs/argon2';
import { argon2Lane } from './argon2-lane.ts';

// OWASP's argon2id floor (m=19 MiB, t=2, p=1); ~10 ms a hash on this machine (STACK).
// The algorithm defaults to argon2id; its const enum is not imported (verbatimModuleSyntax).
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2Lane.run(() => hash(password, ARGON2_OPTIONS));
}

// A hash of a random password, verified when the account does not exist, so that the
// response time does not tell whether an account exists (issue 2 item 9). Made when the server
// starts (preparePasswordDecoy), so the first unknown account does not pay a hash more; a failed
// attempt is forgotten, so it is made again rather than failing every later unknown account.
let decoy: Promise<string> | undefined;

export function preparePasswordDecoy(): Promise<string> {
  decoy ??= hashPassword(crypto.randomUUID()).catch((error: unknown) => {
    decoy = undefined;
    throw error;
  });
  return decoy;
}

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (!storedHash) {
    // The same answer as a wrong password, whatever happens to the decoy.
    await preparePasswordDecoy()
      .then((decoyHash) => argon2Lane.run(() => verify(decoyHash, password)))
      .catch(() => false);
    return false;
  }
  return argon2Lane.run(() => verify(storedHash, password)).catch(() => false);
}
