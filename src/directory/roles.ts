/** Directory roles of SPEC §1, named as in Microsoft Entra. */
export const DIRECTORY_ROLES = [
  'Global Administrator',
  'User Administrator',
  'Billing Administrator',
  'Security Administrator',
  'Helpdesk Administrator',
  'Password Administrator',
  'Exchange Administrator',
  'SharePoint Administrator',
  'Conditional Access Administrator',
  'MPN Partner Admin',
] as const;
export type DirectoryRole = (typeof DIRECTORY_ROLES)[number];

/** SPEC §5: under security defaults these roles must do MFA at every sign-in. */
export const PRIVILEGED_ROLES: ReadonlySet<DirectoryRole> = new Set([
  'Global Administrator',
  'SharePoint Administrator',
  'Exchange Administrator',
  'Conditional Access Administrator',
  'Security Administrator',
  'Helpdesk Administrator',
  'Password Administrator',
  'Billing Administrator',
  'User Administrator',
]);

/** Partner Center roles, held through these groups of every partner tenant (SPEC §1). */
export const PARTNER_AGENT_GROUPS = ['AdminAgents', 'SalesAgents', 'HelpdeskAgents'] as const;
export type PartnerAgentGroup = (typeof PARTNER_AGENT_GROUPS)[number];
