import { loadConfig } from '../../config.ts';
import { SecretBox } from '../../security/secret-box.ts';
import { openDatabase } from '../../storage/database.ts';
import { rotateSigningKeys } from '../../tokens/signing-keys.ts';

/** `warden keys rotate`: a new active signing key; running servers pick it up within 30 s. */
export async function rotateKeys(): Promise<{ kid: string }> {
  const config = loadConfig();
  const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    // The same sealing key as the server's (src/app.ts): signing keys are sealed at rest.
    const kid = await rotateSigningKeys(db, new SecretBox(config.masterKey, 'signing-keys'));
    return { kid };
  } finally {
    await db.destroy();
  }
}
