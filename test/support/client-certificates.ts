import { execFileSync } from 'node:child_process';
import { createHash, createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GRAPH_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { callApi } from './tokens.ts';

/** A client certificate for private_key_jwt, made with the openssl command line (RSA 2048). */
export interface ClientCertificate {
  pem: string;
  keyPem: string;
  privateKey: KeyObject;
  /** base64 DER: Graph's keyCredential `key`. */
  der: string;
  /** SHA-1 thumbprint, upper-case hex (Graph customKeyIdentifier, MSAL's `thumbprint`). */
  sha1Hex: string;
  /** SHA-256 thumbprint, hex (MSAL's `thumbprintSha256`). */
  sha256Hex: string;
  x5t: string;
  x5tS256: string;
}

export function makeClientCertificate(days = 30): ClientCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'warden-client-cert-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      keyPath,
      '-out',
      certPath,
      '-days',
      String(days),
      '-subj',
      '/CN=warden-test-client',
    ],
    { stdio: 'ignore' },
  );
  const pem = readFileSync(certPath, 'utf8');
  const keyPem = readFileSync(keyPath, 'utf8');
  const raw = new X509Certificate(pem).raw;
  const sha1 = createHash('sha1').update(raw).digest();
  const sha256 = createHash('sha256').update(raw).digest();
  return {
    pem,
    keyPem,
    privateKey: createPrivateKey(keyPem),
    der: raw.toString('base64'),
    sha1Hex: sha1.toString('hex').toUpperCase(),
    sha256Hex: sha256.toString('hex'),
    x5t: sha1.toString('base64url'),
    x5tS256: sha256.toString('base64url'),
  };
}

/**
 * A Contoso daemon registered through Graph by a Global Administrator's token, with app role
 * User.Read.All, and the given certificates uploaded as keyCredentials (PATCH, as Graph does).
 */
export async function registerCertificateApp(
  w: TestWarden,
  adminToken: string,
  certificates: readonly ClientCertificate[],
  displayName = 'Certificate daemon',
): Promise<{ id: string; appId: string }> {
  const created = await callApi(w, 'POST', '/v1.0/applications', {
    token: adminToken,
    body: {
      displayName,
      requiredResourceAccess: [
        { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
      ],
    },
  });
  if (created.status !== 201) throw new Error(`registration failed: ${JSON.stringify(created.body)}`);
  const patched = await callApi(w, 'PATCH', `/v1.0/applications/${created.body.id}`, {
    token: adminToken,
    body: {
      keyCredentials: certificates.map((c, i) => ({
        type: 'AsymmetricX509Cert',
        usage: 'Verify',
        key: c.der,
        displayName: `cert ${i + 1}`,
      })),
    },
  });
  if (patched.status !== 204) throw new Error(`keyCredentials refused: ${JSON.stringify(patched.body)}`);
  return { id: created.body.id, appId: created.body.appId };
}
