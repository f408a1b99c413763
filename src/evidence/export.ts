import { CompactSign } from 'jose';
import type { DailyFigures } from '../compliance/status-types.ts';
import { EvidenceError } from '../errors/evidence-errors.ts';
import type { Db } from '../storage/database.ts';
import {
  EVIDENCE_TYP,
  EVIDENCE_VERSION,
  type EvidenceDocument,
  type PartnerEvidence,
  ROW_HASH_FORMAT,
  windowOf,
} from './evidence-document.ts';
import { EVIDENCE_ALG, type EvidenceSigner } from './evidence-keys.ts';
import { digestOf, hashedRequests } from './row-digest.ts';

/** Where the attested facts come from: the stored daily figures and the current requirements. */
export interface EvidenceSources {
  figuresOn(tenantId: string, day: string): Promise<DailyFigures | undefined>;
  requirementsOf(tenantId: string): Promise<unknown[] | undefined>;
}

/**
 * The evidence of day D (issue 14 item 7): for each partner tenant (or the one asked for), the
 * figures stored for D, the requirements now, and the hash of every raw request row behind the
 * figures (B1's dashboard rows and B2's App+User rows of D's window).
 */
export async function buildEvidence(
  db: Db,
  sources: EvidenceSources,
  input: { date: string; tenantId?: string; iss: string; now: number },
): Promise<EvidenceDocument> {
  const window = windowOf(input.date);
  let query = db.selectFrom('tenants').select(['id', 'display_name']).where('kind', '=', 'partner');
  if (input.tenantId) query = query.where('id', '=', input.tenantId);
  const tenants = await query.orderBy('id').execute();
  if (input.tenantId && tenants.length === 0) throw new EvidenceError('unknown_partner', input.tenantId);
  const partners: PartnerEvidence[] = [];
  for (const tenant of tenants) {
    const [figures, requirements, rows] = await Promise.all([
      sources.figuresOn(tenant.id, input.date),
      sources.requirementsOf(tenant.id),
      hashedRequests(db, tenant.id, window),
    ]);
    partners.push({
      tenantId: tenant.id,
      displayName: tenant.display_name,
      figures: figures ?? null,
      requirements: requirements ?? null,
      requests: {
        count: rows.length,
        digest: digestOf(rows.map((r) => r.sha256)),
        rows: rows.map((r) => [r.id, r.sha256]),
      },
    });
  }
  return {
    version: EVIDENCE_VERSION,
    iss: input.iss,
    date: input.date,
    window,
    exportedAt: new Date(input.now).toISOString(),
    rowHash: ROW_HASH_FORMAT,
    partners,
  };
}

/** The document as one compact JWS (RFC 7515 §7.1) signed with the operator's evidence key. */
export async function signEvidence(document: EvidenceDocument, signer: EvidenceSigner): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(document)))
    .setProtectedHeader({ alg: EVIDENCE_ALG, kid: signer.kid, typ: EVIDENCE_TYP })
    .sign(signer.key);
}
