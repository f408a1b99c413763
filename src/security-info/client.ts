import type { WardenContext } from '../context.ts';
import { ensureFirstPartyClient } from '../relying-party/first-party-client.ts';
import { FirstPartyRelyingParty } from '../relying-party/oidc-client.ts';

/** The Security info page's application id: fixed, as a first-party app's is (mysignins' role). */
export const SECURITY_INFO_CLIENT_ID = '3f6b1a52-9c1e-4d0a-8e5b-57a0c2d9e003';
export const CALLBACK_PATH = '/security-info/callback';

/**
 * The page's relying party, once its first-party client is registered (the operator's, like the
 * dashboard's: relying-party/first-party-client.ts). Until an operator tenant exists every call
 * looks again; concurrent calls share one registration.
 */
export function securityInfoRelyingParty(
  ctx: WardenContext,
): () => Promise<FirstPartyRelyingParty | undefined> {
  let found: Promise<FirstPartyRelyingParty | undefined> | undefined;
  return () => {
    if (!found) {
      const redirectUri = `${ctx.config.baseUrl}${CALLBACK_PATH}`;
      const attempt = ensureFirstPartyClient(ctx, {
        id: SECURITY_INFO_CLIENT_ID,
        alias: 'warden-security-info',
        displayName: 'Warden Security info',
        redirectUris: [redirectUri],
        secretLabel: 'security-info-client',
      }).then(
        (registered) =>
          registered &&
          new FirstPartyRelyingParty(
            { clientId: SECURITY_INFO_CLIENT_ID, clientSecret: registered.clientSecret, redirectUri },
            ctx.config,
          ),
        (error: unknown) => {
          ctx.log.error({ err: error }, 'security info client registration failed');
          return undefined;
        },
      );
      found = attempt;
      void attempt.then((rp) => {
        if (!rp && found === attempt) found = undefined;
      });
    }
    return found;
  };
}
