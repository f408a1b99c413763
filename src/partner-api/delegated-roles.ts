import { GDAP_ROLES } from '../delegated-admin/gdap-roles.ts';

/**
 * THE table of which Entra roles (GDAP or DAP, in the customer's tenant) each delegated Partner API
 * operation needs (SPEC E2–E3). Read from Microsoft's "Partner Center APIs DAP-to-GDAP transition"
 * parity list (reference partner-center-gdap-sam.md §1.10, pc:dap-api-impact.md) and the GDAP
 * roles on each API's own page:
 *
 * | Warden operation  | Partner Center API            | Microsoft's GDAP roles                                   |
 * |-------------------|-------------------------------|----------------------------------------------------------|
 * | `users.read`      | GetCustomerUsers(/Details)    | Directory Readers, Global Reader, User Administrator     |
 * | `users.create`    | CreateCustomerUser            | Directory Writers, User Administrator                    |
 * | `licenses.read`   | GetAssignedLicenses           | Directory Readers, Directory Writers, User/License Admin |
 * | `skus.read`       | GetSubscribedSkus             | Directory Readers, Global Reader, User/License Admin     |
 * | `licenses.assign` | AssignUserLicenses            | Directory Writers, User Administrator, License Admin     |
 * | `applications.consent` | applicationconsents (CPV) | Global Admin, Application Admin, Cloud Application Admin |
 * | `applications.read`    | (listing them: Warden's)  | the above, Global Reader, Directory Readers              |
 *
 * (`applications.consent` is reference §3.3, pc:developer/gdap-and-secure-application-model.md:
 * creating and removing a customer's application consents. Partner Center documents no list;
 * Warden's reads the customer's service principals, which Entra's Global Reader and Directory
 * Readers may read.)
 *
 * Where Warden adds to Microsoft's list (docs: "Partner API delegated access"):
 * - Global Administrator everywhere: it holds every permission of the tenant, and DAP's Admin
 *   agents hold it (§1.10), so DAP keeps working until it is removed.
 * - Global Reader for the licence reads: Entra's Global Reader reads every licence; Microsoft's
 *   page for GetAssignedLicenses omits it.
 * - Helpdesk Administrator (what DAP gave HelpdeskAgents, §1.10) for reading users: Entra's
 *   Helpdesk Administrator reads users to do its work (reset passwords), and DAP's Helpdesk agents
 *   listed customer users in Partner Center.
 */

const id = (displayName: string): string => {
  const role = GDAP_ROLES.find((r) => r.displayName === displayName);
  if (!role) throw new Error(`no GDAP role named ${displayName}`);
  return role.templateId;
};

const GA = id('Global Administrator');
const USER_ADMIN = id('User Administrator');
const LICENSE_ADMIN = id('License Administrator');
const GLOBAL_READER = id('Global Reader');
const DIRECTORY_READERS = id('Directory Readers');
const DIRECTORY_WRITERS = id('Directory Writers');
const HELPDESK_ADMIN = id('Helpdesk Administrator');
const APPLICATION_ADMIN = id('Application Administrator');
const CLOUD_APPLICATION_ADMIN = id('Cloud Application Administrator');

export const DELEGATED_ROLES = {
  'users.read': [GA, USER_ADMIN, GLOBAL_READER, DIRECTORY_READERS, DIRECTORY_WRITERS, HELPDESK_ADMIN],
  'users.create': [GA, USER_ADMIN, DIRECTORY_WRITERS],
  'licenses.read': [GA, USER_ADMIN, LICENSE_ADMIN, GLOBAL_READER, DIRECTORY_READERS, DIRECTORY_WRITERS],
  'skus.read': [GA, USER_ADMIN, LICENSE_ADMIN, GLOBAL_READER, DIRECTORY_READERS],
  'licenses.assign': [GA, USER_ADMIN, LICENSE_ADMIN, DIRECTORY_WRITERS],
  'applications.consent': [GA, APPLICATION_ADMIN, CLOUD_APPLICATION_ADMIN],
  'applications.read': [GA, APPLICATION_ADMIN, CLOUD_APPLICATION_ADMIN, GLOBAL_READER, DIRECTORY_READERS],
} as const satisfies Record<string, readonly string[]>;
export type DelegatedOperation = keyof typeof DELEGATED_ROLES;

/** Whether the roles held (template ids) include one the operation needs. */
export function holdsRoleFor(operation: DelegatedOperation, held: readonly string[]): boolean {
  const needed: readonly string[] = DELEGATED_ROLES[operation];
  return held.some((role) => needed.includes(role.toLowerCase()));
}

/** The display names of the roles an operation needs, for a refusal's description. */
export function roleNames(operation: DelegatedOperation): string[] {
  return DELEGATED_ROLES[operation].map((t) => GDAP_ROLES.find((r) => r.templateId === t)!.displayName);
}
