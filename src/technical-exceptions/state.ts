import type { TechnicalExceptionTable } from '../storage/schema.ts';

/**
 * The lifecycle of an exception request (STYLE 6, SPEC §12), the one table every change reads:
 * pending → approved | rejected; approved → ended (the program stopped accepting exceptions, or
 * the operator ended it) | expired (its end date passed, Warden's clock). Rejected, ended and
 * expired are final. Each change is one conditional update on (status, version) (requests.ts).
 */
export type ExceptionStatus = TechnicalExceptionTable['status'];

export const TRANSITIONS = {
  approve: { from: 'pending', to: 'approved' },
  reject: { from: 'pending', to: 'rejected' },
  end: { from: 'approved', to: 'ended' },
  expire: { from: 'approved', to: 'expired' },
} as const satisfies Record<string, { from: ExceptionStatus; to: ExceptionStatus }>;

export type ExceptionEvent = keyof typeof TRANSITIONS;

export function isFinal(status: ExceptionStatus): boolean {
  return !Object.values(TRANSITIONS).some((t) => t.from === status);
}
