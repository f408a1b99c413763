import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';
import { SELF_SIGNED_CERT, SELF_SIGNED_DIR, SELF_SIGNED_KEY } from '../src/http/self-signed.ts';
import { testDatabase } from './support/harness.ts';
import { freePort, ServerProcess } from './support/server-process.ts';
import { makeTestCertificate, trustInThisProcess } from './support/tls.ts';

/**
 * README "HTTPS": the https demo is one command. `npm start -- --https` (WARDEN_HTTPS=self-signed)
 * makes a localhost certificate with openssl once, keeps it in the data dir, serves https with it,
 * and prints the lines that make Node and Python clients trust it.
 */
describe('Operations: the one-command https demo (npm start -- --https)', () => {
  let dataDir: string;
  let database: Awaited<ReturnType<typeof testDatabase>>;
  const servers: ServerProcess[] = [];
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'warden-https-demo-'));
    database = await testDatabase('warden_https_demo');
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(args: string[], env: Record<string, string> = {}) {
    const port = await freePort();
    const server = new ServerProcess(
      port,
      { WARDEN_DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}), ...env },
      args,
    );
    servers.push(server);
    await server.running;
    return { server, base: `https://localhost:${port}` };
  }

  const certPath = () => join(dataDir, SELF_SIGNED_DIR, SELF_SIGNED_CERT);

  test('Operations: the first start makes the certificate (key 0600 in a 0700 directory), serves https with it and prints NODE_EXTRA_CA_CERTS and REQUESTS_CA_BUNDLE', async () => {
    const { server, base } = await start(['--https']);
    const cert = certPath();
    assert.match(server.output, /self-signed certificate for localhost made now/);
    assert.ok(server.output.includes(`NODE_EXTRA_CA_CERTS=${cert}`), server.output);
    assert.ok(server.output.includes(`REQUESTS_CA_BUNDLE=${cert}`), server.output);
    assert.match(server.output, /Warden is running: https:\/\/localhost:\d+\/dashboard/);
    assert.match(server.output, /Demo data created/);

    assert.equal(statSync(join(dataDir, SELF_SIGNED_DIR)).mode & 0o777, 0o700);
    assert.equal(statSync(join(dataDir, SELF_SIGNED_DIR, SELF_SIGNED_KEY)).mode & 0o777, 0o600);
    const pem = readFileSync(cert, 'utf8');
    const x509 = new X509Certificate(pem);
    assert.equal(x509.subject, 'CN=localhost');
    assert.match(x509.subjectAltName ?? '', /DNS:localhost/);
    assert.match(x509.subjectAltName ?? '', /IP Address:127\.0\.0\.1/);
    assert.ok(x509.checkHost('localhost'));
    // RFC 5280 §4.2.1.9: a server certificate, not a CA that could sign for any host.
    assert.equal(x509.ca, false);

    // A client that trusts the printed file (as NODE_EXTRA_CA_CERTS does) reaches the https authority.
    trustInThisProcess(pem);
    const discovery = await fetch(`${base}/contoso.example/v2.0/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const metadata = (await discovery.json()) as { issuer: string; token_endpoint: string };
    assert.match(metadata.issuer, new RegExp(`^${base}/[0-9a-f-]{36}/v2\\.0$`));
    assert.ok(metadata.token_endpoint.startsWith(`${base}/`));
    // The dashboard signs in through Warden's own https authority: the server trusts its own certificate.
    const signIn = await fetch(`${base}/dashboard/sign-in?email=jane%40contoso.example`, {
      redirect: 'manual',
    });
    assert.equal(signIn.status, 303, await signIn.text());
    assert.ok(
      signIn.headers.get('location')?.includes('/oauth2/v2.0/authorize'),
      signIn.headers.get('location') ?? '',
    );
    await server.stop();
  });

  test('Operations: a later start (WARDEN_HTTPS=self-signed) serves the kept certificate: clients trust it once', async () => {
    const before = readFileSync(certPath(), 'utf8');
    const { server, base } = await start([], { WARDEN_HTTPS: 'self-signed' });
    assert.match(server.output, /made at the first start/);
    assert.ok(server.output.includes(`NODE_EXTRA_CA_CERTS=${certPath()}`));
    assert.equal(readFileSync(certPath(), 'utf8'), before);
    assert.equal((await fetch(`${base}/healthz`)).status, 200);
    await server.stop();
  });

  test('Operations: npm start refuses an argument it does not know', async () => {
    const server = new ServerProcess(await freePort(), { WARDEN_DATA_DIR: dataDir }, ['--htps']);
    servers.push(server);
    const { code, output } = await server.exited;
    assert.equal(code, 2);
    assert.match(output, /Unknown argument --htps/);
  });
});

describe('Operations: WARDEN_HTTPS configuration', () => {
  test('Operations: processes making the certificate at once on a new data dir all end with the one that won', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-https-race-'));
    const module = new URL('../src/http/self-signed.ts', import.meta.url).href;
    const script = `const m = await import(${JSON.stringify(module)}); const r = m.ensureSelfSignedCertificate(process.argv[1]); const { readFileSync } = await import('node:fs'); console.log(JSON.stringify({ created: r.created, pem: readFileSync(r.certPath, 'utf8') }));`;
    try {
      const runs = await Promise.all(
        Array.from({ length: 4 }, async () => {
          const child = spawn(process.execPath, ['--input-type=module', '-e', script, dataDir], {
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let out = '';
          child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
            out += chunk;
          });
          const [code] = (await once(child, 'close')) as [number];
          assert.equal(code, 0);
          return JSON.parse(out) as { created: boolean; pem: string };
        }),
      );
      assert.equal(runs.filter((r) => r.created).length, 1, 'one process made it');
      assert.equal(new Set(runs.map((r) => r.pem)).size, 1, 'every process uses the one certificate');
      assert.equal(runs[0]!.pem, readFileSync(join(dataDir, SELF_SIGNED_DIR, SELF_SIGNED_CERT), 'utf8'));
      assert.deepEqual(readdirSync(dataDir), [SELF_SIGNED_DIR], 'no candidate directory is left');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  const refused = (env: Record<string, string>, message: RegExp) =>
    assert.throws(
      () => loadConfig({ WARDEN_DATA_DIR: mkdtempSync(join(tmpdir(), 'warden-https-config-')), ...env }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError, String(error));
        assert.match(error.message, message);
        return true;
      },
    );

  test('Operations: WARDEN_HTTPS=self-signed gives https on the default base URL; unset is http (npm start as the README first shows)', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-https-config-'));
    try {
      const config = loadConfig({ WARDEN_DATA_DIR: dataDir, PORT: '8443', WARDEN_HTTPS: 'self-signed' });
      assert.equal(config.baseUrl, 'https://localhost:8443');
      assert.equal(config.tls?.certPath, join(dataDir, SELF_SIGNED_DIR, SELF_SIGNED_CERT));
      assert.deepEqual(config.selfSigned, { created: true });
      assert.deepEqual(loadConfig({ WARDEN_DATA_DIR: dataDir, WARDEN_HTTPS: 'self-signed' }).selfSigned, {
        created: false,
      });
      const plain = loadConfig({ WARDEN_DATA_DIR: dataDir });
      assert.equal(plain.baseUrl, 'http://localhost:3000');
      assert.equal(plain.tls, undefined);
      assert.equal(plain.selfSigned, undefined);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  test('Operations: a self-signed certificate is refused in production mode, beside WARDEN_TLS_CERT, and for another value', () => {
    const certificate = makeTestCertificate();
    try {
      refused(
        {
          WARDEN_HTTPS: 'self-signed',
          WARDEN_MODE: 'production',
          WARDEN_SECRET_KEY: Buffer.alloc(32).toString('base64'),
        },
        /is for the demo/,
      );
      refused(
        {
          WARDEN_HTTPS: 'self-signed',
          WARDEN_TLS_CERT: certificate.certPath,
          WARDEN_TLS_KEY: certificate.keyPath,
        },
        /choose one/,
      );
      refused({ WARDEN_HTTPS: 'yes' }, /WARDEN_HTTPS is self-signed or unset/);
    } finally {
      rmSync(certificate.dir, { recursive: true, force: true });
    }
  });
});
