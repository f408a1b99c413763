import type { WardenContext } from '../context.ts';
import { NEVER_EXPIRES, replaceCredentials } from '../directory/application-credentials.ts';
import { createApplication, updateApplication } from '../directory/applications.ts';
import { deriveKey } from '../security/secret-box.ts';
import { withFirstStartLock } from '../storage/first-start-lock.ts';

/** What a first-party confidential client is: a fixed id, its readable alias, and its redirect URIs. */
export interface FirstPartyClientSpec {
  id: string;
  alias: string;
  displayName: string;
  redirectUris: string[];
  /** The label its secret is derived from the master key under. */
  secretLabel: string;
}

/**
 * Registers (or brings up to date) a confidential first-party client of Warden's authorities:
 * registered by the operator, so there is no consent screen, and usable from every tenant. Its
 * secret is derived from the master key, so there is nothing extra to configure; the redirect
 * URIs follow WARDEN_BASE_URL and are written again at every start, and so is the secret (both
 * follow the configuration, which may have changed since the last start). A client's registered
 * redirect URIs are also its post_logout_redirect_uris (tokens/clients.ts). Several instances
 * may start at once: the first-start lock makes them register it one after the other. Returns
 * the secret, or undefined while there is no operator tenant (nothing can sign in yet).
 */
export async function ensureFirstPartyClient(
  ctx: WardenContext,
  spec: FirstPartyClientSpec,
): Promise<{ clientSecret: string } | undefined> {
  const clientSecret = deriveKey(ctx.config.masterKey, spec.secretLabel).toString('base64url');
  const operator = await ctx.db
    .selectFrom('tenants')
    .select('id')
    .where('kind', '=', 'operator')
    .executeTakeFirst();
  if (!operator) return undefined;
  await withFirstStartLock(ctx.db, async (db) => {
    const existing = await db
      .selectFrom('applications')
      .select('tenant_id')
      .where('id', '=', spec.id)
      .executeTakeFirst();
    if (!existing) {
      await createApplication(
        db,
        ctx.secrets,
        operator.id,
        {
          id: spec.id,
          clientIdAlias: spec.alias,
          displayName: spec.displayName,
          clientType: 'confidential',
          redirectUris: spec.redirectUris,
          multiTenant: true,
          allowedScopes: [],
          clientSecret,
        },
        ctx.clock.now(),
      );
      return;
    }
    await updateApplication(db, existing.tenant_id, spec.id, { redirectUris: spec.redirectUris });
    await replaceCredentials(
      db,
      ctx.secrets,
      existing.tenant_id,
      spec.id,
      { secret: clientSecret, displayName: null, endAt: NEVER_EXPIRES },
      ctx.clock.now(),
    );
  });
  return { clientSecret };
}
