// @integration: runs Prometheus and the other real components it names
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { replay, victoriaMetricsArgs, vmalertArgs, type BacktestResult, type RuleFileLike } from '@slo-engine/history';
import { buildModel, checkSources } from '@slo-engine/openslo';
import { compileSlo } from '@slo-engine/rules';
import { parse } from 'yaml';
import { cli } from '../support/cli';
import { freePort, listBlocks, PromSandbox, type PrometheusServer } from '../support/prometheus';
import { ratioSli, sloDoc } from '../support/slo-docs';
import { defaultTrafficOptions, generateTraffic, writeOpenMetrics, type Traffic } from '../support/traffic';

/**
 * The compiled rules on a real VictoriaMetrics with vmalert (Debian package victoria-metrics), against a real
 * Prometheus on the same data: two days of the generator's diurnal traffic with a night outage, an afternoon
 * blip and a counter reset, scraped every minute.
 * - vmalert loads both layouts (dry run and live) with every rule healthy;
 * - `slo backfill --vmalert` replays the per-SLO rules into one VictoriaMetrics, the shared layout's files are
 *   replayed into another; both record the same series, and vmalert evaluates every rule without an error;
 * - against `slo backfill` on Prometheus: the period ratio agrees within 1% (and with the exact ratio of sums);
 *   the 1h and 6h ratios agree within 1% at 95% of minutes; the 5m ratios differ minute by minute by definition
 *   (MetricsQL's rate() reads the sample before the window, Prometheus's extrapolates from the samples inside,
 *   4 of 5 one-minute increments), so they are compared event-weighted over the history, within 1%;
 * - the page alerts fire on the same incident in both engines (within one 10-minute roll-up of each other), while it lasts.
 */

const DAY = 86_400;
const SETUP = 'run `bash scripts/setup-test-tools.sh` (Debian package victoria-metrics)';

const SLI = ratioSli({ bad: 'http_requests_total{job="acc",code=~"5.."}', total: 'http_requests_total{job="acc"}' });
const SPEC = [
  "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: vmx\nspec:\n  description: The VictoriaMetrics test's service\n",
  sloDoc({ name: 'vmx-requests', service: 'vmx', sli: SLI, objectives: '    - target: 0.99\n' }),
].join('---\n');
const SEL = '{slo_name="vmx-requests",slo_service="vmx"}';

function which(name: string): string {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${name} not found on PATH: ${SETUP}`);
  return r.stdout.trim();
}

/** A process of the test's own, killed in afterAll. */
const children: ChildProcess[] = [];
function start(binary: string, args: string[]): ChildProcess {
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (log = (log + d).slice(-5000)));
  (child as ChildProcess & { log: () => string }).log = () => log;
  children.push(child);
  return child;
}

async function ready(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url} exited: ${(child as ChildProcess & { log: () => string }).log()}`);
    if (
      await fetch(url).then(
        (r) => r.ok,
        () => false,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready after 60s`);
}

interface Vm {
  url: string;
}

async function startVm(dir: string): Promise<Vm> {
  const port = await freePort();
  const child = start(which('victoria-metrics'), victoriaMetricsArgs({ port, dataDir: dir, retention: '100y' }));
  const url = `http://127.0.0.1:${port}`;
  await ready(`${url}/health`, child);
  return { url };
}

/** The same samples the Prometheus got, in the text format with millisecond timestamps. */
async function importTraffic(vm: Vm, t: Traffic): Promise<void> {
  const lines: string[] = [];
  for (const s of t.series) {
    const labels = Object.entries(s.labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    for (const [i, v] of s.values.entries()) lines.push(`http_requests_total{${labels}} ${v} ${(t.start + i * t.options.stepSeconds) * 1000}`);
  }
  const r = await fetch(`${vm.url}/api/v1/import/prometheus`, { method: 'POST', body: `${lines.join('\n')}\n` });
  expect(r.status).toBe(204);
  await fetch(`${vm.url}/internal/force_flush`);
}

type Samples = [number, number][];

async function rawSamples(url: string, metric: string, at: number): Promise<Samples> {
  const body = new URLSearchParams({ query: `${metric}${SEL}[4d]`, time: String(at) });
  const r = (await (await fetch(`${url}/api/v1/query`, { method: 'POST', body })).json()) as { data: { result: { values: [number, string][] }[] } };
  expect(r.data.result).toHaveLength(1);
  return r.data.result[0]!.values.map(([t, v]) => [t, Number(v)]);
}

async function alertEpisodes(url: string, at: number): Promise<{ tier: string; start: number; end: number }[]> {
  const body = new URLSearchParams({ query: `ALERTS{alertstate="firing",slo_name="vmx-requests"}[4d]`, time: String(at) });
  const r = (await (await fetch(`${url}/api/v1/query`, { method: 'POST', body })).json()) as { data: { result: { metric: Record<string, string>; values: [number, string][] }[] } };
  const out: { tier: string; start: number; end: number }[] = [];
  for (const s of r.data.result) {
    let cur: { tier: string; start: number; end: number } | undefined;
    for (const [t] of s.values) {
      if (cur && t - cur.end <= 120) cur.end = t;
      else {
        cur = { tier: s.metric.slo_tier!, start: t, end: t };
        out.push(cur);
      }
    }
  }
  return out.sort((a, b) => a.start - b.start || (a.tier < b.tier ? -1 : 1));
}

const relErr = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor(q * (xs.length - 1))]!;

/** For each VictoriaMetrics sample at t, Prometheus's first sample in [t, t + 60): it read the same scrapes (its groups run at an offset). */
function pairs(vm: Samples, prom: Samples, from: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let j = 0;
  for (const [t, v] of vm) {
    while (j < prom.length && prom[j]![0] < t) j++;
    if (j >= prom.length) break;
    if (t >= from && prom[j]![0] - t < 60) out.push([t, v, prom[j]![1]]);
  }
  return out;
}

function listRuleFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, String(f)))
    .filter((f) => statSync(f).isFile() && f.endsWith('.rules.yaml'))
    .sort();
}

