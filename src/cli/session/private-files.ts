import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RefusedError } from '../errors.ts';

/*
 * The CLI's files that hold refresh tokens (`warden login`'s token cache, `warden sam`'s chain):
 * the user's alone, replaced whole, and written by one warden process at a time — refresh tokens
 * rotate on every use, and a second use of one is a replay that revokes the whole chain.
 */

const LOCK_WAIT_MS = 30_000;
/** A lock left by a process that died mid-refresh is stale after a minute. */
const STALE_LOCK_MS = 60_000;

/** Creates `dir` if needed, mode 0700 (mkdir leaves an existing directory's mode alone: chmod). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}

/**
 * Replaces `file` with `text`, mode 0600: written to a temporary file beside it, synced, then
 * renamed over it, so a crash or a concurrent reader sees the old content or the new, never half.
 */
export function writePrivateFile(file: string, text: string): void {
  const dir = path.dirname(file);
  ensurePrivateDir(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    rmSync(temp, { force: true });
    throw error;
  }
  closeSync(fd);
  renameSync(temp, file);
}

/**
 * Runs `work` holding the lock file `lock` (created exclusively, removed after). A second process
 * waits up to 30 s (`onWait` is told once), then is refused with `lockedMessage`.
 */
export async function withLockFile<T>(
  lock: string,
  lockedMessage: string,
  work: () => Promise<T>,
  onWait?: () => void,
): Promise<T> {
  ensurePrivateDir(path.dirname(lock));
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let waited = false; ; waited = true) {
    try {
      closeSync(openSync(lock, 'wx', 0o600));
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error;
    }
    if (!waited) onWait?.();
    const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > STALE_LOCK_MS) rmSync(lock, { force: true });
    else if (Date.now() > deadline)
      throw new RefusedError(lockedMessage, `If no other warden runs, remove ${lock}.`);
    else await sleep(50);
  }
  try {
    return await work();
  } finally {
    rmSync(lock, { force: true });
  }
}
