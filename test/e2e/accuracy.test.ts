// @integration: runs Prometheus and the other real components it names
import { writeFileSync } from 'node:fs';
import { buildModel, checkSources } from '@slo-engine/openslo';
import { BLOCK, RECORD, compileSlo, header, isAlert, renderRuleFile, type RecordingRule, type RuleFile } from '@slo-engine/rules';
import { backfillPasses, moveBlocks, PromSandbox, type PrometheusServer } from '../support/prometheus';
import { averageOfWindowRatios, defaultTrafficOptions, generateTraffic, writeOpenMetrics } from '../support/traffic';

/**
 * Accuracy against a real Prometheus: a week of diurnal traffic with incidents is backfilled, the
 * compiled building blocks and roll-ups are backfilled from it with promtool, and the period error
 * ratio the compiled rules compute must match the generator's exact ratio of sums within 1% — and be
 * closer to it than the average of 5m ratios (Sloth's period SLI), which over-weights quiet hours.
 */

const SPEC = `
apiVersion: openslo/v1
kind: Service
metadata:
  name: acc
spec:
  description: The accuracy test's service
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: acc-availability
spec:
  service: acc
  indicator:
    metadata:
      name: acc-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="acc",code=~"5.."}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="acc"}
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests without server errors
      target: 0.99
`;

/** Monday 2024-01-01 00:00 UTC: a fixed history, the same on every run. */
const START = Date.UTC(2024, 0, 1) / 1000;

let sandbox: PromSandbox | undefined;
afterAll(async () => {
  await sandbox?.close();
});

const relErr = (value: number, exact: number) => Math.abs(value - exact) / exact;
const pct = (x: number, digits = 5) => `${(x * 100).toFixed(digits)}%`;

function compile(): RuleFile {
  const checked = checkSources([{ file: 'accuracy.yaml', text: SPEC }], { missingReferences: 'error' });
  expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  const model = buildModel(checked);
  expect(model.diagnostics.map((d) => d.message)).toEqual([]);
  expect(model.slos).toHaveLength(1);
  return compileSlo(model.slos[0]!, { engineVersion: 'test' }).rules;
}

function recordingRule(file: RuleFile, record: string): RecordingRule {
  const found = file.groups.flatMap((g) => g.rules).filter((r): r is RecordingRule => !isAlert(r) && r.record === record);
  expect(found).toHaveLength(1);
  return found[0]!;
}

