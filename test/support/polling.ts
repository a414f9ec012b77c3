import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls every 5 s until `check` returns a value, or fails after `minutes`; says how long it took. */
export async function within<T>(minutes: number, what: string, check: () => Promise<T | undefined>): Promise<{ value: T; minutes: number }> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return { value: v, minutes: (Date.now() - start) / 60_000 };
    if (Date.now() - start > minutes * 60_000) throw new Error(`${what}: not within ${minutes} minutes`);
    await sleep(5000);
  }
}

/** Files under a directory whose names end with `suffix`. */
export const walk = (d: string, suffix: string): string[] =>
  readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name), suffix) : e.name.endsWith(suffix) ? [path.join(d, e.name)] : []));

/** A test's timeline: `note` stamps a line with the seconds since the start, `lines` are what was noted. */
export function timeline(): { note: (s: string) => void; lines: string[] } {
  const began = Date.now();
  const lines: string[] = [];
  return { note: (s) => lines.push(`${((Date.now() - began) / 1000).toFixed(0)}s ${s}`), lines };
}

/** `slo compile slo-specs` (the built CLI) into `<dir>/compiled`; returns the rule files it wrote. */
export function compileSloSpecs(root: string, dir: string): string[] {
  const main = path.join(root, 'packages/cli/dist/main.js');
  const compiled = spawnSync(process.execPath, [main, 'compile', 'slo-specs', '--rules-out', path.join(dir, 'compiled/rules'), '--dashboards-out', path.join(dir, 'compiled/dashboards')], {
    cwd: root,
    encoding: 'utf8',
  });
  if (compiled.status !== 0) throw new Error(`slo compile failed: ${compiled.stderr}`);
  return walk(path.join(dir, 'compiled/rules'), '.rules.yaml');
}
