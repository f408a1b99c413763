import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_DEMO_PASSWORD, loadConfig } from '../src/config.ts';
import { makeTestCertificate } from './support/tls.ts';

describe('Operations: configuration', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'warden-config-'));
  const key = Buffer.alloc(32, 7).toString('base64');

  it('Operations: defaults: port 3000, localhost base URL, ./data, SQLite, demo mode, loopback only', () => {
    const config = loadConfig({ WARDEN_DATA_DIR: dataDir() });
    assert.equal(config.port, 3000);
    assert.equal(config.baseUrl, 'http://localhost:3000');
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.demo, true);
    assert.equal(config.demoPassword, DEFAULT_DEMO_PASSWORD);
    assert.equal(config.masterKey.length, 32);
    assert.deepEqual(
      loadConfig({ WARDEN_DATA_DIR: config.dataDir }).masterKey,
      config.masterKey,
      'the demo key is kept',
    );
  });

  it('STYLE 8: production mode refuses the fixed demo password and needs WARDEN_SECRET_KEY', () => {
    assert.throws(() => loadConfig({ WARDEN_MODE: 'production', WARDEN_DATA_DIR: dataDir() }), ConfigError);
    assert.throws(
      () =>
        loadConfig({
          WARDEN_MODE: 'production',
          WARDEN_SECRET_KEY: key,
          WARDEN_DEMO_PASSWORD: DEFAULT_DEMO_PASSWORD,
        }),
      ConfigError,
    );
    assert.throws(() => loadConfig({ WARDEN_SECRET_KEY: 'too-short' }), ConfigError);
    const config = loadConfig({
      WARDEN_MODE: 'production',
      WARDEN_SECRET_KEY: key,
      DATABASE_URL: 'postgres://db/warden',
    });
    assert.equal(config.demo, false);
    assert.equal(config.databaseUrl, 'postgres://db/warden');
  });

  it('Operations: bad values are clear errors', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(
      () => loadConfig({ WARDEN_BASE_URL: 'not a url', WARDEN_DATA_DIR: dataDir() }),
      /WARDEN_BASE_URL/,
    );
  });

  describe('Operations: HTTPS', () => {
    const certificate = makeTestCertificate();
    const other = makeTestCertificate();

    it('Operations: WARDEN_TLS_CERT and WARDEN_TLS_KEY make Warden serve https, with an https default base URL', () => {
      const config = loadConfig({
        WARDEN_DATA_DIR: dataDir(),
        PORT: '8443',
        WARDEN_TLS_CERT: certificate.certPath,
        WARDEN_TLS_KEY: certificate.keyPath,
      });
      assert.equal(config.baseUrl, 'https://localhost:8443');
      assert.equal(config.tls?.cert.toString(), certificate.pem);
      assert.equal(loadConfig({ WARDEN_DATA_DIR: dataDir() }).tls, undefined);
    });

    it('Operations: one without the other, an unreadable file, a file that is no PEM or a key of another certificate is a ConfigError', () => {
      const base = { WARDEN_DATA_DIR: dataDir() };
      const refused = (env: Record<string, string>, message: RegExp) =>
        assert.throws(
          () => loadConfig({ ...base, ...env }),
          (error: Error) => {
            assert.ok(error instanceof ConfigError, String(error));
            assert.match(error.message, message);
            return true;
          },
        );
      refused({ WARDEN_TLS_CERT: certificate.certPath }, /WARDEN_TLS_KEY is not set/);
      refused({ WARDEN_TLS_KEY: certificate.keyPath }, /WARDEN_TLS_CERT is not set/);
      refused(
        { WARDEN_TLS_CERT: join(certificate.dir, 'missing.pem'), WARDEN_TLS_KEY: certificate.keyPath },
        /WARDEN_TLS_CERT .* cannot be read: ENOENT/,
      );
      refused(
        { WARDEN_TLS_CERT: certificate.keyPath, WARDEN_TLS_KEY: certificate.keyPath },
        /is not a PEM certificate/,
      );
      refused(
        { WARDEN_TLS_CERT: certificate.certPath, WARDEN_TLS_KEY: certificate.certPath },
        /is not a PEM private key/,
      );
      refused(
        { WARDEN_TLS_CERT: certificate.certPath, WARDEN_TLS_KEY: other.keyPath },
        /is not the private key of the certificate/,
      );
    });
  });
});
