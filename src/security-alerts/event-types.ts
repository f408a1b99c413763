/**
 * Fraud event types. Reference §5.1: the new events model's `EventType` values; Warden's detector
 * adds two of its own for sign-ins (docs/security-alerts.md "What differs from Microsoft").
 */
export const MICROSOFT_EVENT_TYPES = [
  'ServiceHealthSecurityAdvisory',
  'UsageAnomalyDetection',
  'MultiRegionVirtualMachineScaleSetDeploymentAnomaly',
  'NetworkConnectionsToCryptoMiningPools',
  'VirtualMachineDeploymentAnomaly',
  'MultiRegionMachineLearningUsageAnomaly',
] as const;

export const WARDEN_EVENT_TYPES = ['SignInFromNewCountry', 'ImpossibleTravelSignIn'] as const;

export const EVENT_TYPES = [...MICROSOFT_EVENT_TYPES, ...WARDEN_EVENT_TYPES] as const;
export type FraudEventType = (typeof EVENT_TYPES)[number];

export function isEventType(value: unknown): value is FraudEventType {
  return typeof value === 'string' && (EVENT_TYPES as readonly string[]).includes(value);
}

export const SEVERITIES = ['Low', 'Medium', 'High'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * The dashboard's "Type" column (reference §5.3): "Azure Usage" for usage anomalies,
 * "Azure Notifications" for advisories and detections, "Sign-ins" for Warden's own.
 */
export function alertCategoryOf(type: string): string {
  if ((WARDEN_EVENT_TYPES as readonly string[]).includes(type)) return 'Sign-ins';
  return type.includes('Usage') || type.includes('Deployment') ? 'Azure Usage' : 'Azure Notifications';
}
