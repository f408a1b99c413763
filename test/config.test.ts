import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_DEMO_PASSWORD, loadConfig } from '../src/config.ts';

describe('configuration (issue 2 item 1)', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'warden-config-'));
  const key = Buffer.alloc(32, 7).toString('base64');

  it('defaults: port 3000, localhost base URL, ./data, SQLite, demo mode, loopback only', () => {
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

  it('production mode refuses the fixed demo password and needs WARDEN_SECRET_KEY', () => {
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

  it('bad values are clear errors', () => {
    assert.throws(() => loadConfig({ PORT: 'eighty' }), /PORT/);
    assert.throws(
      () => loadConfig({ WARDEN_BASE_URL: 'not a url', WARDEN_DATA_DIR: dataDir() }),
      /WARDEN_BASE_URL/,
    );
  });
});
