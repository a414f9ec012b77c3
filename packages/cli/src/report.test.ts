/**
 * `slo report`: pure formatting on readable fixtures, then the whole command against a real Prometheus
 * (PromSandbox: it fails with a setup hint when prometheus/promtool are missing, never skips) holding
 * backfilled series of the bundled slo-specs at known values, and the failures a user meets.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ALERT_NAME, LABEL, promDuration, RECORD, type CompiledObjective, type Tier } from '@slo-engine/rules';
import { freePort, PromSandbox, type PrometheusServer } from '../../../test/support/prometheus';
import { planCompile } from './compile';
import { useColour } from './output';
import { run } from './program';
import { reportQueries, runReport } from './report';
import { buildRows, formatJson, formatText, type FetchedSamples, type Report, type ReportObjective, type Sample, type TierRow } from './report-format';
import type { Io } from './validate';

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.resolve(__dirname, '../dist/main.js');
const ESC = '\u001b[';
const STACK_TRACE = /\n\s+at /;

/** A write stream that keeps what is written; a terminal when `tty`. */
function capture(tty = false): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const stream = { isTTY: tty, write: (chunk: string) => ((out += chunk), true) } as unknown as NodeJS.WriteStream;
  return { stream, text: () => out };
}

function makeIo(env: NodeJS.ProcessEnv = {}, tty = false) {
  const stdout = capture(tty);
  const stderr = capture(tty);
  const io: Io = { stdout: stdout.stream, stderr: stderr.stream, stdin: process.stdin, cwd: REPO, env };
  return { io, stdout: stdout.text, stderr: stderr.text };
}

/** `slo <args>` in-process, from the repository root (so `slo-specs` is the default path). */
async function slo(args: string[], env: NodeJS.ProcessEnv = {}) {
  const { io, stdout, stderr } = makeIo(env);
  const started = Date.now();
  const code = await run(args, io);
  return { code, stdout: stdout(), stderr: stderr(), ms: Date.now() - started };
}

// ---------------------------------------------------------------------------------------------------------------
// formatting

const tier = (id: string, severity: string, factor: number, long: [string, number | null], short: [string, number | null], burning: boolean | null): TierRow => ({
  id,
  severity,
  factor,
  long: { window: long[0], burnRate: long[1] },
  short: { window: short[0], burnRate: short[1] },
  burning,
});

const REPORT: Report = {
  prometheus: 'http://prometheus.example:9090',
  time: '2025-03-01T12:00:00.000Z',
  slos: [
    {
      service: 'checkout',
      slo: 'checkout-availability',
      objective: 0.995,
      period: '30d',
      sli: 1,
      budgetRemaining: 1,
      noTraffic: true,
      firing: [],
      tiers: [tier('page-fast', 'page', 14.4, ['1h', 0], ['5m', 0], false), tier('ticket-slow', 'ticket', 1, ['3d', 0], ['6h', 0], false)],
      status: 'no traffic',
    },
    {
      service: 'day',
      slo: 'day-api-availability',
      objective: 0.999,
      period: '30d',
      sli: 0.9995,
      budgetRemaining: 0.5,
      noTraffic: false,
      firing: ['burn-14x-1h'],
      tiers: [tier('burn-14x-1h', 'page', 14.4, ['1h', 15], ['5m', 20], true), tier('burn-3x-1d', 'ticket', 3, ['1d', 2], ['2h', 4], false)],
      status: 'ok',
    },
    {
      service: 'day',
      slo: 'day-lookup-latency',
      objective: 0.99,
      period: '28d',
      sli: null,
      budgetRemaining: null,
      noTraffic: null,
      firing: [],
      tiers: [tier('page-fast', 'page', 14.4, ['56m', null], ['5m', null], null)],
      status: 'no data',
    },
    {
      service: 'search',
      slo: 'search-latency',
      objective: 0.9995,
      period: '7d',
      sli: 0.99912,
      budgetRemaining: -0.76,
      noTraffic: false,
      firing: [],
      tiers: [tier('page-fast', 'page', 14.4, ['14m', 0.0042], ['5m', 0.35], false)],
      status: 'ok',
    },
    {
      service: 'search',
      slo: 'search-queries',
      objective: 0.99,
      period: '30d',
      sli: 0.99896,
      budgetRemaining: 0.104,
      noTraffic: false,
      firing: [],
      tiers: [tier('page-fast', 'page', 14.4, ['1h', 128.4], ['5m', 1.25], false)],
      status: 'ok',
    },
  ],
};

