import { createHash } from 'node:crypto';
import { Refusal } from '../errors/catalogued-error.ts';
import { type Db, inTransaction } from '../storage/database.ts';

/**
 * Licences of a customer tenant's users (issue 11 item 7; SPEC E2 "user and licence assignment"),
 * shaped like Partner Center's `SubscribedSku`, `License` and `LicenseUpdate`: **a licence is a
 * seat of a subscription**. The seats of a product SKU are the `quantity` of the customer tenant's
 * active subscriptions of that offer (through any partner: licences belong to the tenant, as
 * Microsoft's subscribed SKUs do); a user holds an SKU at most once; the count of users holding it
 * never exceeds its seats, even when assignments race on several instances.
 */

/**
 * Partner Center's `productSku.id` is a GUID; Warden's offers have string ids (`WRD-MAIL-1`), so an
 * SKU's id is the RFC 9562 §5.5 name-based (version 5, SHA-1) UUID of the offer id in this
 * namespace: stable across instances and restarts, and no table to keep in step.
 */
const SKU_NAMESPACE = Buffer.from('3c1f0e6a5b7d4e2f9a8b7c6d5e4f3a2b', 'hex');

export function skuIdOf(offerId: string): string {
  const hash = createHash('sha1').update(SKU_NAMESPACE).update(offerId, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 9562 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export type LicenseErrorCode = 'sku_not_subscribed' | 'seats_exhausted';

export class LicenseError extends Refusal<LicenseErrorCode> {
  readonly data: unknown[];
  constructor(code: LicenseErrorCode, message: string, data: unknown[]) {
    super(code, message);
    this.data = data;
  }
}

/** One product SKU the customer tenant subscribes to, with its seats (Partner Center's `SubscribedSku`). */
export interface SubscribedSku {
  skuId: string;
  offerId: string;
  name: string;
  totalUnits: number;
  consumedUnits: number;
}

export interface UserLicense {
  skuId: string;
  offerId: string;
  name: string;
  assignedAt: number;
}

/** The active subscriptions of the customer tenant, all partners together, as (offer → seats). */
async function seatsByOffer(db: Db, customerTenantId: string, offerId?: string) {
  let query = db
    .selectFrom('subscriptions as s')
    .innerJoin('customers as c', (join) =>
      join.onRef('c.tenant_id', '=', 's.tenant_id').onRef('c.id', '=', 's.customer_id'),
    )
    .innerJoin('offers as o', 'o.id', 's.offer_id')
    .select(['s.offer_id', 'o.name', (eb) => eb.fn.sum<number | string>('s.quantity').as('seats')])
    .where('c.customer_tenant_id', '=', customerTenantId)
    .where('s.status', '=', 'active')
    .groupBy(['s.offer_id', 'o.name']);
  if (offerId !== undefined) query = query.where('s.offer_id', '=', offerId);
  const rows = await query.orderBy('o.name').execute();
  return rows.map((r) => ({ offerId: r.offer_id, name: r.name, seats: Number(r.seats) }));
}

/** The seats of one offer: the quantity of the customer tenant's active subscriptions of it. */
export async function seatsOf(db: Db, customerTenantId: string, offerId: string): Promise<number> {
  const [row] = await seatsByOffer(db, customerTenantId, offerId);
  return row?.seats ?? 0;
}

/** How many of the customer tenant's users hold a licence of the SKU. */
export async function consumedSeats(db: Db, customerTenantId: string, skuId: string): Promise<number> {
  return (await consumedBySku(db, customerTenantId)).get(skuId) ?? 0;
}

async function consumedBySku(db: Db, customerTenantId: string): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('license_assignments')
    .select(['sku_id', (eb) => eb.fn.countAll<number | string>().as('used')])
    .where('tenant_id', '=', customerTenantId)
    .groupBy('sku_id')
    .execute();
  return new Map(rows.map((r) => [r.sku_id, Number(r.used)]));
}

/** Partner Center's `GET /customers/{id}/subscribedskus`: each SKU with its seats and those in use. */
export async function listSubscribedSkus(db: Db, customerTenantId: string): Promise<SubscribedSku[]> {
  const [offers, used] = await Promise.all([
    seatsByOffer(db, customerTenantId),
    consumedBySku(db, customerTenantId),
  ]);
  return offers.map((o) => {
    const skuId = skuIdOf(o.offerId);
    return {
      skuId,
      offerId: o.offerId,
      name: o.name,
      totalUnits: o.seats,
      consumedUnits: used.get(skuId) ?? 0,
    };
  });
}

/** The licences a user of the customer tenant holds, by name. */
export async function listUserLicenses(
  db: Db,
  customerTenantId: string,
  userId: string,
): Promise<UserLicense[]> {
  const rows = await db
    .selectFrom('license_assignments as l')
    .innerJoin('offers as o', 'o.id', 'l.offer_id')
    .select(['l.sku_id', 'l.offer_id', 'o.name', 'l.assigned_at'])
    .where('l.tenant_id', '=', customerTenantId)
    .where('l.user_id', '=', userId)
    .orderBy('o.name')
    .execute();
  return rows.map((r) => ({
    skuId: r.sku_id,
    offerId: r.offer_id,
    name: r.name,
    assignedAt: Number(r.assigned_at),
  }));
}

export interface LicenseChanges {
  assign: readonly string[];
  remove: readonly string[];
}

/**
 * Partner Center's `LicenseUpdate` for one user, in one transaction: removals first (so a swap of
 * SKUs needs no free seat), then each assignment. An SKU the user holds already is left as it is.
 * Seats are settled by the database: on PostgreSQL the SKU's subscription rows are locked
 * (`SELECT … FOR UPDATE`) before the seats in use are counted, so of two concurrent assignments of
 * the last seat the second counts after the first commits and is refused; SQLite transactions take
 * the database's write lock when they begin. Nothing is written when any SKU is refused.
 */
export async function updateUserLicenses(
  db: Db,
  kind: 'sqlite' | 'postgres',
  customerTenantId: string,
  userId: string,
  changes: LicenseChanges,
  by: string,
  now: number,
): Promise<UserLicense[]> {
  // Sorted: every transaction locks SKUs in one order, so two never wait on each other (no deadlock).
  const assign = [...new Set(changes.assign.map((s) => s.toLowerCase()))].sort();
  const remove = [...new Set(changes.remove.map((s) => s.toLowerCase()))];
  await inTransaction(db, async (trx) => {
    if (remove.length > 0)
      await trx
        .deleteFrom('license_assignments')
        .where('tenant_id', '=', customerTenantId)
        .where('user_id', '=', userId)
        .where('sku_id', 'in', remove)
        .execute();
    if (assign.length === 0) return;
    const offers = new Map((await seatsByOffer(trx, customerTenantId)).map((o) => [skuIdOf(o.offerId), o]));
    for (const skuId of assign) {
      const offer = offers.get(skuId);
      if (!offer)
        throw new LicenseError(
          'sku_not_subscribed',
          `The customer has no active subscription of SKU ${skuId}.`,
          [{ skuId }],
        );
      if (kind === 'postgres') await lockSubscriptionsOf(trx, customerTenantId, offer.offerId);
      const held = await trx
        .selectFrom('license_assignments')
        .select('sku_id')
        .where('tenant_id', '=', customerTenantId)
        .where('user_id', '=', userId)
        .where('sku_id', '=', skuId)
        .executeTakeFirst();
      if (held) continue;
      // Counted after the lock, in a new statement: READ COMMITTED sees what the lock's holder committed.
      const [seats] = await seatsByOffer(trx, customerTenantId, offer.offerId);
      const used = (await consumedBySku(trx, customerTenantId)).get(skuId) ?? 0;
      const totalUnits = seats?.seats ?? 0;
      if (used >= totalUnits)
        throw new LicenseError(
          'seats_exhausted',
          `All ${totalUnits} seats of ${offer.name} are assigned; buy more or remove a licence first.`,
          [{ skuId, totalUnits, consumedUnits: used }],
        );
      await trx
        .insertInto('license_assignments')
        .values({
          tenant_id: customerTenantId,
          user_id: userId,
          sku_id: skuId,
          offer_id: offer.offerId,
          assigned_by: by,
          assigned_at: now,
        })
        .execute();
    }
  });
  return listUserLicenses(db, customerTenantId, userId);
}

/** Holds the customer tenant's subscription rows of one offer until the transaction ends. */
export async function lockSubscriptionsOf(trx: Db, customerTenantId: string, offerId: string): Promise<void> {
  const customers = await trx
    .selectFrom('customers')
    .select(['tenant_id', 'id'])
    .where('customer_tenant_id', '=', customerTenantId)
    .execute();
  if (customers.length === 0) return;
  await trx
    .selectFrom('subscriptions')
    .select('id')
    .where(
      'customer_id',
      'in',
      customers.map((c) => c.id),
    )
    .where('tenant_id', 'in', [...new Set(customers.map((c) => c.tenant_id))])
    .where('offer_id', '=', offerId)
    .orderBy('id') // one order for every locker: no deadlock between two SKUs' assignments
    .forUpdate()
    .execute();
}
