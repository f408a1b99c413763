import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SIGN_IN_ERRORS } from '../src/errors/sign-in-errors.ts';

describe('error catalogue (STYLE 4)', () => {
  it('docs/errors.md lists exactly the sign-in codes of the catalogue, with the same names', () => {
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## Sign-in errors'), doc.indexOf('## Authority errors'));
    const documented = [...section.matchAll(/^\| (\d+) \| (\w+) \|/gm)].map((m) => [Number(m[1]), m[2]]);
    const catalogue = Object.entries(SIGN_IN_ERRORS).map(([code, e]) => [Number(code), e.name]);
    assert.deepEqual(documented, catalogue);
  });
});