const TEXT = `SLO report from http://prometheus.example:9090 at 2025-03-01T12:00:00.000Z

SERVICE   SLO                    OBJECTIVE  PERIOD      SLI  BUDGET LEFT  BURN RATE long/short                FIRING       STATUS
checkout  checkout-availability      99.5%  30d     100.00%       100.0%  page-fast 0/0  ticket-slow 0/0      -            no traffic
day       day-api-availability       99.9%  30d      99.95%        50.0%  burn-14x-1h 15/20*  burn-3x-1d 2/4  burn-14x-1h  ok
day       day-lookup-latency           99%  28d           -            -  page-fast -/-                       -            no data
search    search-latency            99.95%  7d      99.912%       -76.0%  page-fast 0.0042/0.35               -            ok
search    search-queries               99%  30d      99.89%        10.4%  page-fast 128/1.3                   -            ok

SLI: over the period. BUDGET LEFT: share of the period's error budget not yet spent (negative: overspent).
BURN RATE: error ratio / error budget over each alert tier's long/short window (1 spends the budget in exactly one period);
  * marks a tier whose long and short windows both meet its factor (its alert fires, after its for:).
FIRING: alert tiers firing now. no traffic: no events in the last 5 minutes. no data: no recorded series for the objective
  (rules not loaded in this Prometheus, or not evaluated yet). "-": series absent.
`;

describe('slo report formatting', () => {
  it('prints an aligned table, one line per objective, and a legend', () => {
    expect(formatText(REPORT, false)).toBe(TEXT);
  });

  it('prints JSON with numbers as numbers and null where a series is absent', () => {
    const parsed = JSON.parse(formatJson(REPORT)) as Report;
    expect(parsed).toEqual(REPORT);
    expect(parsed.slos[2]).toEqual({
      service: 'day',
      slo: 'day-lookup-latency',
      objective: 0.99,
      period: '28d',
      sli: null,
      budgetRemaining: null,
      noTraffic: null,
      firing: [],
      tiers: [{ id: 'page-fast', severity: 'page', factor: 14.4, long: { window: '56m', burnRate: null }, short: { window: '5m', burnRate: null }, burning: null }],
      status: 'no data',
    });
    expect(formatJson(REPORT)).not.toContain(ESC);
  });

  it.each([
    { name: 'a terminal', tty: true, env: {}, colour: true },
    { name: 'a terminal with NO_COLOR empty', tty: true, env: { NO_COLOR: '' }, colour: true },
    { name: 'a terminal with NO_COLOR=1', tty: true, env: { NO_COLOR: '1' }, colour: false },
    { name: 'a pipe', tty: false, env: {}, colour: false },
  ])('colours only on a terminal without NO_COLOR: $name', ({ tty, env, colour }) => {
    const text = formatText(REPORT, useColour(capture(tty).stream, env));
    expect(text.includes(ESC)).toBe(colour);
    // colour changes nothing but the escapes
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(TEXT);
  });

  it.each([
    { what: 'a negative budget', painted: '\u001b[31m-76.0%\u001b[0m' },
    { what: 'an SLI below the objective', painted: '\u001b[31m99.912%\u001b[0m' },
    { what: 'a low budget', painted: '\u001b[33m10.4%\u001b[0m' },
    { what: 'a firing tier', painted: '\u001b[31mburn-14x-1h\u001b[0m' },
    { what: 'a burning tier', painted: '\u001b[31m15/20*\u001b[0m' },
    { what: 'a row without data', painted: '\u001b[2mday-lookup-latency\u001b[0m' },
  ])('paints $what', ({ painted }) => {
    expect(formatText(REPORT, true)).toContain(painted);
  });

  it('says so when there are no SLOs', () => {
    expect(formatText({ ...REPORT, slos: [] }, false)).toContain('\n\n(no SLOs)\n\n');
  });
});

// ---------------------------------------------------------------------------------------------------------------
// rows from samples

