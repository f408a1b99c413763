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

/** Partner Center roles, held through these groups of every partner tenant (SPEC §1). */
export const PARTNER_AGENT_GROUPS = ['AdminAgents', 'SalesAgents', 'HelpdeskAgents'] as const;
export type PartnerAgentGroup = (typeof PARTNER_AGENT_GROUPS)[number];

/** Whether a group name is (case and surrounding spaces aside) one of the partner agent groups. */
export function isPartnerAgentGroupName(name: string): boolean {
  const wanted = name.trim().toLowerCase();
  return PARTNER_AGENT_GROUPS.some((g) => g.toLowerCase() === wanted);
}

/**
 * Each role's definition as Graph's `unifiedRoleDefinition` shows it. `id`/`templateId` are
 * Microsoft Entra's public template ids of the built-in roles, so scripts written for Entra find
 * the same role by the same id. "MPN Partner Admin" is a partner-program role with no Entra
 * template; Warden gives it a fixed id of its own.
 */
export const ROLE_DEFINITIONS: Readonly<Record<DirectoryRole, { templateId: string; description: string }>> =
  {
    'Global Administrator': {
      templateId: '62e90394-69f5-4237-9190-012177145e10',
      description: 'Can manage all aspects of the directory.',
    },
    'User Administrator': {
      templateId: 'fe930be7-5e62-47db-91af-98c3a49a38b1',
      description:
        'Can manage all aspects of users and groups, including resetting passwords for limited admins.',
    },
    'Billing Administrator': {
      templateId: 'b0f54661-2d74-4c50-afa3-1ec803f12efe',
      description: 'Can perform common billing related tasks.',
    },
    'Security Administrator': {
      templateId: '194ae4cb-b126-40b2-bd5b-6091b380977d',
      description: 'Can read security information and reports, and manage security settings.',
    },
    'Helpdesk Administrator': {
      templateId: '729827e3-9c14-49f7-bb1b-9608f156bbb8',
      description: 'Can reset passwords for non-administrators.',
    },
    'Password Administrator': {
      templateId: '966707d0-3269-4727-9be2-8c3a10f19b9d',
      description: 'Can reset passwords for non-administrators.',
    },
    'Exchange Administrator': {
      templateId: '29232cdf-9323-42fd-ade2-1d097af3e4de',
      description: 'Can manage all aspects of the Exchange product.',
    },
    'SharePoint Administrator': {
      templateId: 'f28a1f50-f6e7-4571-818b-6a12f2af6b6c',
      description: 'Can manage all aspects of the SharePoint service.',
    },
    'Conditional Access Administrator': {
      templateId: 'b1be1c3e-b65d-4f19-8427-f6fa0d97feb9',
      description: 'Can manage the tenant policies (conditional access).',
    },
    'MPN Partner Admin': {
      templateId: 'a2884c41-86f6-4b3f-b923-2ea0ce2eea3b',
      description: 'Can manage the partner program membership of a partner tenant.',
    },
  };

/** The role whose template id this is (ids compare case-insensitively, as GUIDs do). */
export function roleByTemplateId(id: string): DirectoryRole | undefined {
  const lower = id.toLowerCase();
  return DIRECTORY_ROLES.find((role) => ROLE_DEFINITIONS[role].templateId === lower);
}
