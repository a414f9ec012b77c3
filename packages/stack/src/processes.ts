import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';

/** A process of the stack: started detached so it outlives `pnpm stack up`, with its output in a log file. */
export function startDetached(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; log: string; cwd?: string }): number {
  const fd = openSync(opts.log, 'a');
  try {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number | undefined, graceMs = 15_000): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid) && Date.now() < deadline) await sleep(100);
  if (alive(pid)) process.kill(pid!, 'SIGKILL');
  while (alive(pid)) await sleep(50);
}

/** Polls `url` until it answers 2xx; throws with `what` and the last failure after `timeoutMs`. */
export async function waitForHttp(url: string, what: string, timeoutMs = 60_000, stillRunning?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    if (stillRunning && !stillRunning()) throw new Error(`${what} exited while starting`);
    try {
      const r = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return;
      last = `HTTP ${r.status}`;
    } catch (e) {
      last = (e as Error).message;
    }
    await sleep(250);
  }
  throw new Error(`${what} did not become ready at ${url} within ${timeoutMs / 1000}s (${last})`);
}
