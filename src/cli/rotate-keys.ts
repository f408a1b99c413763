import { loadConfig } from '../config.ts';
import { SecretBox } from '../security/secret-box.ts';
import { openDatabase } from '../storage/database.ts';
import { rotateSigningKeys } from '../tokens/signing-keys.ts';

/** `npm run keys:rotate`: a new signing key; running servers pick it up within 30 s. */
const config = loadConfig();
const { db } = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
const kid = await rotateSigningKeys(db, new SecretBox(config.masterKey, 'signing-keys'));
await db.destroy();
console.log(`New signing key ${kid} is active; previous keys stay published for verification.`);
