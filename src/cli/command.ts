import { parseArgs } from 'node:util';
import { UsageError } from './errors.ts';

/** One flag of a command: parsed by node:util parseArgs, described in the command's --help. */
export interface Flag {
  type: 'string' | 'boolean';
  short?: string;
  /** The value's name in help, e.g. `<domain or id>`. */
  value?: string;
  description: string;
}

export type Flags = Record<string, Flag>;

/** What parseArgs found: flag values by name, and the positional arguments. */
export interface Invocation {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

export interface Command {
  /** The words that name it: `['users', 'list']` is `warden users list`. */
  path: string[];
  summary: string;
  /** Positional arguments as shown in help, e.g. `<user id or upn>`. */
  args?: string;
  /** How many positionals it takes. */
  positionals?: { min: number; max: number };
  /** Paragraphs shown after the usage line in --help. */
  details?: string;
  flags: Flags;
  run(invocation: Invocation): Promise<number>;
}

export const HELP_FLAG: Flags = {
  help: { type: 'boolean', short: 'h', description: 'Show this help and exit.' },
};

export function commandName(command: Command): string {
  return `warden ${command.path.join(' ')}`;
}

/** Parses a command's arguments strictly: an unknown flag or a missing value is a usage error. */
export function parseInvocation(command: Command, args: string[]): Invocation {
  const flags = { ...command.flags, ...HELP_FLAG };
  const options = Object.fromEntries(
    Object.entries(flags).map(([name, f]) => [
      name,
      f.short ? { type: f.type, short: f.short } : { type: f.type },
    ]),
  );
  const max = command.positionals?.max ?? 0;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args, options, allowPositionals: max > 0, strict: true });
  } catch (error) {
    throw new UsageError(
      (error as Error).message.replace(/\. To specify a positional argument.*$/s, '.'),
      `Run: ${commandName(command)} --help`,
    );
  }
  const invocation = { values: parsed.values as Invocation['values'], positionals: parsed.positionals };
  if (invocation.values.help) return invocation;
  const min = command.positionals?.min ?? 0;
  if (invocation.positionals.length < min || invocation.positionals.length > max) {
    throw new UsageError(
      invocation.positionals.length < min
        ? `${commandName(command)} needs ${command.args ?? 'more arguments'}.`
        : `Unexpected argument '${invocation.positionals[max]}'.`,
      `Run: ${commandName(command)} --help`,
    );
  }
  return invocation;
}

/** The --help text of one command. */
export function commandHelp(command: Command): string {
  const flags = { ...command.flags, ...HELP_FLAG };
  const rows = Object.entries(flags).map(([name, f]) => {
    const left = `${f.short ? `-${f.short}, ` : '    '}--${name}${f.value ? ` ${f.value}` : ''}`;
    return [left, f.description] as const;
  });
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    `Usage: ${commandName(command)}${command.args ? ` ${command.args}` : ''}${rows.length > 1 ? ' [options]' : ''}`,
    '',
    command.summary,
    ...(command.details ? ['', command.details] : []),
    '',
    'Options:',
    ...rows.map(([left, text]) => `  ${left.padEnd(width)}${text}`),
    '',
  ].join('\n');
}

/** A string flag's value, or undefined. */
export function stringFlag(invocation: Invocation, name: string): string | undefined {
  const value = invocation.values[name];
  return typeof value === 'string' ? value : undefined;
}
