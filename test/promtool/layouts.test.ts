// @integration: runs promtool
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { parse } from 'yaml';
import { BLOCK, LABEL, RECORD, outputStem, planSeries, promDuration, toYaml, type Layout, type Phase, type RuleFile } from '@slo-engine/rules';
import { planCompile } from '@slo-engine/pipeline';
import { ROOT } from '../golden/cases';
import { promtool } from './shared';

/**
 * The shared layout records the same series as the per-SLO layout, with the same values. Both are
 * compiled from the bundled specs and the time-sliced examples (three periods, grouped, sliced and
 * threshold SLIs); the shared layout's names are renamed (slo: → twin:) so that one promtool test loads
 * both, and every record of every objective must be equal in both at each checked time.
 */

const INPUTS = ['slo-specs', 'test/golden/inputs'];
/** A quiet start, a two-hour burn at 10% errors, then a recovery; the day-plus windows read roll-ups from the start. */
const PHASES: Phase[] = [
  { minutes: 300, good: 1000, bad: 0 },
  { minutes: 120, good: 900, bad: 100 },
  { minutes: 90, good: 1000, bad: 0 },
];
/** Minutes: before, during and after the burn. */
const CHECKS = [30, 360, 420, 480];

const twin = (text: string) => text.replace(/\bslo:/g, 'twin:').replace(/\bslo_info\b/g, 'twin_info');

async function rules(layout: Layout): Promise<Awaited<ReturnType<typeof planCompile>>> {
  const plan = await planCompile(INPUTS, { strict: false, disableTier: [], layout }, { cwd: ROOT, stdin: Readable.from([]) });
  expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return plan;
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slo-layouts-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('records every series of the per-SLO layout with the same value (promtool)', async () => {
  const perSlo = await rules('per-slo');
  const shared = await rules('shared');
  const sharedFile = shared.files.find((f) => /^shared-[^/]*\.rules\.yaml$/.test(f.path));
  expect(sharedFile).toBeDefined();
  // the twin's alerts would be the same ALERTS series as the originals': only its records are compared
  const recordsOnly = (text: string) => {
    const file = parse(text) as RuleFile;
    return twin(toYaml({ groups: file.groups.filter((g) => g.rules.every((r) => 'record' in r)) }));
  };
  writeFileSync(path.join(dir, 'twin-shared.yaml'), recordsOnly(sharedFile!.content));
  const groupNames = (text: string) => (parse(text) as RuleFile).groups.map((g) => g.name);
  const content = (files: { path: string; content: string }[], p: string) => files.find((f) => f.path === p)!.content;

  // one test file per SLO, loading only its own rules, keeps promtool's work small
  const runs = perSlo.compiled.map((c) => {
    const stem = outputStem(c.slo.service, c.slo.name).replace('/', '--');
    const files = [content(perSlo.files, `${outputStem(c.slo.service, c.slo.name)}.rules.yaml`), recordsOnly(content(shared.files, `${outputStem(c.slo.service, c.slo.name)}.rules.yaml`))];
    writeFileSync(path.join(dir, `${stem}.yaml`), files[0]!);
    writeFileSync(path.join(dir, `${stem}.twin.yaml`), files[1]!);
    // promtool otherwise runs groups in name order (a roll-up before its building blocks): run each layout's in the order written, blocks first
    const order = [...files, readFileSync(path.join(dir, 'twin-shared.yaml'), 'utf8')].flatMap(groupNames);
    const tests = c.objectives.map((o) => {
      const plan = planSeries(c.slo.objectives[o.index]!, { groupBy: o.groupBy });
      const records = [
        ...o.windows.map((m) => `${RECORD.errorRatio(promDuration(m))}{${LABEL.window}="${promDuration(m)}",`),
        `${RECORD.currentBurnRate}{`,
        `${RECORD.noTraffic}{`,
        `${RECORD.budgetRemaining}{`,
        `${BLOCK.badRollup}{`,
        `${BLOCK.totalRollup}{`,
        // the constants: the shared layout's one rule per name sets every label of every objective
        `${RECORD.objective}{`,
        `${RECORD.errorBudget}{`,
        `${RECORD.info}{`,
      ].map((r) => r + o.selector.slice(1));
      return {
        name: o.sloName,
        interval: '1m',
        input_series: plan?.series(PHASES) ?? [],
        promql_expr_test: CHECKS.flatMap((m) =>
          records.flatMap((r) => [
            // exactly one series on each side, and they match
            { expr: `count(${r} - ${twin(r)})`, eval_time: promDuration(m), exp_samples: [{ labels: '{}', value: 1 }] },
            { expr: `count(${twin(r)})`, eval_time: promDuration(m), exp_samples: [{ labels: '{}', value: 1 }] },
            { expr: `abs(${r} - ${twin(r)}) > 1e-12`, eval_time: promDuration(m), exp_samples: [] },
          ]),
        ),
      };
    });
    writeFileSync(path.join(dir, `${stem}.test.yaml`), toYaml({ rule_files: [`${stem}.yaml`, `${stem}.twin.yaml`, 'twin-shared.yaml'], evaluation_interval: '1m', group_eval_order: order, tests }));
    return `${stem}.test.yaml`;
  });
  expect(runs.length).toBeGreaterThanOrEqual(8);
  const results = [];
  for (const file of runs) results.push({ file, ...(await promtool(['test', 'rules', file], dir)) });
  expect(results.filter((r) => r.code !== 0).map((r) => `${r.file}: ${r.output.slice(0, 3000)}`)).toEqual([]);
}, 600_000);
