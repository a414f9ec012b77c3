/**
 * A private Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1 at a free port, for tests: its own
 * storage directory, no cluster peers. stop() kills it; so does the process exiting.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './prometheus';

export const ALERTMANAGER_HINT = 'run `bash scripts/setup-test-tools.sh` (it installs the Debian package prometheus-alertmanager, which provides prometheus-alertmanager and amtool)';

/** The path of a binary on PATH; throws with the setup hint when it is missing. */
export function which(name: 'prometheus-alertmanager' | 'amtool'): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} not found on PATH: ${ALERTMANAGER_HINT}`);
  return r.stdout.trim();
}

export interface RunningAlertmanager {
  url: string;
  stop(): Promise<void>;
  /** What it printed, for failure messages. */
  log(): string;
}

/** Starts Alertmanager with a config file; resolves once /-/ready answers (rejects after timeoutMs). */
export async function startAlertmanager(opts: { configFile: string; storageDir: string; timeoutMs?: number }): Promise<RunningAlertmanager> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    which('prometheus-alertmanager'),
    [`--config.file=${opts.configFile}`, `--storage.path=${opts.storageDir}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (log += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const stop = async () => {
    process.removeListener('exit', kill);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    await once(child, 'exit');
  };
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}):\n${log}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return { url, stop, log: () => log };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager at ${url} was not ready within ${opts.timeoutMs ?? 30_000} ms:\n${log}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
