import { readFile, writeFile } from 'node:fs/promises';
import type { JWK } from 'jose';
import { systemClock } from '../../clock.ts';
import { loadConfig } from '../../config.ts';
import { EVIDENCE_ERRORS, EvidenceError } from '../../errors/evidence-errors.ts';
import { activeEvidenceSigner, evidencePublicKeys } from '../../evidence/evidence-keys.ts';
import { buildEvidence, signEvidence } from '../../evidence/export.ts';
import { evidenceSources } from '../../evidence/sources.ts';
import {
  checkEvidenceAgainstDatabase,
  type PartnerCheck,
  verifyEvidenceSignature,
} from '../../evidence/verify.ts';
import { SecretBox } from '../../security/secret-box.ts';
import { type Db, openDatabase } from '../../storage/database.ts';
import { RefusedError, UsageError } from '../errors.ts';

/** The configured database (same environment as npm start); evidence refusals become CLI errors. */
async function withDatabase<T>(
  work: (db: Db, config: ReturnType<typeof loadConfig>) => Promise<T>,
): Promise<T> {
  const config = loadConfig();
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await work(db, config);
  } catch (error) {
    throw cliError(error);
  } finally {
    await db.destroy();
  }
}

function cliError(error: unknown): unknown {
  if (!(error instanceof EvidenceError)) return error;
  return EVIDENCE_ERRORS[error.code].usage
    ? new UsageError(`${error.message} (${error.code})`)
    : new RefusedError(`${error.message} (${error.code})`);
}

export interface ExportReport {
  file: string;
  date: string;
  kid: string;
  partners: { tenantId: string; displayName: string; rows: number; figures: boolean }[];
}

/** `warden compliance export`: the day's evidence, signed with the operator's evidence key, to a file. */
export async function exportEvidence(input: {
  date: string;
  tenantId?: string;
  out: string;
}): Promise<ExportReport> {
  return withDatabase(async (db, config) => {
    const now = systemClock.now();
    const document = await buildEvidence(db, evidenceSources(db, now, config.baseUrl), {
      date: input.date,
      ...(input.tenantId ? { tenantId: input.tenantId } : {}),
      iss: config.baseUrl,
      now,
    });
    const signer = await activeEvidenceSigner(db, new SecretBox(config.masterKey, 'secrets'), now);
    await writeFile(input.out, `${await signEvidence(document, signer)}\n`, { flag: 'wx', mode: 0o644 });
    return {
      file: input.out,
      date: document.date,
      kid: signer.kid,
      partners: document.partners.map((p) => ({
        tenantId: p.tenantId,
        displayName: p.displayName,
        rows: p.requests.count,
        figures: p.figures !== null,
      })),
    };
  });
}

export interface VerifyReport {
  signature: 'valid';
  kid: string;
  date: string;
  iss: string;
  /**
   * Where the trusted keys came from: `given` (--keys, pinned by the auditor) or `database` (the
   * installation's evidence keys, each checked against its sealed private key, so trusting them
   * means trusting whoever holds the master key).
   */
  keys: 'given' | 'database';
  /** Absent with --signature-only. */
  partners?: PartnerCheck[];
  ok: boolean;
}

/**
 * `warden compliance verify`: the signature (keys from --keys, else the database), then — unless
 * only the signature is asked for — every attested row and figure against the database.
 */
export async function verifyEvidenceFile(input: {
  file: string;
  keysFile?: string;
  signatureOnly: boolean;
}): Promise<VerifyReport> {
  const jws = await readFile(input.file, 'utf8').catch(() => {
    throw new UsageError(`Cannot read ${input.file}.`);
  });
  const givenKeys = input.keysFile ? await readKeys(input.keysFile) : undefined;
  if (givenKeys && input.signatureOnly) {
    const { kid, document } = await verifyEvidenceSignature(jws, givenKeys).catch((e: unknown) => {
      throw cliError(e);
    });
    return { signature: 'valid', kid, date: document.date, iss: document.iss, keys: 'given', ok: true };
  }
  return withDatabase(async (db, config) => {
    const keys = givenKeys ?? (await evidencePublicKeys(db, new SecretBox(config.masterKey, 'secrets'))).keys;
    const { kid, document } = await verifyEvidenceSignature(jws, keys);
    const trusted = givenKeys ? ('given' as const) : ('database' as const);
    if (input.signatureOnly)
      return { signature: 'valid', kid, date: document.date, iss: document.iss, keys: trusted, ok: true };
    const partners = await checkEvidenceAgainstDatabase(db, document);
    return {
      signature: 'valid',
      kid,
      date: document.date,
      iss: document.iss,
      keys: trusted,
      partners,
      ok: partners.every((p) => p.ok),
    };
  });
}

async function readKeys(file: string): Promise<JWK[]> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as { keys?: JWK[] } | JWK;
    return 'keys' in parsed && Array.isArray(parsed.keys) ? parsed.keys : [parsed as JWK];
  } catch {
    throw new UsageError(`${file} is not a JWK or a JWKS (JSON).`);
  }
}

/** `warden compliance keys`: the evidence keys' public JWKS, to hand to an auditor. */
export async function evidenceKeys(): Promise<{ keys: JWK[] }> {
  return withDatabase((db, config) => evidencePublicKeys(db, new SecretBox(config.masterKey, 'secrets')));
}
