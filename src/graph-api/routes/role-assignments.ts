import type { FastifyInstance } from 'fastify';
import type { WardenContext } from '../../context.ts';
import {
  assignRole,
  getRoleAssignment,
  queryRoleAssignments,
  type RoleAssignment,
  removeRoleAssignment,
} from '../../directory/role-assignments.ts';
import {
  DIRECTORY_ROLES,
  type DirectoryRole,
  ROLE_DEFINITIONS,
  roleByTemplateId,
} from '../../directory/roles.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import { graphCallerOf } from '../gate.ts';
import { parseQuery, type ResourceShape } from '../odata.ts';
import { sendEntity, sendPage } from '../responses.ts';

const BASE = '/roleManagement/directory';

const DEFINITION_SHAPE: ResourceShape = {
  type: 'microsoft.graph.unifiedRoleDefinition',
  properties: {
    id: { type: 'guid', filter: ['eq'] },
    templateId: { type: 'guid' },
    displayName: { type: 'string', filter: ['eq'] },
    description: { type: 'string' },
    isBuiltIn: { type: 'boolean' },
    isEnabled: { type: 'boolean' },
  },
};

const ASSIGNMENT_SHAPE: ResourceShape = {
  type: 'microsoft.graph.unifiedRoleAssignment',
  properties: {
    id: { type: 'string' },
    principalId: { type: 'guid', filter: ['eq'] },
    roleDefinitionId: { type: 'guid', filter: ['eq'] },
    directoryScopeId: { type: 'string' },
  },
};

function definitionEntity(role: DirectoryRole) {
  const { templateId, description } = ROLE_DEFINITIONS[role];
  return { id: templateId, templateId, displayName: role, description, isBuiltIn: true, isEnabled: true };
}

function assignmentEntity(a: RoleAssignment) {
  return {
    id: a.id,
    principalId: a.principalId,
    roleDefinitionId: ROLE_DEFINITIONS[a.role].templateId,
    directoryScopeId: '/',
  };
}

function roleOr400(roleDefinitionId: string): DirectoryRole {
  const role = roleByTemplateId(roleDefinitionId);
  if (!role)
    throw new GraphError('Request_BadRequest', `No directory role has the id '${roleDefinitionId}'.`);
  return role;
}

/** Graph `roleManagement/directory`: role definitions and tenant-wide role assignments (issue 4 item 1). */
export function roleAssignmentsRoutes(api: FastifyInstance, ctx: WardenContext): void {
  const baseUrl = ctx.config.baseUrl;

  api.get(
    `${BASE}/roleDefinitions`,
    { config: { graph: { operation: 'roleDefinitions.list', permission: 'roles.read' } } },
    async (req, reply) => {
      const query = parseQuery(req.query, DEFINITION_SHAPE, { defaultTop: 100, maxTop: 999 });
      let roles = DIRECTORY_ROLES.map(definitionEntity);
      for (const clause of query.filter) {
        const key = clause.property as 'id' | 'displayName';
        roles = roles.filter((r) => String(r[key]).toLowerCase() === String(clause.value).toLowerCase());
      }
      const after = query.after?.[0];
      const rows = roles
        .filter((r) => after === undefined || r.id > String(after))
        .sort((a, b) => (a.id < b.id ? -1 : 1));
      return sendPage(req, reply, {
        baseUrl,
        resource: 'roleManagement/directory/roleDefinitions',
        rows,
        query,
        keyOf: (row) => [row.id],
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `${BASE}/roleDefinitions/:id`,
    { config: { graph: { operation: 'roleDefinitions.get', permission: 'roles.read' } } },
    async (req, reply) => {
      const role = roleByTemplateId(req.params.id);
      if (!role)
        throw new GraphError('Request_ResourceNotFound', `Resource '${req.params.id}' does not exist.`);
      return sendEntity(reply, {
        baseUrl,
        resource: 'roleManagement/directory/roleDefinitions/$entity',
        entity: definitionEntity(role),
      });
    },
  );

  api.get(
    `${BASE}/roleAssignments`,
    { config: { graph: { operation: 'roleAssignments.list', permission: 'roles.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const query = parseQuery(req.query, ASSIGNMENT_SHAPE);
      let principalId: string | undefined;
      let role: DirectoryRole | undefined;
      for (const clause of query.filter) {
        if (clause.property === 'principalId') principalId = String(clause.value);
        if (clause.property === 'roleDefinitionId') role = roleOr400(String(clause.value));
      }
      const after = query.after;
      const page = await queryRoleAssignments(ctx.db, tenantId, {
        principalId,
        role,
        after: after ? { userId: String(after[0]), roleIndex: Number(after[1]) } : undefined,
        limit: query.top + 1,
      });
      const keys = new Map(page.map((p) => [p.assignment.id, p.key]));
      return sendPage(req, reply, {
        baseUrl,
        resource: 'roleManagement/directory/roleAssignments',
        rows: page.map((p) => assignmentEntity(p.assignment)),
        query,
        keyOf: (row) => keys.get(row.id)!,
      });
    },
  );

  api.get<{ Params: { id: string } }>(
    `${BASE}/roleAssignments/:id`,
    { config: { graph: { operation: 'roleAssignments.get', permission: 'roles.read' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const assignment = await getRoleAssignment(ctx.db, tenantId, req.params.id);
      if (!assignment)
        throw new GraphError('Request_ResourceNotFound', `Resource '${req.params.id}' does not exist.`);
      return sendEntity(reply, {
        baseUrl,
        resource: 'roleManagement/directory/roleAssignments/$entity',
        entity: assignmentEntity(assignment),
      });
    },
  );

  api.post<{ Body: { principalId: string; roleDefinitionId: string; directoryScopeId: string } }>(
    `${BASE}/roleAssignments`,
    {
      config: { graph: { operation: 'roleAssignments.create', permission: 'roles.write' } },
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['principalId', 'roleDefinitionId', 'directoryScopeId'],
          properties: {
            '@odata.type': { const: '#microsoft.graph.unifiedRoleAssignment' },
            principalId: { type: 'string', format: 'uuid' },
            roleDefinitionId: { type: 'string', format: 'uuid' },
            // Warden's roles are tenant-wide (no administrative units or app scopes).
            directoryScopeId: { const: '/' },
          },
        },
      },
    },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      const role = roleOr400(req.body.roleDefinitionId);
      const assignment = await assignRole(ctx, tenantId, req.body.principalId.toLowerCase(), role);
      return sendEntity(reply, {
        baseUrl,
        resource: 'roleManagement/directory/roleAssignments/$entity',
        entity: assignmentEntity(assignment),
        status: 201,
      });
    },
  );

  api.delete<{ Params: { id: string } }>(
    `${BASE}/roleAssignments/:id`,
    { config: { graph: { operation: 'roleAssignments.delete', permission: 'roles.write' } } },
    async (req, reply) => {
      const { tenantId } = graphCallerOf(req);
      await removeRoleAssignment(ctx, tenantId, req.params.id);
      return reply.code(204).send();
    },
  );
}
