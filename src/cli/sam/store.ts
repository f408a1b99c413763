import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { RefusedError } from '../errors.ts';
import { withLockFile, writePrivateFile } from '../session/private-files.ts';

/**
 * The Secure Application Model chain `warden sam consent` stores (reference §3.1): the partner's
 * refresh token and what is known about it. No client secret and no password is ever kept here
 * (reference §3.1 "Never store partner passwords"); the secret comes with each `warden sam token`.
 */
export interface SamChain {
  version: 1;
  server: string;
  clientId: string;
  /** The partner tenant the integration user consented in: its id, the name given, its issuer. */
  tenantId: string;
  tenantName: string;
  issuer: string;
  user: { oid: string; upn: string };
  /** RFC 8176 methods of the consent, from its verified ID token: refreshing never adds any. */
  amr: string[];
  /** ISO times: when the user consented (the chain's start) and when it was last redeemed. */
  consentedAt: string;
  lastUsedAt: string;
  refreshToken: string;
}

/** Reference §3.2: a refresh token unused for 90 days expires (AADSTS700082); each use renews it. */
export const INACTIVITY_DAYS = 90;

/**
 * Where the chain lives, by the OS's convention for per-user configuration: WARDEN_SAM_FILE if
 * set; Windows `%APPDATA%\warden\sam.json`; macOS `~/Library/Application Support/warden/sam.json`;
 * elsewhere `$XDG_CONFIG_HOME/warden/sam.json` (XDG Base Directory: only an absolute value counts),
 * else `~/.config/warden/sam.json`.
 */
export function samFile(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  home: string = homedir(),
): string {
  if (env.WARDEN_SAM_FILE) return env.WARDEN_SAM_FILE;
  if (platform === 'win32') {
    return path.win32.join(env.APPDATA || path.win32.join(home, 'AppData', 'Roaming'), 'warden', 'sam.json');
  }
  if (platform === 'darwin')
    return path.posix.join(home, 'Library', 'Application Support', 'warden', 'sam.json');
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : path.posix.join(home, '.config');
  return path.posix.join(base, 'warden', 'sam.json');
}

/** The stored chain; undefined when there is none. A damaged file is refused, not overwritten. */
export function readChain(file: string): SamChain | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw new RefusedError(`Cannot read ${file}: ${(error as Error).message}`);
  }
  let data: Partial<SamChain>;
  try {
    data = JSON.parse(text) as Partial<SamChain>;
  } catch {
    data = {};
  }
  if (data.version !== 1 || typeof data.refreshToken !== 'string' || typeof data.issuer !== 'string') {
    // Unlike the login cache this file may be the only copy of a consent: never silently drop it.
    throw new RefusedError(
      `${file} is not a warden sam file.`,
      'Move it away and run warden sam consent again.',
    );
  }
  return data as SamChain;
}

/**
 * Writes the chain atomically: a new 0600 file in the same 0700 directory, synced, then renamed
 * over the old one, so a crash or a concurrent reader sees the old chain or the new one, never
 * half a file. The refresh token rotates on every use and an old one replayed revokes the chain,
 * so losing the newest one would end the integration.
 */
export function writeChain(file: string, chain: SamChain): void {
  writePrivateFile(file, `${JSON.stringify(chain, null, 2)}\n`);
}

/**
 * Runs `work` holding `<file>.lock`: two `warden sam token` runs at once would both redeem the same
 * refresh token, and the second redemption is a replay that revokes the whole chain (RFC 9700
 * §4.14.2).
 */
export function withChainLock<T>(file: string, work: () => Promise<T>, onWait?: () => void): Promise<T> {
  return withLockFile(`${file}.lock`, `${file} is locked by another warden process.`, work, onWait);
}

/** What `warden sam status` reports: the chain's age, last use and time left, never the token. */
export function describeChain(chain: SamChain, file: string, now = Date.now()) {
  const day = 86_400_000;
  const lastUsed = Date.parse(chain.lastUsedAt);
  const expiresAt = lastUsed + INACTIVITY_DAYS * day;
  return {
    file,
    server: chain.server,
    clientId: chain.clientId,
    tenant: chain.tenantName,
    tenantId: chain.tenantId,
    user: chain.user.upn,
    amr: chain.amr,
    consentedAt: chain.consentedAt,
    ageDays: Math.floor((now - Date.parse(chain.consentedAt)) / day),
    lastUsedAt: chain.lastUsedAt,
    inactivityExpiresAt: new Date(expiresAt).toISOString(),
    daysLeft: Math.max(0, Math.ceil((expiresAt - now) / day)),
    expired: now >= expiresAt,
  };
}
