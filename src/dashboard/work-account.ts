import { findTenant, type Tenant } from '../directory/tenants.ts';
import { type Html, html } from '../http/html.ts';
import type { Db } from '../storage/database.ts';

/**
 * "Which authority?" — the first step of both web sites' sign-in (Partner Center, the customer
 * admin center): the work account typed, and the tenant its domain names. Each site decides which
 * kinds of tenant it signs in.
 */

/** The work account as typed in the query: trimmed, lower case, at most 320 characters. */
export function workAccountOf(value: unknown): string {
  return String(value ?? '')
    .trim()
    .toLowerCase()
    .slice(0, 320);
}

/** The tenant whose domain the account's is, if any. */
export async function tenantOfWorkAccount(db: Db, email: string): Promise<Tenant | undefined> {
  const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
  return domain ? findTenant(db, domain) : undefined;
}

/** The form asking for the work account, with the refusal of the last try if any. */
export function workAccountForm(action: string, returnTo: string, email: string, error: string): Html {
  return html`${error ? html`<p class="error" role="alert" data-testid="sign-in-error">${error}</p>` : ''}
<form method="get" action="${action}" class="stack">
<input type="hidden" name="return" value="${returnTo}">
<label for="email">Work account</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${email}">
<button type="submit">Next</button>
</form>`;
}
