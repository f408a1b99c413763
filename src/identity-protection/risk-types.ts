/**
 * Graph's ID Protection vocabularies (reference entra-identity §6.1), the values Warden uses.
 * Levels are ordered: a user's risk is the highest level of their detections still at risk.
 */
export type RiskLevel = 'none' | 'low' | 'medium' | 'high';

export type RiskState = 'none' | 'remediated' | 'dismissed' | 'atRisk' | 'confirmedCompromised';

export type RiskDetail =
  | 'none'
  | 'adminGeneratedTemporaryPassword'
  | 'userPerformedSecuredPasswordChange'
  | 'userPerformedSecuredPasswordReset'
  | 'adminDismissedAllRiskForUser'
  | 'adminConfirmedUserCompromised';

/** The detections Warden raises (reference §6.1 riskEventType table). */
export type RiskEventType = 'leakedCredentials' | 'passwordSpray' | 'adminConfirmedUserCompromised';

export const RISK_RANK: Record<RiskLevel, number> = { none: 0, low: 1, medium: 2, high: 3 };

/** States in which the risk still counts against the user at sign-in. */
export const ACTIVE_RISK_STATES: readonly RiskState[] = ['atRisk', 'confirmedCompromised'];
