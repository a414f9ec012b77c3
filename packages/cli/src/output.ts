import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmdirSync, statSync, type Stats } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import * as path from 'node:path';
import type { Diagnostic } from '@slo-engine/openslo';

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColour(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '') && env.TERM !== 'dumb';
}

const paint = (on: boolean, code: string, s: string) => (on ? `\u001b[${code}m${s}\u001b[0m` : s);

export function formatDiagnostic(d: Diagnostic, colour: boolean): string {
  const where = `${d.pos.file}:${d.pos.line}:${d.pos.column}`;
  const sev = d.severity === 'error' ? paint(colour, '31;1', 'error') : paint(colour, '33;1', 'warning');
  const path = d.path ? `${paint(colour, '1', d.path)}: ` : '';
  let out = `${paint(colour, '1', where)} ${sev} ${path}${d.message} [${d.code}]`;
  if (d.object) out += paint(colour, '2', ` (${d.object})`);
  if (d.hint) out += `\n    ${paint(colour, '36', 'hint:')} ${d.hint}`;
  return out;
}

// the pipeline counts the same way in generated headers
export { plural } from '@slo-engine/pipeline';

/** Why a file could not be written, without the temporary file's name that the system's message carries. */
const WRITE_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a parent is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
};

/**
 * Writes `text` to `file` so that the file is either the old one or the whole new one, never a part: a
 * temporary file in the same directory (same file system, so rename is atomic), flushed, then renamed over it.
 */
export async function writeAtomically(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const fh = await open(tmp, 'wx', 0o644);
    try {
      await fh.writeFile(text, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Writes a command's output to `--out` atomically; on failure says why in one line and returns false. */
export async function writeOut(io: { cwd: string; stderr: NodeJS.WritableStream }, out: string, text: string): Promise<boolean> {
  try {
    await writeAtomically(path.resolve(io.cwd, out), text);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    io.stderr.write(`error: cannot write ${out}: ${WRITE_ERRORS[code] ?? (code || (e as Error).message)}\n`);
    return false;
  }
}

/**
 * Why an output path given by `flag` cannot be written, checked before any work is done; undefined when it can.
 * `dir`: the path is a folder to fill (created if missing); `file`: a file to write. The nearest folder that
 * exists is tried by creating (and at once removing) an empty folder in it: that catches special file systems
 * such as /proc, where creating anything fails however the permissions read.
 */
export function unwritable(cwd: string, flag: string, given: string, kind: 'dir' | 'file'): string | undefined {
  const abs = path.resolve(cwd, given);
  const show = (p: string) => (path.isAbsolute(given) ? p : path.relative(cwd, p) || '.');
  const fail = (reason: string) => `error: cannot write ${flag} ${given}: ${reason}; pass ${kind === 'dir' ? 'a directory' : 'a file in a directory'} you can write to`;
  let dir = kind === 'dir' ? abs : path.dirname(abs);
  const own = statOf(abs);
  if (own) {
    if (kind === 'dir' && !own.isDirectory()) return fail('it is a file, not a directory');
    if (kind === 'file' && own.isDirectory()) return fail('it is a directory');
  }
  // the nearest folder that exists; a file on the way is the mistake
  const parent = dir;
  for (;;) {
    const st = statOf(dir);
    if (st) {
      if (!st.isDirectory()) return fail(`${show(dir)} is a file, not a directory`);
      break;
    }
    const up = path.dirname(dir);
    if (up === dir) return fail('no folder of it exists');
    dir = up;
  }
  // folders are created as needed, but a file's folder must be there
  if (kind === 'file' && dir !== parent) return fail(`its folder ${show(parent)} does not exist`);
  try {
    rmdirSync(mkdtempSync(path.join(dir, '.slo-engine-probe-')));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') return fail(`${show(dir)} does not allow creating files (a special file system such as /proc)`);
    if (code === 'EACCES' || code === 'EPERM') return fail(`no permission to create files in ${show(dir)}`);
    if (code === 'EROFS') return fail(`${show(dir)} is on a read-only file system`);
    return fail(`cannot create files in ${show(dir)} (${code || (e as Error).message})`);
  }
  return undefined;
}

function statOf(p: string): Stats | undefined {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}
