import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { findOffer, isSoldIn, listOffers, type PricedOffer } from '../../partner-center/catalog.ts';
import { BOTH } from '../declarations.ts';
import { collection, money, selfLink } from '../responses.ts';

/** Warden's catalog speaks one language; Partner Center's `X-Locale` defaults to it too. */
const LOCALE = 'en-US';

/**
 * Partner Center's `Offer` (pc:developer/offer-resources.md) for an offer of the operator's
 * catalog in one country. Warden's offers are license-based, monthly or annual, renew
 * automatically, have no add-ons, trials, upgrade paths or qualifications. `price` is Warden's
 * own (Partner Center prices are in its price lists, not on the offer).
 */
function offerShape(o: PricedOffer) {
  const uri = `/v1/offers/${o.id}?country=${o.country}`;
  return {
    id: o.id,
    name: o.name,
    description: o.description,
    minimumQuantity: o.minQuantity,
    maximumQuantity: o.maxQuantity,
    uri,
    locale: LOCALE,
    country: o.country,
    category: {
      id: o.category.toLowerCase().replace(/\W+/g, '-'),
      name: o.category,
      locale: LOCALE,
      country: o.country,
      attributes: { objectType: 'OfferCategory' },
    },
    limitUnitOfMeasure: 'None',
    prerequisiteOffers: [],
    isAddOn: false,
    hasAddOns: false,
    isAvailableForPurchase: true,
    billing: 'license',
    supportedBillingCycles: [o.billingCycle],
    isAutoRenewable: true,
    upgradeTargetOffers: [],
    conversionTargetOffers: [],
    reselleeQualifications: [],
    resellerQualifications: [],
    isTrial: false,
    unitType: 'Licenses',
    price: { currencyCode: o.currency, unitPrice: money(o.unitPriceCents), billingCycle: o.billingCycle },
    links: { self: selfLink(uri) },
    attributes: { objectType: 'Offer' },
  };
}

const COUNTRY_QUERY = {
  type: 'object',
  required: ['country'],
  properties: { country: { type: 'string', pattern: '^[A-Za-z]{2}$' } },
} as const;

async function countryOf(ctx: WardenContext, country: string): Promise<string> {
  const upper = country.toUpperCase();
  if (!(await isSoldIn(ctx.db, upper)))
    throw new PartnerApiError('invalid_request', `The catalog has no offers for the country ${upper}.`, [
      upper,
    ]);
  return upper;
}

/** The offer catalog of a country with its prices (SPEC E2: discovery), and one offer by id. */
export function offerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: { country: string } }>(
    '/offers',
    {
      config: {
        partnerApi: { operation: 'offers.list', category: 'discovery', modes: BOTH, access: 'read' },
      },
      schema: { querystring: COUNTRY_QUERY },
    },
    async (req) => {
      const offers = await listOffers(ctx.db, await countryOf(ctx, req.query.country));
      return collection(offers.map(offerShape), req.url);
    },
  );

  api.get<{ Params: { offerId: string }; Querystring: { country: string } }>(
    '/offers/:offerId',
    {
      config: {
        partnerApi: { operation: 'offers.get', category: 'discovery', modes: BOTH, access: 'read' },
      },
      schema: {
        params: {
          type: 'object',
          properties: { offerId: { type: 'string', minLength: 1, maxLength: 64 } },
          required: ['offerId'],
        },
        querystring: COUNTRY_QUERY,
      },
    },
    async (req) => {
      const country = await countryOf(ctx, req.query.country);
      const offer = await findOffer(ctx.db, req.params.offerId, country);
      if (!offer)
        throw new PartnerApiError('not_found', `No offer ${req.params.offerId} in ${country}.`, [
          req.params.offerId,
        ]);
      return offerShape(offer);
    },
  );
}
