import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The documented configuration (docs/deployment.md), used as it is: addresses come from the environment. */
export const HAPROXY_CFG = fileURLToPath(new URL('../../deploy/haproxy.cfg', import.meta.url));

/** Debian's haproxy (`.ci/run` installs it), or one on PATH; undefined when there is none. */
export function haproxyBinary(): string | undefined {
  const candidates = [
    '/usr/sbin/haproxy',
    ...(process.env.PATH ?? '').split(delimiter).map((d) => join(d, 'haproxy')),
  ];
  return candidates.find((file) => existsSync(file));
}

/** One row of haproxy's stats CSV (`/stats;csv`), by column name (`svname`, `status`, `stot`, `hrsp_2xx`…). */
export type StatsRow = Record<string, string>;

/** haproxy in the foreground on deploy/haproxy.cfg, in front of `instances` (host:port each). */
export class Haproxy {
  readonly child: ChildProcess;
  readonly port: number;
  readonly statsPort: number;
  output = '';
  readonly exited: Promise<number | null>;

  constructor(binary: string, input: { port: number; statsPort: number; instances: [string, string] }) {
    this.port = input.port;
    this.statsPort = input.statsPort;
    this.child = spawn(binary, ['-db', '-f', HAPROXY_CFG], {
      env: {
        PATH: process.env.PATH,
        WARDEN_LB_BIND: `127.0.0.1:${input.port}`,
        WARDEN_LB_STATS: `127.0.0.1:${input.statsPort}`,
        WARDEN_INSTANCE_1: input.instances[0],
        WARDEN_INSTANCE_2: input.instances[1],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Its request log is kept (the last 64 KiB) for a failure's message.
    const keep = (chunk: string) => {
      this.output = (this.output + chunk).slice(-65_536);
    };
    this.child.stdout!.setEncoding('utf8').on('data', keep);
    this.child.stderr!.setEncoding('utf8').on('data', keep);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => resolve(code)));
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The stats of every proxy and server (frontend, backend, warden1, warden2…). */
  async stats(): Promise<StatsRow[]> {
    const response = await fetch(`http://127.0.0.1:${this.statsPort}/stats;csv`);
    const [header, ...lines] = (await response.text()).trim().split('\n');
    const columns = header!.replace(/^# /, '').split(',');
    return lines.map((line) => {
      const cells = line.split(',');
      return Object.fromEntries(columns.map((c, i) => [c, cells[i] ?? '']));
    });
  }

  /** The stats row of one server of the `wardens` backend. */
  async server(name: string): Promise<StatsRow> {
    const row = (await this.stats()).find((r) => r.pxname === 'wardens' && r.svname === name);
    if (!row) throw new Error(`haproxy has no server ${name}:\n${this.output}`);
    return row;
  }

  /** Waits until haproxy's health checks (GET /readyz) have each named server UP. */
  async untilUp(names: string[], timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const rows = await this.stats().catch(() => []);
      const up = names.every((n) => rows.find((r) => r.svname === n)?.status === 'UP');
      if (up) return;
      if (Date.now() > until) throw new Error(`haproxy never saw ${names.join(', ')} UP:\n${this.output}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
  }
}
