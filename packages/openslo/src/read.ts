import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Diagnostic } from './diagnostics';
import type { SourceText } from './engine';

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

/** Paths as the user would write them from the working directory (never absolute: they end up in generated files). */
function display(p: string, cwd: string): string {
  const rel = path.relative(cwd, p);
  return rel ? rel.split(path.sep).join('/') : path.basename(p);
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
export async function readInputs(
  paths: readonly string[],
  opts: { cwd?: string; stdin?: NodeJS.ReadableStream; maxBytes?: number } = {},
): Promise<ReadResult> {
  const cwd = opts.cwd ?? process.cwd();
  const maxBytes = opts.maxBytes ?? MAX_FILE_BYTES;
  const sources: SourceText[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    if (p === '-') {
      if (seen.has('-')) continue;
      seen.add('-');
      const r = await readStdin(opts.stdin ?? process.stdin, maxBytes);
      if (typeof r === 'string') sources.push({ file: '<stdin>', text: r });
      else diagnostics.push(r);
      continue;
    }
    const abs = path.resolve(cwd, p);
    let stat;
    try {
      stat = await fs.stat(abs);
    } catch {
      diagnostics.push(fileError(p, 'no such file or directory', 'check the path; directories are read recursively'));
      continue;
    }
    const files: string[] = [];
    if (stat.isDirectory()) {
      await walkDir(abs, files);
      if (files.length === 0) diagnostics.push(new Diagnostic('warning', 'input', 'directory has no .yaml, .yml or .json files', { file: p, line: 1, column: 1 }, ''));
    } else files.push(abs);
    for (const f of files) {
      if (seen.has(f)) continue;
      seen.add(f);
      const shown = display(f, cwd);
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
        if (typeof r === 'string') sources.push({ file: shown, text: r });
        else diagnostics.push(r);
      } catch (e) {
        diagnostics.push(fileError(shown, `cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
      }
    }
  }
  return { sources, diagnostics };
}
