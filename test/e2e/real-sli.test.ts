// @integration: runs Prometheus and the other real components it names
import { writeFileSync } from 'node:fs';
import { buildModel, checkSources } from '@slo-engine/openslo';
import { BLOCK, compileSlo, header, isAlert, RECORD, renderRuleFile, type AlertingRule, type CompiledSlo, type RecordingRule, type RuleFile } from '@slo-engine/rules';
import { backfillPasses, moveBlocks, PromSandbox, type PrometheusServer } from '../support/prometheus';

/**
 * What promtool cannot show, on a real Prometheus: its samples sit exactly on evaluation times, so a
 * rate over one scrape interval looks fine there and reads nothing on a server. Raw counters scraped
 * every 15s, 30s and 60s at an offset of 17 seconds from the rules' evaluations are backfilled, the
 * compiled building blocks and windows are backfilled from them with promtool, and each page-fast alert
 * expression is evaluated minute by minute: quiet while healthy, firing during a burn, resolved after.
 * A raw ratio SLI with idle stretches (0/0 = NaN) must page too, and no recorded series may be NaN.
 */

const START = Date.UTC(2024, 0, 1) / 1000;
const HEALTHY = 120;
const BURN = 120;
const AFTER = 60;
const MINUTES = HEALTHY + BURN + AFTER;
const OFFSET = 17;
const PER_SECOND = 10;

const slice = (name: string, job: string, window: string, scrape: string) => `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  annotations:
    slo-engine.dev/scrape-interval: ${scrape}
spec:
  service: real
  indicator:
    metadata:
      name: ${name}-errors
    spec:
      ratioMetric:
        counter: true
        bad:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${job}",code="500"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_requests_total{job="${job}"}
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Timeslices
  objectives:
    - target: 0.99
      timeSliceTarget: 0.9
      timeSliceWindow: ${window}
`;

const RAW = `apiVersion: openslo/v1
kind: SLO
metadata:
  name: raw-idle
spec:
  service: real
  indicator:
    metadata:
      name: raw-idle-errors
    spec:
      ratioMetric:
        rawType: failure
        raw:
          metricSource:
            type: Prometheus
            spec:
              query: sum(rate(http_requests_total{job="raw",code="500"}[{{.window}}])) / sum(rate(http_requests_total{job="raw"}[{{.window}}]))
  timeWindow:
    - duration: 30d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - target: 0.999
`;

interface Job {
  job: string;
  scrapeSeconds: number;
  /** Error ratio while burning. */
  burnRatio: number;
  /** The last minutes of each half hour, without any request (the counters stand still). */
  idlePerHalfHour: number;
}

const JOBS: Job[] = [
  { job: 's15', scrapeSeconds: 15, burnRatio: 0.5, idlePerHalfHour: 0 },
  { job: 's30', scrapeSeconds: 30, burnRatio: 0.5, idlePerHalfHour: 0 },
  { job: 's60', scrapeSeconds: 60, burnRatio: 0.5, idlePerHalfHour: 0 },
  // 2% errors against a 0.1% budget: a 20x burn, with ten idle minutes in every half hour
  { job: 'raw', scrapeSeconds: 60, burnRatio: 0.02, idlePerHalfHour: 10 },
];

/** Counters scraped every `scrapeSeconds`, each scrape OFFSET seconds after a whole multiple of the interval. */
function openMetrics(): string {
  const lines = ['# HELP http_requests Requests by status code.', '# TYPE http_requests counter'];
  for (const j of JOBS) {
    let good = 0;
    let bad = 0;
    const goodLines: string[] = [];
    const badLines: string[] = [];
    for (let t = OFFSET % j.scrapeSeconds; t <= MINUTES * 60; t += j.scrapeSeconds) {
      const minute = t / 60;
      const idle = minute % 30 >= 30 - j.idlePerHalfHour;
      const burning = minute >= HEALTHY && minute < HEALTHY + BURN;
      const n = idle ? 0 : PER_SECOND * j.scrapeSeconds;
      const b = burning ? Math.round(n * j.burnRatio) : 0;
      good += n - b;
      bad += b;
      goodLines.push(`http_requests_total{job="${j.job}",code="200"} ${good} ${START + t}`);
      badLines.push(`http_requests_total{job="${j.job}",code="500"} ${bad} ${START + t}`);
    }
    lines.push(...goodLines, ...badLines);
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

function compileAll(): CompiledSlo[] {
  const text = [slice('s15-1m', 's15', '1m', '15s'), slice('s30-1m', 's30', '1m', '30s'), slice('s60-1m', 's60', '1m', '1m'), slice('s60-5m', 's60', '5m', '1m'), RAW].join('---\n');
  const checked = checkSources([{ file: 'real-sli.yaml', text }], { missingReferences: 'error' });
  const model = buildModel(checked);
  expect([...checked.diagnostics, ...model.diagnostics].filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
  return model.slos.map((s) => compileSlo(s, { engineVersion: 'test' }));
}

/** Minutes (from START) at which a query returns anything, evaluated every minute from `from`. */
async function presentAt(server: PrometheusServer, expr: string, from: number): Promise<number[]> {
  const res = await fetch(`${server.url}/api/v1/query_range`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ query: expr, start: String(START + from * 60), end: String(START + MINUTES * 60), step: '60' }).toString(),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: { values: [number, string][] }[] } };
  if (body.status !== 'success') throw new Error(`query_range ${expr}: ${body.error}`);
  return [...new Set(body.data!.result.flatMap((r) => r.values.map((v) => (v[0] - START) / 60)))].sort((a, b) => a - b);
}

