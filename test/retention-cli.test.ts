import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTenant } from '../src/directory/tenants.ts';
import { DAY_MS } from '../src/retention/windows.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { type Db, openDatabase } from '../src/storage/database.ts';
import { CliUser, serverEnvironment } from './support/cli.ts';
import { freePort, ServerProcess } from './support/server-process.ts';

function signInAt(db: Db, tenantId: string, domain: string, createdAt: number): Promise<string> {
  return recordSignIn(db, {
    resourceTenantId: tenantId,
    homeTenantId: tenantId,
    userId: randomUUID(),
    userPrincipalName: `someone@${domain}`,
    appId: null,
    ipAddress: null,
    clientAppUsed: 'Browser',
    isInteractive: true,
    errorCode: 0,
    authenticationRequirement: 'singleFactorAuthentication',
    requirementPolicy: null,
    steps: [],
    createdAt,
  });
}

describe('Retention: warden serve, warden retention set and run', () => {
  let server: Awaited<ReturnType<typeof serverEnvironment>>;
  let admin: CliUser;
  before(async () => {
    server = await serverEnvironment();
    admin = new CliUser(undefined, server.env);
  });
  after(async () => {
    admin?.cleanup();
    await server?.cleanup();
  });

  async function withDb<T>(work: (db: Db) => Promise<T>): Promise<T> {
    const { db } = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: server.dataDir });
    try {
      return await work(db);
    } finally {
      await db.destroy();
    }
  }

  /** A tenant of its own with a sign-in of each age (days). */
  function tenantWithSignIns(name: string, ages: number[]): Promise<{ id: string; domain: string }> {
    const domain = `${name}-${randomUUID().slice(0, 8)}.example`;
    return withDb(async (db) => {
      const now = Date.now();
      const { id } = await createTenant(db, { kind: 'customer', displayName: name, domain }, now);
      for (const age of ages) await signInAt(db, id, domain, now - age * DAY_MS);
      return { id, domain };
    });
  }

  const signInsOf = (tenantId: string) =>
    withDb(
      async (db) =>
        (await db.selectFrom('sign_ins').select('id').where('tenant_id', '=', tenantId).execute()).length,
    );

  test("Retention: an operator shortens a tenant's window and the run deletes what is past it; bad values are refused", async () => {
    const { domain } = await tenantWithSignIns('retained', [2, 10]);
    const set = await admin.run(['retention', 'set', '--tenant', domain, '--days', '7', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).days, 7);
    const run = await admin.run(['retention', 'run', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).deleted.sign_ins, 1, 'the 10-day-old sign-in, not the 2-day-old one');
    const back = await admin.run(['retention', 'set', '--tenant', domain, '--days', 'default']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /keeps its logs 30 days/);
    assert.equal((await admin.run(['retention', 'set', '--tenant', domain, '--days', '0'])).code, 2);
    assert.equal((await admin.run(['retention', 'set', '--tenant', domain, '--days', 'soon'])).code, 2);
    assert.equal(
      (await admin.run(['retention', 'set', '--tenant', 'nobody.example', '--days', '7'])).code,
      1,
    );
  });

  test('Retention: warden serve deletes the rows past their window as it starts (then hourly)', async () => {
    const { id } = await tenantWithSignIns('served', [31, 1]);
    const warden = new ServerProcess(await freePort(), server.env);
    try {
      await warden.running;
      // The run starts with the server, in the background: this waits for it to end, not for time.
      for (let i = 0; i < 100 && (await signInsOf(id)) > 1; i += 1)
        await new Promise((r) => setTimeout(r, 100));
      assert.equal(await signInsOf(id), 1, 'the 31-day-old sign-in went, the 1-day-old one stayed');
    } finally {
      await warden.stop();
    }
  });
});
