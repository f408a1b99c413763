import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { testDatabase } from './support/harness.ts';
import { RawConnection } from './support/raw-http.ts';
import { freePort, ServerProcess } from './support/server-process.ts';

/** Headers of a form post whose body follows later; `Expect: 100-continue` tells when the server took it up. */
function formPostHead(path: string, body: string): string {
  return [
    `POST ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/x-www-form-urlencoded',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Expect: 100-continue',
    '',
    '',
  ].join('\r\n');
}

describe('Operations: graceful shutdown', { timeout: 120_000 }, () => {
  test('Operations: on SIGTERM the server stops accepting, closes idle keep-alive connections cleanly, answers the requests in flight with Connection: close, and exits 0', async () => {
    const { url, drop } = await testDatabase('warden_shutdown');
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-shutdown-'));
    const port = await freePort();
    const server = new ServerProcess(port, {
      WARDEN_DATA_DIR: dataDir,
      WARDEN_BASE_URL: `http://127.0.0.1:${port}`,
      ...(url ? { DATABASE_URL: url } : {}),
    });
    const connections: RawConnection[] = [];
    try {
      await server.running;
      const open = async () => {
        const connection = await RawConnection.open(port);
        connections.push(connection);
        return connection;
      };

      // An idle keep-alive connection: it served one request and waits for the next.
      const idle = await open();
      idle.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const first = await idle.readResponse();
      assert.equal(first.status, 200);
      assert.equal(first.headers.connection, 'keep-alive');

      // Two requests in flight on keep-alive connections: an authority one (it bypasses Fastify)
      // and a page's; each has sent its headers and waits to send its body.
      const tokenBody = 'grant_type=client_credentials&client_id=nobody&client_secret=nothing';
      const authority = await open();
      authority.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      assert.equal((await authority.readResponse()).headers.connection, 'keep-alive');
      authority.write(formPostHead('/contoso.example/oauth2/v2.0/token', tokenBody));
      const pageBody = 'password=x';
      const page = await open();
      page.write(formPostHead('/contoso.example/login/no-such-interaction', pageBody));
      assert.equal((await authority.readResponse()).status, 100);
      assert.equal((await page.readResponse()).status, 100);

      const exited = server.stop();
      // The idle connection is closed, not reset: the drain has begun.
      assert.equal(await idle.closed, 'end');
      // No new connections: refused (one that raced into the listen backlog is closed unanswered).
      const late = await RawConnection.open(port).catch(() => undefined);
      if (late) {
        connections.push(late);
        late.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
        await assert.rejects(late.readResponse());
      }

      authority.write(tokenBody);
      const answered = await authority.readResponse();
      assert.equal(answered.status, 401);
      assert.equal(JSON.parse(answered.body).error, 'invalid_client');
      assert.equal(answered.headers.connection, 'close');
      page.write(pageBody);
      const pageAnswer = await page.readResponse();
      assert.ok(pageAnswer.status >= 400 && pageAnswer.status < 500, String(pageAnswer.status));
      assert.equal(pageAnswer.headers.connection, 'close');
      assert.equal(await authority.closed, 'end');
      assert.equal(await page.closed, 'end');

      const { code, signal, output } = await exited;
      assert.equal(signal, null, output);
      assert.equal(code, 0, output);
    } finally {
      for (const connection of connections) connection.close();
      await server.stop();
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
