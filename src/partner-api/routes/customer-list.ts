import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WardenContext } from '../../context.ts';
import { PartnerApiError } from '../../errors/partner-api-errors.ts';
import {
  CUSTOMER_SEARCH_FIELDS,
  type CustomerFilter,
  type CustomerSeek,
  pageCustomers,
} from '../../partner-center/customer-search.ts';
import { nextLink, openContinuation, sealContinuation } from '../continuation.ts';
import { BOTH } from '../declarations.ts';
import { collection } from '../responses.ts';
import { partnerOf } from './caller.ts';
import { customerShape } from './customers-shape.ts';

/** A page when `size` is absent or 0 (Partner Center's own example sends `size=0`), and the most one may ask for. */
const DEFAULT_SIZE = 500;
const MAX_SIZE = 500;

interface ListQuery {
  size?: number;
  filter?: string;
  search?: string;
  seekOperation?: string;
}

/** What a continuation token carries: the query of the first page and where the last one ended. */
interface ListState {
  size: number;
  filter?: CustomerFilter;
  search?: string;
  after: CustomerSeek;
}

/**
 * `GET /v1/customers` (pc:developer/get-a-list-of-customers.md, get-a-customer-by-name.md):
 * `size`, `filter` (URL-encoded JSON `{"Field","Value","Operator":"starts_with"}`) and
 * `seekOperation=Next` with the `MS-ContinuationToken` of `links.next`. Other query parameters
 * are ignored, as Partner Center ignores them.
 */
export function customerListRoute(api: FastifyInstance, ctx: WardenContext): void {
  api.get<{ Querystring: ListQuery }>(
    '/customers',
    {
      config: {
        partnerApi: {
          operation: 'customers.list',
          category: 'customer-management',
          modes: BOTH,
          access: 'read',
        },
      },
      schema: {
        querystring: {
          type: 'object',
          properties: {
            size: { type: 'integer', minimum: 0, maximum: MAX_SIZE },
            filter: { type: 'string', maxLength: 1024 },
            search: { type: 'string', maxLength: 256 },
            seekOperation: { type: 'string', maxLength: 16 },
          },
        },
      },
    },
    async (req) => {
      const partner = partnerOf(req);
      const state = listState(ctx, req, partner.id);
      const page = await pageCustomers(ctx.db, partner.id, state);
      const next = page.next
        ? nextLink(
            '/v1/customers',
            sealContinuation(ctx, 'customers', partner.id, { ...state, after: page.next }),
          )
        : undefined;
      return collection(page.customers.map(customerShape), req.url, next);
    },
  );
}

function listState(
  ctx: WardenContext,
  req: FastifyRequest<{ Querystring: ListQuery }>,
  partnerTenantId: string,
): Omit<ListState, 'after'> & { after?: CustomerSeek } {
  const q = req.query;
  if (q.seekOperation !== undefined) {
    if (q.seekOperation.toLowerCase() !== 'next')
      throw new PartnerApiError('invalid_request', 'seekOperation must be Next.', [q.seekOperation]);
    return openContinuation(ctx, req, 'customers', partnerTenantId) as ListState;
  }
  return {
    size: q.size || DEFAULT_SIZE,
    ...(q.filter !== undefined ? { filter: parseFilter(q.filter) } : {}),
    ...(q.search !== undefined ? { search: q.search } : {}),
  };
}

/** Partner Center's customer filter; the field's name and the operator are read without regard to case. */
export function parseFilter(text: string): CustomerFilter {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new PartnerApiError('invalid_request', 'filter must be JSON: {"Field","Value","Operator"}.');
  }
  const f = (parsed ?? {}) as Record<string, unknown>;
  const get = (name: string) => Object.entries(f).find(([k]) => k.toLowerCase() === name)?.[1];
  const field = CUSTOMER_SEARCH_FIELDS.find((n) => n.toLowerCase() === String(get('field')).toLowerCase());
  const value = get('value');
  const operator = get('operator');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || !field)
    throw new PartnerApiError(
      'invalid_request',
      `filter.Field must be one of ${CUSTOMER_SEARCH_FIELDS.join(', ')}.`,
      [...CUSTOMER_SEARCH_FIELDS],
    );
  if (typeof value !== 'string' || value.length > 256)
    throw new PartnerApiError('invalid_request', 'filter.Value must be a string of at most 256 characters.');
  if (typeof operator !== 'string' || operator.toLowerCase() !== 'starts_with')
    throw new PartnerApiError('invalid_request', 'filter.Operator must be starts_with.', ['starts_with']);
  return { field, value };
}
