import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CliUser, deviceLogin } from './support/cli.ts';
import { startWarden, type TestWarden } from './support/harness.ts';

describe('CLI: the warden CLI against Warden over HTTPS with a self-signed certificate', () => {
  let w: TestWarden;
  before(async () => {
    w = await startWarden({ tls: true });
  });
  after(() => w?.stop());

  test('CLI: an untrusted certificate is exit 4, and the error names NODE_EXTRA_CA_CERTS', async () => {
    const user = new CliUser(w.baseUrl);
    try {
      const { code, stderr } = await user.run(['login', '--tenant', 'contoso.example', '--device-code']);
      assert.equal(code, 4, stderr);
      assert.match(stderr, /The TLS certificate of https:\/\/localhost:\d+ is not trusted/);
      assert.match(stderr, /NODE_EXTRA_CA_CERTS/);
    } finally {
      user.cleanup();
    }
  });

  test('CLI: with NODE_EXTRA_CA_CERTS, Jane signs in by device code and test-security-requirements passes', async () => {
    const user = new CliUser(w.baseUrl, { NODE_EXTRA_CA_CERTS: w.certificate!.certPath });
    try {
      const login = await deviceLogin(w, user, 'jane@contoso.example', true);
      assert.equal(login.code, 0, login.stderr);
      assert.match(
        login.stderr,
        /open https:\/\/localhost:\d+\/[\w-]+\/oauth2\/v2\.0\/deviceauth in a browser/,
      );
      const check = await user.run(['test-security-requirements']);
      assert.equal(check.code, 0, check.stderr);
      assert.match(check.stdout, /^pass: /);
      assert.match(check.stdout, /answered 200 OK/);
    } finally {
      user.cleanup();
    }
  });
});
