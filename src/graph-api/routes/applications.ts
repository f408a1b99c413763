import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  applicationApisOf,
  IdentifierUriTaken,
  setApplicationApi,
} from '../../directory/application-apis.ts';
import { credentialsOf } from '../../directory/application-credentials.ts';
import { keyCredentialsOf, replaceKeyCredentials } from '../../directory/application-key-credentials.ts';
import {
  createApplication,
  deleteApplication,
  listApplications,
  updateApplication,
} from '../../directory/applications.ts';
import { applicationChangeRefusal, applicationGrantRefusal, refuseIf } from '../../directory/refusals.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { inTransaction } from '../../storage/database.ts';
import { graphCallerOf, heldAppRoles } from '../gate.ts';
import { idAfter, parseQuery } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';
import { filterConditions } from '../sql-filter.ts';
import { exposedApiFromBody, setsExposedApi } from './applications-api-shape.ts';
import { keyCredentialChanges } from './applications-key-credentials.ts';
import { applicationAt, applicationPasswordRoutes, notFound } from './applications-passwords.ts';
import {
  APPLICATION_SHAPE,
  accessFromRequired,
  CREATE_BODY,
  type CreateBody,
  checkRedirectUris,
  graphApplication,
  UPDATE_BODY,
  type UpdateBody,
} from './applications-shape.ts';

/**
 * Graph's `applications` (issue 4 item 1): a tenant's registered clients. Registering one grants
 * the app roles it asks for at once: that is the administrator's consent, given by a Global
 * Administrator with MFA (the permission table allows no one else to register with app roles).
 */
