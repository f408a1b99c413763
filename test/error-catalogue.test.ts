import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PASSKEY_ERROR_CODES } from '../src/authentication-methods/passkeys/errors.ts';
import { GRAPH_ERRORS } from '../src/errors/graph-errors.ts';
import { PARTNER_API_ERRORS } from '../src/errors/partner-api-errors.ts';
import { SIGN_IN_ERRORS } from '../src/errors/sign-in-errors.ts';

const doc = () => readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** The text of a `## heading` section, up to the next `## ` heading or the end. */
function section(text: string, heading: string): string {
  const start = text.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `docs/errors.md has no "## ${heading}" section`);
  const end = text.indexOf('\n## ', start + 1);
  return text.slice(start, end < 0 ? undefined : end);
}

describe('STYLE 4: the error catalogue', () => {
  it('STYLE 4: docs/errors.md lists exactly the sign-in codes of the catalogue, with the same names', () => {
    const rows = section(doc(), 'Sign-in errors').matchAll(/^\| (\d+) \| (\w+) \|/gm);
    const documented = [...rows].map((m) => [Number(m[1]), m[2]]);
    const catalogue = Object.entries(SIGN_IN_ERRORS).map(([code, e]) => [Number(code), e.name]);
    assert.deepEqual(documented, catalogue);
  });

  it('STYLE 4, Partner Center REST error codes: docs/errors.md lists exactly the Partner API codes of the catalogue, with the same statuses and Partner Center numbers', () => {
    const rows = section(doc(), 'Partner API errors').matchAll(/^\| (\d+) \| (\d+) \| `(\w+)` \|/gm);
    const documented = [...rows].map((m) => [Number(m[1]), Number(m[2]), m[3]]);
    const catalogue = Object.entries(PARTNER_API_ERRORS).map(([code, e]) => [e.status, e.number, code]);
    assert.deepEqual(documented, catalogue);
  });

  it('STYLE 4: docs/errors.md lists exactly the Graph API codes of the catalogue, with the same statuses', () => {
    const rows = section(doc(), 'Graph API errors').matchAll(/^\| (\d+) \| `(\w+)` \|/gm);
    const documented = [...rows].map((m) => [Number(m[1]), m[2]]);
    const catalogue = Object.entries(GRAPH_ERRORS).map(([code, e]) => [e.status, code]);
    assert.deepEqual(documented, catalogue);
  });

  it('STYLE 4: docs/errors.md lists exactly the passkey refusal codes (WebAuthn ceremonies)', () => {
    const rows = section(doc(), 'Passkey errors').matchAll(/^\| `(\w+)` \|/gm);
    assert.deepEqual(
      [...rows].map((m) => m[1]),
      [...PASSKEY_ERROR_CODES],
    );
  });
});
