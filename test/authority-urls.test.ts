import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('authority URLs (RFC 3986 §2.1)', () => {
  let w: TestWarden;
  const errors: unknown[] = [];
  before(async () => {
    w = await startWarden();
    // Any error the server logs while answering these requests is a defect of its own.
    const log = w.ctx.log as unknown as { error: (...args: unknown[]) => void };
    const original = log.error.bind(log);
    log.error = (...args: unknown[]) => {
      errors.push(args);
      original(...args);
    };
  });
  after(() => w.stop());

  const malformed = ['%ED%A0%80', '%FF', '%E0%A4%A', '%', 'contoso%2'];
  const paths = [
    '/v2.0/.well-known/openid-configuration',
    '/.well-known/openid-configuration',
    '/oauth2/v2.0/token',
    '/oauth2/v2.0/authorize',
    '/discovery/v2.0/keys',
    '/oauth2/v2.0/devicecode',
  ];

  it('RFC 3986 §2.1: a malformed percent-encoding in the tenant segment is a 400 (AADSTS900023), never a 500', async () => {
    for (const segment of malformed) {
      for (const path of paths) {
        const method = path.endsWith('/token') || path.endsWith('/devicecode') ? 'POST' : 'GET';
        const res = await fetch(`${w.baseUrl}/${segment}${path}`, {
          method,
          ...(method === 'POST'
            ? {
                body: 'grant_type=client_credentials',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
              }
            : {}),
        });
        assert.equal(res.status, 400, `${method} /${segment}${path}`);
        const body = (await res.json()) as { error: string; error_codes: number[] };
        assert.equal(body.error, 'invalid_request');
        assert.deepEqual(body.error_codes, [900023]);
      }
    }
    assert.deepEqual(errors, [], 'nothing is logged as an error');
  });

  it('RFC 3986 §2.1: a well-formed percent-encoded domain still names its tenant', async () => {
    const res = await fetch(`${w.baseUrl}/contoso%2Eexample/v2.0/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { issuer: string };
    assert.equal(body.issuer, w.issuer('contoso'));
  });
});
