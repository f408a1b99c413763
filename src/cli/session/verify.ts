import { createRemoteJWKSet, decodeJwt, type JWTPayload, jwtVerify } from 'jose';
import { RefusedError } from '../errors.ts';
import { authorityOf } from './authority.ts';

/**
 * Verifies a JWT's signature and times with jose against its issuer's published keys (JWKS). Only
 * issuers of the chosen server are consulted: a token naming some other issuer proves nothing here.
 */
export async function verifyJwt(server: string, token: string, clientId: string): Promise<JWTPayload> {
  const issuer = decodeJwt(token).iss;
  if (!issuer) throw new RefusedError('The token names no issuer (iss); it cannot be verified.');
  if (new URL(issuer).origin !== new URL(server).origin) {
    throw new RefusedError(
      `The token was issued by ${issuer}, not by the server ${server}; it is not verified against an issuer you did not choose.`,
      'Name its server with --server.',
    );
  }
  const authority = await authorityOf(server, issuer, clientId);
  const jwksUri = authority.config.serverMetadata().jwks_uri;
  if (!jwksUri) throw new RefusedError(`${issuer} publishes no keys (jwks_uri).`);
  try {
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(jwksUri)), { issuer });
    return payload;
  } catch (error) {
    throw new RefusedError(`The token does not verify: ${(error as Error).message}`);
  }
}