let box: PromSandbox;
let work: string;
let traffic: Traffic;
let START = 0;
let END = 0;
let TO = 0;
let prom: PrometheusServer;
let promAlerts: BacktestResult['objectives'][number]['alerts'];
const vms: Record<string, Vm> = {};
const ruleFiles: Record<string, string[]> = {};
const report: string[] = [];

beforeAll(async () => {
  which('victoria-metrics');
  which('vmalert');
  box = new PromSandbox('slo-vm-test-');
  work = box.path('work');
  mkdirSync(work);
  writeFileSync(path.join(work, 'slos.yaml'), SPEC);
  // two days ending an hour ago; the rules are evaluated up to half an hour later, so the last roll-ups hold every minute
  END = Math.floor(Date.now() / 1000 / 600) * 600 - 3600;
  START = END - 2 * DAY;
  TO = END + 1800;
  const base = defaultTrafficOptions(START);
  traffic = generateTraffic({ ...base, days: 2, incidents: base.incidents.slice(0, 2), resets: [{ instance: 3, code: '500', atStep: 1500 }] });
  expect(traffic.end).toBe(END);

  for (const layout of ['per-slo', 'shared']) {
    const r = await cli(['compile', 'slos.yaml', '--layout', layout, '--rules-out', `rules-${layout}`, '--dashboards-out', `dash-${layout}`], work);
    expect(r).toMatchObject({ code: 0 });
    ruleFiles[layout] = listRuleFiles(path.join(work, `rules-${layout}`));
  }

  // Prometheus: the raw history, slo backfill's blocks, and every alert slo backtest finds
  const om = box.path('raw.om');
  await writeOpenMetrics(traffic, om);
  await box.backfillOpenMetrics(om, box.path('raw'));
  const raw = await box.start({ dataDir: box.path('raw') });
  const range = ['--from', String(START), '--to', String(TO)];
  const backfilled = await cli(['backfill', 'slos.yaml', '--prometheus', raw.url, ...range, '--out', 'blocks'], work);
  expect(backfilled).toMatchObject({ code: 0 });
  const backtest = await cli(['backtest', 'slos.yaml', '--prometheus', raw.url, ...range, '--format', 'json'], work);
  expect(backtest).toMatchObject({ code: 0 });
  promAlerts = (JSON.parse(backtest.stdout) as BacktestResult).objectives[0]!.alerts;
  await raw.stop();
  const data = box.path('prod');
  for (const dir of [box.path('raw'), path.join(work, 'blocks')]) for (const b of listBlocks(dir)) cpSync(path.join(dir, b), path.join(data, b), { recursive: true });
  prom = await box.start({ dataDir: data });

  // VictoriaMetrics: one per layout, the same samples
  for (const layout of ['per-slo', 'shared']) {
    vms[layout] = await startVm(box.path(`vm-${layout}`));
    await importTraffic(vms[layout]!, traffic);
  }
}, 600_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  await box?.close();
  if (report.length) process.stdout.write(`VictoriaMetrics against Prometheus:\n  ${report.join('\n  ')}\n`);
});

