import type { CompiledObjective, CompiledSlo } from './compile';
import { promDuration } from './durations';
import { sortKeys } from './labels';
import { BLOCK_RANGE_MINUTES, LABEL, RECORD, ROLLUP_MINUTES, ROLLUP_THRESHOLD_MINUTES } from './names';
import { planSeries, type Phase, type SeriesPlan } from './series';
import { detectionMinutes, type Tier } from './tiers';

/** promtool refuses queries touching more than 10,000 samples; keep every test below that at its step. */
const MAX_STEPS = 9000;
/** Events per minute of the synthetic traffic. */
const TRAFFIC = 1000;

interface TestGroup {
  name: string;
  interval: string;
  input_series: { series: string; values: string }[];
  promql_expr_test: { expr: string; eval_time: string; exp_samples: { labels?: string; value: number }[] }[];
}

export interface GeneratedTests {
  rule_files: string[];
  evaluation_interval: string;
  tests: TestGroup[];
}

const at = (m: number) => promDuration(Math.max(1, Math.ceil(m)));

function alertsSelector(o: CompiledObjective, tier?: Tier): string {
  return `ALERTS{${LABEL.name}=${JSON.stringify(o.sloName)},${LABEL.service}=${JSON.stringify(o.labels[LABEL.service])},alertstate="firing"${tier ? `,${LABEL.tier}=${JSON.stringify(tier.id)}` : ''}}`;
}
const firing = (o: CompiledObjective, tier: Tier, eval_time: number) => ({ expr: `count(${alertsSelector(o, tier)})`, eval_time: at(eval_time), exp_samples: [{ labels: '{}', value: 1 }] });
const silent = (o: CompiledObjective, eval_time: number, tier?: Tier) => ({ expr: `count(${alertsSelector(o, tier)})`, eval_time: at(eval_time), exp_samples: [] });

function labelsText(labels: Record<string, string>): string {
  return `{${Object.entries(sortKeys(labels))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ')}}`;
}

/** How late a window can see a change: the 5m rate of the building blocks, and the 10m roll-ups for day-plus windows. */
const smear = (minutes: number) => BLOCK_RANGE_MINUTES + (minutes >= ROLLUP_THRESHOLD_MINUTES ? ROLLUP_MINUTES : 0);

function tierTests(o: CompiledObjective, plan: SeriesPlan, tier: Tier, stepMinutes: number): TestGroup[] {
  const budget = Number(o.budget);
  const maxBurn = 1 / budget;
  const factor = Number(tier.factor);
  if (factor >= maxBurn) return [];
  const burn = Math.min(2 * factor, (factor + maxBurn) / 2);
  const bad = burn * budget * TRAFFIC;
  const warmup = tier.longMinutes + smear(tier.longMinutes) + ROLLUP_MINUTES;
  const detect = detectionMinutes(tier, burn);
  const slack = stepMinutes + tier.forMinutes + smear(tier.longMinutes) + 1;
  const fireAt = warmup + detect + slack;
  const stopAt = Math.ceil(fireAt);
  const resolvedAt = stopAt + tier.shortMinutes + smear(tier.shortMinutes) + 2 * stepMinutes;
  const phases: Phase[] = [
    { minutes: warmup, good: TRAFFIC, bad: 0 },
    { minutes: stopAt - warmup, good: TRAFFIC - bad, bad },
    { minutes: resolvedAt - stopAt + 5, good: TRAFFIC, bad: 0 },
  ];
  const checks = [silent(o, warmup, tier), firing(o, tier, fireAt), silent(o, resolvedAt, tier)];
  if (detect * 0.2 >= 10) checks.splice(1, 0, silent(o, warmup + detect * 0.8, tier));
  return [
    {
      name: `${o.sloName}: a ${+burn.toPrecision(4)}x burn fires ${tier.id} within ${at(detect)} (+${slack}m) and resolves after the burn stops`,
      interval: '1m',
      input_series: plan.series(phases),
      promql_expr_test: checks,
    },
  ];
}

