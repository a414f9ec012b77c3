import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/** Paths of the files under dir (recursively) whose names match pattern, directory entries in sorted order. */
export function listFiles(dir: string, pattern: RegExp): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) out.push(...listFiles(p, pattern));
    else if (pattern.test(name)) out.push(p);
  }
  return out;
}
