import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadTlsFiles, TlsConfigError, type TlsFiles } from './http/tls.ts';

export const DEFAULT_DEMO_PASSWORD = 'Warden-Demo-2026!';

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** demo mode creates demo data and may use fixed demo secrets; production refuses them. */
  demo: boolean;
  demoPassword: string;
  /** 32-byte key that encrypts secrets at rest (signing keys, TOTP seeds, client secrets). */
  masterKey: Buffer;
  logLevel: string;
  /** Certificate and key when Warden serves https itself (WARDEN_TLS_CERT, WARDEN_TLS_KEY). */
  tls: TlsFiles | undefined;
}

export class ConfigError extends Error {}

/** Reads configuration from the environment (README "Configuration"). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new ConfigError(`PORT is not a port: ${env.PORT}`);
  let tls: TlsFiles | undefined;
  try {
    tls = loadTlsFiles(env.WARDEN_TLS_CERT || undefined, env.WARDEN_TLS_KEY || undefined);
  } catch (error) {
    if (error instanceof TlsConfigError) throw new ConfigError(error.message);
    throw error;
  }
  const scheme = tls ? 'https' : 'http';
  const baseUrl = (env.WARDEN_BASE_URL ?? `${scheme}://localhost:${port}`).replace(/\/+$/, '');
  try {
    new URL(baseUrl);
  } catch {
    throw new ConfigError(`WARDEN_BASE_URL is not a URL: ${baseUrl}`);
  }
  const dataDir = resolve(env.WARDEN_DATA_DIR ?? './data');
  const demo = (env.WARDEN_MODE ?? 'demo') !== 'production';
  const demoPassword = env.WARDEN_DEMO_PASSWORD ?? DEFAULT_DEMO_PASSWORD;
  if (!demo && demoPassword === DEFAULT_DEMO_PASSWORD && env.WARDEN_DEMO_PASSWORD !== undefined) {
    throw new ConfigError('the fixed demo password is refused outside demo mode');
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    baseUrl,
    dataDir,
    databaseUrl: env.DATABASE_URL || undefined,
    demo,
    demoPassword,
    masterKey: loadMasterKey(env.WARDEN_SECRET_KEY, dataDir, demo),
    logLevel: env.LOG_LEVEL ?? (env.NODE_ENV === 'test' ? 'silent' : 'info'),
    tls,
  };
}

/**
 * STYLE 8: secrets we must read back are encrypted with a key from configuration.
 * Production must supply WARDEN_SECRET_KEY; demo mode makes one in the data dir (mode 0600).
 */
function loadMasterKey(value: string | undefined, dataDir: string, demo: boolean): Buffer {
  if (value) {
    const key = Buffer.from(value, 'base64');
    if (key.length !== 32) throw new ConfigError('WARDEN_SECRET_KEY must be 32 bytes, base64-encoded');
    return key;
  }
  if (!demo)
    throw new ConfigError('WARDEN_SECRET_KEY is required outside demo mode (openssl rand -base64 32)');
  const file = join(dataDir, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
