import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id floor (m=19 MiB, t=2, p=1); ~10 ms a hash on this machine (STACK).
// The algorithm defaults to argon2id; its const enum is not imported (verbatimModuleSyntax).
const OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

// A hash of a random password, verified when the account does not exist, so that the
// response time does not tell whether an account exists (issue 2 item 9).
let decoy: Promise<string> | undefined;

export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  if (!storedHash) {
    decoy ??= hashPassword(crypto.randomUUID());
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
