/**
 * The clients of the compatibility suite, by the name docs/compatibility.md shows, with the packages
 * whose pinned versions its table prints: npm packages pinned in package.json, and Debian packages
 * (`deb:`) pinned in DEBIAN_PINS. No imports: scripts/compatibility-table.ts reads this file too.
 */
export const COMPAT_CLIENTS = {
  'MSAL Node': ['@azure/msal-node'],
  '@azure/identity': ['@azure/identity'],
  'Microsoft Graph JS SDK': ['@microsoft/microsoft-graph-client'],
  'Python MSAL': ['deb:python3-msal'],
  oauth4webapi: ['oauth4webapi'],
  'openid-client': ['openid-client'],
  'passport-azure-ad': ['passport-azure-ad', 'passport'],
  'express-jwt + jwks-rsa': ['express-jwt', 'jwks-rsa'],
} as const satisfies Record<string, readonly string[]>;

export type CompatClient = keyof typeof COMPAT_CLIENTS;

/**
 * The Debian packages the suite runs, at the version Debian 12 (bookworm) ships, which CI installs
 * (.ci/run: apt-get install python3-msal). test/compatibility-table.test.ts checks it against
 * `dpkg-query`, so a different installed version fails the suite instead of changing the table.
 */
export const DEBIAN_PINS: Record<string, string> = {
  'python3-msal': '1.21.0-1',
};
