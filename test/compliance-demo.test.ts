import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dayOf, lastCompleteDay } from '../src/compliance/days.ts';
import { partnerStatus, programStatus } from '../src/compliance/status.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('SPEC §11: the demo’s security requirements status', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden();
  });
  after(() => w.stop());

  it('SPEC §11: a fresh demo has 30 days of Contoso’s figures ending yesterday, with non-MFA traffic that falls over time', async () => {
    const now = w.clock.now();
    const { current, history } = await partnerStatus(w.ctx.db, w.demo.tenants.contoso!.id, now);
    assert.equal(history.length, 30);
    assert.equal(current?.day, lastCompleteDay(now));
    assert.ok(history.every((f) => f.day < dayOf(now)));
    const first = history.find((f) => f.windowStart >= history[0]!.day)!;
    assert.ok(first.b2.percent! < 100, 'Hal’s script made App+User requests without MFA');
    assert.ok(first.b1.percent! < 100, 'Sam’s dashboard operations lacked MFA');
    assert.equal(current!.b2.percent, 100, 'by the last week Hal’s script was fixed');
    assert.ok(current!.b1.percent === 100);
    // Every partner has figures for the operator's program page; Fabrikam had no traffic.
    const program = await programStatus(w.ctx.db, now);
    const fabrikam = program.find((p) => p.tenantId === w.demo.tenants.fabrikam!.id)!;
    assert.equal(fabrikam.trend.length, 7);
    assert.equal(fabrikam.current?.b2.percent, null);
  });

  it('SPEC §11: the demo’s rows are in the rollups the downloads read (Hal without MFA, the SAM app per day)', async () => {
    const rollups = await w.ctx.db
      .selectFrom('request_rollups')
      .select((eb) => eb.fn.sum<number>('total').as('n'))
      .where('tenant_id', '=', w.demo.tenants.contoso!.id)
      .executeTakeFirstOrThrow();
    const raw = await w.ctx.db
      .selectFrom('request_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('tenant_id', '=', w.demo.tenants.contoso!.id)
      .where('surface', 'in', ['dashboard', 'api-app-user'])
      .executeTakeFirstOrThrow();
    assert.equal(Number(rollups.n), Number(raw.n));
    assert.ok(Number(raw.n) > 400);
  });
});
