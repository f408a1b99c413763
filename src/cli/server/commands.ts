import { type Command, type Flags, type Invocation, stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';
import type { OnboardingReport } from './onboarding.ts';
import { retentionRunCommand, retentionSetCommand } from './retention-commands.ts';

// Server-side commands run on the server's machine and read the same environment as `npm start`
// (README "Configuration"). Their implementations are imported when run, so the client commands
// never load the server's storage or protocol code.

const ENVIRONMENT =
  'Configuration comes from the environment, as for npm start: WARDEN_DATA_DIR, DATABASE_URL, WARDEN_MODE, WARDEN_SECRET_KEY, … (README "Configuration").';
const JSON_FLAG: Flags = { json: { type: 'boolean', description: 'Print the result as JSON.' } };

export const serveCommand: Command = {
  path: ['serve'],
  summary: 'Run the Warden server (what npm start does): migrate, create the demo data in demo mode, serve.',
  details: `${ENVIRONMENT} Stops on SIGINT or SIGTERM.`,
  flags: {
    https: {
      type: 'boolean',
      description:
        'Serve https with a self-signed localhost certificate made once in the data dir (WARDEN_HTTPS=self-signed; demo mode only).',
    },
  },
  async run({ values }) {
    const { serve } = await import('./serve.ts');
    await serve(values.https ? { ...process.env, WARDEN_HTTPS: 'self-signed' } : process.env);
    return -1; // keeps running: the server ends the process itself on a signal
  },
};

export const migrateCommand: Command = {
  path: ['migrate'],
  summary: 'Apply the database migrations the configured database lacks, and list them.',
  details: `${ENVIRONMENT} The server also migrates when it starts; run this to migrate ahead of a deployment.`,
  flags: JSON_FLAG,
  async run({ values }) {
    const { migrate } = await import('./migrate.ts');
    const report = await migrate();
    if (values.json) printJson(report);
    else {
      out(
        report.applied.length
          ? `Applied ${report.applied.length} migration(s) to the ${report.database} database:\n${report.applied.map((m) => `  ${m}`).join('\n')}`
          : `The ${report.database} database is up to date; nothing to apply.`,
      );
      out(`Migrations in the database: ${report.migrations.map((m) => m.name).join(', ')}`);
    }
    return EXIT.ok;
  },
};

export const keysRotateCommand: Command = {
  path: ['keys', 'rotate'],
  summary: 'Publish a new signing key now; it signs 10 minutes later (--now: at once).',
  details: `${ENVIRONMENT} Running servers publish the new key within 30 s and start signing with it once it has been published 10 minutes, so relying parties and the other instances know it before it signs (behind a balancer, no JWKS lacks it). --now makes it sign at once: for a key that must stop signing, say it leaked. Retired keys stay published (tokens they signed keep verifying) until a rotation at least two days later removes them.`,
  flags: {
    now: {
      type: 'boolean',
      description: 'The new key signs at once (a leaked key), instead of after 10 minutes.',
    },
    ...JSON_FLAG,
  },
  async run({ values }) {
    const { rotateKeys } = await import('./keys-rotate.ts');
    const { kid, signsFrom } = await rotateKeys({ immediate: values.now === true });
    if (values.json) printJson({ kid, signsFrom: new Date(signsFrom).toISOString() });
    else if (values.now === true)
      out(`New signing key ${kid} is active now; previous keys stay published for verification.`);
    else
      out(
        `New signing key ${kid} is published; it signs from ${new Date(signsFrom).toISOString()}. Previous keys stay published for verification.`,
      );
    return EXIT.ok;
  },
};

export const demoResetCommand: Command = {
  path: ['demo', 'reset'],
  summary: 'Delete ALL data and create the demo data again (demo mode only).',
  details: `${ENVIRONMENT} Every tenant, user, sign-in log and Partner Center record is deleted and the demo set is created afresh in one transaction; data/demo.json is rewritten. Signing keys are kept. Refused when WARDEN_MODE=production. Restart running servers afterwards: they remember tenant ids for up to a minute.`,
  flags: {
    yes: { type: 'boolean', short: 'y', description: 'Confirm that all data is to be deleted (required).' },
    ...JSON_FLAG,
  },
  async run({ values }) {
    if (!values.yes) {
      throw new UsageError(
        'warden demo reset deletes every tenant, user and log in the configured database; it needs --yes to go ahead.',
        'Run: warden demo reset --yes',
      );
    }
    const { resetDemo } = await import('./demo-reset.ts');
    const { demo, dataDir, tables } = await resetDemo();
    if (values.json) printJson(demo);
    else {
      out(
        `Demo data re-created (${tables.length} tables emptied first); every credential is in ${dataDir}/demo.json`,
      );
      out(`Users: ${Object.keys(demo.users).join(', ')} (password: ${demo.password})`);
    }
    note('Restart running Warden servers so they forget the old tenants.');
    return EXIT.ok;
  },
};

const ONBOARDING_FLAGS: Flags = {
  domain: { type: 'string', value: '<domain>', description: "The tenant's verified domain (required)." },
  admin: {
    type: 'string',
    value: '<user name>',
    description: 'The first Global Administrator, an address in that domain, e.g. admin@<domain> (required).',
  },
  name: { type: 'string', value: '<name>', description: "The tenant's display name (default: the domain)." },
  'display-name': {
    type: 'string',
    value: '<name>',
    description: "The administrator's display name (default: the part before @).",
  },
  ...JSON_FLAG,
};

const ACTIVATION =
  'The administrator opens the link, sets a password (the password policy applies), signs in and must register an authenticator app (a Global Administrator under security defaults always uses MFA: no skipping). The link works once, for 72 hours; only its hash is stored. warden activation-link issues a new one.';

function required(invocation: Invocation, name: string, command: string): string {
  const value = stringFlag(invocation, name)?.trim();
  if (!value) throw new UsageError(`${command} needs --${name}.`, `Run: ${command} --help`);
  return value;
}

function printOnboarding(report: OnboardingReport, json: boolean, what: string): void {
  if (json) printJson(report);
  else {
    out(
      `${what} ${report.tenant.domain} (${report.tenant.displayName}, id ${report.tenant.id}); security defaults on.`,
    );
    out(`First Global Administrator: ${report.admin.userPrincipalName}`);
    out(`Activation link (works once, until ${report.expiresAt}):\n  ${report.activationUrl}`);
  }
  note(
    `Give this link to ${report.admin.userPrincipalName} only, over a trusted channel: whoever opens it first chooses the account's password.`,
  );
  const host = new URL(report.baseUrl).hostname;
  if (host === 'localhost' || host === '127.0.0.1') {
    note(
      `The link is built from WARDEN_BASE_URL (${report.baseUrl}); set it to the public URL if that is not it.`,
    );
  }
}

export const initCommand: Command = {
  path: ['init'],
  summary:
    'Create the operator tenant and its first Global Administrator; print their one-time activation link.',
  details: `${ENVIRONMENT} Run it once per installation against the server's database (like warden migrate), before or after the server starts; it is refused once the operator tenant exists. It also registers the warden CLI's public client (warden login). ${ACTIVATION} The dashboard opens at the first request after init; no restart.`,
  flags: ONBOARDING_FLAGS,
  async run(invocation) {
    const domain = required(invocation, 'domain', 'warden init');
    const admin = required(invocation, 'admin', 'warden init');
    const { onboard } = await import('./onboarding.ts');
    const report = await onboard({
      kind: 'operator',
      domain,
      displayName: stringFlag(invocation, 'name'),
      admin: { userPrincipalName: admin, displayName: stringFlag(invocation, 'display-name') },
    });
    printOnboarding(report, invocation.values.json === true, 'Operator tenant');
    return EXIT.ok;
  },
};

export const tenantsCreateCommand: Command = {
  path: ['tenants', 'create'],
  summary: 'Onboard a partner or customer tenant with its first Global Administrator and activation link.',
  details: `${ENVIRONMENT} Needs the operator tenant (warden init). A partner tenant gets its AdminAgents, SalesAgents and HelpdeskAgents groups, and its administrator is an Admin agent too. ${ACTIVATION} A partner's administrator lands in Partner Center; a customer's is told how to sign in. A partner links its customers through the Partner API (POST /v1/customers), not here.`,
  flags: {
    kind: { type: 'string', value: 'partner|customer', description: 'The kind of tenant (required).' },
    'program-type': {
      type: 'string',
      value: '<type>',
      description:
        "A partner's program: csp-direct (default), csp-indirect-provider, csp-indirect-reseller, control-panel-vendor, advisor.",
    },
    ...ONBOARDING_FLAGS,
  },
  async run(invocation) {
    const kind = required(invocation, 'kind', 'warden tenants create');
    if (kind !== 'partner' && kind !== 'customer') {
      throw new UsageError(
        `--kind is partner or customer, not '${kind}'.`,
        'The operator tenant is created by warden init.',
      );
    }
    const programType = stringFlag(invocation, 'program-type');
    if (programType !== undefined && kind !== 'partner') {
      throw new UsageError('--program-type is for partner tenants.');
    }
    const domain = required(invocation, 'domain', 'warden tenants create');
    const admin = required(invocation, 'admin', 'warden tenants create');
    const { onboard } = await import('./onboarding.ts');
    const report = await onboard({
      kind,
      domain,
      displayName: stringFlag(invocation, 'name'),
      programType,
      admin: { userPrincipalName: admin, displayName: stringFlag(invocation, 'display-name') },
    });
    printOnboarding(
      report,
      invocation.values.json === true,
      kind === 'partner' ? 'Partner tenant' : 'Customer tenant',
    );
    return EXIT.ok;
  },
};

export const activationLinkCommand: Command = {
  path: ['activation-link'],
  summary: 'Issue a new one-time activation link for an administrator who has not activated yet.',
  args: '<user name>',
  positionals: { min: 1, max: 1 },
  details: `${ENVIRONMENT} For a first administrator whose link expired or was lost: the earlier links stop working. Refused for an account that already has a password.`,
  flags: JSON_FLAG,
  async run(invocation) {
    const { newActivationLink } = await import('./onboarding.ts');
    const report = await newActivationLink(invocation.positionals[0]!);
    printOnboarding(report, invocation.values.json === true, 'Tenant');
    return EXIT.ok;
  },
};

export const backupCommand: Command = {
  path: ['backup'],
  summary:
    'Copy the SQLite database to a file while the server runs (online backup); PostgreSQL: use pg_dump.',
  details: `${ENVIRONMENT} The copy is consistent (SQLite's online backup API) and written under a temporary name, then renamed. It does not overwrite a file. Keep WARDEN_SECRET_KEY with the backups, apart from them: without it the signing keys, TOTP seeds and client secrets in the copy cannot be opened.`,
  flags: {
    to: {
      type: 'string',
      value: '<file>',
      description: 'Where to write the copy (required; must not exist).',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const to = required(invocation, 'to', 'warden backup');
    const { backupDatabase } = await import('./backup.ts');
    const result = await backupDatabase(to);
    if (invocation.values.json) printJson(result);
    else out(`Backed up the SQLite database to ${result.file} (${result.pages} pages).`);
    return EXIT.ok;
  },
};

export const restoreCommand: Command = {
  path: ['restore'],
  summary:
    'Make a backup of warden backup the SQLite database of the data dir, then migrate it; PostgreSQL: use pg_restore.',
  args: '<file>',
  positionals: { min: 1, max: 1 },
  details: `${ENVIRONMENT} The file must be a Warden SQLite database whose migrations this Warden knows, and whose signing keys the configured WARDEN_SECRET_KEY opens (demo mode: copy secret.key from the old data dir). A data dir that already has a database is refused unless --replace. docs/backups.md.`,
  flags: {
    replace: {
      type: 'boolean',
      description:
        'Replace the database of the data dir (stop every server on it first); the old one is moved aside, not deleted.',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const { restoreDatabase } = await import('./restore.ts');
    const result = await restoreDatabase(invocation.positionals[0]!, {
      replace: invocation.values.replace === true,
    });
    if (invocation.values.json) printJson(result);
    else {
      out(`Restored ${result.file} into ${result.database} (${result.migrations} migrations in the backup).`);
      if (result.applied.length)
        out(`Applied ${result.applied.length} newer migration(s): ${result.applied.join(', ')}`);
      if (result.replaced) out(`The database it replaced is at ${result.replaced}.`);
    }
    return EXIT.ok;
  },
};

export const complianceExportCommand: Command = {
  path: ['compliance', 'export'],
  summary: "Write a day's security requirements evidence, signed with the operator's evidence key (JWS).",
  details: `${ENVIRONMENT} For day D (UTC), every partner's stored figures (A, B1, B2 over D-6..D), its security score requirements now, and the SHA-256 of every raw request-log row behind B1 and B2, as one compact JWS (ES256) signed by the operator's evidence key, made on first use and never deleted. An auditor checks it with warden compliance verify; warden compliance keys prints the public keys to hand over with it.`,
  flags: {
    date: {
      type: 'string',
      value: '<YYYY-MM-DD>',
      description: 'The day whose figures are attested (required).',
    },
    partner: {
      type: 'string',
      value: '<tenant id>',
      description: 'Only this partner tenant (default: every partner).',
    },
    out: {
      type: 'string',
      value: '<file>',
      description: 'Where to write the evidence (required; must not exist).',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const date = required(invocation, 'date', 'warden compliance export');
    const file = required(invocation, 'out', 'warden compliance export');
    const partner = stringFlag(invocation, 'partner');
    const { exportEvidence } = await import('./compliance-evidence.ts');
    const report = await exportEvidence({ date, out: file, ...(partner ? { tenantId: partner } : {}) });
    if (invocation.values.json) printJson(report);
    else {
      out(`Evidence for ${report.date} written to ${report.file}, signed with evidence key ${report.kid}.`);
      for (const p of report.partners)
        out(
          `  ${p.displayName} (${p.tenantId}): ${p.rows} request(s) hashed${p.figures ? '' : ', no figures stored for the day'}`,
        );
    }
    return EXIT.ok;
  },
};

export const complianceVerifyCommand: Command = {
  path: ['compliance', 'verify'],
  summary: 'Check a compliance evidence file: its signature and, with database access, every row and figure.',
  args: '<file>',
  positionals: { min: 1, max: 1 },
  details: `${ENVIRONMENT} The signature is checked against --keys (a JWK or JWKS from warden compliance keys) or the database's evidence keys. Then, unless --signature-only, every attested row is read again, hashed and compared (changed, missing and added rows are named), and B1 and B2 are recounted from the rows and compared with the attested figures. Exit code 0 when everything matches, 1 otherwise.`,
  flags: {
    keys: {
      type: 'string',
      value: '<file>',
      description: "The public keys to trust (default: the database's).",
    },
    'signature-only': {
      type: 'boolean',
      description: 'Check only the signature (no database needed with --keys).',
    },
    ...JSON_FLAG,
  },
  async run(invocation) {
    const keysFile = stringFlag(invocation, 'keys');
    const { verifyEvidenceFile } = await import('./compliance-evidence.ts');
    const report = await verifyEvidenceFile({
      file: invocation.positionals[0]!,
      signatureOnly: invocation.values['signature-only'] === true,
      ...(keysFile ? { keysFile } : {}),
    });
    if (invocation.values.json) printJson(report);
    else {
      out(`Signature valid (evidence key ${report.kid}); evidence of ${report.date} from ${report.iss}.`);
      if (report.keys === 'database')
        note(
          "The key was read from this installation's database (checked against its sealed private key). An auditor who does not trust the installation pins the keys instead: warden compliance keys > keys.json, then --keys keys.json.",
        );
      for (const p of report.partners ?? []) {
        out(
          p.ok
            ? `  ${p.tenantId}: ${p.rows} row(s) and the figures match the database.`
            : `  ${p.tenantId}: MISMATCH: ${p.changed.length} changed, ${p.missing.length} missing, ${p.added.length} added row(s)${p.figuresMatch === false ? ', figures differ from the rows' : ''}${p.digestConsistent ? '' : ', digest inconsistent'}.`,
        );
      }
    }
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};

export const complianceKeysCommand: Command = {
  path: ['compliance', 'keys'],
  summary: "Print the operator's evidence keys (public JWKS) for auditors.",
  details: `${ENVIRONMENT} Every evidence key, active and retired, as a JSON Web Key Set (RFC 7517 §5).`,
  flags: {},
  async run() {
    const { evidenceKeys } = await import('./compliance-evidence.ts');
    printJson(await evidenceKeys());
    return EXIT.ok;
  },
};

export const leakedCredentialsImportCommand: Command = {
  path: ['leaked-credentials', 'import'],
  summary: "Check a feed of leaked user name/password pairs against the users' current passwords.",
  args: '<file>',
  positionals: { min: 1, max: 1 },
  details: `${ENVIRONMENT} One pair a line, userPrincipalName,password (split at the first comma; # starts a comment). Each pair whose user exists is checked against that user's current password hash; a match marks the user at high risk (a leakedCredentials detection) and blocks their sign-in until an administrator resets the password to a temporary one or dismisses the risk. No password is stored or printed. Importing the same feed again raises nothing new (docs/identity-protection.md).`,
  flags: JSON_FLAG,
  async run(invocation) {
    const { importLeakedFeed } = await import('./identity-protection.ts');
    const report = await importLeakedFeed(invocation.positionals[0]!);
    if (invocation.values.json) printJson(report);
    else
      out(
        `${report.lines} pair(s) read: ${report.known} of Warden users, ${report.matched} matching a current password, ${report.detections} new detection(s)${report.malformed ? `; ${report.malformed} malformed line(s) skipped` : ''}.`,
      );
    return EXIT.ok;
  },
};

export const breachedPasswordsImportCommand: Command = {
  path: ['breached-passwords', 'import'],
  summary: 'Load a breached-password list (Pwned Passwords SHA-1 format): such passwords are refused.',
  args: '<file or directory>',
  positionals: { min: 1, max: 1 },
  details: `${ENVIRONMENT} A directory of range files named by their 5-hex prefix (lines SUFFIX:COUNT, as api.pwnedpasswords.com/range/{prefix} answers), or a file of HASH:COUNT lines. New passwords on the list are refused everywhere a password is set, and a sign-in with one marks the user at high risk (docs/identity-protection.md).`,
  flags: JSON_FLAG,
  async run(invocation) {
    const { importBreachedList } = await import('./identity-protection.ts');
    const report = await importBreachedList(invocation.positionals[0]!);
    if (invocation.values.json) printJson(report);
    else out(`${report.loaded} breached password hash(es) loaded.`);
    return EXIT.ok;
  },
};

/** The commands that run on the server's machine, in the order help lists them. */
export const SERVER_COMMANDS: Command[] = [
  serveCommand,
  migrateCommand,
  initCommand,
  tenantsCreateCommand,
  activationLinkCommand,
  keysRotateCommand,
  backupCommand,
  restoreCommand,
  demoResetCommand,
  complianceExportCommand,
  complianceVerifyCommand,
  complianceKeysCommand,
  leakedCredentialsImportCommand,
  breachedPasswordsImportCommand,
  retentionSetCommand,
  retentionRunCommand,
];
