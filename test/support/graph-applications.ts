import { GRAPH_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { callApi } from './tokens.ts';

/** A client-credentials request (RFC 6749 §4.4) with the secret in the body; returns status and JSON. */
export async function clientCredentials(w: TestWarden, clientId: string, secret: string, basic = false) {
  const form = new URLSearchParams({ grant_type: 'client_credentials', scope: `${GRAPH_API}/.default` });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) {
    // RFC 6749 §2.3.1: client id and secret form-urlencoded, then Basic.
    const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
    headers.authorization = `Basic ${Buffer.from(`${enc(clientId)}:${enc(secret)}`).toString('base64')}`;
  } else {
    form.set('client_id', clientId);
    form.set('client_secret', secret);
  }
  const response = await fetch(`${w.baseUrl}/${w.demo.tenants.contoso!.id}/oauth2/v2.0/token`, {
    method: 'POST',
    headers,
    body: form,
  });
  return { status: response.status, body: (await response.json()) as Record<string, string> };
}

/** The Graph calls on applications the tests make, as the holder of `token`. */
export function applicationsApi(w: TestWarden, token: string) {
  const register = (body: unknown, as = token) =>
    callApi(w, 'POST', '/v1.0/applications', { token: as, body });
  return {
    register,
    /** A daemon: a web application with an app role, so client credentials have something to ask for. */
    daemon: async (displayName: string) =>
      (
        await register({
          displayName,
          requiredResourceAccess: [
            { resourceAppId: GRAPH_API, resourceAccess: [{ id: 'User.Read.All', type: 'Role' }] },
          ],
        })
      ).body,
    addPassword: (id: string, passwordCredential: unknown = {}) =>
      callApi(w, 'POST', `/v1.0/applications/${id}/addPassword`, { token, body: { passwordCredential } }),
  };
}
