import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { withLockFile, writePrivateFile } from './private-files.ts';

/** A signed-in session of one user at one tenant of one server. */
export interface StoredSession {
  server: string;
  tenantId: string;
  /** The name the user signed in with (`--tenant contoso.example`), so it finds the session again. */
  tenantName: string;
  issuer: string;
  clientId: string;
  user: { oid: string; upn: string; name?: string };
  /** From the ID token of the sign-in: refreshing never changes them (SPEC §3). */
  amr: string[];
  authTime?: number;
  refreshToken?: string;
  /** Access tokens by audience (`urn:warden:graph`, `urn:warden:partner-api`). */
  accessTokens: Record<string, { token: string; expiresAt: number }>;
  signedInAt: number;
}

interface CacheFile {
  version: 1;
  /** The session key last signed in to, per server: used when --tenant is omitted. */
  last: Record<string, string>;
  sessions: Record<string, StoredSession>;
}

/** Where the cache lives: $XDG_CONFIG_HOME/warden, else ~/.config/warden. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'warden');
}

export function sessionKey(server: string, tenantId: string): string {
  return `${server} ${tenantId}`;
}

/**
 * The token cache: one JSON file, mode 0600 in a 0700 directory, replaced atomically (a new file
 * renamed over the old one) so a crash or a concurrent reader never sees half a file. Refresh
 * tokens are bearer credentials: never printed, never logged.
 */
export class TokenCache {
  readonly dir: string;
  readonly file: string;
  #data: CacheFile;
  /** True while this process holds the lock: the only time the cache may be written. */
  #held = false;

  constructor(dir = configDir()) {
    this.dir = dir;
    this.file = join(dir, 'tokens.json');
    this.#data = this.#read();
  }

  #read(): CacheFile {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch {
      return { version: 1, last: {}, sessions: {} };
    }
    try {
      const data = JSON.parse(text) as CacheFile;
      if (data.version === 1 && data.sessions && data.last) return data;
    } catch {
      // A damaged cache is only a lost sign-in: start again rather than fail every command.
    }
    return { version: 1, last: {}, sessions: {} };
  }

  /** The session for `tenant` (id or the name signed in with) at `server`; without a tenant, the last one. */
  find(server: string, tenant: string | undefined): StoredSession | undefined {
    if (tenant === undefined) {
      const key = this.#data.last[server];
      return key ? this.#data.sessions[key] : undefined;
    }
    const wanted = tenant.toLowerCase();
    return Object.values(this.#data.sessions).find(
      (s) => s.server === server && (s.tenantId === wanted || s.tenantName === wanted),
    );
  }

  /** The session of one server and tenant id, as last read. */
  get(server: string, tenantId: string): StoredSession | undefined {
    return this.#data.sessions[sessionKey(server, tenantId)];
  }

  /**
   * Runs `work` while holding the cache's lock file, on a fresh read of the cache; every write
   * (put, remove) happens inside it. Refreshing needs it most: refresh tokens rotate and a second
   * use of one is a replay that revokes the whole chain, so two warden processes must never refresh
   * with the same token at once.
   */
  async locked<T>(work: () => Promise<T>, onWait?: () => void): Promise<T> {
    return withLockFile(
      join(this.dir, 'tokens.lock'),
      'The token cache is locked by another warden process.',
      async () => {
        this.#held = true;
        try {
          this.#data = this.#read();
          return await work();
        } finally {
          this.#held = false;
        }
      },
      onWait,
    );
  }

  sessions(): StoredSession[] {
    return Object.values(this.#data.sessions);
  }

  put(session: StoredSession, options: { makeLast?: boolean } = {}): void {
    const key = sessionKey(session.server, session.tenantId);
    this.#data.sessions[key] = session;
    if (options.makeLast) this.#data.last[session.server] = key;
    this.#write();
  }

  remove(session: StoredSession): void {
    const key = sessionKey(session.server, session.tenantId);
    delete this.#data.sessions[key];
    if (this.#data.last[session.server] === key) delete this.#data.last[session.server];
    this.#write();
  }

  #write(): void {
    // The whole file is written back: outside the lock, on an old read, that would undo what another
    // warden process stored meanwhile (a rotated refresh token, a sign-in to another tenant).
    if (!this.#held) throw new Error('the token cache is written only inside locked()');
    writePrivateFile(this.file, `${JSON.stringify(this.#data, null, 2)}\n`);
  }
}