it.each(['per-slo', 'shared'])('vmalert loads the %s layout: the dry run passes and, live, every rule of every group is healthy', async (layout) => {
  const files = ruleFiles[layout]!;
  const dry = spawnSync(which('vmalert'), ['-dryRun', ...files.map((f) => `-rule=${f}`)], { encoding: 'utf8' });
  expect(`${dry.stderr}`).not.toMatch(/error/i);
  expect(dry.status).toBe(0);

  const port = await freePort();
  const child = start(which('vmalert'), vmalertArgs({ ruleFiles: files, url: vms[layout]!.url, port, alertmanagerUrl: 'http://127.0.0.1:9' }));
  await ready(`http://127.0.0.1:${port}/health`, child);
  const r = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as {
    data: { groups: { name: string; interval: number; rules: { name: string; health: string; lastError: string }[] }[] };
  };
  const expected = files.flatMap((f) => (parse(readFileSync(f, 'utf8')) as RuleFileLike).groups.map((g) => [g.name, g.rules.length]));
  expect(r.data.groups.map((g) => [g.name, g.rules.length]).sort()).toEqual(expected.sort());
  const unhealthy = r.data.groups.flatMap((g) => g.rules.filter((x) => x.health !== 'ok' || x.lastError).map((x) => `${g.name}/${x.name}: ${x.lastError}`));
  expect(unhealthy).toEqual([]);
  child.kill('SIGTERM');
});

