import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { getCustomer } from '../src/partner-center/customers.ts';
import { placeOrder } from '../src/partner-center/orders.ts';
import { runDetector } from '../src/security-alerts/detector.ts';
import { listFraudEvents, raiseFraudEvent } from '../src/security-alerts/fraud-events.ts';
import { GeoIpTable, geoIpTableOf } from '../src/sign-in-logs/location.ts';
import { recordSignIn } from '../src/sign-in-logs/sign-in-log.ts';
import { GRAPH_API } from '../src/tokens/audiences.ts';
import { startWarden, type TestWarden } from './support/harness.ts';
import { sign, userClaims } from './support/tokens.ts';
import { makeUser } from './support/users.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

// Private ranges only: the operator's table places whatever it names (docs/security-alerts.md).
const GEOIP_CSV = `network,countryCode,latitude,longitude
# Seattle, New York, Berlin, Tokyo
10.1.0.0/16,US,47.61,-122.33
10.3.0.0/16,US,40.71,-74.01
10.2.0.0/16,DE,52.52,13.40
10.2.9.0/24,DE,48.14,11.58
fd00:1::/32,JP,35.68,139.69
`;

describe('SPEC §13: the fraud detector over Warden’s own orders and sign-ins', () => {
  let w: TestWarden;
  let geo: GeoIpTable;
  const dir = mkdtempSync(join(tmpdir(), 'warden-geoip-'));
  const geoIpFile = join(dir, 'geoip.csv');
  before(async () => {
    writeFileSync(geoIpFile, GEOIP_CSV);
    w = await startWarden({ env: { WARDEN_GEOIP_FILE: geoIpFile } });
    geo = geoIpTableOf(w.ctx.config.geoIpFile)!;
  });
  after(async () => {
    await w.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const detect = () => runDetector(w.ctx.db, w.ctx.config.baseUrl, geo, w.clock.now());

  it('WARDEN_GEOIP_FILE: CIDR networks of both families, the most specific one wins; malformed lines are refused with their line number', () => {
    assert.equal(w.ctx.config.geoIpFile, geoIpFile);
    assert.equal(geo.locate('10.1.200.3')?.countryCode, 'US');
    assert.equal(geo.locate('10.2.1.1')?.latitude, 52.52);
    assert.equal(geo.locate('10.2.9.1')?.latitude, 48.14, 'the /24 inside the /16');
    assert.equal(geo.locate('fd00:1:ab::7')?.countryCode, 'JP');
    assert.equal(geo.locate('::ffff:10.3.0.1')?.countryCode, 'US');
    assert.equal(geo.locate('192.168.1.1'), undefined);
    assert.equal(geo.locate(null), undefined);
    assert.throws(() => GeoIpTable.parse('10.0.0.0/33,US,1,1'), /line 1/);
    assert.throws(
      () => GeoIpTable.parse('network,countryCode,latitude,longitude\n10.0.0.0/8,usa,1,1'),
      /line 2/,
    );
    assert.throws(() => GeoIpTable.parse('10.0.0.0/8,US,91,1'), /latitude/);
  });

  it('order volume: 24 h of seats ≥ 5× the daily mean of the 30 days before and ≥ 100 raises one UsageAnomalyDetection per customer and day, however often it runs', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const fabrikam = w.demo.tenants.fabrikam!.id;
    const adatum = (await getCustomer(w.ctx.db, contoso, w.demo.customers['adatum.example']!))!;
    const woodgrove = (await getCustomer(w.ctx.db, contoso, w.demo.customers['woodgrove.example']!))!;
    const tailspin = (await getCustomer(w.ctx.db, fabrikam, w.demo.customers['tailspin.example']!))!;
    // Tailspin's history: 3 × 300 seats over the next days (a daily mean of at least 30).
    for (let i = 0; i < 3; i++) {
      w.clock.advance(DAY);
      await placeOrder(
        w.ctx.db,
        tailspin,
        [{ lineItemNumber: 0, offerId: 'WRD-BUS-BASIC', quantity: 300 }],
        'test',
        w.clock.now(),
      );
    }
    w.clock.advance(10 * DAY);
    const surge = await placeOrder(
      w.ctx.db,
      adatum,
      [
        { lineItemNumber: 0, offerId: 'WRD-BUS-BASIC', quantity: 40 },
        { lineItemNumber: 1, offerId: 'WRD-BUS-PREM', quantity: 80 },
      ],
      'test',
      w.clock.now(),
    );
    // Below the floor (60 seats), and above the floor but under 5× a busy history (140 seats against a mean of 30 or more).
    await placeOrder(
      w.ctx.db,
      woodgrove,
      [{ lineItemNumber: 0, offerId: 'WRD-BUS-BASIC', quantity: 60 }],
      'test',
      w.clock.now(),
    );
    await placeOrder(
      w.ctx.db,
      tailspin,
      [{ lineItemNumber: 0, offerId: 'WRD-BUS-BASIC', quantity: 140 }],
      'test',
      w.clock.now(),
    );
    const before = (await listFraudEvents(w.ctx.db, contoso)).length;
    // Two instances racing, then a rerun: one event.
    const counts = await Promise.all([detect(), detect()]);
    assert.equal(await detect(), 0);
    assert.equal(counts[0]! + counts[1]!, 1);
    const events = (await listFraudEvents(w.ctx.db, contoso, { eventType: 'UsageAnomalyDetection' })).filter(
      (e) => e.source === 'detector',
    );
    assert.equal(events.length, 1);
    assert.equal((await listFraudEvents(w.ctx.db, contoso)).length, before + 1);
    const e = events[0]!;
    assert.equal(e.subscriptionId, surge.lineItems[1]!.subscriptionId, 'on the largest line');
    assert.equal(e.customerTenantId, adatum.customerTenantId);
    assert.equal(e.additionalDetails.seatsOrderedLast24h, '120');
    assert.equal(e.status, 'Active');
    assert.deepEqual(
      (await listFraudEvents(w.ctx.db, fabrikam)).filter((x) => x.source === 'detector'),
      [],
      "Tailspin's 140 seats are under 5× its history",
    );
  });

  it('sign-ins of a partner user to a customer: a new country, and an impossible travel speed (> 1000 km/h); keyed per sign-in', async () => {
    const contoso = w.demo.tenants.contoso!;
    const northwind = w.demo.tenants.northwind!.id;
    const signIn = async (
      user: { id: string; upn: string },
      ip: string,
      at: number,
      errorCode: 0 | 50126 = 0,
    ) =>
      recordSignIn(w.ctx.db, {
        resourceTenantId: northwind,
        homeTenantId: contoso.id,
        userId: user.id,
        userPrincipalName: user.upn,
        appId: null,
        ipAddress: ip,
        clientAppUsed: 'Browser',
        isInteractive: true,
        errorCode,
        authenticationRequirement: 'multiFactorAuthentication',
        requirementPolicy: null,
        steps: [],
        createdAt: at,
      });
    w.clock.advance(2 * DAY); // a new UTC day for the order rule; sign-ins of the last 24 h are checked
    const now = w.clock.now();
    const traveller = await makeUser(w, { tenant: 'contoso', name: 'traveller', groups: ['AdminAgents'] });
    const newcomer = await makeUser(w, { tenant: 'contoso', name: 'newcomer', groups: ['AdminAgents'] });
    const flyer = await makeUser(w, { tenant: 'contoso', name: 'flyer', groups: ['AdminAgents'] });
    await signIn(traveller, '10.1.0.5', now - 5 * DAY); // Seattle
    await signIn(traveller, '10.3.0.9', now - HOUR - 60_000); // New York, days later: same country, plausible
    await signIn(traveller, '10.2.0.7', now - 60_000); // Berlin an hour after New York
    await signIn(newcomer, '10.2.0.8', now - HOUR); // a first sign-in: nothing to compare with
    await signIn(flyer, '10.1.0.6', now - 13 * HOUR); // Seattle
    await signIn(flyer, '10.2.9.9', now - HOUR, 50126); // a failed sign-in counts for nothing
    await signIn(flyer, 'fd00:1::42', now - HOUR); // Tokyo 12 h later: ~640 km/h, but a new country
    await signIn(flyer, '192.168.7.7', now - 30 * 60_000); // not in the table: not placed
    const before = await listFraudEvents(w.ctx.db, contoso.id);
    assert.equal(await detect(), 3);
    assert.equal(await detect(), 0, 'a rerun raises nothing again');
    const raised = (await listFraudEvents(w.ctx.db, contoso.id)).filter(
      (e) => !before.some((b) => b.id === e.id),
    );
    const summary = raised
      .map((e) => [e.eventType, e.entityName, e.country])
      .sort((a, b) => `${a[0]}${a[1]}`.localeCompare(`${b[0]}${b[1]}`));
    assert.deepEqual(summary, [
      ['ImpossibleTravelSignIn', traveller.upn, 'DE'],
      ['SignInFromNewCountry', flyer.upn, 'JP'],
      ['SignInFromNewCountry', traveller.upn, 'DE'],
    ]);
    const travel = raised.find((e) => e.eventType === 'ImpossibleTravelSignIn')!;
    assert.ok(Number(travel.additionalDetails.speedKmh) > 1000);
    assert.equal(travel.additionalDetails.previousIpAddress, '10.3.0.9');
    assert.equal(travel.customerTenantId, northwind);
    assert.equal(travel.severity, 'High');

    // Graph's signIn.location is filled from the same table (reference §8.2).
    // Signed as Warden signs (the harness clock has moved days past any token the sign-in pages would issue).
    const graph = await sign(
      w,
      userClaims(w, 'jane@contoso.example', { aud: GRAPH_API, scp: 'Directory.AccessAsUser.All' }),
    );
    const read = await fetch(`${w.baseUrl}/v1.0/auditLogs/signIns/${travel.additionalDetails.signInId}`, {
      headers: { authorization: `Bearer ${graph}` },
    });
    assert.equal(read.status, 200);
    const shown = (await read.json()) as {
      ipAddress: string;
      location: { countryOrRegion: string; geoCoordinates: { latitude: number } };
    };
    assert.equal(shown.ipAddress, '10.2.0.7');
    assert.equal(shown.location.countryOrRegion, 'DE');
    assert.equal(shown.location.geoCoordinates.latitude, 52.52);
  });

  it('one partner whose event cannot be raised is logged and skipped; the other partners are still checked, and the next run raises it', async () => {
    const contoso = w.demo.tenants.contoso!.id;
    const fabrikam = w.demo.tenants.fabrikam!.id;
    w.clock.advance(45 * DAY); // past every earlier order's history window
    const woodgrove = (await getCustomer(w.ctx.db, contoso, w.demo.customers['woodgrove.example']!))!;
    const tailspin = (await getCustomer(w.ctx.db, fabrikam, w.demo.customers['tailspin.example']!))!;
    for (const customer of [woodgrove, tailspin])
      await placeOrder(
        w.ctx.db,
        customer,
        [{ lineItemNumber: 0, offerId: 'WRD-BUS-BASIC', quantity: 150 }],
        'test',
        w.clock.now(),
      );
    let broken: string | undefined;
    const logged: Record<string, unknown>[] = [];
    const raised = await runDetector(w.ctx.db, w.ctx.config.baseUrl, geo, w.clock.now(), {
      log: { error: (fields) => logged.push(fields) },
      raise: async (db, baseUrl, finding, now) => {
        broken ??= finding.partnerTenantId;
        if (finding.partnerTenantId === broken) throw new Error('the store refused it');
        return raiseFraudEvent(db, baseUrl, finding, now);
      },
    });
    assert.equal(raised, 1, 'the other partner’s event');
    assert.deepEqual(logged, [{ partnerTenantId: broken, error: 'Error' }]);
    const other = broken === contoso ? fabrikam : contoso;
    const ofDetector = async (partner: string) =>
      (await listFraudEvents(w.ctx.db, partner, { eventType: 'UsageAnomalyDetection' })).filter(
        (e) => e.source === 'detector' && e.detectedAt >= w.clock.now() - DAY,
      );
    assert.equal((await ofDetector(other)).length, 1);
    assert.equal((await ofDetector(broken!)).length, 0);
    assert.equal(await detect(), 1, 'the skipped partner, on the next run');
    assert.equal((await ofDetector(broken!)).length, 1);
  });
});