const objective = (sloName: string, tiers: Partial<Tier>[], target = '0.999', periodMinutes = 43200): CompiledObjective => ({
  index: 0,
  sloName,
  selector: '',
  labels: {},
  target,
  budget: String(+(1 - Number(target)).toPrecision(6)),
  periodMinutes,
  windows: [],
  tiers: tiers.map((t) => ({ id: 'page-fast', severity: 'page', longMinutes: 60, shortMinutes: 5, factor: '14.4', op: 'gte', forMinutes: 0, targets: [], ...t })),
});

const sample = (name: string, service: string, slo: string, value: number, extra: Record<string, string> = {}): Sample => ({
  name,
  labels: { [LABEL.service]: service, [LABEL.name]: slo, ...extra },
  value,
});
const ratio = (w: string, service: string, slo: string, value: number) => sample(RECORD.errorRatio(w), service, slo, value, { [LABEL.window]: w });
const none: FetchedSamples = { ratios: [], budgetRemaining: [], noTraffic: [], alerts: [] };

describe('slo report rows', () => {
  const objs: ReportObjective[] = [
    { service: 'b', objective: objective('second', [{}]) },
    { service: 'a', objective: objective('first', [{}, { id: 'low', op: 'lt', factor: '0.5', longMinutes: 60, shortMinutes: 5 }]) },
  ];

  it.each([
    {
      name: 'no series at all: no data, nulls, not zeros',
      samples: none,
      first: { sli: null, budgetRemaining: null, noTraffic: null, status: 'no data', burning: [null, null] },
    },
    {
      name: 'replicas disagree: the worst value of each',
      samples: {
        ...none,
        ratios: [ratio('30d', 'a', 'first', 0.0002), ratio('30d', 'a', 'first', 0.0004), ratio('1h', 'a', 'first', 0.02), ratio('5m', 'a', 'first', 0.01), ratio('5m', 'a', 'first', 0.015)],
        budgetRemaining: [sample(RECORD.budgetRemaining, 'a', 'first', 0.8), sample(RECORD.budgetRemaining, 'a', 'first', 0.6)],
        noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 0), sample(RECORD.noTraffic, 'a', 'first', 0)],
      },
      first: { sli: 0.9996, budgetRemaining: 0.6, noTraffic: false, status: 'ok', burning: [true, false] },
    },
    {
      name: 'no traffic: a below-threshold tier does not burn without events',
      samples: {
        ...none,
        ratios: [ratio('30d', 'a', 'first', 0), ratio('1h', 'a', 'first', 0), ratio('5m', 'a', 'first', 0)],
        budgetRemaining: [sample(RECORD.budgetRemaining, 'a', 'first', 1)],
        noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 1)],
      },
      first: { sli: 1, budgetRemaining: 1, noTraffic: true, status: 'no traffic', burning: [false, false] },
    },
    {
      name: 'series of another SLO or service are ignored',
      samples: { ...none, budgetRemaining: [sample(RECORD.budgetRemaining, 'b', 'first', 0.5), sample(RECORD.budgetRemaining, 'a', 'second', 0.5)] },
      first: { sli: null, budgetRemaining: null, noTraffic: null, status: 'no data', burning: [null, null] },
    },
  ])('$name', ({ samples, first }) => {
    const rows = buildRows(objs, samples);
    expect(rows.map((r) => `${r.service}/${r.slo}`)).toEqual(['a/first', 'b/second']);
    const r = rows[0]!;
    expect({ sli: r.sli, budgetRemaining: r.budgetRemaining, noTraffic: r.noTraffic, status: r.status, burning: r.tiers.map((t) => t.burning) }).toEqual(first);
  });

  it('burn rates are error ratio / budget, without float noise; firing tiers come from ALERTS, sorted and once each', () => {
    const rows = buildRows(objs, {
      ...none,
      ratios: [ratio('1h', 'a', 'first', 0.0072), ratio('5m', 'a', 'first', 0.0144)],
      alerts: ['page-fast', 'low', 'page-fast'].map((t) => sample('ALERTS', 'a', 'first', 1, { [LABEL.tier]: t })),
    });
    expect(rows[0]!.tiers.map((t) => [t.long.burnRate, t.short.burnRate])).toEqual([
      [7.2, 14.4],
      [7.2, 14.4],
    ]);
    expect(rows[0]!.firing).toEqual(['low', 'page-fast']);
    expect(rows[1]!.firing).toEqual([]);
  });

  it('asks four queries whatever the number of SLOs, with names escaped in the regexes', () => {
    const q = reportQueries([...objs, { service: 'c.d', objective: objective('x+y', [{}]) }]);
    expect(Object.keys(q)).toEqual(['ratios', 'budgetRemaining', 'noTraffic', 'alerts']);
    expect(q.budgetRemaining).toBe(`${RECORD.budgetRemaining}{${LABEL.name}=~"first|second|x\\\\+y",${LABEL.service}=~"a|b|c\\\\.d"}`);
    expect(q.ratios).toContain(`{__name__=~"${['1h', '30d', '5m'].map((w) => RECORD.errorRatio(w)).join('|')}",`);
  });
});

