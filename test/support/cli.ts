import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { approveDevice } from './device.ts';
import { type TestWarden, testDatabase } from './harness.ts';

/** The CLI's entry file, run with this Node (the project's 24), as package.json's bin does. */
export const CLI = fileURLToPath(new URL('../../src/cli/warden.ts', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running `warden` process whose output the test can wait on. */
export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<CliResult>;
  #waiters: (() => void)[] = [];

  constructor(args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stdout += chunk;
      this.#wake();
    });
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderr += chunk;
      this.#wake();
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code) => {
        this.#wake();
        resolve({ code: code ?? -1, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Waits until stderr matches `pattern` (the CLI's instructions go there); fails if the process ends first. */
  async waitForStderr(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stderr);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(
          `warden never printed ${pattern} (exit ${this.child.exitCode}):\n${this.stderr}\n${this.stdout}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 200);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * A user's machine for the CLI: its own HOME and XDG_CONFIG_HOME in a temp dir (so the token
 * cache is the test's), and the server to talk to.
 */
export class CliUser {
  readonly home = mkdtempSync(join(tmpdir(), 'warden-cli-home-'));
  readonly configHome = join(this.home, 'config');
  readonly env: NodeJS.ProcessEnv;

  constructor(server?: string, extra: NodeJS.ProcessEnv = {}) {
    this.env = {
      PATH: process.env.PATH,
      HOME: this.home,
      XDG_CONFIG_HOME: this.configHome,
      ...(server ? { WARDEN_SERVER: server } : {}),
      ...extra,
    };
  }

  get cacheDir(): string {
    return join(this.configHome, 'warden');
  }

  get cacheFile(): string {
    return join(this.cacheDir, 'tokens.json');
  }

  start(args: string[]): CliProcess {
    return new CliProcess(args, this.env);
  }

  run(args: string[]): Promise<CliResult> {
    return this.start(args).exited;
  }

  cleanup(): void {
    rmSync(this.home, { recursive: true, force: true });
  }
}

/**
 * The environment of the server-side commands: a temp WARDEN_DATA_DIR and, when
 * WARDEN_TEST_DATABASE_URL names a PostgreSQL server, a database of its own (as the harness does).
 */
export async function serverEnvironment(): Promise<{
  env: NodeJS.ProcessEnv;
  dataDir: string;
  cleanup(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'warden-cli-data-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, WARDEN_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  const { url, drop } = await testDatabase('warden_cli');
  if (url) env.DATABASE_URL = url;
  return {
    env,
    dataDir,
    cleanup: async () => {
      await drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * `warden login --device-code` as a person would do it: the CLI prints the verification URI and
 * the user code; the test reads them and plays the user through the verification page (password,
 * then TOTP at the harness clock, which the server checks too) while the CLI polls.
 */
export async function deviceLogin(
  w: TestWarden,
  user: CliUser,
  upn: string,
  mfa: boolean,
  extraArgs: string[] = [],
): Promise<CliResult> {
  const login = user.start(['login', '--tenant', upn.split('@')[1]!, '--device-code', ...extraArgs]);
  const [, uri, code] = await login.waitForStderr(
    /open (\S+) in a browser on any device and enter the code (\S+)/,
  );
  await approveDevice(w, uri!, code!, upn, { mfa });
  return login.exited;
}
