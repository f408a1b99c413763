import type { NotEnforcedReason } from './mfa-enforcement.ts';

/**
 * The shapes of the security requirements status (SPEC §11), shared by what computes it
 * (`src/compliance/`) and what shows it (dashboard, Graph, CLI). Days are UTC calendar days
 * (`YYYY-MM-DD`); a day's figures cover the 7 days ending with it.
 */

/** One figure: `numerator / denominator`, null percent when the denominator is 0 (no traffic). */
export interface Figure {
  percent: number | null;
  numerator: number;
  denominator: number;
  /** B1, B2: requests without the MFA proof admitted under an approved technical exception (SPEC §12). */
  underException: number;
}

export type FigureReasonCode = NotEnforcedReason | 'technicalException' | 'requestsWithoutMfa';

/** Why a figure is below 100 %: how many accounts or requests each cause accounts for. */
export interface FigureReason {
  code: FigureReasonCode;
  count: number;
}

export interface DailyFigures {
  tenantId: string;
  /** The last day of the 7-day window. */
  day: string;
  /** The first day of the window (day − 6). */
  windowStart: string;
  /** When the figures were computed (Warden's clock, epoch ms). */
  computedAt: number;
  a: Figure;
  b1: Figure;
  b2: Figure;
  reasons: { a: FigureReason[]; b1: FigureReason[]; b2: FigureReason[] };
}
