import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompactSign, exportJWK, generateKeyPair } from 'jose';
import { recalculateFigures } from '../src/compliance/daily-job.ts';
import { createTenant, type Tenant } from '../src/directory/tenants.ts';
import { EVIDENCE_ERRORS } from '../src/errors/evidence-errors.ts';
import { EVIDENCE_TYP } from '../src/evidence/evidence-document.ts';
import { activeEvidenceSigner, evidencePublicKeys } from '../src/evidence/evidence-keys.ts';
import { buildEvidence, signEvidence } from '../src/evidence/export.ts';
import { rowHash } from '../src/evidence/row-digest.ts';
import { evidenceSources } from '../src/evidence/sources.ts';
import { checkEvidenceAgainstDatabase, verifyEvidenceSignature } from '../src/evidence/verify.ts';
import type { RequestRecord } from '../src/reports/request-log.ts';
import { CliUser } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

const DAY_MS = 86_400_000;

describe('Issue 14 item 7: signed compliance evidence (warden compliance export / verify)', () => {
  let w: TestWarden;
  let partner: Tenant;
  let day: string;
  let cli: CliUser;

  /** One request of the partner's at `at` (epoch ms). */
  const request = (at: number, surface: RequestRecord['surface'], mfa: boolean): RequestRecord => ({
    tenantId: partner.id,
    surface,
    operation: surface === 'dashboard' ? 'customers.view' : 'customers.list',
    userId: surface === 'api-app-only' ? null : randomUUID(),
    userPrincipalName: surface === 'api-app-only' ? null : 'agent@evidence.example',
    appId: surface === 'dashboard' ? null : randomUUID(),
    mfaCompliant: mfa,
    statusCode: mfa || surface === 'api-app-only' ? 200 : 401,
    correlationId: randomUUID(),
    requestId: randomUUID(),
    ipAddress: '192.0.2.7',
    occurredAt: at,
  });

  before(async () => {
    w = await startWarden();
    const start = w.clock.now();
    partner = await createTenant(
      w.ctx.db,
      {
        kind: 'partner',
        programType: 'csp-direct',
        displayName: 'Evidence Partner',
        domain: 'evidence.example',
      },
      start,
    );
    // Day D: the UTC day starting at the next midnight. Its window D-6..D holds exactly these rows.
    const midnight = Math.ceil(start / DAY_MS) * DAY_MS;
    day = new Date(midnight).toISOString().slice(0, 10);
    const rows = [
      request(midnight + 1_000, 'dashboard', true),
      request(midnight + 2_000, 'dashboard', true),
      request(midnight + 3_000, 'dashboard', false),
      request(midnight + 4_000, 'api-app-user', true),
      request(midnight + 5_000, 'api-app-user', false),
      // Left out of the figures (SPEC §11) and so of the evidence.
      request(midnight + 6_000, 'api-app-only', false),
      // The next day: outside D's window.
      request(midnight + DAY_MS + 1_000, 'dashboard', false),
    ];
    for (const row of rows) void w.ctx.requestLog.record(row);
    await w.ctx.requestLog.flush();
    await recalculateFigures(w.ctx.db, partner, day, midnight + DAY_MS + 10_000);
    cli = new CliUser(undefined, {
      WARDEN_DATA_DIR: w.dataDir,
      LOG_LEVEL: 'silent',
      ...(w.databaseUrl ? { DATABASE_URL: w.databaseUrl } : {}),
    });
  });
  after(async () => {
    cli?.cleanup();
    await w?.stop();
  });

  const exportNow = async () => {
    const document = await buildEvidence(w.ctx.db, evidenceSources(w.ctx.db, w.clock.now(), w.baseUrl), {
      date: day,
      tenantId: partner.id,
      iss: w.baseUrl,
      now: w.clock.now(),
    });
    return {
      document,
      jws: await signEvidence(document, await activeEvidenceSigner(w.ctx.db, w.ctx.secrets, w.clock.now())),
    };
  };

  it('the export attests the stored figures of day D and the hash of every dashboard and App+User row of its window', async () => {
    const { document, jws } = await exportNow();
    const [entry] = document.partners;
    assert.ok(entry);
    assert.equal(document.window.to, day);
    assert.equal(entry.requests.count, 5);
    // The security score's requirements are attested beside the figures (reference §4.2).
    assert.deepEqual(
      (entry.requirements as { requirementType: string }[]).map((r) => r.requirementType).sort(),
      [
        'mfaEnforcedForAdmins',
        'mfaEnforcedForAdminsOfCustomers',
        'securityAlertsPromptlyResolved',
        'securityContactProvided',
      ],
    );
    assert.deepEqual(
      {
        b1: [entry.figures?.b1.numerator, entry.figures?.b1.denominator],
        b2: [entry.figures?.b2.numerator, entry.figures?.b2.denominator],
      },
      { b1: [2, 3], b2: [1, 2] },
    );
    // A row's hash can be recomputed from the row alone (the columns are in the document).
    const first = await w.ctx.db
      .selectFrom('request_log')
      .selectAll()
      .where('id', '=', entry.requests.rows[0]![0])
      .executeTakeFirstOrThrow();
    assert.equal(rowHash(first), entry.requests.rows[0]![1]);
    const verified = await verifyEvidenceSignature(
      jws,
      (await evidencePublicKeys(w.ctx.db, w.ctx.secrets)).keys,
    );
    assert.equal(verified.document.date, day);
    const [check] = await checkEvidenceAgainstDatabase(w.ctx.db, verified.document);
    assert.deepEqual(
      {
        ok: check?.ok,
        figuresMatch: check?.figuresMatch,
        missing: check?.missing,
        changed: check?.changed,
        added: check?.added,
      },
      { ok: true, figuresMatch: true, missing: [], changed: [], added: [] },
    );
  });

  it('RFC 7515: a changed payload, a key the verifier does not hold, or another algorithm is refused with its code', async () => {
    const { jws } = await exportNow();
    const keys = (await evidencePublicKeys(w.ctx.db, w.ctx.secrets)).keys;
    const [header, payload, signature] = jws.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    forged.partners[0].figures.b1.numerator = 3;
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${signature}`;
    await assert.rejects(verifyEvidenceSignature(tampered, keys), { code: 'bad_signature' });

    const other = await generateKeyPair('ES256', { extractable: true });
    const foreign = await new CompactSign(Buffer.from(payload!, 'base64url'))
      .setProtectedHeader({ alg: 'ES256', kid: 'not-ours', typ: EVIDENCE_TYP })
      .sign(other.privateKey);
    await assert.rejects(verifyEvidenceSignature(foreign, keys), { code: 'unknown_key' });
    // The same key id, signed by another key: the signature does not verify.
    const kid = keys[0]!.kid!;
    const impostor = await new CompactSign(Buffer.from(payload!, 'base64url'))
      .setProtectedHeader({ alg: 'ES256', kid, typ: EVIDENCE_TYP })
      .sign(other.privateKey);
    await assert.rejects(verifyEvidenceSignature(impostor, keys), { code: 'bad_signature' });
    const hmac = await new CompactSign(Buffer.from(payload!, 'base64url'))
      .setProtectedHeader({ alg: 'HS256', kid, typ: EVIDENCE_TYP })
      .sign(new Uint8Array(32));
    await assert.rejects(verifyEvidenceSignature(hmac, keys), { code: 'not_evidence' });
    await assert.rejects(verifyEvidenceSignature('not a jws', keys), { code: 'not_evidence' });
    assert.ok(await exportJWK(other.publicKey));
  });

  it('a public key written into the database without the master key is not trusted: evidence it signed does not verify', async () => {
    const { jws } = await exportNow();
    const payload = jws.split('.')[1]!;
    const intruder = await generateKeyPair('ES256', { extractable: true });
    const kid = 'planted-key';
    await w.ctx.db
      .insertInto('evidence_keys')
      .values({
        kid,
        alg: 'ES256',
        public_jwk: JSON.stringify({ ...(await exportJWK(intruder.publicKey)), kid, alg: 'ES256' }),
        private_jwk_sealed: 'v1.AAAA.AAAA.AAAA',
        status: 'retired',
        created_at: w.clock.now(),
      })
      .execute();
    try {
      const forged = await new CompactSign(Buffer.from(payload, 'base64url'))
        .setProtectedHeader({ alg: 'ES256', kid, typ: EVIDENCE_TYP })
        .sign(intruder.privateKey);
      const keys = (await evidencePublicKeys(w.ctx.db, w.ctx.secrets)).keys;
      assert.ok(!keys.some((k) => k.kid === kid));
      await assert.rejects(verifyEvidenceSignature(forged, keys), { code: 'unknown_key' });
    } finally {
      await w.ctx.db.deleteFrom('evidence_keys').where('kid', '=', kid).execute();
    }
  });

  it('with database access, a changed, deleted or added row of the window fails the check, naming the row', async () => {
    const { jws } = await exportNow();
    const { document } = await verifyEvidenceSignature(
      jws,
      (await evidencePublicKeys(w.ctx.db, w.ctx.secrets)).keys,
    );
    const [changedId, deletedId] = document.partners[0]!.requests.rows.map(([id]) => id);
    await w.ctx.db
      .updateTable('request_log')
      .set({ mfa_compliant: 0 })
      .where('tenant_id', '=', partner.id)
      .where('id', '=', changedId!)
      .execute();
    const deleted = await w.ctx.db
      .selectFrom('request_log')
      .selectAll()
      .where('tenant_id', '=', partner.id)
      .where('id', '=', deletedId!)
      .executeTakeFirstOrThrow();
    await w.ctx.db
      .deleteFrom('request_log')
      .where('tenant_id', '=', partner.id)
      .where('id', '=', deletedId!)
      .execute();
    const added = request(Date.parse(`${day}T12:00:00Z`), 'api-app-user', true);
    await w.ctx.requestLog.record(added);
    try {
      const [check] = await checkEvidenceAgainstDatabase(w.ctx.db, document);
      assert.equal(check?.ok, false);
      assert.deepEqual(check?.changed, [changedId]);
      assert.deepEqual(check?.missing, [deletedId]);
      assert.equal(check?.added.length, 1);
      assert.equal(check?.figuresMatch, false);
    } finally {
      await w.ctx.db
        .updateTable('request_log')
        .set({ mfa_compliant: 1 })
        .where('tenant_id', '=', partner.id)
        .where('id', '=', changedId!)
        .execute();
      await w.ctx.db
        .insertInto('request_log')
        .values({ ...deleted, occurred_at: Number(deleted.occurred_at) })
        .execute();
      await w.ctx.db
        .deleteFrom('request_log')
        .where('tenant_id', '=', partner.id)
        .where('correlation_id', '=', added.correlationId)
        .execute();
    }
  });

  it('the CLI: warden compliance export writes the signed file, warden compliance verify checks it against the database (exit 0), and refuses a changed file (exit 1)', async () => {
    const file = join(cli.home, 'evidence.jws');
    const exported = await cli.run([
      'compliance',
      'export',
      '--date',
      day,
      '--partner',
      partner.id,
      '--out',
      file,
      '--json',
    ]);
    assert.equal(exported.code, 0, exported.stderr);
    assert.deepEqual(
      JSON.parse(exported.stdout).partners.map((p: { rows: number }) => p.rows),
      [5],
    );
    const verified = await cli.run(['compliance', 'verify', file, '--json']);
    assert.equal(verified.code, 0, verified.stderr);
    const report = JSON.parse(verified.stdout);
    assert.deepEqual(
      { signature: report.signature, ok: report.ok, rows: report.partners[0].rows },
      { signature: 'valid', ok: true, rows: 5 },
    );

    // An auditor with only the published keys checks the signature without the database.
    const keysFile = join(cli.home, 'keys.json');
    const keys = await cli.run(['compliance', 'keys']);
    assert.equal(keys.code, 0, keys.stderr);
    writeFileSync(keysFile, keys.stdout);
    const offline = await cli.run([
      'compliance',
      'verify',
      file,
      '--keys',
      keysFile,
      '--signature-only',
      '--json',
    ]);
    assert.equal(offline.code, 0, offline.stderr);

    const [header, payload, signature] = readFileSync(file, 'utf8').trim().split('.');
    const changed = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    changed.partners[0].requests.count = 4;
    writeFileSync(
      file.replace('.jws', '-changed.jws'),
      `${header}.${Buffer.from(JSON.stringify(changed)).toString('base64url')}.${signature}`,
    );
    const refused = await cli.run(['compliance', 'verify', file.replace('.jws', '-changed.jws')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /bad_signature/);
    const badDate = await cli.run([
      'compliance',
      'export',
      '--date',
      '2026-02-30',
      '--out',
      join(cli.home, 'x.jws'),
    ]);
    assert.equal(badDate.code, 2);
    assert.match(badDate.stderr, /invalid_date/);
  });

  it('STYLE 4: docs/errors.md lists exactly the evidence codes of the catalogue', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const start = doc.indexOf('## Compliance evidence errors');
    assert.ok(start >= 0);
    const end = doc.indexOf('\n## ', start + 1);
    const documented = [...doc.slice(start, end < 0 ? undefined : end).matchAll(/^\| `(\w+)` \|/gm)].map(
      (m) => m[1],
    );
    assert.deepEqual(documented, Object.keys(EVIDENCE_ERRORS));
  });
});
