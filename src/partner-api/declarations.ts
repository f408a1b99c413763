import type { AccessArea } from '../partner-center/access.ts';
import { DELEGATED_ROLES, type DelegatedOperation } from './delegated-roles.ts';

/** SPEC E2: an App+User token (a user through an app) or an app-only token. */
export type AuthMode = 'app+user' | 'app-only';

/**
 * The Partner API categories of SPEC E2 (004), each with the Partner Center area whose roles it
 * needs (one access table: `ACCESS` in partner-center/access.ts).
 */
export const API_CATEGORIES = {
  discovery: { area: 'discovery', label: 'discovery (prices, catalog)' },
  transactions: { area: 'transactions', label: 'transactions and management' },
  billing: { area: 'billing', label: 'billing and reconciliation' },
  'customer-management': { area: 'customers', label: 'customer management' },
  'customer-requests': { area: 'customer-requests', label: 'customer service requests' },
  // SPEC §13: the partner's delegated admin privileges (DAP report and removal) are the Admin agents'.
  'delegated-admin': { area: 'gdap', label: 'delegated admin privileges (DAP)' },
  // Work inside the customer's own tenant (users and licences): the caller must hold, in the
  // customer named by the route's `:id`, one of the Entra roles the route's `delegated` operation
  // needs, through GDAP or DAP (SPEC E3, §13; delegated-roles.ts).
  'user-management': {
    area: 'user-management',
    label: 'user and licence management in a customer tenant (delegated)',
    delegated: true,
  },
  // Reference §3.3 (CPV): consenting an application into a customer tenant needs both the GDAP
  // roles of `applications.consent` there and, in the partner tenant, membership of AdminAgents.
  'application-consent': {
    area: 'application-consent',
    label: 'application consent in a customer tenant (delegated)',
    delegated: true,
    partnerRoles: true,
  },
  // SPEC §11: the partner's security requirements status, score and downloads.
  'security-requirements': { area: 'security-requirements', label: 'security requirements status' },
  // SPEC §13: fraud events and security alerts on the partner's customers' subscriptions.
  'security-alerts': { area: 'security-alerts', label: 'security alerts and fraud events' },
  // SPEC §12: technical exceptions the partner files.
  'technical-exceptions': { area: 'technical-exceptions', label: 'technical exceptions' },
  // The operator's program administration: callable only with a token of the operator tenant
  // (every other category only with a partner tenant's), by its Global or Security admins.
  program: { area: 'program', label: 'partner program administration (operator)', operator: true },
} as const satisfies Record<
  string,
  { area: AccessArea; label: string; delegated?: true; partnerRoles?: true; operator?: true }
>;
export type ApiCategory = keyof typeof API_CATEGORIES;

/**
 * What every Partner API route must declare (STYLE 2): its operation name (for the request log),
 * its category, which tokens may call it, and whether it reads or writes (app-only callers need
 * `Partner.Read.All` or `Partner.ReadWrite.All` accordingly).
 */
export interface RouteDeclaration {
  operation: string;
  category: ApiCategory;
  modes: readonly AuthMode[];
  access: 'read' | 'write';
  /** For a delegated category: the row of DELEGATED_ROLES (the Entra roles it needs in the customer). */
  delegated?: DelegatedOperation;
}

const MODES: readonly AuthMode[] = ['app+user', 'app-only'];

/**
 * Why a route's declaration cannot be accepted, or undefined if it can. Checked when the route is
 * registered: type stripping checks no types at run time, so a misspelt category would otherwise
 * only fail (closed, but late) on the first request.
 */
export function declarationProblem(declaration: unknown): string | undefined {
  if (!declaration) return 'must declare its category and auth modes (config.partnerApi)';
  const d = declaration as Partial<RouteDeclaration>;
  if (typeof d.operation !== 'string' || d.operation === '') return 'must name its operation';
  if (typeof d.category !== 'string' || !Object.hasOwn(API_CATEGORIES, d.category))
    return `declares an unknown category ${JSON.stringify(d.category)}`;
  if (!Array.isArray(d.modes) || d.modes.length === 0 || !d.modes.every((m) => MODES.includes(m)))
    return `declares invalid auth modes ${JSON.stringify(d.modes)}`;
  if (d.access !== 'read' && d.access !== 'write')
    return `declares invalid access ${JSON.stringify(d.access)}`;
  const delegated = 'delegated' in API_CATEGORIES[d.category];
  if (delegated && (typeof d.delegated !== 'string' || !Object.hasOwn(DELEGATED_ROLES, d.delegated)))
    return `is delegated and must name its row of DELEGATED_ROLES, not ${JSON.stringify(d.delegated)}`;
  if (!delegated && d.delegated !== undefined)
    return 'is not in a delegated category but declares delegated roles';
  return undefined;
}

/** SPEC E2: app-only tokens only for operations that need no delegated role in a customer tenant. */
export const BOTH: readonly AuthMode[] = MODES;
export const APP_USER_ONLY: readonly AuthMode[] = ['app+user'];

/** App roles an application may be granted for the Partner API. */
export const APP_ROLES = {
  read: ['Partner.Read.All', 'Partner.ReadWrite.All'],
  write: ['Partner.ReadWrite.All'],
} as const;

declare module 'fastify' {
  interface FastifyContextConfig {
    partnerApi?: RouteDeclaration;
  }
}
