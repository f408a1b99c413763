import { execFileSync } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TlsConfigError } from './tls.ts';

/** Where the demo's certificate is kept, in the data dir (with secret.key and demo.json). */
export const SELF_SIGNED_DIR = 'tls';
export const SELF_SIGNED_CERT = 'localhost-cert.pem';
export const SELF_SIGNED_KEY = 'localhost-key.pem';

/** Long enough for a demo install; a certificate past it is refused at start, never renewed silently. */
const VALIDITY_DAYS = 825;

export interface SelfSignedCertificate {
  certPath: string;
  keyPath: string;
  /** True when this start made it (the lines that trust it are worth printing then). */
  created: boolean;
}

/**
 * The https demo (`npm start -- --https`, WARDEN_HTTPS=self-signed): a certificate for localhost,
 * 127.0.0.1 and ::1 made once with the openssl command line (as README "HTTPS" shows), kept in
 * `<data dir>/tls/` (directory 0700, key 0600) and used again at every start, so clients trust it
 * once. Several processes starting at once on a new data dir each make a pair in a directory of
 * their own and rename it into place: the rename fails for all but the first, which the others then
 * use (the same settle-by-the-file-system rule as the demo key in config.ts).
 */
export function ensureSelfSignedCertificate(dataDir: string, now = Date.now()): SelfSignedCertificate {
  const dir = join(dataDir, SELF_SIGNED_DIR);
  let created = false;
  if (!existsSync(dir)) {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const candidate = `${dir}.${process.pid}.${randomBytes(6).toString('hex')}`;
    mkdirSync(candidate, { mode: 0o700 });
    try {
      makeCertificate(candidate);
      renameSync(candidate, dir);
      created = true;
    } catch (error) {
      rmSync(candidate, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw error;
    }
  }
  const certPath = join(dir, SELF_SIGNED_CERT);
  const keyPath = join(dir, SELF_SIGNED_KEY);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(readFileSync(certPath));
  } catch {
    throw new TlsConfigError(
      `${certPath} is not a readable certificate: remove ${dir} and start again to make a new one`,
    );
  }
  if (Date.parse(certificate.validTo) <= now)
    throw new TlsConfigError(
      `the self-signed certificate ${certPath} expired on ${certificate.validTo}: remove ${dir} and start again to make a new one (clients must then trust the new one)`,
    );
  return { certPath, keyPath, created };
}

function makeCertificate(dir: string): void {
  const keyPath = join(dir, SELF_SIGNED_KEY);
  const certPath = join(dir, SELF_SIGNED_CERT);
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        keyPath,
        '-out',
        certPath,
        '-days',
        String(VALIDITY_DAYS),
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1',
        // A server certificate, not a CA: trusted through NODE_EXTRA_CA_CERTS/REQUESTS_CA_BUNDLE,
        // its key could otherwise sign for any host (openssl's default for -x509 is CA:TRUE).
        '-addext',
        'basicConstraints=critical,CA:FALSE',
        '-addext',
        'keyUsage=critical,digitalSignature',
        '-addext',
        'extendedKeyUsage=serverAuth',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'the openssl command is not installed'
        : String((error as { stderr?: Buffer }).stderr ?? error).trim();
    throw new TlsConfigError(
      `could not make a self-signed certificate with openssl (${reason}); install openssl, or give WARDEN_TLS_CERT and WARDEN_TLS_KEY`,
    );
  }
  // openssl writes the key 0600 already on most systems; make sure whatever the umask.
  chmodSync(keyPath, 0o600);
  chmodSync(certPath, 0o644);
}
