import { clientCommands } from './client/commands.ts';
import { type Command, commandHelp, parseInvocation } from './command.ts';
import { EXIT, UsageError } from './errors.ts';
import { out } from './output.ts';
import { SERVER_COMMANDS } from './server/commands.ts';

export const COMMANDS: Command[] = [...SERVER_COMMANDS, ...clientCommands];

/** Exit codes as `warden --help` and the README explain them. */
export const EXIT_CODES_HELP = `Exit codes:
  0  success (test-security-requirements: pass)
  1  the check failed (test-security-requirements: fail) or the operation was refused
  2  usage error: unknown command or flag, missing argument
  3  not signed in, or the session expired or was revoked: run warden login
  4  the server could not be reached or answered with a server error`;

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.path.join(' ').length)) + 2;
  const list = (server: boolean) =>
    COMMANDS.filter((c) => SERVER_COMMANDS.includes(c) === server)
      .map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`)
      .join('\n');
  return `Usage: warden <command> [options]

Warden's command line: run and maintain the server, and administer a tenant over HTTP(S).

Server commands (on the server's machine, configured by the environment like npm start):
${list(true)}

Client commands (talk to a Warden server; --server or WARDEN_SERVER, default http://localhost:3000):
${list(false)}

Run warden <command> --help for a command's options. Through npm: npx warden …, or npm run warden -- ….

${EXIT_CODES_HELP}
`;
}

function groupHelp(group: string): string {
  const members = COMMANDS.filter((c) => c.path[0] === group);
  const width = Math.max(...members.map((c) => c.path.join(' ').length)) + 2;
  return `Usage: warden ${group} <command> [options]\n\nCommands:\n${members
    .map((c) => `  ${c.path.join(' ').padEnd(width)}${c.summary}`)
    .join('\n')}\n\nRun warden ${group} <command> --help for a command's options.\n`;
}

/** The command named by the leading words of `argv` (the longest match), and the arguments after it. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  let best: Command | undefined;
  for (const command of COMMANDS) {
    const matches = command.path.every((word, i) => argv[i] === word);
    if (matches && command.path.length > (best?.path.length ?? 0)) best = command;
  }
  return best ? { command: best, rest: argv.slice(best.path.length) } : undefined;
}

/** Runs the command line; returns the exit code (negative: the command keeps the process alive). */
export async function runCli(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === undefined) {
    process.stderr.write(topHelp());
    return EXIT.usage;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    const group = argv[1];
    if (group && COMMANDS.some((c) => c.path[0] === group)) {
      const found = findCommand(argv.slice(1));
      out(found ? commandHelp(found.command) : groupHelp(group));
    } else out(topHelp());
    return EXIT.ok;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((c) => c.path[0] === first);
    if (group.length > 0) {
      if (argv.slice(1).some((a) => a === '--help' || a === '-h')) {
        out(groupHelp(first));
        return EXIT.ok;
      }
      throw new UsageError(
        argv[1] && !argv[1].startsWith('-')
          ? `Unknown command 'warden ${first} ${argv[1]}'.`
          : `warden ${first} needs a command: ${group.map((c) => c.path.slice(1).join(' ')).join(', ')}.`,
        `Run: warden ${first} --help`,
      );
    }
    throw new UsageError(
      first.startsWith('-') ? `Unknown option '${first}'.` : `Unknown command '${first}'.`,
      'Run: warden --help',
    );
  }
  const invocation = parseInvocation(found.command, found.rest);
  if (invocation.values.help) {
    out(commandHelp(found.command));
    return EXIT.ok;
  }
  return found.command.run(invocation);
}
