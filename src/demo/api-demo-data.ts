import { setApplicationApi } from '../directory/application-apis.ts';
import { createApplication } from '../directory/applications.ts';
import type { SecretBox } from '../security/secret-box.ts';
import type { Db } from '../storage/database.ts';

/** Fixed ids of the demo API's scope and role, so its Graph shape reads the same on every start. */
const ORDERS_SCOPE_ID = '6f1e1b7a-3c0d-4a55-9c39-2f2d7c1f0a01';
const ORDERS_ROLE_ID = '6f1e1b7a-3c0d-4a55-9c39-2f2d7c1f0a02';

/**
 * Issue 13 in the demo: an Entra-protected API of Contoso's ("expose an API"), registered as an
 * application with the identifier URI `api://{appId}` and the delegated scope `access_as_user`.
 * Jane gets a token for it with `scope=api://{appId}/access_as_user` (docs/resources.md); its
 * tokens carry Entra's `typ: JWT`, as passport-azure-ad and express-jwt expect.
 */
export async function seedExposedApiDemo(
  db: Db,
  secrets: SecretBox,
  tenantId: string,
  now: number,
): Promise<{ appId: string; identifierUri: string }> {
  const { application } = await createApplication(
    db,
    secrets,
    tenantId,
    { displayName: 'Contoso Orders API', clientType: 'confidential', allowedScopes: [], clientSecret: false },
    now,
  );
  const identifierUri = `api://${application.id}`;
  await setApplicationApi(db, tenantId, application.id, {
    identifierUris: [identifierUri],
    scopes: [
      {
        id: ORDERS_SCOPE_ID,
        value: 'access_as_user',
        type: 'User',
        isEnabled: true,
        adminConsentDisplayName: 'Access Contoso Orders as the signed-in user',
        adminConsentDescription: 'Lets the application read and place orders as the signed-in user.',
        userConsentDisplayName: 'Access your orders',
        userConsentDescription: 'Lets the application read and place your orders.',
      },
    ],
    appRoles: [
      {
        id: ORDERS_ROLE_ID,
        value: 'Orders.Read.All',
        displayName: 'Read all orders',
        description: 'Lets a daemon read every order.',
        allowedMemberTypes: ['Application'],
        isEnabled: true,
      },
    ],
  });
  return { appId: application.id, identifierUri };
}
