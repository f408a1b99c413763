import { DIRECTORY_ROLES, type DirectoryRole, ROLE_DEFINITIONS } from '../directory/roles.ts';

/**
 * The Microsoft Entra built-in roles a GDAP relationship can ask for (reference §1.2: built-in
 * roles only, by template id), each with what it lets the partner do in the customer's tenant —
 * the words the customer reads before approving. Every directory role Warden enforces is here;
 * the rest are Entra roles of Microsoft's DAP → GDAP transition set (§1.10), which a customer can
 * grant today and which take effect as far as Warden has the matching capability.
 */
export interface GdapRole {
  templateId: string;
  displayName: string;
  /** What holding it lets a partner user do, in plain words for the approval page. */
  meaning: string;
  /** The directory role Warden enforces for it, when it is one. */
  directoryRole: DirectoryRole | undefined;
}

const MEANINGS: Partial<Record<DirectoryRole, string>> = {
  'Global Administrator':
    'Full control of your organisation: every user, setting, application and role, including who else is an administrator.',
  'User Administrator':
    'Create, change and delete users and groups, and reset passwords of users who are not administrators.',
  'Billing Administrator': 'Make purchases, manage subscriptions and support tickets, and see billing.',
  'Security Administrator': 'Read security reports and change security settings such as security defaults.',
  'Helpdesk Administrator': 'Reset passwords and sign-in sessions of users who are not administrators.',
  'Password Administrator': 'Reset passwords of users who are not administrators.',
  'Exchange Administrator': 'Manage mailboxes and mail settings.',
  'SharePoint Administrator': 'Manage sites and SharePoint settings.',
  'Conditional Access Administrator': 'Manage the policies that decide how your users sign in.',
};

/** Entra roles without a Warden directory role of their own (template ids as Microsoft publishes them). */
const TRANSITION_ROLES: readonly Omit<GdapRole, 'directoryRole'>[] = [
  {
    templateId: '88d8e3e3-8f55-4a1e-953a-9b9898b8876b',
    displayName: 'Directory Readers',
    meaning: 'Read basic information about your users, groups and applications.',
  },
  {
    templateId: '9360feb5-f418-4baa-8175-e2a00bac4301',
    displayName: 'Directory Writers',
    meaning: 'Read and write basic information about your users and groups.',
  },
  {
    templateId: 'f2ef992c-3afb-46b9-b7cf-a126ee74c451',
    displayName: 'Global Reader',
    meaning: 'Read everything a Global Administrator can see, but change nothing.',
  },
  {
    templateId: '4d6ac14f-3453-41d0-bef9-a3e0c569773a',
    displayName: 'License Administrator',
    meaning: 'Assign and remove product licences of your users.',
  },
  {
    templateId: 'f023fd81-a637-4b56-95fd-791ac0226033',
    displayName: 'Service Support Administrator',
    meaning: 'Open and follow support requests with Microsoft and read service health.',
  },
  {
    templateId: 'e8611ab8-c189-46e8-94e1-60213ab1f814',
    displayName: 'Privileged Role Administrator',
    meaning: 'Give and take away any administrator role, including Global Administrator.',
  },
  // Reference §3.3: the roles Partner Center's application-consent API needs besides Global
  // Administrator (they let the partner consent an application into the customer's tenant).
  {
    templateId: '9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3',
    displayName: 'Application Administrator',
    meaning: 'Register and manage applications, and consent applications into your organisation.',
  },
  {
    templateId: '158c047a-c907-4556-b7ef-446551a6b5f7',
    displayName: 'Cloud Application Administrator',
    meaning: 'Manage applications and consent applications into your organisation (no application proxy).',
  },
  {
    templateId: '7be44c8a-adaf-4e2a-84d6-ab2649e08a13',
    displayName: 'Privileged Authentication Administrator',
    meaning: 'Reset passwords and sign-in methods of any user, administrators included.',
  },
];

export const GDAP_ROLES: readonly GdapRole[] = [
  ...DIRECTORY_ROLES.filter((role) => role !== 'MPN Partner Admin').map((role) => ({
    templateId: ROLE_DEFINITIONS[role].templateId,
    displayName: role,
    meaning: MEANINGS[role] ?? ROLE_DEFINITIONS[role].description,
    directoryRole: role,
  })),
  ...TRANSITION_ROLES.map((role) => ({ ...role, directoryRole: undefined })),
];

/** The role of this template id (GUIDs compare case-insensitively), if GDAP can ask for it. */
export function gdapRole(templateId: string): GdapRole | undefined {
  const wanted = templateId.toLowerCase();
  return GDAP_ROLES.find((role) => role.templateId === wanted);
}

const byName = (name: string) => GDAP_ROLES.find((role) => role.displayName === name)!.templateId;

/**
 * §1.10: the least-privileged roles Microsoft's DAP → GDAP transition gave in place of DAP's
 * Global Administrator (the nine roles of the Microsoft-led transition), for "move to GDAP".
 */
export const DAP_TRANSITION_ROLE_IDS: readonly string[] = [
  'Directory Readers',
  'Directory Writers',
  'Global Reader',
  'License Administrator',
  'Service Support Administrator',
  'User Administrator',
  'Privileged Role Administrator',
  'Helpdesk Administrator',
  'Privileged Authentication Administrator',
].map(byName);