// ---------------------------------------------------------------------------------------------------------------
// against a real Prometheus

/** Series values of the bundled specs: day-api-availability burns (page tier firing), checkout has no traffic, day-lookup-latency has no series. */
const BURNING = 'day-api-availability';
const IDLE = 'checkout-requests-availability';
const ABSENT = 'day-lookup-latency';
const BURNING_RATIOS: Record<string, number> = { '5m': 0.02, '1h': 0.015, '2h': 0.004, '1d': 0.002, '30d': 0.0005 };

let sandbox: PromSandbox | undefined;
let server: PrometheusServer;
/** Unix seconds: the newest backfilled sample. */
let T: number;

afterAll(async () => {
  await sandbox?.close();
});

const labelText = (labels: Record<string, string>) =>
  `{${Object.entries(labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;

/** The recorded series of the bundled SLOs as OpenMetrics, one sample a minute over the 30 minutes up to `end`. */
async function openMetrics(end: number): Promise<string> {
  const plan = await planCompile(['slo-specs'], { strict: false, disableTier: [] }, { cwd: REPO, stdin: process.stdin });
  expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const families = new Map<string, string[]>();
  const series = (name: string, labels: Record<string, string>, value: number) => {
    const lines = families.get(name) ?? [];
    families.set(name, lines);
    for (let t = end - 30 * 60; t <= end; t += 60) lines.push(`${name}${labelText(labels)} ${value} ${t}`);
  };
  const objectives = plan.compiled.flatMap((c) => c.objectives.map((o) => ({ service: c.slo.service, o })));
  expect(objectives.map((x) => x.o.sloName).sort()).toEqual([IDLE, BURNING, ABSENT].sort());
  for (const { service, o } of objectives) {
    if (o.sloName === ABSENT) continue;
    const burning = o.sloName === BURNING;
    for (const m of o.windows) {
      const w = promDuration(m);
      const value = burning ? BURNING_RATIOS[w] : 0;
      if (value === undefined) throw new Error(`no test value for window ${w}`);
      series(RECORD.errorRatio(w), { ...o.labels, [LABEL.window]: w }, value);
    }
    series(RECORD.budgetRemaining, o.labels, burning ? 0.5 : 1);
    series(RECORD.noTraffic, o.labels, burning ? 0 : 1);
    if (burning) {
      const alert = (tierId: string, state: string) => {
        const t = o.tiers.find((x) => x.id === tierId);
        if (!t) throw new Error(`no tier ${tierId}`);
        series('ALERTS', { alertname: ALERT_NAME, alertstate: state, ...o.labels, [LABEL.severity]: t.severity, [LABEL.tier]: t.id }, 1);
      };
      alert('burn-14x-1h', 'firing');
      alert('burn-3x-1d', 'pending'); // pending is not firing
    }
  }
  // an alert of an SLO the specs do not define: not reported
  series('ALERTS', { alertname: ALERT_NAME, alertstate: 'firing', [LABEL.name]: 'gone', [LABEL.service]: 'day', [LABEL.tier]: 'page-fast' }, 1);
  return `${[...families].map(([name, lines]) => `# TYPE ${name} gauge\n${lines.join('\n')}\n`).join('')}# EOF\n`;
}

const defaultTiers = (burn: number) => [
  tier('page-fast', 'page', 14.4, ['1h', burn], ['5m', burn], false),
  tier('page-slow', 'page', 6, ['6h', burn], ['30m', burn], false),
  tier('ticket-fast', 'ticket', 3, ['1d', burn], ['2h', burn], false),
  tier('ticket-slow', 'ticket', 1, ['3d', burn], ['6h', burn], false),
];

