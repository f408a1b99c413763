import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/**
 * Debian's Python, which has python3-msal (the `python3` first on PATH may be another one without
 * it); CI installs the package (.ci/run).
 */
export const DEBIAN_PYTHON = '/usr/bin/python3';

const SCRIPT = fileURLToPath(new URL('../python/msal_flows.py', import.meta.url));

/** One JSON line the script printed: `step` says which. */
// biome-ignore lint/suspicious/noExplicitAny: the script's output is read field by field
export type PythonStep = { step: string } & Record<string, any>;

/**
 * test/compat/python/msal_flows.py `flow` as a child process with no stdin and only the environment
 * given (plus PATH): its JSON lines are read one at a time with `next()`, `exit` gives its code and
 * what it wrote to stderr.
 */
export class PythonMsal {
  readonly #child: ChildProcess;
  readonly #lines: AsyncIterator<string>;
  #stderr = '';
  readonly exit: Promise<{ code: number | null; stderr: string }>;

  constructor(flow: 'client-credentials' | 'device-flow', env: Record<string, string>) {
    this.#child = spawn(DEBIAN_PYTHON, [SCRIPT, flow], {
      env: { PATH: '/usr/bin:/bin', PYTHONDONTWRITEBYTECODE: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.#child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.#lines = createInterface({ input: this.#child.stdout! })[Symbol.asyncIterator]();
    this.exit = new Promise((resolve) => {
      this.#child.on('close', (code) => resolve({ code, stderr: this.#stderr }));
    });
  }

  /** The script's next line, parsed; fails with its stderr when it ended instead. */
  async next(): Promise<PythonStep> {
    const { value, done } = await this.#lines.next();
    if (done) {
      const { code, stderr } = await this.exit;
      throw new Error(`python MSAL ended (exit ${code}) without a line:\n${stderr}`);
    }
    return JSON.parse(value) as PythonStep;
  }

  kill(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGTERM');
  }
}
