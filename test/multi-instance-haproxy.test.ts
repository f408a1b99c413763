import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createLocalJWKSet, type JSONWebKeySet, jwtVerify } from 'jose';
import type { DemoData } from '../src/demo/demo-data.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';
import { CliUser } from './support/cli.ts';
import { Haproxy, haproxyBinary } from './support/haproxy.ts';
import { testDatabase } from './support/harness.ts';
import { httpRelyingParty, httpSignIn, listCustomers, makeHttpUsers } from './support/http-sign-in.ts';
import { freePort, ServerProcess } from './support/server-process.ts';

/**
 * Issue 16 item 1, as deployed: haproxy (deploy/haproxy.cfg, unchanged) in front of two real
 * Warden processes on one PostgreSQL database; interactive sign-ins (password + TOTP, code, token,
 * then a Partner API call) through the balancer, round robin; a key rotation; SIGKILL of one
 * instance mid-run. Only requests in flight on the killed instance may fail, and no log row of an
 * answered request is lost.
 */

const WORKERS = 4;
/** Sign-ins before the rotation, and after the kill (the run goes on on the survivor). */
const BEFORE_ROTATION = 8;
const PUBLISH_AHEAD_S = 35;
const AFTER_KILL = 12;
/** Users made for the run: each signs in once (RFC 6238 §5.2: a code is accepted once per user). */
const USERS = 450;

interface Outcome {
  upn: string;
  userId: string;
  ok: boolean;
  error?: string;
  /** The request that failed was in flight when the instance was killed. */
  inFlightAtKill?: boolean;
  kid?: string;
  accessToken?: string;
  correlationId?: string;
}

