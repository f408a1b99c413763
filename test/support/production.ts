import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createContext } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { WardenContext } from '../../src/context.ts';
import { buildServer } from '../../src/http/server.ts';
import { CliUser, serverEnvironment } from './cli.ts';
import { FrozenClock } from './harness.ts';

async function freePort(): Promise<number> {
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
 * A fresh production install (README "Run in production"): WARDEN_MODE=production with its own
 * secret key, an empty data dir or PostgreSQL database (WARDEN_TEST_DATABASE_URL), and an
 * operator at the server's machine who runs the server commands (`admin.run`) against it.
 */
export interface ProductionInstall {
  env: NodeJS.ProcessEnv;
  baseUrl: string;
  admin: CliUser;
  /** Starts Warden in this process on the install's database, with a clock the test moves. */
  startServer(): Promise<ProductionServer>;
  cleanup(): Promise<void>;
}

export interface ProductionServer {
  ctx: WardenContext;
  app: FastifyInstance;
  clock: FrozenClock;
  stop(): Promise<void>;
}

export async function productionInstall(): Promise<ProductionInstall> {
  const server = await serverEnvironment();
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = {
    ...server.env,
    WARDEN_MODE: 'production',
    WARDEN_SECRET_KEY: randomBytes(32).toString('base64'),
    PORT: String(port),
    WARDEN_BASE_URL: baseUrl,
  };
  const admin = new CliUser(undefined, env);
  const running: ProductionServer[] = [];
  return {
    env,
    baseUrl,
    admin,
    async startServer() {
      const config = loadConfig(env);
      const clock = new FrozenClock();
      const ctx = await createContext(config, { clock });
      const app = await buildServer(ctx);
      await app.listen({ port, host: '127.0.0.1' });
      const started: ProductionServer = {
        ctx,
        app,
        clock,
        stop: async () => {
          running.splice(running.indexOf(started), 1);
          await app.close();
          await ctx.db.destroy();
        },
      };
      running.push(started);
      return started;
    },
    async cleanup() {
      for (const s of [...running]) await s.stop();
      admin.cleanup();
      await server.cleanup();
    },
  };
}
