import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { CORPUS } from '../corpus';
import type { Layout } from '../../packages/cli/src/compile';

export const ROOT = path.resolve(__dirname, '../..');

export interface GoldenCase {
  name: string;
  /** Input paths relative to the repository root. */
  inputs: string[];
  /** Output directory relative to the repository root. */
  out: string;
  /** Where the dashboards' golden files are, for the cases that keep them. */
  dashboards?: string;
  /** `slo compile --layout`; per-slo when not given. */
  layout?: Layout;
}

const slothInputs = path.relative(ROOT, path.join(CORPUS, 'sloth/inputs'));
/** Sloth examples that use SLO plugins cannot be compiled (refused with a message); the rest have golden outputs. */
const PLUGIN = /plugin|denominator-corrected/;

/** The bundled specs (their golden output is rules-out/ itself) and every compilable Sloth example, one folder each. */
export const GOLDEN_CASES: GoldenCase[] = [
  { name: 'slo-specs', inputs: ['slo-specs'], out: 'rules-out', dashboards: 'dashboards-out' },
  // SLIs counted in time slices (ratio and threshold) and a query too intricate for generated burn scenarios
  { name: 'sliced', inputs: ['test/golden/inputs'], out: 'test/golden/sliced', dashboards: 'test/golden/sliced-dashboards' },
  // both of the above in the shared layout: three periods, sliced, grouped and threshold SLIs served by one shared file
  { name: 'shared layout', inputs: ['slo-specs', 'test/golden/inputs'], out: 'test/golden/shared', layout: 'shared' },
  ...readdirSync(path.join(CORPUS, 'sloth/inputs'))
    .filter((f) => !PLUGIN.test(f))
    .sort()
    .map((f) => ({ name: f, inputs: [`${slothInputs}/${f}`], out: `test/golden/sloth/${f.replace(/\.ya?ml$/, '')}` })),
];
