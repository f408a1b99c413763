import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy in front of the test's PostgreSQL that can be frozen: while frozen it accepts
 * connections and reads nothing, forwards nothing, answers nothing — what a client sees of a
 * database server that hangs (stopped process, full disk, network partition). Only the test's own
 * connections pass through it; the shared server itself is never touched.
 */
export class FreezableProxy {
  readonly #server: Server;
  readonly #pairs = new Set<{ client: Socket; upstream: Socket }>();
  #pending: { client: Socket; open: () => void }[] = [];
  #frozen = false;

  private constructor(server: Server) {
    this.#server = server;
  }

  static async start(target: { host: string; port: number }): Promise<FreezableProxy> {
    const server = createServer();
    const proxy = new FreezableProxy(server);
    server.on('connection', (client) => {
      client.on('error', () => {});
      const open = () => proxy.#open(client, target);
      if (proxy.#frozen) {
        client.pause();
        proxy.#pending.push({ client, open });
      } else open();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  #open(client: Socket, target: { host: string; port: number }): void {
    if (client.destroyed) return;
    const upstream = connect(target.port, target.host);
    const pair = { client, upstream };
    this.#pairs.add(pair);
    const end = () => {
      this.#pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    upstream.on('error', end).on('close', end);
    client.on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }

  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address ? address.port : 0;
  }

  /** From now on nothing passes, in either direction, on old or new connections. */
  freeze(): void {
    this.#frozen = true;
    for (const { client, upstream } of this.#pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  /** Everything held back flows again; connections accepted meanwhile are opened. */
  thaw(): void {
    this.#frozen = false;
    for (const { client, upstream } of this.#pairs) {
      client.pipe(upstream);
      upstream.pipe(client);
    }
    for (const { open } of this.#pending.splice(0)) open();
  }

  async close(): Promise<void> {
    for (const { client } of this.#pending.splice(0)) client.destroy();
    for (const { client, upstream } of this.#pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
