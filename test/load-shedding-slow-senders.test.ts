import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startConfiguredWarden } from './support/configured-warden.ts';
import { RawConnection } from './support/raw-http.ts';

const LIMIT = 4;

describe('Operations: load shedding and slow senders', { timeout: 60_000 }, () => {
  let w: Awaited<ReturnType<typeof startConfiguredWarden>>;
  before(async () => {
    w = await startConfiguredWarden({ WARDEN_MAX_CONCURRENT_REQUESTS: String(LIMIT) });
  });
  after(async () => {
    await w?.stop();
  });

  it('Operations: requests that send their headers and then no body do not keep the slots of the concurrency limit (no unauthenticated denial of service)', async () => {
    const port = Number(new URL(w.baseUrl).port);
    const contoso = w.demo.tenants.contoso!.id;
    const held: RawConnection[] = [];
    try {
      for (let i = 0; i < LIMIT * 2; i++) {
        const c = await RawConnection.open(port);
        c.write(
          `POST /${contoso}/oauth2/v2.0/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n`,
        );
        held.push(c);
      }
      // The attacker sends nothing more; past the grace of a second the bodies no longer count as work.
      await sleep(1_200);
      const discovery = await fetch(`${w.baseUrl}/${contoso}/v2.0/.well-known/openid-configuration`);
      assert.equal(discovery.status, 200);
    } finally {
      for (const c of held) c.socket.destroy();
    }
  });
});
