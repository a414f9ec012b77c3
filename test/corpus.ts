import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The shared conformance corpus lives beside the checkout and is never copied into it. SLO_CONFORMANCE_DIR
 * points elsewhere (a test sets it to a directory that does not exist to see a fresh clone's run).
 */
export const CORPUS = process.env.SLO_CONFORMANCE_DIR ? path.resolve(process.env.SLO_CONFORMANCE_DIR) : path.resolve(__dirname, '../../shared/conformance');

/** The name of the skipped test that stands, once per test file, for the tests that need the corpus. */
export const CORPUS_SKIPPED = 'skipped: ../shared/conformance is absent (the public corpus that sits beside the checkout)';

/** Whether the corpus is there. A fresh clone with nothing beside it has none, and still passes its tests. */
export function corpusAvailable(): boolean {
  return existsSync(CORPUS);
}

// jest loads this module afresh for every test file, so this is per file
let reported = false;

/** Registers, once per test file, the skipped test named CORPUS_SKIPPED. */
export function reportCorpusSkipped(): void {
  if (reported) return;
  reported = true;
  it.skip(CORPUS_SKIPPED, () => undefined);
  // and one line on standard error, which jest shows without --verbose too (standard output may be --json's)
  const file = expect.getState().testPath;
  process.stderr.write(`${file ? path.relative(path.resolve(__dirname, '..'), file) : 'a test file'}: ${CORPUS_SKIPPED}\n`);
}

/**
 * Registers what fn registers (tests, describe blocks, hooks) where it is called, when the corpus is there;
 * otherwise nothing of it, and the skip line instead. fn also reads the corpus only then.
 */
export function withCorpus(fn: () => void): void {
  if (corpusAvailable()) fn();
  else reportCorpusSkipped();
}

/** `describe(name, fn)` when the corpus is there; otherwise the skip line. */
export function describeWithCorpus(name: string, fn: () => void): void {
  withCorpus(() => describe(name, fn));
}

const skipped = Object.assign(() => reportCorpusSkipped(), { each: () => () => reportCorpusSkipped() });

/**
 * `it` when the corpus is there; otherwise `itWithCorpus(...)` and `itWithCorpus.each(table)(...)` register the
 * skip line instead of their tests (and ignore the table: pass `[]` for a table read from the corpus when it is
 * absent). Only the call and `.each` are there then.
 */
export const itWithCorpus: jest.It = corpusAvailable() ? it : (skipped as unknown as jest.It);

export function corpusFiles(dir: string): string[] {
  const abs = path.join(CORPUS, dir);
  if (!existsSync(abs)) throw new Error(`conformance corpus not found at ${abs}; it must sit beside the checkout as shared/conformance (tests that need it run inside withCorpus)`);
  return readdirSync(abs)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
}

export function corpusText(dir: string, file: string): string {
  return readFileSync(path.join(CORPUS, dir, file), 'utf8');
}
