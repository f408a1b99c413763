import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express, { type Express } from 'express';
import { setApplicationApi } from '../../../src/directory/application-apis.ts';
import { createApplication } from '../../../src/directory/applications.ts';
import { approveDevice, pollToken, requestDeviceCode } from '../../support/device.ts';
import type { TestWarden } from '../../support/harness.ts';

/**
 * An Entra-protected API as partners write one (issue 13): registered in Contoso with an
 * identifier URI `api://{appId}` and a delegated scope `access_as_user` ("expose an API"), and an
 * Express 5 app validating tokens with a third-party library.
 */
export async function registerContosoApi(
  w: TestWarden,
  accessTokenType: 'JWT' | 'at+jwt' = 'JWT',
): Promise<{ appId: string; identifierUri: string }> {
  const tenantId = w.demo.tenants.contoso!.id;
  const { application } = await createApplication(w.ctx.db, w.ctx.secrets, tenantId, {
    displayName: `Contoso Orders API ${randomUUID().slice(0, 8)}`,
    clientType: 'confidential',
    allowedScopes: [],
    clientSecret: false,
  });
  const identifierUri = `api://${application.id}`;
  await setApplicationApi(w.ctx.db, tenantId, application.id, {
    identifierUris: [identifierUri],
    accessTokenType,
    scopes: [
      {
        id: randomUUID(),
        value: 'access_as_user',
        type: 'User',
        isEnabled: true,
        adminConsentDisplayName: 'Access the Orders API',
        adminConsentDescription: null,
        userConsentDisplayName: null,
        userConsentDescription: null,
      },
    ],
  });
  return { appId: application.id, identifierUri };
}

/** Jane's access token for `scope`, signed in by device code through the first-party CLI client. */
export async function janeTokenFor(w: TestWarden, scope: string): Promise<string> {
  const { body: device } = await requestDeviceCode(w, 'contoso', { scope: `openid offline_access ${scope}` });
  await approveDevice(w, device.verification_uri, device.user_code, 'jane@contoso.example');
  const tokens = await pollToken(w, device.device_code);
  if (tokens.status !== 200) throw new Error(`no token for ${scope}: ${JSON.stringify(tokens.body)}`);
  return tokens.body.access_token as string;
}

/** Serves `app` on a free loopback port until `close`. */
export async function serve(app: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** GET `path` with a bearer token; the status and the JSON body (or undefined). */
export async function callWithToken(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

export { express };
