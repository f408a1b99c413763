import type { FastifyRequest } from 'fastify';
import type { WardenContext } from '../context.ts';
import { PartnerApiError } from '../errors/partner-api-errors.ts';
import { SecretBox } from '../security/secret-box.ts';

/**
 * Partner Center's seek paging (pc:developer/get-invoiceline-items.md, "seekOperation"): a page's
 * `links.next` is `?seekOperation=Next` with the continuation token in an `MS-ContinuationToken`
 * header, and the token alone says what the next page is (the query, the page size, where the
 * last page ended). Warden seals that state (AES-256-GCM under a key of its own, derived from the
 * master key, so tokens handed out for every page do not wear the key of the secrets at rest) with
 * the partner tenant and the listing bound as associated data: the token is opaque, cannot be
 * altered, and another partner's token (or another listing's) does not open. Every query stays scoped to the caller's
 * tenant regardless; the seal makes a forged position a 400 instead of a silent restart.
 */
export const CONTINUATION_HEADER = 'MS-ContinuationToken';

const boxes = new WeakMap<WardenContext, SecretBox>();
function boxOf(ctx: WardenContext): SecretBox {
  let box = boxes.get(ctx);
  if (!box) {
    box = new SecretBox(ctx.config.masterKey, 'partner-api-continuation');
    boxes.set(ctx, box);
  }
  return box;
}

function context(listing: string, partnerTenantId: string): string {
  return `partner-api:continuation:${listing}:${partnerTenantId}`;
}

export function sealContinuation(
  ctx: WardenContext,
  listing: string,
  partnerTenantId: string,
  state: unknown,
): string {
  return boxOf(ctx).seal(JSON.stringify(state), context(listing, partnerTenantId));
}

/** The state of the request's continuation token, or a 400 when it is missing or not one Warden sealed for this. */
export function openContinuation(
  ctx: WardenContext,
  req: FastifyRequest,
  listing: string,
  partnerTenantId: string,
): unknown {
  const token = req.headers['ms-continuationtoken'];
  if (typeof token !== 'string' || token === '' || token.length > 4096)
    throw new PartnerApiError(
      'invalid_request',
      `seekOperation=Next needs the ${CONTINUATION_HEADER} header of the previous page's links.next.`,
    );
  try {
    return JSON.parse(boxOf(ctx).open(token, context(listing, partnerTenantId))) as unknown;
  } catch {
    throw new PartnerApiError(
      'invalid_request',
      `The ${CONTINUATION_HEADER} is not valid here: send it as links.next gave it.`,
    );
  }
}

/** Partner Center's `links.next` of a seek-paged collection. */
export function nextLink(path: string, token: string) {
  return {
    uri: `${path}?seekOperation=Next`,
    method: 'GET',
    headers: [{ key: CONTINUATION_HEADER, value: token }],
  };
}
