import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { EvidenceError } from '../errors/evidence-errors.ts';
import type { Db } from '../storage/database.ts';
import { EVIDENCE_TYP, EVIDENCE_VERSION, type EvidenceDocument } from './evidence-document.ts';
import { EVIDENCE_ALG } from './evidence-keys.ts';
import { digestOf, hashedRequests } from './row-digest.ts';

/**
 * Checks an evidence file's signature against the given public keys (the database's evidence keys,
 * or a JWKS an auditor was handed) and returns its document. Only ES256 with a known `kid` and
 * Warden's `typ` is accepted (RFC 8725 §3.1, §3.11: the verifier fixes the algorithm and type).
 */
export async function verifyEvidenceSignature(
  jws: string,
  keys: readonly JWK[],
): Promise<{ kid: string; document: EvidenceDocument }> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws.trim());
  } catch {
    throw new EvidenceError('not_evidence', 'no JWS protected header');
  }
  if (header.alg !== EVIDENCE_ALG || header.typ !== EVIDENCE_TYP || typeof header.kid !== 'string')
    throw new EvidenceError('not_evidence', `header ${JSON.stringify(header)}`);
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk) throw new EvidenceError('unknown_key', header.kid);
  let payload: Uint8Array;
  try {
    ({ payload } = await compactVerify(jws.trim(), await importJWK(jwk, EVIDENCE_ALG), {
      algorithms: [EVIDENCE_ALG],
    }));
  } catch {
    throw new EvidenceError('bad_signature');
  }
  const document = JSON.parse(new TextDecoder().decode(payload)) as EvidenceDocument;
  if (document.version !== EVIDENCE_VERSION || !Array.isArray(document.partners))
    throw new EvidenceError('not_evidence', 'unknown payload version');
  return { kid: header.kid, document };
}

/** What the database says of one partner's attested rows and figures. */
export interface PartnerCheck {
  tenantId: string;
  rows: number;
  /** The stated digest matches the stated row hashes. */
  digestConsistent: boolean;
  /** Attested rows the database no longer holds. */
  missing: string[];
  /** Attested rows whose content changed since (their hash differs). */
  changed: string[];
  /** Rows of the window in the database that the evidence does not list. */
  added: string[];
  /** B1 and B2 recounted from the database's rows agree with the attested figures. */
  figuresMatch: boolean | null;
  ok: boolean;
}

/**
 * Given database access: re-reads every row of each partner's window, recomputes its hash and
 * compares it with the attested one, then recounts B1 and B2 from those rows and compares them with
 * the attested figures. Any difference makes the partner's check fail.
 */
export async function checkEvidenceAgainstDatabase(
  db: Db,
  document: EvidenceDocument,
): Promise<PartnerCheck[]> {
  const checks: PartnerCheck[] = [];
  for (const partner of document.partners) {
    const attested = new Map(partner.requests.rows);
    const current = await hashedRequests(db, partner.tenantId, document.window);
    const seen = new Set<string>();
    const changed: string[] = [];
    const added: string[] = [];
    for (const row of current) {
      seen.add(row.id);
      const hash = attested.get(row.id);
      if (hash === undefined) added.push(row.id);
      else if (hash !== row.sha256) changed.push(row.id);
    }
    const missing = partner.requests.rows.filter(([id]) => !seen.has(id)).map(([id]) => id);
    const digestConsistent =
      partner.requests.count === partner.requests.rows.length &&
      digestOf(partner.requests.rows.map(([, hash]) => hash)) === partner.requests.digest;
    let figuresMatch: boolean | null = null;
    if (partner.figures) {
      const count = (surface: 'dashboard' | 'api-app-user') => {
        const rows = current.filter((r) => r.surface === surface);
        return {
          numerator: rows.filter((r) => r.mfaCompliant).length,
          denominator: rows.length,
          underException: rows.filter((r) => r.underException).length,
        };
      };
      const same = (a: { numerator: number; denominator: number; underException: number }, b: typeof a) =>
        a.numerator === b.numerator &&
        a.denominator === b.denominator &&
        a.underException === b.underException;
      figuresMatch =
        same(partner.figures.b1, count('dashboard')) && same(partner.figures.b2, count('api-app-user'));
    }
    checks.push({
      tenantId: partner.tenantId,
      rows: partner.requests.rows.length,
      digestConsistent,
      missing,
      changed,
      added,
      figuresMatch,
      ok:
        digestConsistent &&
        missing.length === 0 &&
        changed.length === 0 &&
        added.length === 0 &&
        figuresMatch !== false,
    });
  }
  return checks;
}