describe('replayed over the same history as Prometheus', () => {
  beforeAll(async () => {
    // per-SLO rules by `slo backfill --vmalert`; the shared layout's own files through the same replay
    const r = await cli(['backfill', 'slos.yaml', '--vmalert', '--prometheus', vms['per-slo']!.url, '--from', String(START), '--to', String(TO)], work);
    expect(r.stderr).not.toMatch(/^error/m);
    expect(r.stdout).toMatch(/^1 SLO replayed by vmalert over .* \(2d 30m\): \d+ rules in \d passes, written to http/);
    expect(r.code).toBe(0);
    const checked = checkSources([{ file: 'slos.yaml', text: SPEC }], { missingReferences: 'error' });
    const compiled = buildModel(checked).slos.map((s) => compileSlo(s, { engineVersion: 'test' }));
    const files = ruleFiles.shared!.map((f) => parse(readFileSync(f, 'utf8')) as RuleFileLike);
    await replay({ compiled, files, url: vms.shared!.url, range: { from: START, to: TO }, now: Math.floor(Date.now() / 1000) });
  }, 600_000);

  it('both layouts record the same series on VictoriaMetrics, every minute of the range', async () => {
    for (const m of ['slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate30d', 'slo:period_error_budget_remaining:ratio']) {
      const a = await rawSamples(vms['per-slo']!.url, m, TO);
      const b = await rawSamples(vms.shared!.url, m, TO);
      expect(a.length).toBeGreaterThan(1000);
      expect(b.map(([t]) => t)).toEqual(a.map(([t]) => t));
      const worst = Math.max(...a.map(([, v], i) => relErr(b[i]![1], v)));
      expect(worst).toBeLessThan(1e-9);
    }
  });

  it('slo backfill (Prometheus) records the 5m ratio every minute, also the idle half hour after the history ends', async () => {
    // before the fix promtool kept 27 of these samples: the ratio and its `or vector(0)` were two series to it
    const p = await rawSamples(prom.url, 'slo:sli_error:ratio_rate5m', TO);
    expect(p.length).toBeGreaterThanOrEqual((TO - START) / 60 - 2);
    expect(p.filter(([t]) => t > END + 600).every(([, v]) => v === 0)).toBe(true);
    expect(Math.max(...p.map(([, v]) => v))).toBeGreaterThan(0.2);
  });

  it('the period ratio agrees with Prometheus within 1%, and with the exact ratio of sums', async () => {
    for (const layout of ['per-slo', 'shared']) {
      const vm = (await rawSamples(vms[layout]!.url, 'slo:sli_error:ratio_rate30d', TO)).at(-1)![1];
      const p = (await rawSamples(prom.url, 'slo:sli_error:ratio_rate30d', TO)).at(-1)![1];
      report.push(`${layout}: period ratio ${vm.toFixed(6)} (Prometheus ${p.toFixed(6)}, exact ${traffic.exactErrorRatio.toFixed(6)}): ${(relErr(vm, p) * 100).toFixed(3)}% apart`);
      expect(relErr(vm, p)).toBeLessThan(0.01);
      expect(relErr(vm, traffic.exactErrorRatio)).toBeLessThan(0.01);
      expect(relErr(p, traffic.exactErrorRatio)).toBeLessThan(0.01);
    }
  });

  it.each(['slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate6h'])('%s agrees with Prometheus within 1% at 95% of minutes', async (m) => {
    const vm = await rawSamples(vms['per-slo']!.url, m, TO);
    const p = await rawSamples(prom.url, m, TO);
    // after the first window's length of history: before it, the engines' edges weigh few minutes
    const diffs = pairs(vm, p, START + 6 * 3600).map(([, a, b]) => relErr(a, b));
    expect(diffs.length).toBeGreaterThan(2000);
    const within = diffs.filter((d) => d < 0.01).length / diffs.length;
    report.push(
      `${m}: ${diffs.length} minutes, median ${(quantile(diffs, 0.5) * 100).toFixed(3)}% apart, 90th percentile ${(quantile(diffs, 0.9) * 100).toFixed(3)}%, ${(within * 100).toFixed(1)}% within 1%`,
    );
    expect(within).toBeGreaterThanOrEqual(0.95);
    expect(quantile(diffs, 0.5)).toBeLessThan(0.002);
  });

  it('the 5m ratios: event-weighted over the history within 1%; minute by minute they differ by definition', async () => {
    const sums = async (url: string) => {
      const bad = await rawSamples(url, 'slo:sli_bad:rate5m', TO);
      const total = await rawSamples(url, 'slo:sli_total:rate5m', TO);
      return bad.reduce((s, [, v]) => s + v, 0) / total.reduce((s, [, v]) => s + v, 0);
    };
    const vm = await sums(vms['per-slo']!.url);
    const p = await sums(prom.url);
    const perMinute = pairs(await rawSamples(vms['per-slo']!.url, 'slo:sli_error:ratio_rate5m', TO), await rawSamples(prom.url, 'slo:sli_error:ratio_rate5m', TO), START + 600).map(([, a, b]) =>
      relErr(a, b),
    );
    report.push(
      `5m ratio: event-weighted ${vm.toFixed(6)} vs ${p.toFixed(6)} (${(relErr(vm, p) * 100).toFixed(3)}% apart); minute by minute median ${(quantile(perMinute, 0.5) * 100).toFixed(1)}%, 90th percentile ${(quantile(perMinute, 0.9) * 100).toFixed(1)}% apart`,
    );
    expect(relErr(vm, p)).toBeLessThan(0.01);
    expect(relErr(vm, traffic.exactErrorRatio)).toBeLessThan(0.01);
  });

  it.each(['per-slo', 'shared'])('the %s layout pages on the same incident as Prometheus, within one roll-up of it', async (layout) => {
    const vm = await alertEpisodes(vms[layout]!.url, TO);
    const pages = (xs: { tier: string; start: number }[]) => xs.filter((x) => x.tier.startsWith('page'));
    const promPages = pages(promAlerts);
    report.push(
      `${layout} alerts: ${vm.map((a) => `${a.tier} ${new Date(a.start * 1000).toISOString().slice(11, 16)}`).join(', ')}; Prometheus ${promAlerts.map((a) => `${a.tier} ${new Date(a.start * 1000).toISOString().slice(11, 16)}`).join(', ')}`,
    );
    // the outage pages while it lasts: 30% errors for 150 minutes from 02:30 after the history starts (how soon the
    // 6h tier fires depends on the traffic of the hours before, which follows the time of day the test runs at)
    const incident = traffic.options.incidents[0]!;
    const outage = traffic.start + incident.startMinute * 60;
    expect(promPages.length).toBeGreaterThan(0);
    expect(
      pages(vm)
        .map((a) => a.tier)
        .sort(),
    ).toEqual(promPages.map((a) => a.tier).sort());
    for (const p of promPages) {
      const v = pages(vm).find((a) => a.tier === p.tier)!;
      expect(Math.abs(v.start - p.start)).toBeLessThanOrEqual(600);
      expect(v.start).toBeGreaterThan(outage);
      expect(v.start).toBeLessThan(outage + incident.minutes * 60);
    }
    // and the tickets too: the same tiers
    expect([...new Set(vm.map((a) => a.tier))].sort()).toEqual([...new Set(promAlerts.map((a) => a.tier))].sort());
  });
});