function slowBurnTest(o: CompiledObjective, plan: SeriesPlan, longest: number, slowest: number): TestGroup {
  const burn = slowest / 2;
  const bad = burn * Number(o.budget) * TRAFFIC;
  const minutes = longest + smear(longest) + ROLLUP_MINUTES;
  const checks = [0.25, 0.5, 0.75, 1].map((f) => silent(o, Math.max(10, minutes * f)));
  return {
    name: `${o.sloName}: a ${+burn.toPrecision(4)}x burn (half the slowest factor) fires nothing for ${at(minutes)}`,
    interval: '1m',
    input_series: plan.series([{ minutes: minutes + 1, good: TRAFFIC - bad, bad }]),
    promql_expr_test: checks,
  };
}

function zeroTrafficTest(o: CompiledObjective): TestGroup {
  const windows = o.windows.map((m) => ({
    expr: `${RECORD.errorRatio(promDuration(m))}${o.selector}`,
    eval_time: '30m',
    exp_samples: [{ labels: labelsText({ __name__: RECORD.errorRatio(promDuration(m)), ...o.labels, [LABEL.window]: promDuration(m) }), value: 0 }],
  }));
  return {
    name: `${o.sloName}: no traffic fires nothing, every error ratio is 0 (never NaN) and no-traffic reads 1`,
    interval: '1m',
    input_series: [],
    promql_expr_test: [
      silent(o, 30),
      silent(o, 2 * 60),
      ...windows,
      { expr: `${RECORD.budgetRemaining}${o.selector}`, eval_time: '30m', exp_samples: [{ labels: labelsText({ __name__: RECORD.budgetRemaining, ...o.labels }), value: 1 }] },
      { expr: `${RECORD.noTraffic}${o.selector}`, eval_time: '30m', exp_samples: [{ labels: labelsText({ __name__: RECORD.noTraffic, ...o.labels }), value: 1 }] },
    ],
  };
}

/** promtool tests for one compiled SLO, and the objectives whose queries were too intricate to synthesise input for. */
export function generateTests(c: CompiledSlo, ruleFile: string): { file: GeneratedTests; untestable: { name: string; reason: string }[] } {
  const tests: TestGroup[] = [];
  const untestable: { name: string; reason: string }[] = [];
  // with steady traffic a RatioTimeslices SLI reads like an Occurrences one; Timeslices need per-slice patterns
  const plans = c.objectives.map((o) => (c.slo.budgetingMethod !== 'Timeslices' ? planSeries(c.slo.objectives[o.index]!) : undefined));
  const longest = (o: CompiledObjective) => Math.max(60, ...o.tiers.map((t) => t.longMinutes));
  // a coarser step for day-plus windows keeps promtool fast (and under its 10,000-sample limit) without blurring the checks
  const step = Math.max(1, ...c.objectives.map((o) => Math.max(Math.ceil((longest(o) * 2.5 + 60) / MAX_STEPS), Math.ceil(longest(o) / 1440))));
  c.objectives.forEach((o, i) => {
    tests.push(zeroTrafficTest(o));
    const plan = plans[i];
    if (!plan) {
      untestable.push({
        name: o.sloName,
        reason:
          c.slo.budgetingMethod === 'Timeslices'
            ? 'burn scenarios are not generated for Timeslices SLOs yet'
            : 'its queries are too intricate to synthesise input series for (one selector per query is needed)',
      });
      return;
    }
    if (o.tiers.length === 0) return;
    for (const tier of o.tiers) tests.push(...tierTests(o, plan, tier, step));
    tests.push(slowBurnTest(o, plan, longest(o), Math.min(...o.tiers.map((t) => Number(t.factor)))));
  });
  return { file: { rule_files: [ruleFile], evaluation_interval: promDuration(step), tests }, untestable };
}