const postgres = process.env.WARDEN_TEST_DATABASE_URL;
// PostgreSQL only: several instances share one database (README "Configuration").
if (postgres)
  describe('Operations: several instances behind haproxy', { timeout: 120_000 }, () => {
    test('Operations: two instances behind haproxy serve a sign-in storm round robin through a key rotation and the SIGKILL of one, failing only requests in flight on it and losing no log row', async () => {
      const binary = haproxyBinary();
      assert.ok(
        binary,
        'haproxy is not installed (apt-get install haproxy; .ci/run installs it): the multi-instance test needs it',
      );
      const database = await testDatabase('warden_haproxy');
      const dirs = [0, 1].map((i) => mkdtempSync(join(tmpdir(), `warden-haproxy-${i}-`)));
      const [lbPort, statsPort, port1, port2] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      const lb = `http://127.0.0.1:${lbPort}`;
      // Every instance: the same database, the same secret key, the balancer's public URL.
      const secretKey = randomBytes(32).toString('base64');
      const shared = {
        DATABASE_URL: database.url!,
        WARDEN_SECRET_KEY: secretKey,
        WARDEN_BASE_URL: lb,
        WARDEN_TRUSTED_PROXIES: '127.0.0.1',
        // A rotated key signs once published 35 s: more than the instances' 30-second key reload.
        WARDEN_KEY_PUBLISH_AHEAD_S: String(PUBLISH_AHEAD_S),
      };
      const instances = [port1!, port2!].map(
        (port, i) => new ServerProcess(port, { ...shared, WARDEN_DATA_DIR: dirs[i]! }),
      );
      const haproxy = new Haproxy(binary, {
        port: lbPort!,
        statsPort: statsPort!,
        instances: [`127.0.0.1:${port1}`, `127.0.0.1:${port2}`],
      });
      const realFetch = globalThis.fetch;
      try {
        // Both start at once on the new database (the first-start lock settles who migrates and seeds).
        await Promise.all(instances.map((s) => s.running));
        await haproxy.untilUp(['warden1', 'warden2']);
        const demoFile = dirs.map((d) => join(d, 'demo.json')).find((f) => existsSync(f));
        assert.ok(demoFile, 'one instance created the demo data');
        const demo = JSON.parse(readFileSync(demoFile, 'utf8')) as DemoData;
        const contoso = demo.tenants.contoso!.id;
        const users = await makeHttpUsers({
          databaseUrl: database.url,
          secretKey,
          tenantId: contoso,
          domain: 'contoso.example',
          names: Array.from({ length: USERS }, (_, n) => `storm${n}`),
          password: demo.password,
        });

        // Every request of the storm is counted, so the kill can say which ones were in flight.
        let nextRequest = 0;
        const inFlight = new Set<number>();
        let killedWith: Set<number> | undefined;
        const started = Date.now();
        // A request fails "on the killed instance" when it was in flight at the kill, or was sent
        // before haproxy took the instance out and got no answer from a Warden (the connection
        // closed, or haproxy's own 502/504: Warden never answers those).
        let markedDownAt = Number.POSITIVE_INFINITY;
        // Requests sent between the kill and haproxy marking the instance down.
        let sentWhileMarkedUp = 0;
        globalThis.fetch = async (input, init) => {
          const id = nextRequest++;
          const sentAt = Date.now();
          if (killedWith && markedDownAt === Number.POSITIVE_INFINITY) sentWhileMarkedUp++;
          inFlight.add(id);
          const unanswered = (what: string) =>
            Object.assign(new Error(`${what}: ${String(input).slice(0, 120)} at +${sentAt - started} ms`), {
              onKilledInstance:
                (killedWith?.has(id) ?? false) || (killedWith !== undefined && sentAt <= markedDownAt),
            });
          try {
            const response = await realFetch(input, init);
            if (response.status === 502 || response.status === 504)
              throw unanswered(`haproxy ${response.status}`);
            return response;
          } catch (error) {
            if ((error as { onKilledInstance?: boolean }).onKilledInstance !== undefined) throw error;
            const cause = (error as { cause?: { code?: string } }).cause;
            throw unanswered(`${String(error)} (${cause?.code ?? ''})`);
          } finally {
            inFlight.delete(id);
          }
        };
        const appId = demo.clients['warden-cli']!.clientId;
        const config = await httpRelyingParty(lb, contoso, appId);
        const initialKid = (await jwks(realFetch, `${lb}/${contoso}/discovery/v2.0/keys`))[0];

        const outcomes: Outcome[] = [];
        let stopAfter = Number.POSITIVE_INFINITY;
        // While the instances are yet to load the rotated key, fewer sign-ins run (the users last).
        let active = WORKERS;
        const worker = async (n: number) => {
          while (outcomes.length < stopAfter) {
            if (n >= active) {
              await new Promise((resolve) => setTimeout(resolve, 50));
              continue;
            }
            const user = users.shift();
            if (!user) return;
            const outcome: Outcome = { upn: user.upn, userId: user.id, ok: false };
            try {
              const { accessToken, kid } = await httpSignIn(config, user);
              const api = await listCustomers(lb, accessToken);
              assert.equal(api.status, 200, `${user.upn}: the Partner API answers`);
              Object.assign(outcome, { ok: true, accessToken, kid, correlationId: api.correlationId });
            } catch (error) {
              const cause = (error as { cause?: unknown; code?: string }).cause;
              outcome.error = `${String(error)} ${(error as { code?: string }).code ?? ''} ${cause ? String(cause) : ''}`;
              // A refusal with a body was answered by a Warden: never "on the killed instance".
              // openid-client wraps the fetch's error: the mark may be on a cause.
              let marked: unknown = error;
              while (marked && (marked as { onKilledInstance?: boolean }).onKilledInstance === undefined)
                marked = (marked as { cause?: unknown }).cause;
              outcome.inFlightAtKill =
                (marked as { onKilledInstance?: boolean } | undefined)?.onKilledInstance === true;
            }
            outcomes.push(outcome);
          }
        };
        const stormStart = Date.now();
        const storm = Promise.all(Array.from({ length: WORKERS }, (_, n) => worker(n)));

        const succeeded = () => outcomes.filter((o) => o.ok);
        const report = () =>
          `${succeeded().length} of ${outcomes.length} sign-ins succeeded; failures: ${outcomes
            .filter((o) => !o.ok)
            .slice(0, 3)
            .map((o) => o.error)
            .join('; ')}`;
        await until(() => succeeded().length >= BEFORE_ROTATION, 'the first sign-ins', report);
        const operator = new CliUser(undefined, { ...shared, WARDEN_DATA_DIR: dirs[0]! });
        const rotated = await operator.run(['keys', 'rotate', '--json']);
        operator.cleanup();
        assert.equal(rotated.code, 0, rotated.stderr);
        const newKid = (JSON.parse(rotated.stdout) as { kid: string }).kid;
        assert.notEqual(newKid, initialKid);
        // The storm pauses while the key waits to sign (the users last): the key is published by
        // every instance within 30 s, and signs once published PUBLISH_AHEAD_S.
        active = 0;
        const keysDb = (await openDatabase({ databaseUrl: database.url!, dataDir: tmpdir() })).db;
        try {
          await untilAsync(
            async () => (await keyStatus(keysDb, newKid)) === 'active',
            'an instance to let the new key sign',
            (PUBLISH_AHEAD_S + 40) * 1000,
          );
        } finally {
          await keysDb.destroy();
        }
        // When it starts signing, every instance already publishes it: a relying party fetching the
        // keys through the balancer, from either instance, finds the key of any token it gets.
        for (const instance of instances) {
          const keys = `${instance.baseUrl}/${contoso}/discovery/v2.0/keys`;
          assert.ok(
            (await jwks(realFetch, keys)).includes(newKid),
            `${keys} publishes ${newKid} before it signs`,
          );
        }
        active = 1;
        await until(
          () => succeeded().some((o) => o.kid === newKid),
          'a token signed by the new key',
          report,
          40_000,
        );
        const fresh = succeeded().find((o) => o.kid === newKid)!;
        active = WORKERS;
        // …which every instance verifies, each asked directly (not through the balancer)…
        for (const instance of instances) {
          const res = await realFetch(`${instance.baseUrl}/v1/customers`, {
            headers: { authorization: `Bearer ${fresh.accessToken}` },
          });
          assert.equal(res.status, 200, `instance on ${instance.port} verifies the new key's token`);
          const keys = `${instance.baseUrl}/${contoso}/discovery/v2.0/keys`;
          const set = createLocalJWKSet((await (await realFetch(keys)).json()) as JSONWebKeySet);
          await jwtVerify(fresh.accessToken!, set, { issuer: `${lb}/${contoso}/v2.0` });
        }

        // Both instances served sign-ins so far (round robin, no stickiness).
        const beforeKill = await Promise.all(['warden1', 'warden2'].map((n) => haproxy.server(n)));
        for (const row of beforeKill)
          assert.ok(Number(row.hrsp_2xx) >= 5, `${row.svname} served: ${row.hrsp_2xx}`);

        killedWith = new Set(inFlight);
        const killedAt = Date.now();
        instances[1]!.child.kill('SIGKILL');
        for (;;) {
          if ((await haproxy.server('warden2')).status?.startsWith('DOWN')) break;
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        markedDownAt = Date.now();
        const outcomesAtKill = outcomes.length;
        stopAfter = outcomesAtKill + AFTER_KILL + WORKERS;
        await until(
          () => succeeded().length >= outcomesAtKill + AFTER_KILL - killedWith!.size,
          'sign-ins after the kill',
          report,
        );
        stopAfter = 0;
        await storm;
        const stormSeconds = (Date.now() - stormStart) / 1000;
        assert.equal((await instances[1]!.exited).signal, 'SIGKILL');
        globalThis.fetch = realFetch;

        const failed = outcomes.filter((o) => !o.ok);
        const unexplained = failed.filter((o) => !o.inFlightAtKill);
        assert.deepEqual(
          unexplained.map((o) => `${o.upn}: ${o.error}`),
          [],
          `only requests in flight on the killed instance may fail (${killedWith.size} were in flight)`,
        );
        assert.ok(
          failed.length <= killedWith.size + sentWhileMarkedUp,
          `${failed.length} failed sign-ins, ${killedWith.size} requests in flight at the kill, ${sentWhileMarkedUp} sent before haproxy marked the instance down`,
        );
        const survivor = await haproxy.server('warden1');
        const killed = await haproxy.server('warden2');
        assert.equal(killed.status, 'DOWN');
        assert.ok(Number(survivor.hrsp_2xx) > Number(beforeKill[0]!.hrsp_2xx));

        await assertNoLostLogRows(database.url!, contoso, succeeded());
        console.log(
          `# ${succeeded().length} sign-ins in ${stormSeconds.toFixed(1)} s (key reload wait included), ${failed.length} failed (${killedWith.size} requests in flight at the kill, ${sentWhileMarkedUp} sent before it was marked down, ${markedDownAt - killedAt} ms after the kill); warden1 ${survivor.hrsp_2xx} 2xx, warden2 ${killed.hrsp_2xx} 2xx`,
        );
      } finally {
        globalThis.fetch = realFetch;
        await haproxy.stop();
        for (const instance of instances) instance.child.kill('SIGKILL');
        await Promise.all(instances.map((s) => s.exited));
        await database.drop();
        for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      }
    });
  });

/** Every successful sign-in has its sign-in log row; every answered Partner API call its request-log row. */
async function assertNoLostLogRows(url: string, tenantId: string, ok: Outcome[]): Promise<void> {
  const { db } = await openDatabase({ databaseUrl: url, dataDir: tmpdir() });
  try {
    const signIns = await db
      .selectFrom('sign_ins')
      .select('user_id')
      .where('tenant_id', '=', tenantId)
      .where('error_code', '=', 0)
      .where('is_interactive', '=', 1)
      .where(
        'user_id',
        'in',
        ok.map((o) => o.userId),
      )
      .execute();
    const signedIn = new Set(signIns.map((r) => r.user_id));
    assert.deepEqual(
      ok.filter((o) => !signedIn.has(o.userId)).map((o) => o.upn),
      [],
      'every successful sign-in has its sign-in log row',
    );
    const requests = await db
      .selectFrom('request_log')
      .select('correlation_id')
      .where('tenant_id', '=', tenantId)
      .where(
        'correlation_id',
        'in',
        ok.map((o) => o.correlationId!),
      )
      .execute();
    const logged = new Set(requests.map((r) => r.correlation_id));
    assert.deepEqual(
      ok.filter((o) => !logged.has(o.correlationId!)).map((o) => o.upn),
      [],
      'every answered Partner API request has its request-log row',
    );
  } finally {
    await db.destroy();
  }
}

async function jwks(fetcher: typeof fetch, url: string): Promise<string[]> {
  const body = (await (await fetcher(url)).json()) as { keys: { kid: string }[] };
  return body.keys.map((k) => k.kid);
}

/** Polls something outside the run (an instance's key reload), up to `timeoutMs`. */
async function untilAsync(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 35_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** A signing key's status in the shared database (`next` until an instance lets it sign). */
async function keyStatus(db: Db, kid: string): Promise<string | undefined> {
  const row = await db.selectFrom('signing_keys').select('status').where('kid', '=', kid).executeTakeFirst();
  return row?.status;
}

/** Polls a condition of the run (the storm moves it), up to `timeoutMs`. */
async function until(
  condition: () => boolean,
  what: string,
  detail: () => string,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${detail()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
