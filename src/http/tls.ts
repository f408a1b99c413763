import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';

/** A certificate (chain) and its private key, PEM, for serving https (issue 4 item 3). */
export interface TlsFiles {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

export class TlsConfigError extends Error {}

/**
 * Reads and checks WARDEN_TLS_CERT / WARDEN_TLS_KEY at start, so a wrong file is a clear error
 * then and not a failed handshake later: both or neither, readable, PEM, and a key that is the
 * certificate's.
 */
export function loadTlsFiles(
  certPath: string | undefined,
  keyPath: string | undefined,
): TlsFiles | undefined {
  if (!certPath && !keyPath) return undefined;
  if (!certPath || !keyPath)
    throw new TlsConfigError(
      `WARDEN_TLS_CERT and WARDEN_TLS_KEY go together: ${certPath ? 'WARDEN_TLS_KEY' : 'WARDEN_TLS_CERT'} is not set`,
    );
  const cert = readPem(certPath, 'WARDEN_TLS_CERT');
  const key = readPem(keyPath, 'WARDEN_TLS_KEY');
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new TlsConfigError(`WARDEN_TLS_CERT (${certPath}) is not a PEM certificate`);
  }
  let privateKey: ReturnType<typeof createPrivateKey>;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new TlsConfigError(
      `WARDEN_TLS_KEY (${keyPath}) is not a PEM private key (an encrypted key is not supported)`,
    );
  }
  if (!certificate.checkPrivateKey(privateKey))
    throw new TlsConfigError(
      `WARDEN_TLS_KEY (${keyPath}) is not the private key of the certificate in ${certPath}`,
    );
  return { certPath, keyPath, cert, key };
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TlsConfigError(
      `${variable} (${path}) cannot be read: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** The node server under Fastify: https with the configured certificate, else plain http. */
export function createNodeServer(
  tls: TlsFiles | undefined,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  // A client gets 10 s for its headers and 30 s for its whole request (bodies are at most 64 KiB),
  // instead of Node's 60 s and 300 s: slow senders hold sockets for less time.
  const limits = { headersTimeout: 10_000, requestTimeout: 30_000 };
  return tls
    ? createHttpsServer({ cert: tls.cert, key: tls.key, ...limits }, listener)
    : createHttpServer(limits, listener);
}
