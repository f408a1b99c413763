import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as client from 'openid-client';
import { CliError, RefusedError } from '../errors.ts';
import type { Authority } from './authority.ts';
import { isNetworkFailure, unreachable } from './network.ts';

/** What `warden login` asks for: a sign-in, a refresh token, and both APIs the CLI calls. */
export const LOGIN_SCOPE =
  'openid profile offline_access urn:warden:partner-api/user_impersonation urn:warden:graph/Directory.AccessAsUser.All';

export type Tokens = Awaited<ReturnType<typeof client.authorizationCodeGrant>>;

const CALLBACK_TIMEOUT_MS = 5 * 60_000;

/** openid-client's OAuth errors as CLI errors: what the server said, and what to do. */
export function oauthFailure(authority: Authority, error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (isNetworkFailure(error)) return unreachable(authority.server, error);
  const e = error as { error?: string; error_description?: string; message?: string };
  const said = e.error ? `${e.error}${e.error_description ? `: ${e.error_description}` : ''}` : e.message;
  if (e.error === 'expired_token')
    return new RefusedError('The code expired before the sign-in was finished.', 'Run warden login again.');
  if (e.error === 'access_denied') return new RefusedError(`The sign-in was refused (${said}).`);
  return new RefusedError(`The sign-in failed: ${said}`);
}

/** Best effort: the user's browser at `url`; the URL is printed either way. */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => {});
    child.unref();
  } catch {
    // No browser here (a server, a container): the printed URL is the way.
  }
}

/**
 * RFC 8252 native-app sign-in: authorization code with PKCE (RFC 7636), the browser returning to a
 * loopback listener on 127.0.0.1 at a free port (§7.3: any port matches the registered
 * `http://localhost/`).
 */
export async function signInWithBrowser(
  authority: Authority,
  options: {
    openBrowser: boolean;
    prompt: (url: string) => void;
    extra?: Record<string, string>;
    /** Send an OIDC `nonce` and require it back in the ID token (OIDC Core §3.1.2.1). */
    nonce?: boolean;
    /** What to run again when no sign-in arrives in time. */
    again?: string;
  },
): Promise<Tokens> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = options.nonce ? client.randomNonce() : undefined;
  let deliver: (url: URL) => void = () => {};
  const callback = new Promise<URL>((resolve) => {
    deliver = resolve;
  });
  const listener = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://localhost:${(listener.address() as AddressInfo).port}`);
    if (url.pathname !== '/' || (!url.searchParams.has('code') && !url.searchParams.has('error'))) {
      res.writeHead(404).end();
      return;
    }
    const ok = url.searchParams.has('code');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(
      `<!doctype html><title>Warden CLI</title><p>${ok ? 'Signed in. You can close this window and return to the terminal.' : 'The sign-in did not complete; see the terminal.'}</p>`,
    );
    deliver(url);
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', resolve);
  });
  const redirectUri = `http://localhost:${(listener.address() as AddressInfo).port}/`;
  let timer: NodeJS.Timeout | undefined;
  try {
    const url = client.buildAuthorizationUrl(authority.config, {
      redirect_uri: redirectUri,
      scope: LOGIN_SCOPE,
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
      ...(nonce ? { nonce } : {}),
      ...options.extra,
    });
    options.prompt(url.href);
    if (options.openBrowser) openBrowser(url.href);
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RefusedError(
              'No sign-in arrived within 5 minutes.',
              options.again ?? 'Run warden login again, or use --device-code on a machine without a browser.',
            ),
          ),
        CALLBACK_TIMEOUT_MS,
      );
    });
    const returned = await Promise.race([callback, timeout]);
    return await client.authorizationCodeGrant(
      authority.config,
      returned,
      { pkceCodeVerifier: verifier, expectedState: state, ...(nonce ? { expectedNonce: nonce } : {}) },
      { redirect_uri: redirectUri },
    );
  } catch (error) {
    throw oauthFailure(authority, error);
  } finally {
    clearTimeout(timer);
    listener.close();
  }
}

/**
 * RFC 8628 device authorization: the user opens the verification URI on any device and enters the
 * code; meanwhile the CLI polls the token endpoint (openid-client honours `interval` and `slow_down`).
 */
export async function signInWithDeviceCode(
  authority: Authority,
  options: { prompt: (response: client.DeviceAuthorizationResponse) => void; extra?: Record<string, string> },
): Promise<Tokens> {
  try {
    const response = await client.initiateDeviceAuthorization(authority.config, {
      scope: LOGIN_SCOPE,
      ...options.extra,
    });
    options.prompt(response);
    return await client.pollDeviceAuthorizationGrant(authority.config, response);
  } catch (error) {
    throw oauthFailure(authority, error);
  }
}
