import { type Command, stringFlag } from '../command.ts';
import { EXIT, UsageError } from '../errors.ts';
import { out, printJson } from '../output.ts';

// Issue 16 item 4 (docs/retention.md): how long a tenant's logs are kept, and applying it now.

const ENVIRONMENT = 'Configuration comes from the environment, as for npm start (README "Configuration").';

export const retentionSetCommand: Command = {
  path: ['retention', 'set'],
  summary: "Set how long a tenant's logs are kept (sign-ins, audit, request log; default 30 days).",
  details: `${ENVIRONMENT} 1–730 days, or "default" for the default (30). The compliance rollups keep 13 months whatever the window. The server applies a shorter window at its next hourly run (or run warden retention run).`,
  flags: {
    tenant: { type: 'string', value: '<id or domain>', description: 'The tenant (required).' },
    days: {
      type: 'string',
      value: '<days>|default',
      description: 'The window in days, or "default" (required).',
    },
    json: { type: 'boolean', description: 'Print the result as JSON.' },
  },
  async run(invocation) {
    const tenant = stringFlag(invocation, 'tenant');
    const days = stringFlag(invocation, 'days');
    if (!tenant || !days) throw new UsageError('warden retention set needs --tenant and --days.');
    const { setRetention } = await import('./retention.ts');
    const setting = await setRetention(tenant, days);
    if (invocation.values.json) printJson(setting);
    else out(`${setting.domain} keeps its logs ${setting.days} days.`);
    return EXIT.ok;
  },
};

export const retentionRunCommand: Command = {
  path: ['retention', 'run'],
  summary: 'Delete the log rows past their retention now, as the server does hourly.',
  details: `${ENVIRONMENT} In batches of 1,000 rows; on PostgreSQL also makes next month's partitions and drops months past every tenant's window.`,
  flags: { json: { type: 'boolean', description: 'Print the result as JSON.' } },
  async run(invocation) {
    const { applyRetention } = await import('./retention.ts');
    const run = await applyRetention();
    if (invocation.values.json) printJson(run);
    else {
      out(
        `Deleted: ${Object.entries(run.deleted)
          .map(([table, n]) => `${table} ${n}`)
          .join(', ')}.`,
      );
      if (run.partitions)
        out(
          `Partitions made: ${run.partitions.created.join(', ') || 'none'}; dropped: ${run.partitions.dropped.join(', ') || 'none'}.`,
        );
    }
    return EXIT.ok;
  },
};
