import type { DirectoryRole, PartnerAgentGroup } from '../directory/roles.ts';

const GLOBAL: DirectoryRole = 'Global Administrator';
const USER: DirectoryRole = 'User Administrator';
const HELPDESK: DirectoryRole = 'Helpdesk Administrator';
const PASSWORD: DirectoryRole = 'Password Administrator';
const SECURITY: DirectoryRole = 'Security Administrator';
const CONDITIONAL_ACCESS: DirectoryRole = 'Conditional Access Administrator';

/**
 * Entra's read-only roles that a GDAP relationship may grant (gdap-roles.ts) but that are no
 * Warden directory role of a member: they open reading only, for a partner user acting on behalf
 * of a customer (SPEC E3). Global Reader reads what a Global Administrator can; Directory Readers
 * the basic directory (users, groups, applications).
 */
export type ReaderRole = 'Global Reader' | 'Directory Readers';
const READERS: readonly ReaderRole[] = ['Global Reader', 'Directory Readers'];
const GLOBAL_READER: readonly ReaderRole[] = ['Global Reader'];

export interface Permission {
  /** An App+User caller needs one of these directory roles (and, always, `mfa` — SPEC §5). */
  directoryRoles: readonly DirectoryRole[];
  /**
   * Or membership of one of these agent groups of the caller's own tenant (SPEC §1: Partner
   * Center's agent roles are groups of the partner tenant). Read fresh on every request.
   */
  agentGroups?: readonly PartnerAgentGroup[];
  /** Or, for a partner user in a customer tenant (SPEC E3), one of these read-only roles. */
  readerRoles?: readonly ReaderRole[];
  /** An app-only caller needs one of these app roles; none listed: app-only tokens are refused. */
  appRoles: readonly string[];
  /**
   * Only callers whose tenant is a partner tenant (reference §1.1: "the calling principal must
   * belong to the partner tenant"); a customer or the operator is refused whatever it holds.
   */
  partnerTenantsOnly?: boolean;
  /**
   * Open to every enabled user of the tenant for what Graph lets any signed-in user read (their
   * own profile, their organization), and to a partner user with current delegated access to it.
   */
  anyUser?: boolean;
  /**
   * Graph refuses app-only tokens here with 400 BadRequest and this message (`/me` has no
   * meaning without a signed-in user), not with 403.
   */
  delegatedOnly?: string;
  /**
   * Only authenticates: `/$batch` itself decides nothing; each request inside it goes through
   * this gate on its own, with its own declaration (never the batch's).
   */
  authenticationOnly?: boolean;
}

const ME_DELEGATED_ONLY = '/me request is only valid with delegated authentication flow.';

/**
 * THE table of who may do what in the directory administration API (STYLE 2): each route names one
 * permission. Directory roles follow Microsoft Entra's least-privileged roles for the same
 * operations; app roles are Microsoft Graph's application permissions of the same names.
 */
