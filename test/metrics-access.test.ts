import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createContext } from '../src/app.ts';
import { ConfigError, loadConfig } from '../src/config.ts';
import { buildServer } from '../src/http/server.ts';
import { startWarden } from './support/harness.ts';
import { freePort } from './support/server-process.ts';

/*
 * Issue 16 item 2: who may read /metrics, and when it exists at all (docs/metrics.md "Access"):
 * off unless configured, loopback by default, a token beyond loopback, never the public port,
 * and a Warden asked for metrics does not start without them. test/metrics.test.ts checks the series.
 */

const TOKEN = 'metrics-test-token-0123456789abcdef0123456789';

describe('Operations: metrics are off unless configured (issue 16 item 2)', () => {
  it('Operations: a loopback listener without a token answers only a loopback Host (no DNS rebinding)', async () => {
    const port = await freePort();
    const w = await startWarden({ env: { WARDEN_METRICS_PORT: String(port) } });
    try {
      const get = (host: string) =>
        new Promise<number>((done, fail) =>
          request({ host: '127.0.0.1', port, path: '/metrics', headers: { host } }, (res) => {
            res.resume();
            done(res.statusCode ?? 0);
          })
            .on('error', fail)
            .end(),
        );
      assert.equal(await get(`127.0.0.1:${port}`), 200);
      assert.equal(await get(`localhost:${port}`), 200);
      assert.equal(await get(`attacker.example:${port}`), 401);
    } finally {
      await w.stop();
    }
  });

  it('Operations: without WARDEN_METRICS_PORT nothing is recorded and /metrics is absent', async () => {
    const w = await startWarden();
    try {
      assert.equal(w.ctx.metrics, undefined);
      assert.equal((await fetch(`${w.baseUrl}/metrics`)).status, 404);
    } finally {
      await w.stop();
    }
  });

  it('Operations: a metrics listener beyond loopback needs a token; a short token or the public port is refused', () => {
    const base = { WARDEN_DATA_DIR: '/tmp/warden-metrics-config', PORT: '3000' };
    assert.throws(
      () => loadConfig({ ...base, WARDEN_METRICS_PORT: '9464', WARDEN_METRICS_HOST: '0.0.0.0' }),
      ConfigError,
    );
    assert.throws(
      () => loadConfig({ ...base, WARDEN_METRICS_PORT: '9464', WARDEN_METRICS_TOKEN: 'short' }),
      ConfigError,
    );
    assert.throws(() => loadConfig({ ...base, WARDEN_METRICS_PORT: '3000' }), ConfigError);
    assert.throws(() => loadConfig({ ...base, WARDEN_METRICS_TOKEN: TOKEN }), ConfigError);
    assert.deepEqual(loadConfig({ ...base, WARDEN_METRICS_PORT: '9464' }).metrics, {
      port: 9464,
      host: '127.0.0.1',
      token: undefined,
    });
    assert.equal(
      loadConfig({
        ...base,
        WARDEN_METRICS_PORT: '9464',
        WARDEN_METRICS_HOST: '0.0.0.0',
        WARDEN_METRICS_TOKEN: TOKEN,
      }).metrics?.host,
      '0.0.0.0',
    );
    assert.equal(loadConfig(base).metrics, undefined);
  });
});

describe('Operations: a metrics port that cannot be bound (issue 16 item 2)', () => {
  it('Operations: Warden does not start without the metrics it was asked for', async () => {
    const taken = createServer();
    const [port, metricsPort] = [await freePort(), await freePort()];
    await new Promise<void>((ready) => taken.listen(metricsPort, '127.0.0.1', ready));
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-metrics-'));
    const config = loadConfig({
      PORT: String(port),
      WARDEN_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
      WARDEN_METRICS_PORT: String(metricsPort),
    });
    const ctx = await createContext(config);
    const app = await buildServer(ctx);
    try {
      await assert.rejects(app.listen({ port, host: '127.0.0.1' }), /EADDRINUSE/);
      // Not serving: the public port was never opened either.
      await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
    } finally {
      await app.close();
      await ctx.db.destroy();
      taken.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
