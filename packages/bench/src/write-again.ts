/**
 * What the file system alone costs for a compile's output, for the compile-scale benchmark: the files
 * under the FROM directories written again into the empty directory INTO, nothing else running.
 *
 *   node packages/bench/dist/write-again.js INTO FROM...
 *
 * prints one JSON line (WriteFloor) on standard output.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

/** What the file system alone costs for a compile's output: the same files written again, nothing else. */
export interface WriteFloor {
  files: number;
  bytes: number;
  ms: number;
}

/**
 * Writes every file under the `from` directories again, into the empty directory `into`, one after
 * another on this thread with what slo compile's writer calls (mkdir once per directory, writeFileSync):
 * contents are read first, so only the writing is timed.
 */
export function writeAlone(from: string[], into: string): WriteFloor {
  const files: [string, Buffer][] = [];
  const walk = (root: string, dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(root, p);
      else files.push([path.join(into, path.basename(root), path.relative(root, p)), readFileSync(p)]);
    }
  };
  for (const root of from) walk(root, root);
  const made = new Set<string>();
  const start = performance.now();
  for (const [file, bytes] of files) {
    const dir = path.dirname(file);
    if (!made.has(dir)) mkdirSync(dir, { recursive: true });
    made.add(dir);
    writeFileSync(file, bytes);
  }
  const ms = performance.now() - start;
  return { files: files.length, bytes: files.reduce((a, [, b]) => a + b.length, 0), ms };
}

if (require.main === module) {
  const [into, ...from] = process.argv.slice(2);
  if (!into || from.length === 0) {
    process.stderr.write('usage: write-again INTO FROM...\n');
    process.exitCode = 2;
  } else process.stdout.write(`${JSON.stringify(writeAlone(from, into))}\n`);
}
