/**
 * The worker thread of sqlite-checkpointer.ts: it holds a connection of its own to each database
 * file it is given and runs a PASSIVE WAL checkpoint on each every CHECKPOINT_EVERY_MS. A passive
 * checkpoint never waits for readers or writers; its fsyncs happen here, not on the event loop.
 */
import { DatabaseSync } from 'node:sqlite';
import { parentPort } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 250;
const open = new Map<string, DatabaseSync>();

parentPort?.on('message', (message: { add?: string; remove?: string }) => {
  if (message.add && !open.has(message.add)) {
    const db = new DatabaseSync(message.add);
    // Its own busy handler: a checkpoint that finds the file locked waits here, never the loop.
    db.exec('PRAGMA busy_timeout = 1000;');
    open.set(message.add, db);
  }
  if (message.remove) {
    open.get(message.remove)?.close();
    open.delete(message.remove);
    parentPort?.postMessage({ removed: message.remove });
  }
});

setInterval(() => {
  for (const [file, db] of open) {
    try {
      db.exec('PRAGMA wal_checkpoint(PASSIVE);');
    } catch (error) {
      parentPort?.postMessage({ failed: file, error: String(error) });
    }
  }
}, CHECKPOINT_EVERY_MS);