it('the period error ratio of the compiled rules is the ratio of sums, within 1%, on a real Prometheus', async () => {
  const began = Date.now();
  const phases: string[] = [];
  let mark = began;
  const phase = (name: string) => {
    const now = Date.now();
    phases.push(`${name} ${((now - mark) / 1000).toFixed(1)}s`);
    mark = now;
  };

  sandbox = new PromSandbox('slo-accuracy-'); // fails with the setup hint when prometheus/promtool are missing
  const box = sandbox;

  // 1. traffic, and its exact answer
  const traffic = generateTraffic(defaultTrafficOptions(START));
  expect(traffic.series.length).toBeGreaterThanOrEqual(40);
  const rps = traffic.rpsPerStep;
  expect(Math.max(...rps) / Math.min(...rps)).toBeGreaterThanOrEqual(10);
  // incidents both where an average of ratios over-weights them (quiet hours) and under-weights them (busy hours)
  const rpsAt = (minute: number) => rps[Math.floor(minute / (traffic.options.stepSeconds / 60))]!;
  const incidentRps = traffic.options.incidents.map((i) => rpsAt(i.startMinute + i.minutes / 2));
  expect(incidentRps.filter((r) => r < 3 * traffic.options.quietRps).length).toBeGreaterThanOrEqual(2);
  expect(incidentRps.filter((r) => r > traffic.options.busyRps / 3).length).toBeGreaterThanOrEqual(2);
  const exact = traffic.exactErrorRatio;
  const T = traffic.end;
  phase('generate');

  // 2. raw history into a TSDB
  const om = box.path('traffic.om');
  await writeOpenMetrics(traffic, om);
  const dataDir = box.path('data');
  const rawBlocks = await box.backfillOpenMetrics(om, dataDir);
  expect(rawBlocks.length).toBeGreaterThan(0);
  phase('openmetrics backfill');

  // 3. the compiled rules
  const rules = compile();
  const fullFile = box.path('slo.rules.yml');
  writeFileSync(fullFile, renderRuleFile(rules, header('test', 'accuracy.test.ts', 'Prometheus rules for the accuracy test')));
  const periodRule = recordingRule(rules, RECORD.errorRatio('30d'));
  const ratio5m = recordingRule(rules, RECORD.errorRatio('5m'));
  const sel = `{slo_name="acc-availability",slo_service="acc"}`;
  expect(periodRule.expr).toContain(`${BLOCK.badRollup}${sel}`);

  // 4. backfill the recorded series, one dependency level per pass: building blocks (1m), then roll-ups (10m) and the 5m ratio (1m)
  const passes = backfillPasses(rules, [BLOCK.badRollup, BLOCK.totalRollup, RECORD.errorRatio('5m')]);
  expect(passes.map((p) => p.groups.map((g) => `${g.interval}: ${g.rules.map((r) => (isAlert(r) ? r.alert : r.record)).join(' ')}`))).toEqual([
    [`1m: ${BLOCK.bad} ${BLOCK.total}`],
    [`1m: ${RECORD.errorRatio('5m')}`, `10m: ${BLOCK.badRollup} ${BLOCK.totalRollup}`],
  ]);
  let server: PrometheusServer = await box.start({ dataDir });
  expect(await server.queryValue('count(http_requests_total{job="acc"})', T)).toBe(traffic.series.length);
  expect(await server.queryValue('sum(resets(http_requests_total{job="acc"}[7d]))', T)).toBe(traffic.options.resets.length);
  phase('server start');
  for (const [i, pass] of passes.entries()) {
    const file = `pass-${i + 1}.rules.yml`; // relative: group evaluation offsets then do not depend on the temp dir's name
    writeFileSync(box.path(file), renderRuleFile(pass, header('test', 'accuracy.test.ts', `backfill pass ${i + 1}`)));
    const out = box.path(`pass-${i + 1}-blocks`);
    const blocks = await box.backfillRules(server, { ruleFiles: [file], start: traffic.start, end: T, outputDir: out });
    expect(blocks.length).toBeGreaterThan(0);
    await server.stop();
    moveBlocks(out, dataDir);
    if (i < passes.length - 1) await server.restart();
    phase(`rules backfill pass ${i + 1}`);
  }
  // the last server also loads the whole compiled file: Prometheus must accept it as it is
  server = await box.start({ dataDir, ruleFiles: [fullFile] });
  const loaded = await server.rules();
  const byName = (a: [string, ...unknown[]], b: [string, ...unknown[]]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  expect(loaded.map((g): [string, ...unknown[]] => [g.name, g.interval, g.rules.length]).sort(byName)).toEqual(
    rules.groups.map((g): [string, ...unknown[]] => [g.name, { '1m': 60, '2m': 120, '10m': 600 }[g.interval!], g.rules.length]).sort(byName),
  );
  phase('final server start');

  // the backfilled series are there at the rules' own intervals, over the whole week
  const weekSamples = async (metric: string) => server.queryValue(`count_over_time(${metric}${sel}[7d])`, T);
  const steps = traffic.steps;
  expect(Math.abs((await weekSamples(BLOCK.total)) - steps)).toBeLessThanOrEqual(1);
  expect(Math.abs((await weekSamples(BLOCK.bad)) - steps)).toBeLessThanOrEqual(1);
  expect(Math.abs((await weekSamples(BLOCK.totalRollup)) - steps / 10)).toBeLessThanOrEqual(1);
  expect(Math.abs((await weekSamples(ratio5m.record)) - steps)).toBeLessThanOrEqual(1);

  // 5. the period rule's own expression at the end of the history, against the exact ratio of sums
  const ours = await server.queryValue(periodRule.expr, T);
  const slothStyle = await server.queryValue(`sum_over_time(${ratio5m.record}${sel}[30d]) / count_over_time(${ratio5m.record}${sel}[30d])`, T);
  // for the report: Prometheus on the raw counters (no rules), and the generator's own average of 5m ratios
  const rawIncrease = await server.queryValue(`sum(increase(http_requests_total{job="acc",code=~"5.."}[7d])) / sum(increase(http_requests_total{job="acc"}[7d]))`, T);
  const jsAverage = averageOfWindowRatios(traffic, 5);
  phase('queries');

  const total = (Date.now() - began) / 1000;
  console.log(
    [
      `accuracy over ${traffic.series.length} series, ${steps} steps of ${traffic.options.stepSeconds}s (${traffic.total} requests, ${traffic.bad} failed, ${Math.min(...rps).toFixed(0)}..${Math.max(...rps).toFixed(0)} rps):`,
      `  exact ratio of sums (generator)     ${pct(exact)}`,
      `  compiled period rule (${RECORD.errorRatio('30d')})  ${pct(ours)}  rel. error ${pct(relErr(ours, exact), 3)}`,
      `  average of 5m ratios (Sloth style)  ${pct(slothStyle)}  rel. error ${pct(relErr(slothStyle, exact), 1)}  (generator's own 5m average ${pct(jsAverage)})`,
      `  increase() on the raw counters      ${pct(rawIncrease)}  rel. error ${pct(relErr(rawIncrease, exact), 4)}`,
      `  blocks: raw ${rawBlocks.length}; time ${total.toFixed(1)}s (${phases.join(', ')})`,
    ].join('\n'),
  );

  expect(relErr(ours, exact)).toBeLessThan(0.01);
  expect(relErr(ours, exact)).toBeLessThan(relErr(slothStyle, exact));
}, 300_000);
