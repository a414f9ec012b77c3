import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BLOCK, header, isAlert, LABEL, RECORD, renderRuleFile, toYaml, type RecordingRule, type RuleFile } from '@slo-engine/rules';
import { promtool } from '@slo-engine/stack';
import { BLOCKS_KIND, SHARED_GROUPS, sharedLayout } from './evalcost-shared';
import { benchSlos, compileOurs } from './evalcost-slos';

const slos = benchSlos(3, 2);
const ours = compileOurs(slos);
const shared = sharedLayout(ours);

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'slo-bench-shared-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const recordings = (f: RuleFile) => f.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => !isAlert(r));
/** What a recording rule writes: its name and slo_window, the SLO's labels coming from the series it reads. */
const written = (f: RuleFile) => new Set(recordings(f).map((r) => `${r.record}${r.labels[LABEL.window] ? ` ${r.labels[LABEL.window]}` : ''}`));

it('keeps per SLO only the building blocks, the constants and the alerts, and writes the rest once for all SLOs', () => {
  const kinds = shared.groups.map((g) => g.name.slice(g.name.lastIndexOf(':') + 1));
  expect(kinds).toEqual([...slos.flatMap(() => [BLOCKS_KIND, 'alerts']), 'windows', 'rollup', 'period']);
  expect(shared.groups.slice(-3).map((g) => g.name)).toEqual(Object.values(SHARED_GROUPS));
  // the same series names and windows as our compiled rules
  expect(written(shared)).toEqual(written({ groups: ours.flatMap((f) => f.groups) }));
  // the alerts are ours, unchanged
  expect(shared.groups.flatMap((g) => g.rules).filter(isAlert)).toEqual(ours.flatMap((f) => f.groups.flatMap((g) => g.rules)).filter(isAlert));
  const rules = shared.groups.reduce((n, g) => n + g.rules.length, 0);
  const oursRules = ours.reduce((n, f) => n + f.groups.reduce((m, g) => m + g.rules.length, 0), 0);
  expect(oursRules).toBe(22 * slos.length);
  expect(rules).toBe(9 * slos.length + 13);
});

it('refuses SLOs of different periods, whose windows it cannot share', () => {
  const other = structuredClone(ours[1]!);
  for (const r of recordings(other)) if (r.record === RECORD.info) r.labels[LABEL.period] = '28d';
  expect(() => sharedLayout([ours[0]!, other])).toThrow(/one period for every SLO; got 30d, 28d/);
});

it('records the same values as our compiled rules, by promtool (steady traffic, 10% errors)', async () => {
  // per SLO 9 requests a second succeed and 1 fails: every window's error ratio is 0.1
  const input = slos.flatMap((s) => [
    { series: `http_requests_total{job="${s.job}",code="200",instance="i0"}`, values: '0+540x200' },
    { series: `http_requests_total{job="${s.job}",code="500",instance="i0"}`, values: '0+60x200' },
  ]);
  const budgets = new Map(recordings({ groups: ours.flatMap((f) => f.groups) }).filter((r) => r.record === RECORD.errorBudget).map((r) => [r.labels[LABEL.name]!, Number(r.expr.slice(7, -1))]));
  const value = (r: RecordingRule): number | undefined => {
    const budget = budgets.get(r.labels[LABEL.name]!)!;
    if (r.record.startsWith('slo:sli_error:')) return 0.1;
    if (r.record === RECORD.currentBurnRate) return 0.1 / budget;
    if (r.record === RECORD.budgetRemaining) return 1 - 0.1 / budget;
    if (r.record === RECORD.noTraffic) return 0;
    if (r.record === BLOCK.bad) return 1;
    if (r.record === BLOCK.total) return 10;
    return undefined;
  };
  const labelText = (r: RecordingRule) => `{${Object.entries({ __name__: r.record, ...r.labels }).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}}`;
  const expected = recordings({ groups: ours.flatMap((f) => f.groups) }).flatMap((r) => {
    const v = value(r);
    return v === undefined ? [] : [{ expr: `${r.record}{${LABEL.name}=${JSON.stringify(r.labels[LABEL.name])}}`, eval_time: '3h', exp_samples: [{ labels: labelText(r), value: v }] }];
  });
  expect(expected.length).toBe(slos.length * 13);
  for (const [name, file] of [['ours', { groups: ours.flatMap((f) => f.groups) }], ['shared', shared]] as const) {
    writeFileSync(path.join(dir, `${name}.rules.yml`), renderRuleFile(file, header('bench', 'test', name)));
    writeFileSync(path.join(dir, `${name}.test.yml`), toYaml({ rule_files: [`${name}.rules.yml`], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: input, promql_expr_test: expected }] }));
    await expect(promtool(['test', 'rules', `${name}.test.yml`], { cwd: dir })).resolves.toBeDefined();
  }
}, 60_000);