let sandbox: PromSandbox | undefined;
afterAll(async () => {
  await sandbox?.close();
});

it('1m slices at 15s, 30s and 60s scrapes off the evaluation times, and a raw ratio with idle minutes, page during a burn and only then', async () => {
  sandbox = new PromSandbox('slo-real-sli-');
  const box = sandbox;
  const compiled = compileAll();
  // the 1m slices at a 1m scrape are read over two scrapes, and compile says so
  expect(compiled.find((c) => c.slo.name === 's60-1m')!.warnings).toEqual(expect.arrayContaining([expect.stringContaining('1m time slices are measured over 2m')]));
  expect(compiled.find((c) => c.slo.name === 's15-1m')!.warnings.filter((w) => w.includes('measured over'))).toEqual([]);

  // Only the building blocks are backfilled; the windows are evaluated as expressions over them. (promtool
  // backfills a rule's range result series by series, so a window whose zero fallback has other labels than its
  // ratio loses the samples of whichever comes second, which a live server never sees.)
  const rules: RuleFile = { groups: compiled.flatMap((c) => c.rules.groups) };
  const passes = backfillPasses(rules, [BLOCK.bad, BLOCK.total]);
  expect(passes).toHaveLength(1);

  const dataDir = box.path('data');
  writeFileSync(box.path('raw.om'), openMetrics());
  expect((await box.backfillOpenMetrics(box.path('raw.om'), dataDir)).length).toBeGreaterThan(0);
  const server = await box.start({ dataDir });
  for (const [i, pass] of passes.entries()) {
    const file = `pass-${i + 1}.rules.yml`;
    writeFileSync(box.path(file), renderRuleFile(pass, header('test', 'real-sli.test.ts', `backfill pass ${i + 1}`)));
    const out = box.path(`pass-${i + 1}-blocks`);
    await box.backfillRules(server, { ruleFiles: [file], start: START, end: START + MINUTES * 60, outputDir: out });
    await server.stop();
    moveBlocks(out, dataDir);
    await server.restart();
  }

  for (const c of compiled) {
    const all = c.rules.groups.flatMap((g) => g.rules);
    const page = all.find((r): r is AlertingRule => isAlert(r) && r.labels.slo_tier === 'page-fast')!;
    const sel = c.objectives[0]!.selector;
    const window = (w: string) => all.find((r): r is RecordingRule => !isAlert(r) && r.record === RECORD.errorRatio(w))!.expr;
    const inline = (expr: string) => ['1h', '5m'].reduce((e, w) => e.split(`${RECORD.errorRatio(w)}${sel}`).join(`(${window(w)})`), expr);
    const at = await presentAt(server, inline(page.expr), 65);
    console.log(`${c.slo.name}: page-fast condition held at minutes ${at.length ? `${at[0]}..${at[at.length - 1]} (${at.length})` : 'never'}`);
    // quiet while healthy, firing within 45 minutes of the burn, resolved within 30 minutes after it
    expect({ slo: c.slo.name, before: at.filter((m) => m < HEALTHY) }).toEqual({ slo: c.slo.name, before: [] });
    expect({ slo: c.slo.name, fired: at.some((m) => m >= HEALTHY && m <= HEALTHY + 45) }).toEqual({ slo: c.slo.name, fired: true });
    expect({ slo: c.slo.name, after: at.filter((m) => m > HEALTHY + BURN + 30) }).toEqual({ slo: c.slo.name, after: [] });
    // no building block and no window is ever NaN or Inf, idle minutes included
    for (const e of [`${BLOCK.bad}${sel}`, `${BLOCK.total}${sel}`, window('5m'), window('1h')])
      expect({ slo: c.slo.name, e, nonFinite: await presentAt(server, `(${e}) unless ((${e}) > -Inf < +Inf)`, 0) }).toEqual({ slo: c.slo.name, e, nonFinite: [] });
  }
}, 600_000);
