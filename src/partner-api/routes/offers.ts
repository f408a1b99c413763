import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import { isSoldIn, listOffers, type PricedOffer } from '../../partner-center/catalog.ts';
import { BOTH } from '../declarations.ts';
import { collection, money } from '../responses.ts';

function offerShape(o: PricedOffer) {
  return {
    id: o.id,
    name: o.name,
    description: o.description,
    category: { id: o.category.toLowerCase().replace(/\W+/g, '-'), name: o.category },
    billing: 'license',
    minimumQuantity: o.minQuantity,
    maximumQuantity: o.maxQuantity,
    country: o.country,
    price: { currencyCode: o.currency, unitPrice: money(o.unitPriceCents), billingCycle: o.billingCycle },
    attributes: { objectType: 'Offer' },
  };
}

/** The offer catalog of a country with its prices (SPEC E2: discovery). */
export function offerRoutes(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: { country: string } }>(
    '/offers',
    {
      config: {
        partnerApi: { operation: 'offers.list', category: 'discovery', modes: BOTH, access: 'read' },
      },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['country'],
          properties: { country: { type: 'string', pattern: '^[A-Za-z]{2}$' } },
        },
      },
    },
    async (req) => {
      const country = req.query.country.toUpperCase();
      if (!(await isSoldIn(ctx.db, country))) {
        throw new PartnerApiError(
          'invalid_request',
          `The catalog has no offers for the country ${country}.`,
          [country],
        );
      }
      const offers = await listOffers(ctx.db, country);
      return collection(offers.map(offerShape), req.url);
    },
  );
}
