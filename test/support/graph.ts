import { GRAPH_API } from '../../src/tokens/audiences.ts';
import type { TestWarden } from './harness.ts';
import { appOnlyToken, demoClient, userToken } from './tokens.ts';

export const GRAPH_SCOPE = `openid profile offline_access ${GRAPH_API}/Directory.AccessAsUser.All`;

/** An App+User token for the Graph-shaped API through the sign-in pages (with MFA where the user can). */
export function graphToken(w: TestWarden, upn: string): Promise<string> {
  return userToken(w, upn, GRAPH_SCOPE);
}

/** An app-only Graph token of contoso-automation (granted User.Read.All and AuditLog.Read.All). */
export function graphAppToken(w: TestWarden, clientId = 'contoso-automation'): Promise<string> {
  return appOnlyToken(w, clientId, demoClient(w, clientId)?.clientSecret, 'contoso', `${GRAPH_API}/.default`);
}
