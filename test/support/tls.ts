import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getCACertificates, setDefaultCACertificates } from 'node:tls';

export interface TestCertificate {
  dir: string;
  certPath: string;
  keyPath: string;
  pem: string;
}

/**
 * A self-signed certificate for localhost and 127.0.0.1, made with the openssl command line the
 * way README "HTTPS" shows (P-256 to keep it quick).
 */
export function makeTestCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'warden-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
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
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { stdio: 'pipe' },
  );
  return { dir, certPath, keyPath, pem: readFileSync(certPath, 'utf8') };
}

/**
 * Makes this test process trust `pem` for every TLS client in it (fetch, node:https, so
 * openid-client and MSAL alike), as NODE_EXTRA_CA_CERTS would at start.
 */
export function trustInThisProcess(pem: string): void {
  const current = getCACertificates('default');
  if (!current.includes(pem)) setDefaultCACertificates([...current, pem]);
}