export const GRAPH_PERMISSIONS = {
  'users.read': {
    readerRoles: READERS,
    directoryRoles: [GLOBAL, USER, HELPDESK, PASSWORD, SECURITY],
    appRoles: ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  'users.write': {
    directoryRoles: [GLOBAL, USER],
    appRoles: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  // Entra: Helpdesk and Password administrators reset the passwords of non-administrators only;
  // the route checks the target. Resetting passwords needs a person with MFA, never an app alone.
  'users.resetPassword': { directoryRoles: [GLOBAL, USER, HELPDESK, PASSWORD], appRoles: [] },
  // Entra: revoking a user's sessions is a Helpdesk Administrator's task (non-administrators
  // only; the route checks the target) or an application's with User.ReadWrite.All.
  'users.revokeSessions': {
    directoryRoles: [GLOBAL, USER, HELPDESK],
    appRoles: ['User.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  // Issue 15 item 2, reference entra-identity §3.1: a user's authentication methods (Temporary
  // Access Pass). Entra's Authentication Administrator (non-administrators) maps onto Warden's
  // Helpdesk and Password Administrators, its Privileged Authentication Administrator onto the
  // Global Administrator; which targets each may act on is credentialChangeRefusal's (routes check
  // it). An application needs UserAuthenticationMethod.ReadWrite.All, and only reaches
  // unprivileged users.
  'authenticationMethods.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, USER, HELPDESK, PASSWORD, SECURITY],
    appRoles: ['UserAuthenticationMethod.Read.All', 'UserAuthenticationMethod.ReadWrite.All'],
  },
  'authenticationMethods.write': {
    directoryRoles: [GLOBAL, USER, HELPDESK, PASSWORD],
    appRoles: ['UserAuthenticationMethod.ReadWrite.All'],
  },
  // Reference §3.2 `authenticationMethodsPolicy`: Entra's Authentication Policy Administrator maps
  // onto the Security Administrator (who manages security settings), with the Global Administrator.
  'authenticationMethodsPolicy.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['Policy.Read.All', 'Policy.ReadWrite.AuthenticationMethod'],
  },
  'authenticationMethodsPolicy.write': {
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['Policy.ReadWrite.AuthenticationMethod'],
  },
  'groups.read': {
    readerRoles: READERS,
    directoryRoles: [GLOBAL, USER, HELPDESK, SECURITY],
    appRoles: ['Group.Read.All', 'Group.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All'],
  },
  'groups.write': {
    directoryRoles: [GLOBAL, USER],
    appRoles: ['Group.ReadWrite.All', 'Directory.ReadWrite.All'],
  },
  'roles.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY, USER],
    appRoles: ['RoleManagement.Read.Directory', 'RoleManagement.ReadWrite.Directory', 'Directory.Read.All'],
  },
  'roles.write': { directoryRoles: [GLOBAL], appRoles: ['RoleManagement.ReadWrite.Directory'] },
  'applications.read': {
    readerRoles: READERS,
    directoryRoles: [GLOBAL],
    appRoles: ['Application.Read.All', 'Application.ReadWrite.All', 'Directory.Read.All'],
  },
  'applications.write': { directoryRoles: [GLOBAL], appRoles: ['Application.ReadWrite.All'] },
  'policy.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY, CONDITIONAL_ACCESS],
    appRoles: ['Policy.Read.All', 'Policy.ReadWrite.SecurityDefaults'],
  },
  'policy.write': {
    directoryRoles: [GLOBAL, SECURITY, CONDITIONAL_ACCESS],
    appRoles: ['Policy.ReadWrite.SecurityDefaults'],
  },
  'auditLogs.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['AuditLog.Read.All'],
  },
  'reports.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['AuditLog.Read.All', 'UserAuthenticationMethod.Read.All'],
  },
  // SPEC §13, reference §1.1: GDAP relationships are the partner's Admin agents' (Partner Center's
  // "Admin agent" role, like ACCESS.gdap in src/partner-center/access.ts), or a partner app's with
  // Graph's DelegatedAdminRelationship application permissions. No directory role opens them.
  'delegatedAdmin.read': {
    directoryRoles: [],
    agentGroups: ['AdminAgents'],
    appRoles: ['DelegatedAdminRelationship.Read.All', 'DelegatedAdminRelationship.ReadWrite.All'],
    partnerTenantsOnly: true,
  },
  'delegatedAdmin.write': {
    directoryRoles: [],
    agentGroups: ['AdminAgents'],
    appRoles: ['DelegatedAdminRelationship.ReadWrite.All'],
    partnerTenantsOnly: true,
  },
  // Reference §4.2: the partner's security score (Graph beta), read by its Admin agents, Global and
  // Security admins (ACCESS['security-requirements']), or by a partner app granted Graph's
  // PartnerSecurity application permissions. Only the partner tenant's own: a customer is refused.
  'partnerSecurity.read': {
    directoryRoles: [GLOBAL, SECURITY],
    agentGroups: ['AdminAgents'],
    appRoles: ['PartnerSecurity.Read.All', 'PartnerSecurity.ReadWrite.All'],
    partnerTenantsOnly: true,
  },
  // Reference entra-identity §6.1: ID Protection's risky users and detections. Graph's delegated
  // readers are Security Administrator/Reader/Operator and Global Reader; Warden has Security
  // Administrator of these. Dismiss and confirmCompromised need IdentityRiskyUser.ReadWrite.All.
  'identityProtection.riskyUsers.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['IdentityRiskyUser.Read.All', 'IdentityRiskyUser.ReadWrite.All'],
  },
  'identityProtection.riskyUsers.write': {
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['IdentityRiskyUser.ReadWrite.All'],
  },
  'identityProtection.riskDetections.read': {
    readerRoles: GLOBAL_READER,
    directoryRoles: [GLOBAL, SECURITY],
    appRoles: ['IdentityRiskEvent.Read.All'],
  },
  // Graph: any signed-in user reads and updates their own profile (User.Read, User.ReadWrite).
  'me.read': { directoryRoles: [], anyUser: true, appRoles: [], delegatedOnly: ME_DELEGATED_ONLY },
  'me.write': { directoryRoles: [], anyUser: true, appRoles: [], delegatedOnly: ME_DELEGATED_ONLY },
  // Issue 15 item 3, Graph `GET /me/authentication/methods`: any signed-in user reads their own
  // methods (Graph's UserAuthenticationMethod.Read acting on self); delegated only.
  'me.authenticationMethods.read': {
    directoryRoles: [],
    anyUser: true,
    appRoles: [],
    delegatedOnly: ME_DELEGATED_ONLY,
  },
  // Graph: any signed-in user reads their organization; an application needs Organization.Read.All.
  'organization.read': {
    directoryRoles: [],
    anyUser: true,
    appRoles: [
      'Organization.Read.All',
      'Organization.ReadWrite.All',
      'Directory.Read.All',
      'Directory.ReadWrite.All',
    ],
  },
  // Graph JSON batching: the envelope needs a valid token only; its requests are judged one by one.
  batch: { directoryRoles: [], appRoles: [], authenticationOnly: true },
} as const satisfies Record<string, Permission>;

export type GraphPermission = keyof typeof GRAPH_PERMISSIONS;
