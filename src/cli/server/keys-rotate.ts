import { loadConfig } from '../../config.ts';
import { SecretBox } from '../../security/secret-box.ts';
import { openDatabase } from '../../storage/database.ts';
import { rotateSigningKeys } from '../../tokens/signing-keys.ts';

/**
 * `warden keys rotate`: a new signing key, published by running servers within 30 s and signing
 * WARDEN_KEY_PUBLISH_AHEAD_S after now (at once with `immediate`).
 */
export async function rotateKeys(
  options: { immediate?: boolean } = {},
): Promise<{ kid: string; signsFrom: number }> {
  const config = loadConfig();
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    // The same sealing key as the server's (src/app.ts): signing keys are sealed at rest.
    const now = Date.now();
    const kid = await rotateSigningKeys(db, new SecretBox(config.masterKey, 'signing-keys'), now, options);
    return { kid, signsFrom: options.immediate ? now : now + config.keyPublishAheadMs };
  } finally {
    await db.destroy();
  }
}