const expectedSlos = (): Report['slos'] => [
  {
    service: 'checkout',
    slo: IDLE,
    objective: 0.995,
    period: '30d',
    sli: 1,
    budgetRemaining: 1,
    noTraffic: true,
    firing: [],
    tiers: defaultTiers(0),
    status: 'no traffic',
  },
  {
    service: 'day',
    slo: BURNING,
    objective: 0.999,
    period: '30d',
    sli: 0.9995,
    budgetRemaining: 0.5,
    noTraffic: false,
    firing: ['burn-14x-1h'],
    tiers: [tier('burn-14x-1h', 'page', 14.4, ['1h', 15], ['5m', 20], true), tier('burn-3x-1d', 'ticket', 3, ['1d', 2], ['2h', 4], false)],
    status: 'ok',
  },
  {
    service: 'day',
    slo: ABSENT,
    objective: 0.99,
    period: '28d',
    sli: null,
    budgetRemaining: null,
    noTraffic: null,
    firing: [],
    tiers: [
      tier('page-fast', 'page', 14.4, ['56m', null], ['5m', null], null),
      tier('page-slow', 'page', 6, ['5h36m', null], ['28m', null], null),
      tier('ticket-fast', 'ticket', 3, ['22h24m', null], ['1h52m', null], null),
      tier('ticket-slow', 'ticket', 1, ['2d19h12m', null], ['5h36m', null], null),
    ],
    status: 'no data',
  },
];

