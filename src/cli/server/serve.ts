import { getCACertificates, setDefaultCACertificates } from 'node:tls';
import { createContext } from '../../app.ts';
import { purgeStalePasskeyChallenges } from '../../authentication-methods/passkeys/challenges.ts';
import { runComplianceClock } from '../../compliance/daily-job.ts';
import { loadConfig } from '../../config.ts';
import { runGdapClock } from '../../delegated-admin/clock-job.ts';
import { seedDemoData } from '../../demo/demo-data.ts';
import { buildServer } from '../../http/server.ts';
import { runPasswordSprayDetector } from '../../identity-protection/password-spray.ts';
import { DashboardSessions } from '../../relying-party/sessions.ts';
import { RETENTION_INTERVAL_MS, runRetention } from '../../retention/retention-job.ts';
import { runDetector } from '../../security-alerts/detector.ts';
import { runWebhookDeliveries } from '../../security-alerts/webhook-deliveries.ts';
import { webhookSender } from '../../security-alerts/webhook-transport.ts';
import { runSecurityScoreClock } from '../../security-score/score-clock.ts';
import { geoIpTableOf } from '../../sign-in-logs/location.ts';
import { purgeExpired } from '../../tokens/oidc-adapter.ts';

/**
 * `warden serve` (and `npm start`): opens and migrates the database, creates the demo data in demo
 * mode, and serves until SIGINT or SIGTERM. Configuration comes from the environment (README).
 */
