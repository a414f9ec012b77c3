import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CORPUS, corpusAvailable, reportCorpusSkipped } from '../corpus';
import type { Layout } from '@slo-engine/rules';

export const ROOT = path.resolve(__dirname, '../..');

export interface GoldenCase {
  name: string;
  /** Input paths relative to the repository root. */
  inputs: string[];
  /** Output directory relative to the repository root. */
  out: string;
  /** Where the dashboards' golden files are, for the cases that keep them. */
  dashboards?: string;
  /** `slo compile --layout`; the default (shared) when not given. */
  layout?: Layout;
  /** Its inputs are in the shared corpus: without it, only its committed output can be checked. */
  corpus?: true;
}

const slothInputs = path.relative(ROOT, path.join(CORPUS, 'sloth/inputs'));
/** Sloth examples that use SLO plugins cannot be compiled (refused with a message); the rest have golden outputs. */
const PLUGIN = /plugin|denominator-corrected/;

const SLOTH_GOLDEN = 'test/golden/sloth';

/**
 * Every compilable Sloth example, one folder each. Without the corpus, the committed folders stand for them
 * (named after the folder, with no inputs): their output is still checked, they cannot be compiled.
 */
const slothCases = (): GoldenCase[] =>
  corpusAvailable()
    ? readdirSync(path.join(CORPUS, 'sloth/inputs'))
        .filter((f) => !PLUGIN.test(f))
        .sort()
        .map((f) => ({ name: f, inputs: [`${slothInputs}/${f}`], out: `${SLOTH_GOLDEN}/${f.replace(/\.ya?ml$/, '')}`, corpus: true }))
    : readdirSync(path.join(ROOT, SLOTH_GOLDEN))
        .sort()
        .map((d) => ({ name: d, inputs: [], out: `${SLOTH_GOLDEN}/${d}`, corpus: true }));

/** The bundled specs (their golden output is rules-out/ itself) and every compilable Sloth example, one folder each. */
export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'slo-specs', inputs: ['slo-specs'], out: 'rules-out', dashboards: 'dashboards-out' },
  // SLIs counted in time slices (ratio and threshold) and a query too intricate for generated burn scenarios
  { name: 'sliced', inputs: ['test/golden/inputs'], out: 'test/golden/sliced', dashboards: 'test/golden/sliced-dashboards' },
  // both of the above in one compile: three periods, sliced, grouped and threshold SLIs served by one shared file
  { name: 'shared layout', inputs: ['slo-specs', 'test/golden/inputs'], out: 'test/golden/shared' },
  // the same in the per-SLO layout, where each SLO's file stands alone
  { name: 'per-slo layout', inputs: ['slo-specs', 'test/golden/inputs'], out: 'test/golden/per-slo', layout: 'per-slo' },
  ...slothCases(),
];

/**
 * The golden cases that can be compiled here: all of them, or without the corpus those whose inputs are in the
 * repository, and then the skip line is registered (call it where a test may be registered).
 */
export function compilableCases(): GoldenCase[] {
  if (corpusAvailable()) return GOLDEN_CASES;
  reportCorpusSkipped();
  return GOLDEN_CASES.filter((c) => !c.corpus);
}