describe('slo report against a real Prometheus', () => {
  beforeAll(async () => {
    sandbox = new PromSandbox('slo-report-'); // fails with the setup hint when prometheus/promtool are missing
    T = Math.floor(Date.now() / 1000);
    const om = sandbox.path('slos.om');
    writeFileSync(om, await openMetrics(T));
    const dataDir = sandbox.path('data');
    expect((await sandbox.backfillOpenMetrics(om, dataDir)).length).toBeGreaterThan(0);
    server = await sandbox.start({ dataDir });
  }, 120_000);

  it('--format json: the exact values per objective, the firing tier, no traffic and no data, at --time', async () => {
    const r = await slo(['report', '--prometheus', server.url, '--format', 'json', '--time', String(T)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ prometheus: server.url, time: new Date(T * 1000).toISOString(), slos: expectedSlos() });
  });

  it('text, now, with the URL from PROMETHEUS_URL', async () => {
    const r = await slo(['report'], { PROMETHEUS_URL: `${server.url}/` });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^SLO report from ${server.url} at \\d{4}-\\d\\d-\\d\\dT`));
    const row = (slo: string) => lines.find((l) => l.includes(` ${slo} `)) ?? '';
    expect(row(IDLE)).toMatch(/^checkout +checkout-requests-availability +99\.5% +30d +100\.00% +100\.0% +page-fast 0\/0 +page-slow 0\/0 +ticket-fast 0\/0 +ticket-slow 0\/0 +- +no traffic$/);
    expect(row(BURNING)).toMatch(/^day +day-api-availability +99\.9% +30d +99\.95% +50\.0% +burn-14x-1h 15\/20\* +burn-3x-1d 2\/4 +burn-14x-1h +ok$/);
    expect(row(ABSENT)).toMatch(/^day +day-lookup-latency +99% +28d +- +- +page-fast -\/- .* +- +no data$/);
    expect(r.stdout).not.toContain(ESC);
  });

  it('the built CLI (prometheus-query loaded from CommonJS) prints the same JSON', () => {
    const r = spawnSync(process.execPath, [MAIN, 'report', '--prometheus', server.url, '--format', 'json', '--time', String(T)], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as Report).slos).toEqual(expectedSlos());
  });

  it('a time before any series: every objective has no data, and a note says why', async () => {
    const r = await slo(['report', '--prometheus', server.url, '--time', String(T - 3600)]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.endsWith('  no data'))).toHaveLength(3);
    expect(r.stderr).toBe(`note: no SLO series in ${server.url}: load the rules of slo compile (rules-out/) into it, and wait for their first evaluation\n`);
  });

  it('a URL that is not the Prometheus API (a wrong path) is one line, exit 1', async () => {
    const r = await slo(['report', '--prometheus', `${server.url}/nope`]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: ${server.url}/nope did not answer as Prometheus (HTTP 404, not a Prometheus API response); pass the Prometheus base URL with --prometheus URL\n`,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// failures

/** A local HTTP server that is not Prometheus; `handler` undefined: it accepts and never answers. */
async function httpServer(handler?: (res: import('node:http').ServerResponse) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const s: Server = createServer((_req, res) => handler?.(res));
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  return {
    url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`,
    close: async () => {
      s.closeAllConnections();
      s.close();
      await once(s, 'close');
    },
  };
}

describe('slo report failures', () => {
  it('nothing listening: one line, exit 1, no stack trace, quickly (built CLI)', async () => {
    const port = await freePort();
    const started = Date.now();
    const r = spawnSync(process.execPath, [MAIN, 'report', '--prometheus', `http://127.0.0.1:${port}`], { cwd: REPO, encoding: 'utf8', timeout: 30_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect({ code: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 1,
      stdout: '',
      stderr: `error: cannot reach Prometheus at http://127.0.0.1:${port} (connection refused); start it or pass --prometheus URL\n`,
    });
    expect(r.stderr).not.toMatch(STACK_TRACE);
  });

  it.each([
    {
      name: 'an HTML page',
      handler: (res: import('node:http').ServerResponse) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'),
      reason: 'did not answer as Prometheus (HTTP 200, not a Prometheus API response)',
    },
    {
      name: 'HTTP 503 in JSON that is not Prometheus',
      handler: (res: import('node:http').ServerResponse) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"message":"down"}'),
      reason: 'did not answer as Prometheus (HTTP 503, not a Prometheus API response)',
    },
    {
      name: 'a Prometheus-shaped error',
      handler: (res: import('node:http').ServerResponse) =>
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"unavailable","error":"TSDB not ready"}'),
      reason: 'failed a query (HTTP 503, unavailable: TSDB not ready)',
    },
    { name: 'no answer', handler: undefined, reason: 'no answer within 0.3 s' },
  ])('$name: one line, exit 1', async ({ handler, reason }) => {
    const h = await httpServer(handler);
    try {
      const { io, stdout, stderr } = makeIo();
      const started = Date.now();
      const code = await runReport(['slo-specs'], { prometheus: h.url, format: 'text', timeoutMs: 300 }, io);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(code).toBe(1);
      expect(stdout()).toBe('');
      const line = stderr();
      expect(line.split('\n')).toHaveLength(2);
      expect(line).toContain(reason);
      expect(line).toMatch(new RegExp(`^error: (Prometheus at |cannot reach Prometheus at )?${h.url}`));
    } finally {
      await h.close();
    }
  });

  it.each([
    { args: ['--prometheus', 'localhost:9090'], env: {}, stderr: 'error: --prometheus must be an http or https URL without query, e.g. http://127.0.0.1:9090 (got "localhost:9090")\n' },
    { args: [], env: { PROMETHEUS_URL: 'not a url' }, stderr: 'error: PROMETHEUS_URL must be an http or https URL without query, e.g. http://127.0.0.1:9090 (got "not a url")\n' },
    { args: ['--prometheus', 'http://x/?a=1'], env: {}, stderr: 'error: --prometheus must be an http or https URL without query, e.g. http://127.0.0.1:9090 (got "http://x/?a=1")\n' },
    { args: ['--time', 'yesterday'], env: {}, stderr: 'error: --time must be an RFC 3339 time or unix seconds (got "yesterday")\n' },
    { args: ['--format', 'yaml'], env: {}, stderr: expect.stringContaining("argument 'yaml' is invalid. Allowed choices are text, json.") as unknown as string },
  ])('usage error, exit 2: $args $env', async ({ args, env, stderr }) => {
    const r = await slo(['report', ...args], env);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({ code: 2, stdout: '', stderr });
  });

  it('invalid input: the diagnostics as slo compile prints them, exit 1, Prometheus not asked', async () => {
    const port = await freePort();
    const r = await slo(['report', 'no-such-dir', '--prometheus', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('no-such-dir:1:1 error no such file or directory [input]\n    hint: check the path; directories are read recursively\n1 error; no report\n');
  });

  it('--help explains the columns and exit codes', async () => {
    const r = await slo(['report', '--help']);
    expect(r.code).toBe(0);
    for (const s of ['BUDGET LEFT', 'BURN RATE', 'FIRING', 'no data', 'Exit codes: 0 report printed, 1 invalid input or Prometheus unreachable', '--prometheus <url>'])
      expect(r.stdout).toContain(s);
    expect(r.stdout).not.toContain('--time');
  });
});
