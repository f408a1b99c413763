/**
 * Exit codes of the `warden` command (README "The warden CLI"). Scripts branch on them, so they
 * are part of the interface: never renumber one.
 */
export const EXIT = {
  ok: 0,
  /** The command's check failed (test-security-requirements: fail) or the server refused the operation. */
  failed: 1,
  /** The command line is wrong: unknown command or flag, missing or malformed argument. */
  usage: 2,
  /** No usable sign-in: never signed in, or the session expired or was revoked. */
  notSignedIn: 3,
  /** The server could not be reached, or answered with a server error. */
  server: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** A failure the CLI explains: what went wrong (`message`) and what to do next (`hint`). */
export class CliError extends Error {
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;
  constructor(exitCode: ExitCode, message: string, hint?: string) {
    super(message);
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

export class UsageError extends CliError {
  constructor(message: string, hint?: string) {
    super(EXIT.usage, message, hint);
  }
}

/** The operation was refused, by the CLI's own checks or by the server (4xx). */
export class RefusedError extends CliError {
  constructor(message: string, hint?: string) {
    super(EXIT.failed, message, hint);
  }
}

export class NotSignedInError extends CliError {
  constructor(message: string, hint?: string) {
    super(EXIT.notSignedIn, message, hint);
  }
}

export class ServerError extends CliError {
  constructor(message: string, hint?: string) {
    super(EXIT.server, message, hint);
  }
}
