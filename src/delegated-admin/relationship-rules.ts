import { ROLE_DEFINITIONS } from '../directory/roles.ts';
import { gdapRole } from './gdap-roles.ts';

/**
 * The rules a GDAP relationship's requested terms must meet (reference partner-center-gdap-sam.md
 * §1.2), checked before anything is written. Pure; each problem has a stable code.
 */

const DAY_MS = 24 * 3600 * 1000;

/**
 * The ISO 8601 durations Graph's GDAP properties take, as milliseconds: whole days, weeks or years
 * (`P730D`, `P2Y`, `P4W`), and `PT0S`/`P0D` for zero. A year is 365 days (Partner Center's UI shows
 * "1–730 days" for `P1D`–`P2Y`). Months and time parts are refused rather than guessed.
 */
export function durationMs(value: string): number | undefined {
  if (value === 'PT0S' || value === 'P0D') return 0;
  const match = /^P(\d{1,4})([DWY])$/.exec(value);
  if (!match) return undefined;
  const n = Number(match[1]);
  const days = match[2] === 'D' ? n : match[2] === 'W' ? n * 7 : n * 365;
  return days * DAY_MS;
}

/** §1.2: `duration` lies between P1D and P2Y inclusive. */
export const MIN_DURATION_MS = DAY_MS;
export const MAX_DURATION_MS = 730 * DAY_MS;
/** §1.2: the only auto-extension values Graph accepts. */
export const AUTO_EXTEND_VALUES = ['PT0S', 'P0D', 'P180D'] as const;
export const MAX_DISPLAY_NAME = 50;

export const GLOBAL_ADMINISTRATOR_TEMPLATE_ID = ROLE_DEFINITIONS['Global Administrator'].templateId;

export type RelationshipTermsProblemCode =
  | 'invalid_display_name'
  | 'invalid_duration'
  | 'invalid_auto_extend'
  | 'auto_extend_with_global_administrator'
  | 'no_roles'
  | 'unknown_role';

export interface RelationshipTerms {
  displayName: string;
  duration: string;
  autoExtendDuration?: string | undefined;
  roleTemplateIds: readonly string[];
}

/** The first problem of the requested terms, or undefined when they are valid. */
export function relationshipTermsProblem(
  terms: RelationshipTerms,
): { code: RelationshipTermsProblemCode; message: string } | undefined {
  const name = terms.displayName.trim();
  if (name.length === 0 || name.length > MAX_DISPLAY_NAME)
    return {
      code: 'invalid_display_name',
      message: `displayName must be 1 to ${MAX_DISPLAY_NAME} characters.`,
    };
  // The customer reads the name on its approval page and the partner in its terminal: no control
  // characters (line breaks, escape sequences; PostgreSQL also refuses a NUL).
  if (/\p{Cc}/u.test(name))
    return { code: 'invalid_display_name', message: 'displayName must not hold control characters.' };
  const duration = durationMs(terms.duration);
  if (duration === undefined || duration < MIN_DURATION_MS || duration > MAX_DURATION_MS)
    return {
      code: 'invalid_duration',
      message: 'duration must be an ISO 8601 duration from P1D to P2Y (730 days).',
    };
  const autoExtend = terms.autoExtendDuration ?? 'PT0S';
  if (!(AUTO_EXTEND_VALUES as readonly string[]).includes(autoExtend))
    return { code: 'invalid_auto_extend', message: 'autoExtendDuration must be PT0S, P0D or P180D.' };
  if (terms.roleTemplateIds.length === 0)
    return { code: 'no_roles', message: 'accessDetails.unifiedRoles must name at least one role.' };
  const unknown = terms.roleTemplateIds.find((id) => gdapRole(id) === undefined);
  if (unknown !== undefined)
    return {
      code: 'unknown_role',
      message: `'${unknown}' is not the template id of a built-in role Warden knows.`,
    };
  const withGlobalAdmin = terms.roleTemplateIds.some(
    (id) => id.toLowerCase() === GLOBAL_ADMINISTRATOR_TEMPLATE_ID,
  );
  if (withGlobalAdmin && durationMs(autoExtend)! > 0)
    return {
      code: 'auto_extend_with_global_administrator',
      message:
        'A relationship that includes Global Administrator cannot be extended automatically: set autoExtendDuration to PT0S.',
    };
  return undefined;
}
