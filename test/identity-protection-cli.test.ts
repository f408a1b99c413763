import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { hashPassword } from '../src/authentication-methods/passwords.ts';
import { createTenant } from '../src/directory/tenants.ts';
import { createUser } from '../src/directory/users.ts';
import { importLeakedCredentials } from '../src/identity-protection/leaked-credentials.ts';
import { openDatabase } from '../src/storage/database.ts';
import { CliUser, deviceLogin, serverEnvironment } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { makeUser } from './support/users.ts';

describe('CLI (issue 15 item 8): warden leaked-credentials import, breached-passwords import, risk list|dismiss|confirm', () => {
  let server: Awaited<ReturnType<typeof serverEnvironment>>;
  let operator: CliUser;
  let w: TestWarden;
  let jane: CliUser;
  before(async () => {
    server = await serverEnvironment();
    operator = new CliUser(undefined, server.env);
    w = await startWarden();
    jane = new CliUser(w.baseUrl);
    const login = await deviceLogin(w, jane, 'jane@contoso.example', true);
    assert.equal(login.code, 0, login.stderr);
  });
  after(async () => {
    operator?.cleanup();
    jane?.cleanup();
    await server?.cleanup();
    await w?.stop();
  });

  test('CLI: leaked-credentials import checks each pair against the current password, prints counts, never the password; a second run raises nothing; a malformed breached list is a usage error', async () => {
    assert.equal((await operator.run(['migrate'])).code, 0);
    const secret = 'Copper-Kettle-913';
    const { db } = await openDatabase({ databaseUrl: server.env.DATABASE_URL, dataDir: server.dataDir });
    try {
      const tenant = await createTenant(db, {
        displayName: 'Leaky',
        domain: 'leaky.example',
        kind: 'customer',
      });
      await createUser(db, tenant.id, {
        userPrincipalName: 'pat@leaky.example',
        displayName: 'Pat',
        passwordHash: await hashPassword(secret),
      });
    } finally {
      await db.destroy();
    }
    const feed = join(server.dataDir, 'feed.csv');
    writeFileSync(feed, `pat@leaky.example,${secret}\npat@leaky.example,wrong\n`);
    const first = await operator.run(['leaked-credentials', 'import', feed]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stdout,
      /2 pair\(s\) read: 2 of Warden users, 1 matching a current password, 1 new detection/,
    );
    assert.ok(!first.stdout.includes(secret) && !first.stderr.includes(secret));
    const again = await operator.run(['leaked-credentials', 'import', feed, '--json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).detections, 0);

    const list = join(server.dataDir, 'pwned.txt');
    writeFileSync(list, `${'A'.repeat(40)}:3\nnot a hash line\n`);
    const bad = await operator.run(['breached-passwords', 'import', list]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /pwned\.txt:2/);
    writeFileSync(list, `${'A'.repeat(40)}:3\n`);
    const good = await operator.run(['breached-passwords', 'import', list]);
    assert.equal(good.code, 0, good.stderr);
    assert.match(good.stdout, /1 breached password hash/);
  });

  test('CLI: risk list shows the risky users; risk dismiss and risk confirm take a UPN; --level is checked', async () => {
    const user = await makeUser(w, { name: 'clirisk', totp: true });
    const feed = join(server.dataDir, 'feed2.csv');
    writeFileSync(feed, `${user.upn},${user.password}\n`);
    await importLeakedCredentials(w.ctx.db, feed, w.clock.now());
    const listed = await jane.run(['risk', 'list', '--level', 'high']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^USER PRINCIPAL NAME +LEVEL +STATE +DETAIL +UPDATED +ID$/m);
    assert.match(listed.stdout, new RegExp(`^${user.upn} +high +atRisk +none +`, 'm'));
    const detections = await jane.run(['risk', 'list', '--detections', '--json']);
    assert.ok(
      (JSON.parse(detections.stdout) as { userId: string; riskEventType: string }[]).some(
        (d) => d.userId === user.id && d.riskEventType === 'leakedCredentials',
      ),
    );
    assert.equal((await jane.run(['risk', 'list', '--level', 'extreme'])).code, 2);

    const dismissed = await jane.run(['risk', 'dismiss', user.upn]);
    assert.equal(dismissed.code, 0, dismissed.stderr);
    assert.match(dismissed.stdout, /Dismissed the risk of/);
    const row = await w.ctx.db
      .selectFrom('risky_users')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([row.risk_state, row.risk_level], ['dismissed', 'none']);

    const confirmed = await jane.run(['risk', 'confirm', user.upn, '--json']);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    const after = await w.ctx.db
      .selectFrom('risky_users')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual([after.risk_state, after.risk_level], ['confirmedCompromised', 'high']);
    const unknown = await jane.run(['risk', 'dismiss', 'nobody@contoso.example']);
    assert.notEqual(unknown.code, 0);
  });
});