export async function serve(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const config = loadConfig(env);
  if (config.selfSigned && config.tls) {
    // Warden's dashboard signs in through Warden's own authority over https: this process trusts
    // its own demo certificate as NODE_EXTRA_CA_CERTS would make it (read only at a process start).
    const pem = config.tls.cert.toString('utf8');
    const current = getCACertificates('default');
    if (!current.includes(pem)) setDefaultCACertificates([...current, pem]);
  }
  // Read the operator's GeoIP table now, so a bad file stops the start rather than the detector.
  const geoIp = geoIpTableOf(config.geoIpFile);
  const ctx = await createContext(config);
  if (config.demo) {
    const demo = await seedDemoData(ctx);
    if (demo) {
      console.log(`Demo data created; every credential is in ${config.dataDir}/demo.json`);
      console.log(JSON.stringify(demo, null, 2));
    }
  }
  const app = await buildServer(ctx);
  await app.listen({ port: config.port, host: config.host });
  ctx.log.info(`Warden listening on ${config.baseUrl} (${ctx.dbKind})`);
  if (config.selfSigned && config.tls) {
    const cert = config.tls.certPath;
    console.log(
      `HTTPS with a self-signed certificate for localhost ${config.selfSigned.created ? 'made now' : 'made at the first start'} and kept in ${cert}. Trust it in clients:`,
    );
    console.log(`  NODE_EXTRA_CA_CERTS=${cert}   # Node (MSAL Node, @azure/identity, the Graph SDK, warden)`);
    console.log(`  REQUESTS_CA_BUNDLE=${cert}    # Python (MSAL for Python, requests)`);
  }
  console.log(`Warden is running: ${config.baseUrl}/dashboard (Partner Center)`);
  const operator = await ctx.db
    .selectFrom('tenants')
    .select('domain')
    .where('kind', '=', 'operator')
    .executeTakeFirst();
  if (operator) {
    console.log(`Authorities: ${config.baseUrl}/${operator.domain}/v2.0/.well-known/openid-configuration`);
  } else {
    console.log(
      'No operator tenant yet: run warden init --domain <domain> --admin <admin@domain> (README "Run in production")',
    );
  }

  const sessions = new DashboardSessions(ctx.db);
  // Reference §4.2: the day's security score snapshot of every partner, once per UTC day (the
  // database settles instances racing; the flag only keeps one process from overlapping itself).
  // Taken at start too, so a fresh start shows today's score in the history at once.
  let scoring = false;
  const scoreToday = () => {
    if (scoring) return;
    scoring = true;
    runSecurityScoreClock(ctx.db, ctx.clock.now(), config.baseUrl)
      .catch((err: unknown) => ctx.log.error({ err }, 'security score clock failed'))
      .finally(() => {
        scoring = false;
      });
  };
  scoreToday();
  // Issue 16 item 4 (docs/retention.md): logs past their tenant's window deleted in batches, and on
  // PostgreSQL next month's partitions made and old months dropped; hourly on Warden's clock and
  // at start. Instances running it at once are settled by the database; the flag keeps one
  // process from overlapping itself.
  let retaining = false;
  let lastRetention = Number.NEGATIVE_INFINITY;
  const retain = () => {
    const now = ctx.clock.now();
    if (retaining || now - lastRetention < RETENTION_INTERVAL_MS) return;
    retaining = true;
    lastRetention = now;
    runRetention(ctx.db, ctx.dbKind, now)
      .then(({ deleted, partitions }) => {
        if (
          Object.values(deleted).some((n) => n > 0) ||
          partitions?.created.length ||
          partitions?.dropped.length
        )
          ctx.log.info({ deleted, partitions }, 'retention applied');
      })
      .catch((err: unknown) => ctx.log.error({ err }, 'retention failed'))
      .finally(() => {
        retaining = false;
      });
  };
  retain();
  let complianceRunning = false;
  let delivering = false;
  const sendWebhook = webhookSender({ allowLoopback: config.webhookAllowLoopback });
  // Another process may rotate keys (warden keys rotate); expired protocol rows are purged.
  const timer = setInterval(() => {
    ctx.authorities
      .reloadKeysIfRotated()
      .catch((err: unknown) => ctx.log.error({ err }, 'key reload failed'));
    purgeExpired(ctx.db).catch((err: unknown) => ctx.log.error({ err }, 'purge failed'));
    sessions.purgeExpired(Date.now()).catch((err: unknown) => ctx.log.error({ err }, 'session purge failed'));
    purgeStalePasskeyChallenges(ctx.db, ctx.clock.now()).catch((err: unknown) =>
      ctx.log.error({ err }, 'passkey challenge purge failed'),
    );
    // SPEC §13: GDAP expiry, auto-extension, request expiry and purge, on Warden's clock.
    runGdapClock(ctx.db, ctx.clock.now()).catch((err: unknown) =>
      ctx.log.error({ err }, 'GDAP clock failed'),
    );
    scoreToday();
    retain();
    // SPEC §13: fraud-event webhooks, retried with backoff on Warden's clock. A run still sending
    // is not joined by another of this process (instances racing are settled by the leases).
    if (!delivering) {
      delivering = true;
      runWebhookDeliveries(ctx.db, ctx.secrets, ctx.clock, sendWebhook, ctx.log)
        .catch((err: unknown) => ctx.log.error({ err }, 'webhook deliveries failed'))
        .finally(() => {
          delivering = false;
        });
    }
    // SPEC §11: each partner's figures of the day that just ended, once (one query when none is
    // due). A run still going is not joined by another of this process (other instances may race:
    // the database keeps the first writer's figures).
    if (!complianceRunning) {
      complianceRunning = true;
      runComplianceClock(ctx.db, ctx.clock.now())
        .catch((err: unknown) => ctx.log.error({ err }, 'compliance clock failed'))
        .finally(() => {
          complianceRunning = false;
        });
    }
  }, 30_000);
  timer.unref();
  // SPEC §13: the fraud detector over Warden's own orders and sign-ins (idempotent: detection keys).
  let detecting = false;
  const detector = setInterval(() => {
    // SPEC §9: password spray over the last hour of the sign-in log (idempotent: detection keys).
    runPasswordSprayDetector(ctx.db, ctx.clock.now()).catch((err: unknown) =>
      ctx.log.error({ err }, 'password spray detector failed'),
    );
    if (detecting) return;
    detecting = true;
    runDetector(ctx.db, config.baseUrl, geoIp, ctx.clock.now(), { log: ctx.log })
      .catch((err: unknown) => ctx.log.error({ err }, 'fraud detector failed'))
      .finally(() => {
        detecting = false;
      });
  }, 300_000);
  detector.unref();

  // SIGTERM (issue 9 item 7): stop accepting, let the requests in flight finish (their responses
  // and any that still arrive on open connections say `Connection: close`, http/load-shedding.ts),
  // close idle keep-alive connections, store the request log, then exit. Requests still running
  // after WARDEN_SHUTDOWN_GRACE_MS have their connections cut.
  const stop = async (signal: string) => {
    ctx.log.info({ signal }, 'shutting down');
    clearInterval(timer);
    clearInterval(detector);
    const cut = setTimeout(() => app.server.closeAllConnections(), config.shutdownGraceMs);
    cut.unref();
    await app.close();
    clearTimeout(cut);
    await ctx.db.destroy();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}
