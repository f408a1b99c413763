/**
 * Warden's clock (STYLE 7): expiry, daily jobs and lifecycles are computed from it, so tests
 * move time instead of sleeping. The lowest layer: it imports nothing.
 */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
