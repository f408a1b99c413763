import type { Command, Flags } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { note, out, printJson } from '../output.ts';

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
  flags: {},
  async run() {
    const { serve } = await import('./serve.ts');
    await serve();
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
  summary: 'Make a new signing key active; running servers pick it up within 30 s.',
  details: `${ENVIRONMENT} Retired keys stay published (tokens they signed keep verifying) until a rotation at least two days later removes them.`,
  flags: JSON_FLAG,
  async run({ values }) {
    const { rotateKeys } = await import('./keys-rotate.ts');
    const { kid } = await rotateKeys();
    if (values.json) printJson({ kid });
    else out(`New signing key ${kid} is active; previous keys stay published for verification.`);
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
