import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import { addressProblem, hostOf, isLoopbackName, webhookUrlProblem } from './webhook-url.ts';

/** How long one attempt may take before it counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

/** Sends one signed POST; what came of it (the status, or a short, generic reason no answer came). */
export type Sender = (
  url: string,
  headers: Record<string, string>,
  body: string,
) => Promise<{ status: number } | { error: string; final?: true }>;

/** Every address a name resolves to (dns.lookup, all families). */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export interface SenderOptions {
  /** WARDEN_WEBHOOK_ALLOW_LOOPBACK: a loopback receiver may be sent to. */
  allowLoopback: boolean;
  /** Name resolution (tests give a fixed table). */
  resolve?: Resolver;
}

/**
 * The real sender (SPEC §13, issue 14 item 5): the URL is checked again (the operator may have
 * withdrawn the loopback allowance since it was registered), the host is resolved and every
 * address it has must be public (or loopback, with the allowance), and the connection goes to the
 * address that was checked — a pinned lookup, so a second DNS answer (rebinding) cannot send it
 * elsewhere — while the Host header and TLS server name stay the URL's name. No redirect is
 * followed (a redirect could point anywhere); the body of the answer is not read; each attempt is
 * timed out. Errors are short and say nothing of the receiver beyond its status code.
 */
export function webhookSender(options: SenderOptions): Sender {
  const resolve = options.resolve ?? systemResolver;
  return async (raw, headers, body) => {
    if (webhookUrlProblem(raw, options.allowLoopback) !== undefined)
      return { error: 'the URL is no longer allowed', final: true };
    const url = new URL(raw);
    const host = hostOf(url);
    let target: { address: string; family: number };
    if (isIP(host) !== 0) {
      target = { address: host, family: isIP(host) };
    } else if (isLoopbackName(host)) {
      // RFC 6761 §6.3: a localhost name is this machine; it is not asked of DNS, which could answer
      // it with a public address (the URL passed as loopback, maybe over plain http).
      target = { address: '127.0.0.1', family: 4 };
    } else {
      let addresses: { address: string; family: number }[];
      try {
        addresses = await withTimeout(resolve(host));
      } catch {
        return { error: 'the host name did not resolve' };
      }
      if (addresses.length === 0) return { error: 'the host name did not resolve' };
      const refused = addresses.map((a) => addressProblem(a.address, options.allowLoopback)).find(Boolean);
      if (refused) return { error: refused };
      target = addresses[0]!;
    }
    return post(url, target, headers, body);
  };
}

function post(
  url: URL,
  target: { address: string; family: number },
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number } | { error: string }> {
  // The checked address, whatever the socket asks (`all` with autoSelectFamily, one otherwise).
  const pinned: LookupFunction = (_name, opts, callback) => {
    if (opts.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((settle) => {
    let done = false;
    const finish = (outcome: { status: number } | { error: string }) => {
      if (done) return;
      done = true;
      settle(outcome);
    };
    const req = send(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        lookup: pinned,
        agent: false,
        timeout: ATTEMPT_TIMEOUT_MS,
      },
      (res) => {
        finish({ status: res.statusCode ?? 0 });
        res.destroy();
      },
    );
    const timer = setTimeout(() => {
      finish({ error: 'timed out' });
      req.destroy();
    }, ATTEMPT_TIMEOUT_MS);
    timer.unref();
    req.on('timeout', () => {
      finish({ error: 'timed out' });
      req.destroy();
    });
    req.on('error', () => finish({ error: 'no answer (connection failed)' }));
    req.on('close', () => clearTimeout(timer));
    req.end(body);
  });
}

function withTimeout<T>(work: Promise<T>): Promise<T> {
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('timed out')), ATTEMPT_TIMEOUT_MS);
    timer.unref();
    work.then(ok, fail).finally(() => clearTimeout(timer));
  });
}
