import type { AuditActor } from '../audit/audit-events.ts';
import { createAssignment } from '../delegated-admin/access-assignments.ts';
import { GDAP_ROLES } from '../delegated-admin/gdap-roles.ts';
import { applyEvent, createRelationship, requestAction } from '../delegated-admin/relationships.ts';
import { insertGroup, insertMember } from '../directory/groups.ts';
import type { Db } from '../storage/database.ts';

const DAY = 24 * 3600 * 1000;

/** A role's template id by its display name in the GDAP catalogue. */
function role(name: string): string {
  const found = GDAP_ROLES.find((r) => r.displayName === name);
  if (!found) throw new Error(`demo role ${name} is not in the GDAP catalogue`);
  return found.templateId;
}

export interface GdapDemoInput {
  partnerTenantId: string;
  /** The partner's Admin agent who "made" the demo changes, and the customers' approving admins. */
  agent: AuditActor;
  /** Partner users by UPN, put into the GDAP security groups. */
  members: { userAdmins: string[]; helpdesk: string[] };
  active: { tenantId: string; approver: AuditActor };
  pending: { tenantId: string };
}

/**
 * GDAP in the demo (SPEC §13): Contoso holds an active relationship with assignments to two of
 * its security groups and one that expires within days (highlighted in the dashboard) with one
 * customer, has a request awaiting approval with another, and keeps DAP with a third, so every
 * state is there to try. Built through the domain functions at past times, so the audit logs of
 * both sides show the history.
 */
export async function seedGdapDemo(db: Db, input: GdapDemoInput, now: number): Promise<void> {
  const partner = input.partnerTenantId;
  const userAdmins = await insertGroup(db, partner, 'GDAP User Administrators', now - 200 * DAY);
  const helpdesk = await insertGroup(db, partner, 'GDAP Helpdesk', now - 200 * DAY);
  for (const id of input.members.userAdmins) await insertMember(db, partner, userAdmins.id, id);
  for (const id of input.members.helpdesk) await insertMember(db, partner, helpdesk.id, id);

  const approve = async (terms: Parameters<typeof createRelationship>[2], at: number) => {
    const created = await createRelationship(
      db,
      partner,
      { ...terms, customerTenantId: input.active.tenantId },
      at,
      input.agent,
    );
    await requestAction(db, partner, created.id, 'lockForApproval', { by: input.agent }, at + 600_000);
    await applyEvent(
      db,
      { customerTenantId: input.active.tenantId },
      created.id,
      {
        event: 'approve',
        actor: 'customer',
        approvedBy: input.active.approver.userId ?? undefined,
        by: input.active.approver,
      },
      at + DAY,
    );
    return created;
  };

  const managed = await approve(
    {
      displayName: 'Contoso managed services',
      duration: 'P730D',
      autoExtendDuration: 'P180D',
      roleTemplateIds: [role('User Administrator'), role('Helpdesk Administrator'), role('Global Reader')],
    },
    now - 101 * DAY,
  );
  await createAssignment(
    db,
    partner,
    managed.id,
    {
      groupId: userAdmins.id,
      roleTemplateIds: [role('User Administrator'), role('Global Reader')],
    },
    input.agent,
    now - 99 * DAY,
  );
  await createAssignment(
    db,
    partner,
    managed.id,
    { groupId: helpdesk.id, roleTemplateIds: [role('Helpdesk Administrator')] },
    input.agent,
    now - 99 * DAY,
  );

  // Ends in five days: the dashboard's 7-day highlight.
  const review = await approve(
    {
      displayName: 'Contoso security review',
      duration: 'P30D',
      roleTemplateIds: [role('Security Administrator')],
    },
    now - 26 * DAY,
  );
  await createAssignment(
    db,
    partner,
    review.id,
    { groupId: userAdmins.id, roleTemplateIds: [role('Security Administrator')] },
    input.agent,
    now - 24 * DAY,
  );

  // Waiting for the customer: its Global Administrator approves at the link.
  const onboarding = await createRelationship(
    db,
    partner,
    {
      displayName: 'Contoso onboarding',
      duration: 'P365D',
      roleTemplateIds: [role('Directory Readers'), role('User Administrator'), role('License Administrator')],
      customerTenantId: input.pending.tenantId,
    },
    now - 3 * DAY,
    input.agent,
  );
  await requestAction(db, partner, onboarding.id, 'lockForApproval', { by: input.agent }, now - 3 * DAY);
}
