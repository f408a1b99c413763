import type { Application } from '../../directory/applications.ts';
import { GraphError } from '../../errors/graph-errors.ts';
import type { GraphCaller } from '../gate.ts';

/**
 * THE decision whether the caller may change an existing application (PATCH, DELETE,
 * addPassword, removePassword; STYLE 2: one chokepoint). A signed-in Global Administrator (the
 * only role the permission table admits) may change any. An application acting alone may change
 * only applications whose granted app roles it holds itself: adding a secret to, or redirecting,
 * an application with more rights would let it act as that application and raise its own rights
 * (Application.ReadWrite.All → RoleManagement.ReadWrite.Directory → Global Administrator).
 * The reason is returned for the 403's message; undefined means allowed.
 */
export function applicationChangeRefusal(caller: GraphCaller, app: Application): string | undefined {
  if (caller.user) return undefined;
  const held = caller.caller.mode === 'app-only' ? caller.caller.roles : [];
  const beyond = app.grantedAppRoles.filter((role) => !held.includes(role));
  if (beyond.length === 0) return undefined;
  return `An application cannot change an application granted permissions it does not hold itself (${beyond.join(', ')}): a signed-in Global Administrator must.`;
}

export function assertMayChangeApplication(caller: GraphCaller, app: Application): void {
  const refusal = applicationChangeRefusal(caller, app);
  if (refusal) throw new GraphError('Authorization_RequestDenied', refusal);
}