export function applicationsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    '/applications',
    { config: { graph: { operation: 'applications.list', permission: 'applications.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, APPLICATION_SHAPE);
      const after = idAfter(query);
      const apps = await listApplications(ctx.db, tenantId, {
        conditions: filterConditions(query.filter, {
          displayName: { column: 'display_name', caseInsensitive: true },
          appId: { column: 'id' },
        }),
        afterId: after,
        limit: query.top + 1,
      });
      const credentials = await credentialsOf(
        ctx.db,
        tenantId,
        apps.map((a) => a.id),
      );
      const ids = apps.map((a) => a.id);
      const certificates = await keyCredentialsOf(ctx.db, tenantId, ids);
      const apis = await applicationApisOf(ctx.db, tenantId, ids);
      return sendPage(req, reply, {
        baseUrl,
        resource: 'applications',
        rows: apps.map((a) =>
          graphApplication(a, credentials.get(a.id) ?? [], certificates.get(a.id) ?? [], apis.get(a.id)),
        ),
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    '/applications/:id',
    { config: { graph: { operation: 'applications.get', permission: 'applications.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const { select } = parseQuery(req.query, APPLICATION_SHAPE);
      const app = await applicationAt(ctx.db, tenantId, req.params.id);
      const credentials = await credentialsOf(ctx.db, tenantId, [app.id]);
      const certificates = await keyCredentialsOf(ctx.db, tenantId, [app.id]);
      const apis = await applicationApisOf(ctx.db, tenantId, [app.id]);
      return sendEntity(reply, {
        baseUrl,
        resource: 'applications/$entity',
        entity: graphApplication(
          app,
          credentials.get(app.id) ?? [],
          certificates.get(app.id) ?? [],
          apis.get(app.id),
        ),
        ...(select ? { select } : {}),
      });
    },
  );

  api.post<{ Body: CreateBody }>(
    '/applications',
    {
      config: { graph: { operation: 'applications.create', permission: 'applications.write' } },
      schema: { body: CREATE_BODY },
    },
    async (req, reply) => {
      const { tenantId, user } = graphCallerOf(req);
      const body = req.body;
      if (body.publicClient && body.web)
        throw new GraphError(
          'Request_BadRequest',
          "An application is either a public client ('publicClient') or a confidential one ('web'), not both.",
        );
      const clientType = body.publicClient ? 'public' : 'confidential';
      const redirectUris = body.publicClient
        ? checkRedirectUris(body.publicClient.redirectUris ?? [], 'publicClient.redirectUris')
        : checkRedirectUris(body.web?.redirectUris ?? [], 'web.redirectUris');
      const access = accessFromRequired(body.requiredResourceAccess ?? [], clientType);
      refuseIf(
        applicationGrantRefusal(user, access.grantedAppRoles, {
          multiTenant: body.signInAudience === 'AzureADMultipleOrgs',
          allowedScopes: access.allowedScopes,
        }),
      );
      const exposed = exposedApiFromBody(body);
      // The application and the API it exposes are written together, or not at all.
      const { application, api } = await inTransaction(ctx.db, async (trx) => {
        const { application } = await createApplication(
          trx,
          ctx.secrets,
          tenantId,
          {
            displayName: body.displayName,
            clientType,
            redirectUris,
            multiTenant: body.signInAudience === 'AzureADMultipleOrgs',
            allowedScopes: access.allowedScopes,
            grantedAppRoles: access.grantedAppRoles,
            clientSecret: false, // Graph: secrets come from addPassword, shown once there
          },
          ctx.clock.now(),
        );
        const api = setsExposedApi(exposed)
          ? await exposedApiOrRefusal(setApplicationApi(trx, tenantId, application.id, exposed))
          : undefined;
        return { application, api };
      });
      return sendEntity(reply, {
        baseUrl,
        resource: 'applications/$entity',
        entity: graphApplication(application, [], [], api),
        status: 201,
      });
    },
  );

  api.patch<{ Params: { id: string }; Body: UpdateBody }>(
    '/applications/:id',
    {
      config: { graph: { operation: 'applications.update', permission: 'applications.write' } },
      schema: { body: UPDATE_BODY },
    },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const { tenantId } = caller;
      const app = await applicationAt(ctx.db, tenantId, req.params.id);
      refuseIf(applicationChangeRefusal(caller.user, heldAppRoles(caller), app));
      const wrongKind = app.clientType === 'public' ? req.body.web : req.body.publicClient;
      if (wrongKind)
        throw new GraphError(
          'Request_BadRequest',
          app.clientType === 'public'
            ? "This application is a public client: its redirect URIs are under 'publicClient'."
            : "This application is a confidential client: its redirect URIs are under 'web'.",
        );
      const given = (app.clientType === 'public' ? req.body.publicClient : req.body.web)?.redirectUris;
      const where = app.clientType === 'public' ? 'publicClient.redirectUris' : 'web.redirectUris';
      // Certificates (Graph keyCredentials) are for confidential clients, as secrets are.
      if (req.body.keyCredentials !== undefined && app.clientType === 'public')
        throw new GraphError(
          'Request_BadRequest',
          'A public client cannot hold certificate credentials: it cannot keep their private keys.',
        );
      const keyChanges =
        req.body.keyCredentials === undefined ? undefined : keyCredentialChanges(req.body.keyCredentials);
      const exposed = exposedApiFromBody(req.body);
      const changes = {
        ...(req.body.displayName !== undefined ? { displayName: req.body.displayName } : {}),
        ...(given !== undefined ? { redirectUris: checkRedirectUris(given, where) } : {}),
      };
      // Certificates, exposed API, name and redirect URIs change together or not at all.
      await inTransaction(ctx.db, async (trx) => {
        if (keyChanges && !(await replaceKeyCredentials(trx, tenantId, app.id, keyChanges, ctx.clock.now())))
          throw new GraphError(
            'Request_BadRequest',
            "A 'keyId' of keyCredentials is not one of the application's.",
          );
        await updateApplication(trx, tenantId, app.id, changes);
        if (setsExposedApi(exposed))
          await exposedApiOrRefusal(setApplicationApi(trx, tenantId, app.id, exposed));
      });
      return reply.code(204).send();
    },
  );

  api.delete<{ Params: { id: string } }>(
    '/applications/:id',
    { config: { graph: { operation: 'applications.delete', permission: 'applications.write' } } },
    async (req, reply) => {
      const caller = graphCallerOf(req);
      const app = await applicationAt(ctx.db, caller.tenantId, req.params.id);
      refuseIf(applicationChangeRefusal(caller.user, heldAppRoles(caller), app));
      if (!(await deleteApplication(ctx.db, caller.tenantId, app.id))) throw notFound(req.params.id);
      return reply.code(204).send();
    },
  );

  applicationPasswordRoutes(api, ctx);
}

/** Graph's answer when an identifier URI is another application's in the tenant. */
async function exposedApiOrRefusal<T>(write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof IdentifierUriTaken)
      throw new GraphError(
        'Request_BadRequest',
        'Another object with the same value for property identifierUris already exists.',
      );
    throw error;
  }
}
