import { promises as fs, type Stats } from 'node:fs';
import * as path from 'node:path';
import picomatch from 'picomatch';
import { Diagnostic } from './diagnostics';
import type { SourceText } from './engine';
import { nothingFound } from './found';

/** Larger inputs are refused: SLO documents are small, and this bounds memory for hostile input. */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;
const EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export interface ReadResult {
  sources: SourceText[];
  diagnostics: Diagnostic[];
}

function fileError(file: string, message: string, hint?: string): Diagnostic {
  return new Diagnostic('error', 'input', message, { file, line: 1, column: 1 }, '', hint);
}

export interface ReadOptions {
  cwd?: string;
  stdin?: NodeJS.ReadableStream;
  maxBytes?: number;
  /**
   * Globs (picomatch syntax: `**\/*.yaml`, `helm/**`) a file found by walking a directory must match one of to be read.
   * Each glob is matched against the file's path below the directory argument (`templates/a.yaml` for `helm/`)
   * and against its path as displayed (`helm/templates/a.yaml`); either matching is enough. Files named
   * on the command line are always read.
   */
  include?: string[];
  /** Globs, matched as `include`, that drop a file found by walking a directory. */
  exclude?: string[];
}

/**
 * A path as the user wrote the argument it was found under: an absolute argument stays absolute, a relative
 * one relative (normalised: `./specs/` shows as `specs`), with the part below a directory argument appended.
 */
function display(arg: string, below: string): string {
  const shown = path.normalize(below ? path.join(arg, below) : arg);
  return shown.split(path.sep).join('/');
}

/** A test of both paths of a walked file against a list of globs; undefined when there are none. */
function matcher(globs: readonly string[] | undefined): ((below: string, shown: string) => boolean) | undefined {
  if (!globs?.length) return undefined;
  // dot: dot files are never walked anyway, so globs need not spell them out
  const m = picomatch([...globs], { dot: true });
  return (below, shown) => m(below) || m(shown);
}

/** Collects spec files below a directory; follows symbolic links (a mounted ConfigMap is all links), never in circles. */
async function walkDir(dir: string, out: string[], visited = new Set<string>()): Promise<void> {
  const real = await fs.realpath(dir);
  if (visited.has(real)) return;
  visited.add(real);
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      const st = await fs.stat(p).catch(() => undefined);
      isDir = st?.isDirectory() ?? false;
      isFile = st?.isFile() ?? false;
    }
    if (isDir) await walkDir(p, out, visited);
    else if (isFile && EXTENSIONS.has(path.extname(e.name).toLowerCase())) out.push(p);
  }
}

async function readStdin(stdin: NodeJS.ReadableStream, maxBytes: number): Promise<string | Diagnostic> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > maxBytes) return fileError('<stdin>', `input is larger than ${maxBytes} bytes; refusing to read it`, 'split it into several files');
    chunks.push(b);
  }
  return decode('<stdin>', Buffer.concat(chunks));
}

function decode(file: string, buf: Buffer): string | Diagnostic {
  if (buf.includes(0)) return fileError(file, 'is a binary file (it contains NUL bytes), not YAML or JSON');
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads files, directories (recursively: .yaml, .yml, .json) and `-` for standard input. */
export async function readInputs(paths: readonly string[], opts: ReadOptions = {}): Promise<ReadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES;
  const sources: SourceText[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const include = matcher(opts.include);
  const exclude = matcher(opts.exclude);
  const emptyDirs: Diagnostic[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (seen.has('-')) continue;
      seen.add('-');
      const r = await readStdin(opts.stdin ?? process.stdin, maxBytes);
      if (typeof r === 'string') sources.push({ file: '<stdin>', text: r, input: '-' });
      else diagnostics.push(r);
      continue;
    }
    const abs = path.resolve(cwd, p);
    let stat: Stats;
    try {
      stat = await fs.stat(abs);
    } catch {
      diagnostics.push(fileError(p, 'no such file or directory', 'check the path; directories are read recursively'));
      continue;
    }
    const walked = stat.isDirectory();
    const found: string[] = [];
    if (walked) await walkDir(abs, found);
    else found.push(abs);
    const files = found.flatMap((f) => {
      const below = walked ? path.relative(abs, f).split(path.sep).join('/') : '';
      const shown = display(p, below);
      if (walked && ((include && !include(below, shown)) || exclude?.(below, shown))) return [];
      return [{ f, shown }];
    });
    if (walked && files.length === 0) {
      const filtered = found.length > 0;
      emptyDirs.push(
        new Diagnostic(
          'warning',
          'input',
          filtered ? `directory has ${found.length} .yaml, .yml or .json files, but --include/--exclude leave none of them` : 'directory has no .yaml, .yml or .json files',
          { file: p, line: 1, column: 1 },
          '',
          filtered ? `the globs are matched against each file's path below ${p} and against its path as shown` : undefined,
        ),
      );
    }
    for (const { f, shown } of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      try {
        const st = await fs.stat(f);
        if (!st.isFile()) {
          diagnostics.push(fileError(shown, 'is not a regular file'));
          continue;
        }
        if (st.size > maxBytes) {
          diagnostics.push(fileError(shown, `is ${st.size} bytes, more than the limit of ${maxBytes}; refusing to read it`, 'split it into several files'));
          continue;
        }
        const r = decode(shown, await fs.readFile(f));
        if (typeof r === 'string') sources.push({ file: shown, text: r, input: p, walked });
        else diagnostics.push(r);
      } catch (e) {
        diagnostics.push(fileError(shown, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
      }
    }
  }
  // nothing to read at all (empty directories): the one error says so; a directory that is empty beside others only warns
  if (sources.length === 0 && paths.length > 0 && !diagnostics.some((d) => d.severity === 'error')) diagnostics.push(nothingFound(paths, 0));
  else diagnostics.push(...emptyDirs);
  return { sources, diagnostics };
}
