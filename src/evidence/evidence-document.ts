import type { DailyFigures } from '../compliance/status-types.ts';
import { EvidenceError } from '../errors/evidence-errors.ts';
import { FIGURE_SURFACES, HASHED_COLUMNS } from './row-digest.ts';

/** The JWS `typ` of a compliance evidence file (RFC 7515 §4.1.9). */
export const EVIDENCE_TYP = 'warden-compliance-evidence+jws';
export const EVIDENCE_VERSION = 1;

/** One partner's part of the evidence: the day's figures and requirements, and the rows behind them. */
export interface PartnerEvidence {
  tenantId: string;
  displayName: string;
  /** The daily figures stored for the day (null: none were computed for it). */
  figures: DailyFigures | null;
  /** The security score's requirements when the evidence was exported (null: no score). */
  requirements: unknown[] | null;
  requests: {
    count: number;
    /** SHA-256 over the row hashes in order, each followed by a newline (row-digest.ts digestOf). */
    digest: string;
    /** `[row id, row hash]`, by time then id. */
    rows: [string, string][];
  };
}

/** The payload of `warden compliance export` (issue 14 item 7), signed as one JWS. */
export interface EvidenceDocument {
  version: typeof EVIDENCE_VERSION;
  /** The installation that exported it (its base URL). */
  iss: string;
  /** The day D whose figures are attested; its window is the 7 UTC days D-6..D. */
  date: string;
  window: { from: string; to: string; startMs: number; endMs: number };
  exportedAt: string;
  rowHash: {
    alg: 'SHA-256';
    encoding: 'base64url';
    /** The row is hashed as the JSON array of these columns' values, in this order. */
    columns: string[];
    /** Only rows of these surfaces are behind the figures (B1, B2). */
    surfaces: string[];
  };
  partners: PartnerEvidence[];
}

const DAY_MS = 24 * 3600 * 1000;

/** The UTC window of day D's figures: from the start of D-6 to the end of D. */
export function windowOf(date: string): EvidenceDocument['window'] {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
    throw new EvidenceError('invalid_date', date);
  const endMs = Date.parse(`${date}T00:00:00Z`) + DAY_MS;
  const startMs = endMs - 7 * DAY_MS;
  if (new Date(endMs - DAY_MS).toISOString().slice(0, 10) !== date)
    throw new EvidenceError('invalid_date', date);
  return { from: new Date(startMs).toISOString().slice(0, 10), to: date, startMs, endMs };
}

export const ROW_HASH_FORMAT: EvidenceDocument['rowHash'] = {
  alg: 'SHA-256',
  encoding: 'base64url',
  columns: [...HASHED_COLUMNS],
  surfaces: [...FIGURE_SURFACES],
};
