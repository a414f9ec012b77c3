/** Helpers of the install tests (pack, Dockerfile, CI examples). */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
export const CLI_DIR = path.join(ROOT, 'packages/cli');

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws on a non-zero exit (the test asserts the status). */
export function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Run {
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** For failure messages: the command's output, shortened. */
export function output(r: Run): string {
  const text = `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
  return text.length > 6000 ? `${text.slice(0, 3000)}\n…\n${text.slice(-3000)}` : text;
}

/** The directory holding promtool: the repository's .tools/bin, else the PATH's; undefined when there is none. */
export function promtoolDir(): string | undefined {
  const local = path.join(ROOT, '.tools/bin/promtool');
  if (existsSync(local)) return path.dirname(local);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && existsSync(path.join(dir, 'promtool'))) return dir;
  }
  return undefined;
}

/** A PATH without the workspace's node_modules/.bin folders, so that no workspace `slo` is found by accident. */
export function pathOutsideWorkspace(...first: string[]): string {
  const rest = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d && !d.startsWith(ROOT + path.sep) && d !== ROOT);
  return [...first, ...rest].join(path.delimiter);
}
