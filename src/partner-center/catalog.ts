import type { Db } from '../storage/database.ts';
import type { OfferTable } from '../storage/schema.ts';

/** An offer of the operator's catalog with its price in one country (issue 3 item 1: discovery). */
export interface PricedOffer {
  id: string;
  name: string;
  description: string;
  category: string;
  billingCycle: OfferTable['billing_cycle'];
  minQuantity: number;
  maxQuantity: number;
  country: string;
  currency: string;
  unitPriceCents: number;
}

/** The offers sold in `country` (ISO 3166 alpha-2), with that country's price. */
export async function listOffers(
  db: Db,
  country: string,
  filter: { offerId?: string } = {},
): Promise<PricedOffer[]> {
  let query = db
    .selectFrom('offers')
    .innerJoin('offer_prices', 'offer_prices.offer_id', 'offers.id')
    .selectAll('offers')
    .select(['offer_prices.country', 'offer_prices.currency', 'offer_prices.unit_price_cents'])
    .where('offer_prices.country', '=', country.toUpperCase());
  if (filter.offerId !== undefined) query = query.where('offers.id', '=', filter.offerId);
  const rows = await query.orderBy('offers.name').execute();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    category: r.category,
    billingCycle: r.billing_cycle,
    minQuantity: r.min_quantity,
    maxQuantity: r.max_quantity,
    country: r.country,
    currency: r.currency,
    unitPriceCents: r.unit_price_cents,
  }));
}

export async function findOffer(db: Db, offerId: string, country: string): Promise<PricedOffer | undefined> {
  return (await listOffers(db, country, { offerId }))[0];
}

/** Whether the catalog holds any price for this country (an unknown country is a bad request, not an empty list). */
export async function isSoldIn(db: Db, country: string): Promise<boolean> {
  const row = await db
    .selectFrom('offer_prices')
    .select('offer_id')
    .where('country', '=', country.toUpperCase())
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}

export async function addOffer(
  db: Db,
  offer: OfferTable,
  prices: { country: string; currency: string; unitPriceCents: number }[],
): Promise<void> {
  await db.insertInto('offers').values(offer).execute();
  for (const p of prices) {
    await db
      .insertInto('offer_prices')
      .values({
        offer_id: offer.id,
        country: p.country,
        currency: p.currency,
        unit_price_cents: p.unitPriceCents,
      })
      .execute();
  }
}

/** The names of the catalog's offers by id (a subscription names its offer; Partner Center's `offerName`). */
export async function offerNames(db: Db, offerIds: readonly string[]): Promise<Map<string, string>> {
  if (offerIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('offers')
    .select(['id', 'name'])
    .where('id', 'in', [...new Set(offerIds)])
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}
