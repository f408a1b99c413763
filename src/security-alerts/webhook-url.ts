import { isIP } from 'node:net';

/**
 * Which URLs a partner may register for webhooks (issue 14 item 5): https only, no credentials
 * in the URL (they would be stored and sent in the clear); a loopback host (localhost,
 * 127.0.0.0/8, ::1) only when the operator allows it with WARDEN_WEBHOOK_ALLOW_LOOPBACK=1 (a
 * receiver on the same machine, as in development), and then over http too. Returns why the URL
 * is refused, or undefined when it is accepted.
 */
export function webhookUrlProblem(raw: string, allowLoopback: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'WebhookUrl is not an absolute URL.';
  }
  if (url.username !== '' || url.password !== '') return 'WebhookUrl must not carry a user name or password.';
  const loopback = isLoopbackHost(url.hostname);
  if (loopback && !allowLoopback)
    return 'WebhookUrl names this machine (a loopback address); the operator does not allow it.';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && loopback) return undefined;
  return 'WebhookUrl must be an https URL.';
}

function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host.startsWith('::ffff:127.');
  return false;
}
