import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  checksOf,
  DOC,
  declaredChecks,
  documentedTable,
  installedDebianVersion,
  pinnedVersion,
  ROOT,
  renderTable,
  SuiteError,
  suiteFiles,
  versionCell,
  withoutComments,
} from '../scripts/compatibility-table.ts';
import { COMPAT_CLIENTS, type CompatClient, DEBIAN_PINS } from './compat/support/clients.ts';

/** The rows of the doc's table: client, version, flow and status cells. */
function documentedRows(): { client: string; version: string; flow: string; status: string }[] {
  const table = documentedTable(readFileSync(DOC, 'utf8'));
  assert.ok(table, 'docs/compatibility.md has the table markers');
  return table
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| client |'))
    .map((line) => {
      const cells = line
        .slice(2, -2)
        .split(/(?<!\\) \| /)
        .map((c) => c.replace(/\\\|/g, '|'));
      return { client: cells[0]!, version: cells[1]!, flow: cells[2]!, status: cells[3]! };
    });
}

const key = (row: { client: string; flow: string }) => `${row.client}: ${row.flow}`;

describe('Operations: docs/compatibility.md is the compatibility suite: the table cannot drift from the checks CI runs', () => {
  test('every compatCheck of test/compat has its row, and every row its compatCheck', () => {
    const checks = new Set(declaredChecks().map(key));
    const rows = new Set(documentedRows().map(key));
    assert.ok(checks.size > 0);
    assert.deepEqual(
      [...checks].filter((k) => !rows.has(k)),
      [],
      'checks without a row (run node scripts/compatibility-table.ts)',
    );
    assert.deepEqual(
      [...rows].filter((k) => !checks.has(k)),
      [],
      'rows without a check (run node scripts/compatibility-table.ts)',
    );
  });

  test('each row shows the version its client is pinned to, and the status "works"', () => {
    for (const row of documentedRows()) {
      assert.ok(Object.hasOwn(COMPAT_CLIENTS, row.client), row.client);
      assert.equal(row.version, versionCell(row.client as CompatClient), key(row));
      assert.equal(row.status, 'works', key(row));
    }
  });

  test('the table is exactly what scripts/compatibility-table.ts generates from the suite', () => {
    assert.equal(documentedTable(readFileSync(DOC, 'utf8')), renderTable());
  });

  test('every package of the suite is pinned to an exact version and installed at it', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    for (const pkg of Object.values(COMPAT_CLIENTS).flat()) {
      const pin = pinnedVersion(pkg, manifest);
      if (pkg.startsWith('deb:')) {
        // Debian's package, as .ci/run installs it (Debian 12's version).
        assert.equal(installedDebianVersion(pkg.slice(4)), DEBIAN_PINS[pkg.slice(4)], pkg);
      } else {
        const installed = JSON.parse(readFileSync(join(ROOT, 'node_modules', pkg, 'package.json'), 'utf8'));
        assert.equal(installed.version, pin, `${pkg} in node_modules`);
      }
    }
  });

  test('each suite file declares its checks with compatCheck only, none skipped', () => {
    for (const file of suiteFiles()) {
      const source = readFileSync(file, 'utf8');
      assert.ok(checksOf(file, source).length > 0, `${file} declares no compatCheck`);
      const code = withoutComments(source);
      // A plain test() would run without a row; a skipped or todo check would be a row that does not run.
      assert.doesNotMatch(code, /import\s*\{[^}]*\b(?:test|it)\b[^}]*\}\s*from\s*'node:test'/, file);
      assert.doesNotMatch(code, /\.(?:skip|todo|only)\(|[{,]\s*(?:skip|todo|only)\s*:/, file);
    }
  });
});

describe('Operations: scripts/compatibility-table.ts reads checks and pins strictly', () => {
  const read = (source: string) => checksOf(join(ROOT, 'test/compat/example.test.ts'), source);

  test('string literals of every kind are read; a compatCheck( in a comment is no check', () => {
    const checks = read(
      [
        "// compatCheck('MSAL Node', 'in a comment', 'none', …)",
        '/* compatCheck("MSAL Node", "in a block", "none") */',
        "compatCheck('MSAL Node', 'a \\'quoted\\' flow | with a bar', \"knownAuthorities: [host]\", async () => {});",
        'compatCheck(\n  `Python MSAL`,\n  `device flow`,\n  `none`,\n  async () => {},\n);',
      ].join('\n'),
    );
    assert.deepEqual(
      checks.map((c) => [c.client, c.flow, c.configuration, c.line]),
      [
        ['MSAL Node', "a 'quoted' flow | with a bar", 'knownAuthorities: [host]', 3],
        ['Python MSAL', 'device flow', 'none', 4],
      ],
    );
    assert.match(renderTable(checks), /a 'quoted' flow \\\| with a bar/);
  });

  test('a check the table could not show is refused: not literals, an unknown client, an empty flow, a duplicate', () => {
    assert.throws(() => read("compatCheck(CLIENT, 'flow', 'none', async () => {});"), SuiteError);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source of a template with a placeholder
    assert.throws(() => read("compatCheck('MSAL Node', `flow ${n}`, 'none', async () => {});"), SuiteError);
    assert.throws(
      () => read("compatCheck('MSAL.js', 'flow', 'none', async () => {});"),
      /not a client of COMPAT_CLIENTS/,
    );
    assert.throws(() => read("compatCheck('MSAL Node', ' ', 'none', async () => {});"), SuiteError);
    const dir = mkdtempSync(join(tmpdir(), 'warden-compat-table-'));
    try {
      const check = "compatCheck('MSAL Node', 'the same flow', 'none', async () => {});\n";
      writeFileSync(join(dir, 'a.test.ts'), check);
      writeFileSync(join(dir, 'b.test.ts'), check);
      assert.throws(() => declaredChecks(dir), /"MSAL Node: the same flow" is declared twice/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a range (^, ~, >=, *) or a missing package is not a pin', () => {
    for (const range of ['^7.2.1', '~7.2.1', '>=7.2.1', '*', '7.x', 'latest']) {
      assert.throws(
        () => pinnedVersion('@azure/msal-node', { devDependencies: { '@azure/msal-node': range } }),
        /not pinned to an exact version/,
        range,
      );
    }
    assert.equal(
      pinnedVersion('@azure/msal-node', { devDependencies: { '@azure/msal-node': '7.2.1' } }),
      '7.2.1',
    );
    assert.throws(() => pinnedVersion('@azure/msal-node', {}), /not in package.json/);
    assert.throws(() => pinnedVersion('deb:python3-unknown'), /no pin in DEBIAN_PINS/);
  });
});
