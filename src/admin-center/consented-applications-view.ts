import { getTenant } from '../directory/tenants.ts';
import { type Html, html } from '../http/html.ts';
import { permissionsOf } from '../service-principals/consent-grants.ts';
import type { ServicePrincipal } from '../service-principals/service-principals.ts';
import type { Db } from '../storage/database.ts';
import { when } from './relationship-view.ts';

/** Where the customer removes one partner-consented application (pages/consented-applications.ts). */
export const removeApplicationPath = (appId: string) =>
  `/admin/partners/applications/${encodeURIComponent(appId)}/remove`;

function grantsList(sp: ServicePrincipal): Html {
  return html`<ul class="grants" data-testid="grants">${sp.grants.map((g) => {
    const roles = permissionsOf(g.resource).appRoles;
    return html`<li data-resource="${g.resource}">${g.resource}: ${g.scopes.map(
      (s, i) =>
        html`${i > 0 ? ', ' : ''}<span data-scope="${s}">${s}</span>${roles.includes(s) ? ' (application)' : ' (delegated)'}`,
    )}</li>`;
  })}</ul>`;
}

/**
 * Reference §3.3: the applications each partner consented into this tenant (its service
 * principals), grouped by partner — name, app id, grants, who consented and when — each with a
 * Remove form carrying the session's CSRF token.
 */
export async function consentedApplicationsSection(
  db: Db,
  consents: readonly ServicePrincipal[],
  csrf: string,
): Promise<Html> {
  if (consents.length === 0)
    return html`<h2>Applications your partners consented</h2>
<p class="muted" data-testid="no-consented-apps">No partner has consented an application into your organisation.</p>`;
  const partners = [...new Set(consents.map((c) => c.consentedBy.tenantId))];
  const sections = await Promise.all(
    partners.map(async (partnerId) => {
      const tenant = await getTenant(db, partnerId);
      const rows = consents
        .filter((c) => c.consentedBy.tenantId === partnerId)
        .map(
          (c) =>
            html`<tr data-app="${c.appId}"><td data-testid="app-name">${c.displayName}</td><td><code>${c.appId}</code></td><td>${grantsList(c)}</td><td data-testid="consented-by">${c.consentedBy.name}</td><td>${when(c.createdAt)}</td><td><form method="post" action="${removeApplicationPath(c.appId)}" class="inline"><input type="hidden" name="csrf" value="${csrf}"><button type="submit" data-testid="remove-app">Remove</button></form></td></tr>`,
        );
      return html`<section data-partner="${partnerId}"><h3>${tenant?.display_name ?? partnerId}</h3>
<table>
<thead><tr><th scope="col">Application</th><th scope="col">Application id</th><th scope="col">Permissions</th><th scope="col">Consented by</th><th scope="col">When</th><th scope="col"></th></tr></thead>
<tbody>${rows}</tbody>
</table></section>`;
    }),
  );
  return html`<h2>Applications your partners consented</h2>
<p>Each of these applications can act in your organisation on its own (without a signed-in user) with the application permissions shown. Removing one stops new access tokens for it at once.</p>
${sections}`;
}
