/**
 * The request bodies of Graph's GDAP routes (reference §1.2, §1.4, §1.5) as JSON schemas: shapes
 * and types here; the rules on the values (durations, roles, the name's length) are the domain's
 * (src/delegated-admin/relationship-rules.ts), so each breach has its own clear message.
 */

const GUID = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

export const ACCESS_DETAILS = {
  type: 'object',
  additionalProperties: false,
  required: ['unifiedRoles'],
  properties: {
    unifiedRoles: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['roleDefinitionId'],
        properties: { roleDefinitionId: { type: 'string', maxLength: 64 } },
      },
    },
  },
} as const;

const CUSTOMER = {
  type: 'object',
  additionalProperties: false,
  required: ['tenantId'],
  properties: {
    tenantId: { type: 'string', pattern: GUID },
    // §1.2: read-only, "comes from Entra"; accepted as Graph clients send it, never stored.
    displayName: { type: 'string', maxLength: 256 },
  },
} as const;

const TERMS = {
  displayName: { type: 'string', maxLength: 256 },
  duration: { type: 'string', maxLength: 32 },
  autoExtendDuration: { type: 'string', maxLength: 32 },
  customer: CUSTOMER,
  accessDetails: ACCESS_DETAILS,
} as const;

export const CREATE_RELATIONSHIP = {
  type: 'object',
  additionalProperties: false,
  required: ['displayName', 'duration', 'accessDetails'],
  properties: TERMS,
} as const;

export const UPDATE_RELATIONSHIP = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: TERMS,
} as const;

export const CREATE_REQUEST = {
  type: 'object',
  additionalProperties: false,
  required: ['action'],
  // §1.4: the partner's two actions; `approve`/`reject` are the customer's (its approval page).
  properties: { action: { enum: ['lockForApproval', 'terminate'] } },
} as const;

export const CREATE_ASSIGNMENT = {
  type: 'object',
  additionalProperties: false,
  required: ['accessContainer', 'accessDetails'],
  properties: {
    accessContainer: {
      type: 'object',
      additionalProperties: false,
      required: ['accessContainerId', 'accessContainerType'],
      properties: {
        accessContainerId: { type: 'string', pattern: GUID },
        accessContainerType: { const: 'securityGroup' },
      },
    },
    accessDetails: ACCESS_DETAILS,
  },
} as const;

export const UPDATE_ASSIGNMENT = {
  type: 'object',
  additionalProperties: false,
  required: ['accessDetails'],
  properties: { accessDetails: ACCESS_DETAILS },
} as const;

export interface AccessDetailsBody {
  unifiedRoles: { roleDefinitionId: string }[];
}

export interface RelationshipBody {
  displayName?: string;
  duration?: string;
  autoExtendDuration?: string;
  customer?: { tenantId: string; displayName?: string };
  accessDetails?: AccessDetailsBody;
}

/** The role template ids of `accessDetails`, each once, lower-case. */
export function roleIdsOf(details: AccessDetailsBody): string[] {
  return [...new Set(details.unifiedRoles.map((r) => r.roleDefinitionId.toLowerCase()))];
}
