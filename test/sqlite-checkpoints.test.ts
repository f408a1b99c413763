import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../src/storage/database.ts';

/**
 * SQLite's WAL checkpoints (and their fsyncs) run in a worker thread, not in a COMMIT on the
 * event loop (src/storage/sqlite-checkpointer.ts): the connection's automatic checkpoint is off,
 * and the worker still copies the WAL back into the database file.
 */
describe('Operations: SQLite checkpoints off the event loop', () => {
  it('the connection does not checkpoint by itself, and committed pages still reach the database file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-checkpoints-'));
    const { db } = await openDatabase({ databaseUrl: undefined, dataDir: dir });
    try {
      const setting = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
      assert.equal(setting.rows[0]?.wal_autocheckpoint, 0);
      const file = join(dir, 'warden.sqlite');
      await sql`create table filler (id integer primary key, body text not null)`.execute(db);
      const before = statSync(file).size;
      const body = 'x'.repeat(1000);
      for (let i = 0; i < 20; i++) {
        await db.transaction().execute(async (trx) => {
          for (let j = 0; j < 100; j++) await sql`insert into filler (body) values (${body})`.execute(trx);
        });
      }
      // About 2 MB committed to the WAL; the worker checkpoints every 250 ms.
      const deadline = Date.now() + 10_000;
      while (statSync(file).size < before + 1_500_000 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(statSync(file).size >= before + 1_500_000, 'the WAL was not checkpointed into the file');
    } finally {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
