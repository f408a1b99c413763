import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { createContext } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { WardenContext } from '../../src/context.ts';
import { buildServer } from '../../src/http/server.ts';
import { type CliResult, CliUser, serverEnvironment } from './cli.ts';
import { FrozenClock } from './harness.ts';
import { freePort } from './server-process.ts';
import type { UserAgent } from './user-agent.ts';

/** A password every test administrator may choose (THE policy accepts it for all of them). */
export const ADMIN_PASSWORD = 'Harbour-Tides-2041';

/** What warden init / tenants create / activation-link print with --json. */
export interface OnboardingReport {
  tenant: {
    id: string;
    kind: string;
    domain: string;
    displayName: string;
    programType?: string;
    securityDefaults: boolean;
  };
  admin: { id: string; userPrincipalName: string; directoryRoles: string[] };
  activationUrl: string;
  expiresAt: string;
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
  /** Runs a server command (warden init, tenants create, …) at the server's machine. */
  run(args: string[]): Promise<CliResult>;
  /** Runs an onboarding command with --json; it must succeed. */
  onboard(args: string[]): Promise<OnboardingReport>;
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
    run: (args) => admin.run(args),
    async onboard(args) {
      const result = await admin.run([...args, '--json']);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as OnboardingReport;
    },
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

/** The attributes every activation page carries (docs/errors.md "Activation page errors"). */
export function activationOutcome(page: string): { step: string | undefined; code: string | undefined } {
  const step = /<main\b[^>]*\bdata-step="([^"]*)"/.exec(page)?.[1];
  const code = /\bdata-code="([^"]+)"/.exec(page)?.[1];
  return { step, code };
}

/** GETs an activation URL: its status, `data-code` and `Retry-After`. */
export async function activationStatus(
  url: string,
): Promise<{ status: number; code: string | undefined; retryAfter: string | null }> {
  const response = await fetch(url, { redirect: 'manual' });
  return {
    status: response.status,
    code: activationOutcome(await response.text()).code,
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Opens the activation form in `ua` (which keeps its CSRF cookie); returns the form's token. */
export async function openActivationLink(ua: UserAgent, url: string): Promise<{ csrf: string }> {
  await ua.navigate(url);
  assert.equal(ua.lastStatus, 200, ua.lastPage.slice(0, 800));
  assert.equal(activationOutcome(ua.lastPage).step, 'activate');
  return { csrf: /name="csrf" value="([^"]+)"/.exec(ua.lastPage)![1]! };
}

/** Posts the activation form as a browser would: `ua`'s cookies, this origin unless `headers` say otherwise. */
export async function postActivation(
  ua: UserAgent,
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; page: string; location: string | null }> {
  const response = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      cookie: [...ua.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
      origin: new URL(url).origin,
      ...headers,
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, page: await response.text(), location: response.headers.get('location') };
}
