import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** `npm start`'s entry file, run with this Node (the project's 24). */
export const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url));

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A real `npm start` (with `args`, as after `npm start --`) in a child process: its output is kept, `running` resolves once it prints
 * that it serves, `exited` when it ends (with its code and output).
 */
export class ServerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
  readonly running: Promise<void>;

  constructor(port: number, env: NodeJS.ProcessEnv, args: string[] = []) {
    this.port = port;
    this.child = spawn(process.execPath, [MAIN, ...args], {
      env: {
        PATH: process.env.PATH,
        LOG_LEVEL: 'silent',
        WARDEN_MAX_EVENT_LOOP_DELAY_MS: '20000',
        ...env,
        PORT: String(port),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => resolve({ code, signal, output: this.output }));
    });
    this.running = new Promise((resolve, reject) => {
      const collect = (chunk: string) => {
        this.output += chunk;
        if (this.output.includes('Warden is running')) resolve();
      };
      this.child.stdout!.setEncoding('utf8').on('data', collect);
      this.child.stderr!.setEncoding('utf8').on('data', collect);
      void this.exited.then(({ code, signal }) =>
        reject(new Error(`the server exited (${code ?? signal}) before it served:\n${this.output}`)),
      );
    });
    // The output is read through `running`; a server that never starts is reported there.
    this.running.catch(() => {});
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** SIGTERM, then the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}
