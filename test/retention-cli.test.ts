import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { createTenant } from '../src/directory/tenants.ts';
import { DAY_MS } from '../src/retention/windows.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { openDatabase } from '../src/storage/database.ts';
import { CliUser, serverEnvironment } from './support/cli.ts';

describe('Retention: warden retention set and run on the server', () => {
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

  test("Retention: an operator shortens a tenant's window and the run deletes what is past it; bad values are refused", async () => {
    const domain = `retained-${randomUUID().slice(0, 8)}.example`;
    const { db } = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: server.dataDir });
    const now = Date.now();
    try {
      const tenant = await createTenant(db, { kind: 'customer', displayName: 'Retained', domain }, now);
      for (const age of [2, 10])
        await recordSignIn(db, {
          resourceTenantId: tenant.id,
          homeTenantId: tenant.id,
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
          createdAt: now - age * DAY_MS,
        });
    } finally {
      await db.destroy();
    }
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
});
