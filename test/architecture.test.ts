import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

/*
 * The shape of the tree (STYLE 3, issue "the house"): no import cycles in src/, and lower layers
 * never import higher ones. Imports are read from the source text (static `import … from` and
 * `export … from`, type-only ones included: a cycle of types is still a cycle of meaning).
 */

const SRC = resolve(import.meta.dirname, '../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gm;

/** file (relative to src/) → the src files it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => relative(SRC, resolve(dirname(file), m[1]!)));
    graph.set(relative(SRC, file), targets);
  }
  return graph;
}

/** Tarjan's strongly connected components with more than one file (or a file importing itself). */
function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    indexOf.set(node, index);
    low.set(node, index);
    index += 1;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!indexOf.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, indexOf.get(next)!));
      }
    }
    if (low.get(node) === indexOf.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) found.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!indexOf.has(node)) visit(node);
  return found;
}

/**
 * Folders (or files) that must not import the ones listed: each line is a layer rule.
 * The vocabulary modules are leaves; storage, security and http know nothing of the domain above.
 */
const FORBIDDEN: Record<string, readonly string[]> = {
  'clock.ts': ['*'],
  'guid.ts': ['*'],
  'lru-cache.ts': ['*'],
  'policy/mfa-proof.ts': ['*'],
  'tokens/authority-urls.ts': ['*'],
  'storage/': ['directory/', 'tokens/', 'sign-in/', 'policy/', 'partner-api/', 'graph-api/', 'dashboard/'],
  'security/': ['directory/', 'tokens/', 'sign-in/', 'policy/', 'partner-api/', 'graph-api/', 'dashboard/'],
  'http/html.ts': ['*'],
  // Issue 16 item 2: the metrics sit below everything that records into them; they read only the
  // authority's route names (a leaf) to label its paths.
  'metrics/': [
    'directory/',
    'tokens/provider.ts',
    'tokens/authorities.ts',
    'sign-in/',
    'sign-in-logs/',
    'policy/',
    'api-gate/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'admin-center/',
    'reports/',
    'storage/',
    'http/',
    'cli/',
    'context.ts',
    'config.ts',
    'app.ts',
  ],
  // The revocation list sits below both the directory (which records revocations) and the gates.
  'sessions/': [
    'directory/',
    'tokens/',
    'sign-in/',
    'policy/',
    'api-gate/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
  ],
  'authority-pages/': ['tokens/', 'sign-in/', 'policy/', 'directory/', 'dashboard/'],
  // The audit log is a store below every surface that writes to it.
  'audit/': [
    'directory/',
    'tokens/',
    'sign-in/',
    'policy/',
    'delegated-admin/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'cli/',
  ],
  // Issue 16 item 4: retention deletes from the stores; it is run by the server, never by them.
  'retention/': [
    'directory/',
    'tokens/',
    'sign-in/',
    'policy/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'admin-center/',
    'cli/',
  ],
  'policy/': ['tokens/', 'sign-in/', 'partner-api/', 'graph-api/', 'dashboard/', 'cli/'],
  // The directory throws its own errors (directory-error.ts); each API maps them at its edge.
  'delegated-admin/': ['tokens/', 'sign-in/', 'partner-api/', 'graph-api/', 'dashboard/', 'cli/'],
  'directory/': [
    'tokens/',
    'sign-in/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'cli/',
    'errors/graph-errors.ts',
    'errors/partner-api-errors.ts',
  ],
  'tokens/': ['sign-in/', 'partner-api/', 'graph-api/', 'dashboard/', 'cli/'],
  // SPEC §9: ID Protection is a store below the directory, the sign-in and the surfaces.
  'identity-protection/': [
    'directory/',
    'tokens/',
    'sign-in/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'cli/',
  ],
  'sign-in/': ['tokens/', 'partner-api/', 'graph-api/', 'dashboard/', 'cli/'],
  'api-gate/': ['partner-api/', 'graph-api/', 'dashboard/', 'cli/'],
  'partner-api/': ['graph-api/', 'dashboard/', 'cli/'],
  'graph-api/': ['partner-api/', 'dashboard/', 'cli/'],
  'dashboard/': ['partner-api/', 'graph-api/', 'cli/', 'admin-center/'],
  'admin-center/': ['partner-api/', 'graph-api/', 'cli/'],
  // The first-party relying party sits below every site that signs in with it.
  'relying-party/': [
    'dashboard/',
    'admin-center/',
    'security-info/',
    'sign-in/',
    'partner-api/',
    'graph-api/',
    'cli/',
  ],
  'security-info/': ['dashboard/', 'admin-center/', 'sign-in/', 'partner-api/', 'graph-api/', 'cli/'],
  // Service principals are a store below the token endpoint and the surfaces (it reads only the
  // resource catalogue, tokens/audiences.ts, of the token layer).
  'service-principals/': [
    'sign-in/',
    'policy/',
    'partner-api/',
    'graph-api/',
    'dashboard/',
    'admin-center/',
    'cli/',
    'tokens/provider.ts',
    'tokens/clients.ts',
    'errors/partner-api-errors.ts',
  ],
};

describe('STYLE 3: the source tree', () => {
  const graph = importGraph();

  it('STYLE 3: src/ has no import cycle', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('STYLE 3: lower layers never import higher ones', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      for (const [layer, forbidden] of Object.entries(FORBIDDEN)) {
        if (!(layer.endsWith('/') ? file.startsWith(layer) : file === layer)) continue;
        for (const target of targets) {
          if (target.startsWith(layer) && layer.endsWith('/')) continue;
          if (forbidden.includes('*') || forbidden.some((f) => target.startsWith(f))) {
            violations.push(`${file} imports ${target}`);
          }
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('Security review finding 2: the security score reads customers’ tenants only as delegated-admin/ decides', () => {
    const score = [...graph.keys()].filter((f) => f.startsWith('security-score/'));
    const violations: string[] = [];
    for (const file of score) {
      const text = readFileSync(join(SRC, file), 'utf8');
      // The score's own job lists partner tenants (score-clock.ts); customers and customer tenants are not its to read.
      if (/selectFrom\(\s*'customers'|'kind', '=', 'customer'|\b(getTenant|findTenant)\(/.test(text))
        violations.push(`${file} reads customers or customer tenants itself`);
      if ((graph.get(file) ?? []).includes('partner-center/customers.ts'))
        violations.push(`${file} imports partner-center/customers.ts`);
    }
    assert.deepEqual(violations, []);
    assert.ok(
      graph
        .get('security-score/customer-insights.ts')
        ?.includes('delegated-admin/customer-insight-access.ts'),
      'customer-insights asks THE decision',
    );
  });

  it('STYLE 3: the cycle finder finds a cycle (it can fail)', () => {
    const looped = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', ['a.ts']],
    ]);
    assert.deepEqual(cycles(looped), [['a.ts', 'b.ts', 'c.ts']]);
  });
});
