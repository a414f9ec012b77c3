// @integration: runs promtool
/**
 * Rewritten `le` matchers run through promtool against bucket series stored the way Prometheus 2 (what the
 * client wrote, e.g. `1`) and Prometheus 3 (Go float formatting, e.g. `1.0`) store them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { rewriteLeMatchers } from './index';

/** Stored bucket bounds; every series reads 1. */
const STORED = ['0.25', '0.3', '0.35', '1', '1.0'];

// [record name, selector as written in a spec, the stored bounds it must select]
const cases: [string, string, string[]][] = [
  ['le_0_30', 'x_bucket{le="0.30"}', ['0.3']],
  ['le_dot_25', 'x_bucket{le=".25"}', ['0.25']],
  ['le_1', 'x_bucket{le="1"}', ['1', '1.0']],
  ['le_1_0', 'x_bucket{le="1.0"}', ['1', '1.0']],
  ['le_not_0_30', 'x_bucket{le!="0.30"}', ['0.25', '0.35', '1', '1.0']],
  ['le_regex_0_30', 'x_bucket{le=~"0.30|1"}', ['0.3', '1', '1.0']],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'le-promtool-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** promtool's output for one recording rule per case and a test that each selects exactly its bounds. */
function promtoolTest(rewrite: (q: string) => string): string {
  // JSON is YAML, so promtool reads these files as they are
  const rules = { groups: [{ name: 'le', rules: cases.map(([record, selector]) => ({ record, expr: rewrite(selector) })) }] };
  const test = {
    rule_files: ['le.rules.yaml'],
    evaluation_interval: '1m',
    tests: [
      {
        interval: '1m',
        input_series: STORED.map((le) => ({ series: `x_bucket{le="${le}"}`, values: '1x5' })),
        promql_expr_test: cases.map(([record, , bounds]) => ({
          expr: record,
          eval_time: '2m',
          exp_samples: bounds.map((le) => ({ labels: `${record}{le="${le}"}`, value: 1 })),
        })),
      },
    ],
  };
  writeFileSync(path.join(dir, 'le.rules.yaml'), JSON.stringify(rules, null, 2));
  writeFileSync(path.join(dir, 'le.test.yaml'), JSON.stringify(test, null, 2));
  const r = spawnSync('promtool', ['test', 'rules', 'le.test.yaml'], { cwd: dir, encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.trim();
}

describe('rewritten le matchers in promtool', () => {
  it('select every stored spelling of the bound, and no other bound', () => {
    expect(promtoolTest(rewriteLeMatchers)).toContain('SUCCESS');
  });

  it('are needed: as written, le="0.30" and le=".25" select nothing and le="1" misses 1.0', () => {
    const out = promtoolTest((q) => q);
    expect(out).toContain('FAILED');
    for (const record of ['le_0_30', 'le_dot_25', 'le_1', 'le_1_0']) expect(out).toContain(`expr: "${record}"`);
  });
});
