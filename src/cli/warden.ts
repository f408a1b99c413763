#!/usr/bin/env node
// The `warden` command (package.json "bin"). Run it through npm so the project's Node 24 is used:
// `npx warden …` or `npm run warden -- …` (README "The warden CLI").
import { ConfigError } from '../config.ts';
import { CliError, EXIT } from './errors.ts';
import { runCli } from './program.ts';

function report(error: unknown): number {
  if (error instanceof CliError) {
    process.stderr.write(`warden: ${error.message}\n${error.hint ? `${error.hint}\n` : ''}`);
    return error.exitCode;
  }
  if (error instanceof ConfigError) {
    process.stderr.write(`warden: configuration error: ${error.message}\nSee README "Configuration".\n`);
    return EXIT.usage;
  }
  // Anything else is a bug or an unexpected environment: show all of it.
  process.stderr.write(`warden: unexpected error: ${(error as Error)?.stack ?? String(error)}\n`);
  return EXIT.failed;
}

let code: number;
try {
  code = await runCli(process.argv.slice(2));
} catch (error) {
  code = report(error);
}
// Negative: the command (serve) keeps running. Otherwise exit now: idle HTTP keep-alive sockets or
// database pools must not hold a finished command open. On Linux, writes to pipes and files are
// synchronous, so nothing written is lost.
if (code >= 0) process.exit(code);
