import { type ChildProcess, fork } from 'node:child_process';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';

/** Messages between bench/run.ts and the server child processes (node IPC, JSON). */
export type Request =
  | { id: number; cmd: 'hash'; durationMs: number; concurrency: number }
  | { id: number; cmd: 'createUsers'; count: number }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'createTenants'; count: number; clients: number }
  | { id: number; cmd: 'authorities' }
  | { id: number; cmd: 'cpu' }
  | { id: number; cmd: 'loop' };

/** A request before it gets its id (distributes over the union). */
export type Command = Request extends infer R ? (R extends unknown ? Omit<R, 'id'> : never) : never;

export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

/** The first message a child sends: where it listens and what the parent needs to drive it. */
export interface Ready<Info> {
  ready: true;
  port: number;
  info: Info;
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A server child process: started with node IPC, asked to do things, stopped. */
export class Child<Info> {
  readonly process: ChildProcess;
  readonly port: number;
  readonly info: Info;
  #next = 1;
  #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(child: ChildProcess, ready: Ready<Info>) {
    this.process = child;
    this.port = ready.port;
    this.info = ready.info;
    child.once('exit', (code, signal) => {
      for (const waiter of this.#waiting.values())
        waiter.reject(new Error(`server child exited (${code ?? signal})`));
      this.#waiting.clear();
    });
    child.on('message', (message: Reply) => {
      const waiter = this.#waiting.get(message.id);
      if (!waiter) return;
      this.#waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
  }

  static start<Info>(
    file: URL,
    env: Record<string, string> = {},
    execArgv: string[] = [],
  ): Promise<Child<Info>> {
    return new Promise((resolve, reject) => {
      const child = fork(file, [], {
        env: { ...process.env, ...env },
        execArgv,
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error(`${file.pathname} did not start within 60 s`));
      }, 60_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${file.pathname} exited (${code}) before it was ready`));
      });
      child.once('message', (message: Ready<Info>) => {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve(new Child(child, message));
      });
    });
  }

  call<T>(request: Command): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.process.send({ ...request, id });
    });
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) return resolve();
      this.process.once('exit', () => resolve());
      this.process.kill('SIGTERM');
    });
  }
}

/** Runs in a child: answers the parent's requests with `handler`. */
export function serveRequests(handler: (request: Request) => Promise<unknown>): void {
  process.on('message', (request: Request) => {
    // Every child reports its CPU time (user + system, all threads: argon2 runs on libuv's pool).
    // and how long its event loop was busy (the one thread every request's JavaScript runs on).
    const work =
      request.cmd === 'cpu'
        ? Promise.resolve(cpuMs())
        : request.cmd === 'loop'
          ? Promise.resolve(loopBusyMs())
          : handler(request);
    work.then(
      (value) => process.send?.({ id: request.id, ok: true, value } satisfies Reply),
      (error: unknown) => process.send?.({ id: request.id, ok: false, error: String(error) } satisfies Reply),
    );
  });
  process.once('SIGTERM', () => process.exit(0));
  // The parent going away ends the child too (no stray servers).
  process.once('disconnect', () => process.exit(0));
}

/** Time this process's event loop spent running (not waiting for I/O) so far, ms. */
export function loopBusyMs(): number {
  return performance.eventLoopUtilization().active;
}

/** CPU time this process used so far (user + system, every thread), ms. */
export function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}
