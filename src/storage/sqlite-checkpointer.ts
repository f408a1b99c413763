import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop (issue 16 item 5). SQLite's automatic checkpoint runs inside
 * the COMMIT that crosses 1,000 WAL pages, on the thread that commits, and with synchronous =
 * NORMAL it is where the fsyncs are (WAL, then the database file): a busy log (the request log
 * commits before every answer) stalled the event loop for the length of two fsyncs every few
 * hundred commits, idle but unable to serve. Each connection turns the automatic checkpoint off
 * and registers its file here; one worker thread per process checkpoints every registered file.
 * If the worker fails, every connection gets its automatic checkpoint back (fail safe: the WAL
 * never grows unchecked).
 */
interface Registration {
  /** Turns the connection's automatic checkpoint back on. */
  fallBack: () => void;
}

let worker: Worker | undefined;
const files = new Map<string, Set<Registration>>();

function fallBackAll(): void {
  for (const registrations of files.values()) for (const r of registrations) r.fallBack();
  files.clear();
  worker = undefined;
}

function started(): Worker | undefined {
  if (worker) return worker;
  try {
    worker = new Worker(new URL('./sqlite-checkpoint-worker.ts', import.meta.url));
  } catch {
    return undefined;
  }
  worker.on('error', fallBackAll);
  worker.on('exit', fallBackAll);
  worker.on('message', (message: { failed?: string }) => {
    // A file the worker cannot checkpoint goes back to SQLite's own checkpoints.
    if (message.failed) {
      for (const r of files.get(message.failed) ?? []) r.fallBack();
      files.delete(message.failed);
      worker?.postMessage({ remove: message.failed });
    }
  });
  // After the listeners (adding one refs the worker again): the worker never keeps a process alive.
  worker.unref();
  return worker;
}

/**
 * Hands `file`'s checkpoints to the worker; returns the function that takes them back (the
 * connection is closing), or undefined when no worker could start (SQLite keeps its own).
 */
export function checkpointOffTheLoop(file: string, fallBack: () => void): (() => void) | undefined {
  const w = started();
  if (!w) return undefined;
  const registration: Registration = { fallBack };
  const registrations = files.get(file) ?? new Set();
  const first = registrations.size === 0;
  registrations.add(registration);
  files.set(file, registrations);
  if (first) w.postMessage({ add: file });
  return () => {
    const current = files.get(file);
    if (!current?.delete(registration) || current.size > 0) return;
    files.delete(file);
    worker?.postMessage({ remove: file });
  };
}
