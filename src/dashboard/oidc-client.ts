import type { Config } from '../config.ts';
import { FirstPartyRelyingParty } from '../relying-party/oidc-client.ts';
import type { DashboardClient } from './registration.ts';

/**
 * The dashboard's relying party (issue 3 item 3): the shared first-party relying party
 * (relying-party/oidc-client.ts) with the dashboard's client, whose sign-out comes back to
 * Partner Center's or the customer admin center's signed-out page.
 */
export class DashboardRelyingParty extends FirstPartyRelyingParty {
  readonly #client: DashboardClient;

  constructor(client: DashboardClient, config: Config) {
    super(client, config);
    this.#client = client;
  }

  /** RP-initiated logout, back to the site's signed-out page: Partner Center's (default) or the admin center's. */
  endSessionUrl(input: {
    tenantId: string;
    idToken: string | undefined;
    site?: 'dashboard' | 'admin';
  }): Promise<string> {
    return this.endSessionUrlTo({
      tenantId: input.tenantId,
      idToken: input.idToken,
      postLogoutRedirectUri:
        input.site === 'admin' ? this.#client.adminPostLogoutRedirectUri : this.#client.postLogoutRedirectUri,
    });
  }
}
