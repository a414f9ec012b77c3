import { spawn } from 'node:child_process';
import * as path from 'node:path';

/** The built `slo` command, run as a user runs it (tests that need it build first: pnpm build). */
export const CLI = path.resolve(__dirname, '../../packages/cli/dist/main.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `slo ARGS` in `cwd` without colour; resolves with its exit code and output. */
export function cli(args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
