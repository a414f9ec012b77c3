import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The shared conformance corpus lives beside the checkout and is never copied into it. */
export const CORPUS = path.resolve(__dirname, '../../shared/conformance');

export function corpusFiles(dir: string): string[] {
  const abs = path.join(CORPUS, dir);
  if (!existsSync(abs)) throw new Error(`conformance corpus not found at ${abs}; it must sit beside the checkout as shared/conformance`);
  return readdirSync(abs).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();
}

export function corpusText(dir: string, file: string): string {
  return readFileSync(path.join(CORPUS, dir, file), 'utf8');
}
