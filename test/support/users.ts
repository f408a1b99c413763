import { hashPassword } from '../../src/authentication-methods/passwords.ts';
import { addTotpMethod, newTotpSecret } from '../../src/authentication-methods/totp.ts';
import { addGroupMemberByName } from '../../src/directory/groups.ts';
import { assignRole } from '../../src/directory/role-assignments.ts';
import type { DirectoryRole } from '../../src/directory/roles.ts';
import { createUser } from '../../src/directory/users.ts';
import type { TestWarden } from './harness.ts';

/** What a test asks of a user it makes: everything optional, so it names only what it checks. */
export interface UserSpec {
  /** The demo tenant's key (`contoso`, `fabrikam`, …); contoso unless told. */
  tenant?: string;
  /** The UPN's local part begins with it (a number follows, so each user is new); `user` unless told. */
  name?: string;
  givenName?: string;
  surname?: string;
  /** Directory roles, assigned as Graph's roleAssignments would (role-assignments.ts). */
  roles?: DirectoryRole[];
  /** Groups the user joins, by display name (`AdminAgents`, `SalesAgents`, `HelpdeskAgents`…). */
  groups?: string[];
  /** Registers an authenticator app with a fresh seed (returned as `totpSeed`). */
  totp?: boolean;
  /** The demo password unless told. */
  password?: string;
  accountEnabled?: boolean;
  /** A guest of the tenant (Graph `userType` Guest) instead of a member. */
  userType?: 'member' | 'guest';
}

export interface MadeUser {
  id: string;
  upn: string;
  tenantId: string;
  password: string;
  totpSeed: string | undefined;
}

let made = 0;

/**
 * A fresh user with exactly the roles, groups and methods a test needs, made through the
 * directory's own functions — so a test never depends on what an earlier test did to a demo user,
 * and never changes one for the tests after it. The user is also recorded in `w.demo.users`, as
 * the demo users are, so the helpers that find a user by UPN (`userToken`, `graphToken`,
 * `userClaims`, `completeSecondStep`) know its tenant and its TOTP seed.
 */
export async function makeUser(w: TestWarden, spec: UserSpec = {}): Promise<MadeUser> {
  const tenantKey = spec.tenant ?? 'contoso';
  const tenant = w.demo.tenants[tenantKey];
  if (!tenant) throw new Error(`no demo tenant ${tenantKey}`);
  const name = spec.name ?? 'user';
  const n = ++made;
  const upn = `${name}${n}@${tenant.domain}`;
  const givenName = spec.givenName ?? `${name[0]!.toUpperCase()}${name.slice(1)}`;
  const surname = spec.surname ?? `Made${n}`;
  const password = spec.password ?? w.demo.password;
  const now = w.clock.now();
  const user = await createUser(
    w.ctx.db,
    tenant.id,
    {
      userPrincipalName: upn,
      displayName: `${givenName} ${surname}`,
      givenName,
      surname,
      passwordHash: await hashPassword(password),
      ...(spec.accountEnabled === false ? { accountEnabled: false } : {}),
      ...(spec.userType ? { userType: spec.userType } : {}),
    },
    now,
  );
  for (const role of spec.roles ?? []) await assignRole(w.ctx, tenant.id, user.id, role);
  for (const group of spec.groups ?? []) await addGroupMemberByName(w.ctx.db, tenant.id, group, user.id);
  const totpSeed = spec.totp ? newTotpSecret() : undefined;
  if (totpSeed) await addTotpMethod(w.ctx.db, w.ctx.secrets, tenant.id, user.id, totpSeed, now);
  w.demo.users[upn] = {
    id: user.id,
    tenant: tenant.id,
    ...(totpSeed ? { totpSeed } : {}),
    groups: spec.groups ?? [],
    roles: spec.roles ?? [],
  };
  return { id: user.id, upn, tenantId: tenant.id, password, totpSeed };
}
