import { test } from 'node:test';
import { startWarden, type TestWarden } from '../../support/harness.ts';
import type { CompatClient } from './clients.ts';

/**
 * The compatibility suite (docs/compatibility.md): third-party clients, each pinned to an exact
 * version in package.json, run their flows against a Warden served over https, configured with
 * nothing but the authority, the base URL and trust of Warden's certificate.
 *
 * Every check is declared with `compatCheck` and its three string literals; the table in
 * docs/compatibility.md is generated from those declarations (scripts/compatibility-table.ts reads
 * them from the source, test/compatibility-table.test.ts fails when the two differ), so a row
 * exists only where a check runs in CI.
 */

export { COMPAT_CLIENTS, type CompatClient } from './clients.ts';

/**
 * One check: `client` doing `flow`, needing only `configuration` (what an integrator sets besides
 * the authority and base URL, or "none"). Arguments must be string literals: the table reads them.
 */
export function compatCheck(
  client: CompatClient,
  flow: string,
  configuration: string,
  fn: () => Promise<void>,
): void {
  test(`${client}: ${flow}`, { timeout: 120_000 }, fn);
  void configuration;
}

/** A Warden with its demo data, served over https with a certificate this process trusts. */
export function startCompatWarden(): Promise<TestWarden> {
  return startWarden({ tls: true });
}
