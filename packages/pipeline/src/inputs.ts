import { statSync } from 'node:fs';
import * as path from 'node:path';
import { checkSources, type Diagnostic, readInputs, skippedSummary, type EngineOptions, type ReadOptions } from '@slo-engine/openslo';
import type { Ownership } from './outputs';

/** Which files of the folders given are read: glob patterns, repeatable. */
export interface InputFilter {
  include?: string[];
  exclude?: string[];
}

/** Where relative input paths start, and what `-` reads. */
export interface InputIo {
  cwd: string;
  stdin: NodeJS.ReadableStream;
}

/**
 * Reads and checks the inputs as validate and compile both do (the openslo package reports inputs that hold no
 * OpenSLO or Sloth document at all as an error).
 */
export async function readAndCheck(paths: string[], filter: InputFilter, engine: EngineOptions, io: InputIo) {
  const opts: ReadOptions = { cwd: io.cwd, stdin: io.stdin };
  if (filter.include?.length) opts.include = filter.include;
  if (filter.exclude?.length) opts.exclude = filter.exclude;
  const read = await readInputs(paths, opts);
  const result = checkSources(read.sources, engine);
  const diagnostics: Diagnostic[] = [...read.diagnostics, ...result.diagnostics];
  const skipped = result.skipped;
  return { read, result, diagnostics, skipped, summary: skippedSummary(skipped) };
}

/**
 * The inputs a compile answers for in its output folders: the files it read, the files named on the command
 * line, everything below the folders it read (a file removed from a folder, or excluded, was one of its
 * inputs) and standard input when it read `-`.
 */
export function ownershipOf(paths: string[], shown: string[], cwd: string): Ownership {
  const files = new Set(shown.map((s) => (s === '<stdin>' ? s : path.resolve(cwd, s))));
  const dirs: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      files.add('<stdin>');
      continue;
    }
    const abs = path.resolve(cwd, p);
    let dir = false;
    try {
      dir = statSync(abs).isDirectory();
    } catch {
      // gone: a file named but missing is still this compile's input
    }
    if (dir) dirs.push(abs.endsWith(path.sep) ? abs : abs + path.sep);
    else files.add(abs);
  }
  return { cwd, owns: (s) => files.has(s) || dirs.some((d) => s.startsWith(d)) };
}
