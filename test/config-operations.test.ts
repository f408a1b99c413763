import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('configuration for operations', () => {
  const dataDir = () => mkdtempSync(join(tmpdir(), 'warden-config-'));

  it('Operations: database timeouts, the load-shedding limits and the shutdown grace have safe defaults and refuse nonsense', () => {
    const config = loadConfig({ WARDEN_DATA_DIR: dataDir() });
    assert.equal(config.dbConnectTimeoutMs, 5_000);
    assert.equal(config.dbStatementTimeoutMs, 10_000);
    assert.equal(config.maxConcurrentRequests, 64);
    assert.equal(config.maxEventLoopDelayMs, 1_000);
    assert.equal(config.shutdownGraceMs, 10_000);
    assert.equal(config.authorityCacheSize, 2_000);
    assert.ok(config.passwordHashConcurrency >= 1);
    // 19 MiB an argon2id hash: a figure past the ceiling would switch the lane off, not set it.
    assert.equal(
      loadConfig({ WARDEN_DATA_DIR: config.dataDir, WARDEN_PASSWORD_HASH_CONCURRENCY: '256' })
        .passwordHashConcurrency,
      256,
    );
    assert.throws(
      () => loadConfig({ WARDEN_DATA_DIR: config.dataDir, WARDEN_PASSWORD_HASH_CONCURRENCY: '257' }),
      ConfigError,
    );
    const set = loadConfig({
      WARDEN_DATA_DIR: config.dataDir,
      WARDEN_DB_CONNECT_TIMEOUT_MS: '250',
      WARDEN_DB_STATEMENT_TIMEOUT_MS: '750',
      WARDEN_MAX_CONCURRENT_REQUESTS: '8',
      WARDEN_MAX_EVENT_LOOP_DELAY_MS: '150',
      WARDEN_SHUTDOWN_GRACE_MS: '3000',
      WARDEN_AUTHORITY_CACHE_SIZE: '2',
    });
    assert.deepEqual(
      [
        set.dbConnectTimeoutMs,
        set.dbStatementTimeoutMs,
        set.maxConcurrentRequests,
        set.maxEventLoopDelayMs,
        set.shutdownGraceMs,
        set.authorityCacheSize,
      ],
      [250, 750, 8, 150, 3000, 2],
    );
    for (const name of [
      'WARDEN_DB_CONNECT_TIMEOUT_MS',
      'WARDEN_DB_STATEMENT_TIMEOUT_MS',
      'WARDEN_MAX_CONCURRENT_REQUESTS',
      'WARDEN_MAX_EVENT_LOOP_DELAY_MS',
      'WARDEN_SHUTDOWN_GRACE_MS',
      'WARDEN_AUTHORITY_CACHE_SIZE',
      'WARDEN_PASSWORD_HASH_CONCURRENCY',
    ]) {
      for (const bad of ['0', '-5', '1.5', 'soon', '0x10', '1e3', ' 4 ', '9007199254740993'])
        assert.throws(
          () => loadConfig({ WARDEN_DATA_DIR: config.dataDir, [name]: bad }),
          ConfigError,
          `${name}=${bad}`,
        );
    }
    // Node's timers (and PostgreSQL's statement_timeout) end at 2^31 − 1 ms: past it, no timeout at all.
    for (const [name, field] of [
      ['WARDEN_DB_CONNECT_TIMEOUT_MS', 'dbConnectTimeoutMs'],
      ['WARDEN_DB_STATEMENT_TIMEOUT_MS', 'dbStatementTimeoutMs'],
      ['WARDEN_SHUTDOWN_GRACE_MS', 'shutdownGraceMs'],
    ] as const) {
      assert.equal(
        loadConfig({ WARDEN_DATA_DIR: config.dataDir, [name]: '2147483647' })[field],
        2_147_483_647,
      );
      assert.throws(
        () => loadConfig({ WARDEN_DATA_DIR: config.dataDir, [name]: '2147483648' }),
        ConfigError,
        name,
      );
    }
  });

  it('Operations: processes starting at once on a new data dir share one demo secret key', async () => {
    const dir = dataDir();
    const script = `import { loadConfig } from ${JSON.stringify(new URL('../src/config.ts', import.meta.url).href)};
process.stdout.write(loadConfig({ WARDEN_DATA_DIR: ${JSON.stringify(dir)} }).masterKey.toString('base64'));`;
    const keys = await Promise.all(
      Array.from(
        { length: 6 },
        () =>
          new Promise<string>((resolve, reject) => {
            const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
              stdio: ['ignore', 'pipe', 'inherit'],
            });
            let out = '';
            child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
              out += chunk;
            });
            child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
          }),
      ),
    );
    assert.equal(new Set(keys).size, 1);
    assert.equal(Buffer.from(keys[0]!, 'base64').length, 32);
  });
});
