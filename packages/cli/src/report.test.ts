// @integration: runs the built slo command against Prometheus, and Chromium
/**
 * `slo report`: pure formatting on readable fixtures, then the whole command against a real Prometheus
 * (PromSandbox: it fails with a setup hint when prometheus/promtool are missing, never skips) holding
 * backfilled series of the bundled slo-specs at known values, and the failures a user meets.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ALERT_NAME, BLOCK, LABEL, NO_DATA_TIER, promDuration, RECORD, type CompiledObjective, type Tier } from '@slo-engine/rules';
import { CHECK_FAILED, CHECK_OK } from '@slo-engine/html-report';
import { chromium, CHROMIUM_SKIPPED, CONSOLE_ERROR, consoleMessages, findChromium, instrument } from '../../html-report/src/testing/chromium';
import { freePort, PromSandbox, type PrometheusServer } from '../../../test/support/prometheus';
import { ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { planCompile } from './compile';
import { useColour } from './output';
import { run } from './program';
import { liveQueries, rangeQueries, rangeStepSeconds, reportQueries, runReport } from './report';
import { budgetText, buildRows, formatJson, formatText, sliText, statusText, type FetchedSamples, type Report, type ReportObjective, type Sample, type SloRow, type TierRow } from './report-format';
import type { Io } from './validate';

const REPO = path.resolve(__dirname, '../../..');
const MAIN = path.resolve(__dirname, '../dist/main.js');
const ESC = '\u001b[';
const STACK_TRACE = /\n\s+at /;

/** A write stream that keeps what is written; a terminal when `tty`. */
function capture(tty = false): { stream: NodeJS.WriteStream; text: () => string } {
  let out = '';
  const write = (chunk: string): boolean => {
    out += chunk;
    return true;
  };
  const stream = { isTTY: tty, write } as unknown as NodeJS.WriteStream;
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

/** A row with full coverage, live period values and no alerts, unless said otherwise. */
const row = (r: Partial<SloRow> & Pick<SloRow, 'service' | 'slo' | 'objective' | 'period' | 'tiers' | 'status'>): SloRow => ({
  sli: null,
  budgetRemaining: null,
  coverage: 1,
  measuredMinutes: null,
  periodLive: true,
  noTraffic: false,
  firing: [],
  pending: [],
  statusTier: null,
  ...r,
});

const REPORT: Report = {
  prometheus: 'http://prometheus.example:9090',
  time: '2025-03-01T12:00:00.000Z',
  slos: [
    row({
      service: 'checkout',
      slo: 'checkout-availability',
      objective: 0.995,
      period: '30d',
      sli: 1,
      budgetRemaining: 1,
      measuredMinutes: 43200,
      noTraffic: true,
      tiers: [tier('page-fast', 'page', 14.4, ['1h', 0], ['5m', 0], false), tier('ticket-slow', 'ticket', 1, ['3d', 0], ['6h', 0], false)],
      status: 'no traffic',
    }),
    row({
      service: 'day',
      slo: 'day-api-availability',
      objective: 0.999,
      period: '30d',
      sli: 0.9995,
      budgetRemaining: 0.5,
      measuredMinutes: 43200,
      firing: ['burn-14x-1h'],
      pending: ['burn-3x-1d'],
      tiers: [tier('burn-14x-1h', 'page', 14.4, ['1h', 15], ['5m', 20], true), tier('burn-3x-1d', 'ticket', 3, ['1d', 2], ['2h', 4], false)],
      status: 'firing',
      statusTier: 'burn-14x-1h',
    }),
    row({
      service: 'day',
      slo: 'day-lookup-latency',
      objective: 0.99,
      period: '28d',
      coverage: null,
      periodLive: false,
      noTraffic: null,
      tiers: [tier('page-fast', 'page', 14.4, ['56m', null], ['5m', null], null)],
      status: 'no data',
    }),
    row({
      service: 'search',
      slo: 'search-fresh',
      objective: 0.999,
      period: '30d',
      coverage: null,
      periodLive: false,
      tiers: [tier('page-fast', 'page', 14.4, ['1h', 0], ['5m', 0], false)],
      status: 'ok',
    }),
    row({
      service: 'search',
      slo: 'search-latency',
      objective: 0.9995,
      period: '7d',
      sli: 0.99912,
      budgetRemaining: -0.76,
      coverage: 0.309523809524,
      measuredMinutes: 3120,
      tiers: [tier('page-fast', 'page', 14.4, ['14m', 15.2], ['5m', 35], true)],
      status: 'burning',
      statusTier: 'page-fast',
    }),
    row({
      service: 'search',
      slo: 'search-queries',
      objective: 0.99,
      period: '30d',
      sli: 0.99896,
      budgetRemaining: 0.104,
      measuredMinutes: 43200,
      periodLive: false,
      pending: ['page-fast'],
      tiers: [tier('page-fast', 'page', 14.4, ['1h', 128.4], ['5m', 1.25], false)],
      status: 'pending',
      statusTier: 'page-fast',
    }),
  ],
};

const TEXT = `SLO report from http://prometheus.example:9090 at 2025-03-01T12:00:00.000Z

SERVICE   SLO                    OBJECTIVE  PERIOD           SLI                               BUDGET LEFT            BURN RATE long/short                FIRING       STATUS
checkout  checkout-availability      99.5%  30d          100.00%                                    100.0%            page-fast 0/0  ticket-slow 0/0      -            no traffic
day       day-api-availability       99.9%  30d           99.95%                                     50.0%            burn-14x-1h 15/20*  burn-3x-1d 2/4  burn-14x-1h  firing burn-14x-1h
day       day-lookup-latency           99%  28d                -                                         -            page-fast -/-                       -            no data
search    search-fresh               99.9%  30d     not measured                              not measured            page-fast 0/0                       -            ok
search    search-latency            99.95%  7d           99.912% (measured over 2d 4h of 7d)        -76.0% (partial)  page-fast 15.2/35*                  -            burning page-fast
search    search-queries               99%  30d           99.89% (stale)                             10.4% (stale)    page-fast 128/1.3                   -            pending page-fast

search/search-fresh: period not yet measured (slo:period_coverage:ratio absent: no roll-up recorded yet, the first comes 10m after the rules are loaded, or rules compiled before it existed)
search/search-queries: stale: no roll-up in the last 30m; SLI and BUDGET LEFT are the recorded period values, without the building blocks since

SLI: 1 - error ratio over the period, live (the period's roll-ups plus the building blocks recorded since the newest one).
BUDGET LEFT: share of the period's error budget not yet spent (negative: overspent). "(measured over 2d 4h of 30d)", "(partial)":
  the rules have recorded less than the period (started recently, history not backfilled); "not measured": nothing yet.
BURN RATE: error ratio / error budget over each alert tier's long/short window (1 spends the budget in exactly one period);
  * marks a tier whose long and short windows both meet its factor (its alert fires, after its for:).
FIRING: alert tiers firing now. STATUS: the worst of firing, pending (an alert waiting for its for:) and burning (a tier's
  windows both meet its factor, no alert yet), with its tier; else ok, no traffic (no events in the last 5 minutes) or
  no data (no recorded series for the objective: rules not loaded in this Prometheus, or not evaluated yet). "-": series absent.
`;

describe('slo report formatting', () => {
  it('prints an aligned table, one line per objective, and a legend', () => {
    expect(formatText(REPORT, false)).toBe(TEXT);
  });

  it('prints JSON with numbers as numbers and null where a series is absent or the period not measured', () => {
    const parsed = JSON.parse(formatJson(REPORT)) as Report;
    expect(parsed).toEqual(REPORT);
    expect(parsed.slos[2]).toEqual({
      service: 'day',
      slo: 'day-lookup-latency',
      objective: 0.99,
      period: '28d',
      sli: null,
      budgetRemaining: null,
      coverage: null,
      measuredMinutes: null,
      periodLive: false,
      noTraffic: null,
      firing: [],
      pending: [],
      tiers: [{ id: 'page-fast', severity: 'page', factor: 14.4, long: { window: '56m', burnRate: null }, short: { window: '5m', burnRate: null }, burning: null }],
      status: 'no data',
      statusTier: null,
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
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the ANSI colour escapes, which start with ESC (\u001b)
    expect(text.replace(/\u001b\[[0-9;]*m/g, '')).toBe(TEXT);
  });

  it.each([
    { what: 'a negative budget', painted: '\u001b[31m-76.0%\u001b[0m' },
    { what: 'an SLI below the objective', painted: '\u001b[31m99.912%\u001b[0m' },
    { what: 'a low budget', painted: '\u001b[33m10.4%\u001b[0m' },
    { what: 'a firing tier', painted: '\u001b[31mburn-14x-1h\u001b[0m' },
    { what: 'a burning tier', painted: '\u001b[31m15/20*\u001b[0m' },
    { what: 'a row without data', painted: '\u001b[2mday-lookup-latency\u001b[0m' },
    { what: 'a firing status', painted: '\u001b[31mfiring burn-14x-1h\u001b[0m' },
    { what: 'a pending status', painted: '\u001b[33mpending page-fast\u001b[0m' },
    { what: 'a burning status', painted: '\u001b[33mburning page-fast\u001b[0m' },
    { what: 'a period not measured', painted: '\u001b[33mnot measured\u001b[0m' },
    { what: "a partial period's note", painted: '\u001b[2m(measured over 2d 4h of 7d)\u001b[0m' },
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
  matchers: [],
  labels: {},
  target,
  budget: String(+(1 - Number(target)).toPrecision(6)),
  periodMinutes,
  windows: [],
  tiers: tiers.map((t) => ({ id: 'page-fast', severity: 'page', longMinutes: 60, shortMinutes: 5, factor: '14.4', op: 'gte', forMinutes: 0, targets: [], ...t })),
  groupBy: [],
  scope: {},
});

const sample = (name: string, service: string, slo: string, value: number, extra: Record<string, string> = {}): Sample => ({
  name,
  labels: { [LABEL.service]: service, [LABEL.name]: slo, ...extra },
  value,
});
const ratio = (w: string, service: string, slo: string, value: number) => sample(RECORD.errorRatio(w), service, slo, value, { [LABEL.window]: w });
const coverage = (service: string, slo: string, value: number, extra: Record<string, string> = {}) => sample(RECORD.periodCoverage, service, slo, value, extra);
const alert = (service: string, slo: string, tierId: string, state: string, severity?: string) =>
  sample('ALERTS', service, slo, 1, { alertname: ALERT_NAME, alertstate: state, [LABEL.tier]: tierId, ...(severity ? { [LABEL.severity]: severity } : {}) });
/** A second-round sum (no metric name, as sum_over_time returns it). */
const sum = (service: string, slo: string, value: number, extra: Record<string, string> = {}) => sample('', service, slo, value, extra);
const none: FetchedSamples = { ratios: [], budgetRemaining: [], noTraffic: [], alerts: [], coverage: [], lastRollup: [], liveBad: [], liveTotal: [] };

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
        coverage: [coverage('a', 'first', 1)],
      },
      first: { sli: 0.9996, budgetRemaining: 0.6, noTraffic: false, status: 'burning', burning: [true, false] },
    },
    {
      name: 'no traffic: a below-threshold tier does not burn without events',
      samples: {
        ...none,
        ratios: [ratio('30d', 'a', 'first', 0), ratio('1h', 'a', 'first', 0), ratio('5m', 'a', 'first', 0)],
        budgetRemaining: [sample(RECORD.budgetRemaining, 'a', 'first', 1)],
        noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 1)],
        coverage: [coverage('a', 'first', 1)],
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

  it('burn rates are error ratio / budget, without float noise; firing and pending tiers come from ALERTS, sorted and once each', () => {
    const rows = buildRows(objs, {
      ...none,
      ratios: [ratio('1h', 'a', 'first', 0.0072), ratio('5m', 'a', 'first', 0.0144)],
      alerts: [alert('a', 'first', 'page-fast', 'firing'), alert('a', 'first', 'low', 'firing'), alert('a', 'first', 'page-fast', 'firing'), alert('a', 'first', 'low', 'pending')],
    });
    expect(rows[0]!.tiers.map((t) => [t.long.burnRate, t.short.burnRate])).toEqual([
      [7.2, 14.4],
      [7.2, 14.4],
    ]);
    expect([rows[0]!.firing, rows[0]!.pending]).toEqual([['low', 'page-fast'], ['low']]);
    expect([rows[1]!.firing, rows[1]!.pending]).toEqual([[], []]);
  });

  it('JSON keys come in one order', () => {
    expect(Object.keys(buildRows(objs, none)[0]!)).toEqual([
      'service',
      'slo',
      'objective',
      'period',
      'sli',
      'budgetRemaining',
      'coverage',
      'measuredMinutes',
      'periodLive',
      'noTraffic',
      'firing',
      'pending',
      'tiers',
      'status',
      'statusTier',
    ]);
  });
});

describe('slo report: coverage and the live period', () => {
  const objs: ReportObjective[] = [{ service: 'a', objective: objective('first', [{}]) }];
  const recorded = (r: number) => [ratio('30d', 'a', 'first', r), ratio('1h', 'a', 'first', 0), ratio('5m', 'a', 'first', 0)];
  const base = { ...none, ratios: recorded(0.0005), budgetRemaining: [sample(RECORD.budgetRemaining, 'a', 'first', 0.5)], noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 0)] };

  it.each([
    {
      name: 'full coverage, recorded values (no roll-up found): as recorded, not live',
      samples: { ...base, coverage: [coverage('a', 'first', 1)] },
      row: { sli: 0.9995, budgetRemaining: 0.5, coverage: 1, measuredMinutes: 43200, periodLive: false },
      text: { sli: '99.95% (stale)', budget: '50.0% (stale)' },
    },
    {
      name: 'partial coverage: measured over 2d 4h of 30d',
      samples: { ...base, coverage: [coverage('a', 'first', 312 / 4320)], liveBad: [sum('a', 'first', 1)], liveTotal: [sum('a', 'first', 2000)] },
      row: { sli: 0.9995, budgetRemaining: 0.5, coverage: 0.0722222222222, measuredMinutes: 3120, periodLive: true },
      text: { sli: '99.95% (measured over 2d 4h of 30d)', budget: '50.0% (partial)' },
    },
    {
      name: 'coverage absent with series present: not measured, never 100%',
      samples: { ...base, ratios: recorded(0), budgetRemaining: [sample(RECORD.budgetRemaining, 'a', 'first', 1)], liveBad: [sum('a', 'first', 0)], liveTotal: [sum('a', 'first', 0)] },
      row: { sli: null, budgetRemaining: null, coverage: null, measuredMinutes: null, periodLive: true },
      text: { sli: 'not measured', budget: 'not measured' },
    },
    {
      name: 'coverage 0: not measured',
      samples: { ...base, coverage: [coverage('a', 'first', 0)] },
      row: { sli: null, budgetRemaining: null, coverage: 0, measuredMinutes: 0, periodLive: false },
      text: { sli: 'not measured', budget: 'not measured' },
    },
    {
      name: 'groups or replicas: the least covered; above 1 is 1',
      samples: {
        ...base,
        coverage: [coverage('a', 'first', 1.0000001, { route: 'x' }), coverage('a', 'first', 0.5, { route: 'y' })],
        liveBad: [sum('a', 'first', 0)],
        liveTotal: [sum('a', 'first', 10)],
      },
      row: { sli: 1, budgetRemaining: 1, coverage: 0.5, measuredMinutes: 21600, periodLive: true },
      text: { sli: '100.00% (measured over 15d of 30d)', budget: '100.0% (partial)' },
    },
    {
      name: 'the live sums win over the recorded ratio, which trails them',
      samples: { ...base, coverage: [coverage('a', 'first', 1)], liveBad: [sum('a', 'first', 35)], liveTotal: [sum('a', 'first', 1870)] },
      row: { sli: 0.98128342246, budgetRemaining: -17.7165775401, coverage: 1, measuredMinutes: 43200, periodLive: true },
      text: { sli: '98.12%', budget: '-1771.7%' },
    },
    {
      name: 'live, per series: the worst; a series without its bad sum is left out; no events is 0',
      samples: {
        ...base,
        coverage: [coverage('a', 'first', 1)],
        liveBad: [sum('a', 'first', 1, { route: 'x' }), sum('a', 'first', 4, { route: 'y' }), sum('a', 'first', 0, { route: 'z' })],
        liveTotal: [sum('a', 'first', 1000, { route: 'x' }), sum('a', 'first', 2000, { route: 'y' }), sum('a', 'first', 0, { route: 'z' }), sum('a', 'first', 10, { route: 'w' })],
      },
      row: { sli: 0.998, budgetRemaining: -1, coverage: 1, measuredMinutes: 43200, periodLive: true },
      text: { sli: '99.80%', budget: '-100.0%' },
    },
  ])('$name', ({ samples, row: expected, text }) => {
    const r = buildRows(objs, samples)[0]!;
    expect({ sli: r.sli, budgetRemaining: r.budgetRemaining, coverage: r.coverage, measuredMinutes: r.measuredMinutes, periodLive: r.periodLive }).toEqual(expected);
    expect({ sli: sliText(r), budget: budgetText(r) }).toEqual(text);
  });
});

describe("slo report status: the worst tier's state", () => {
  const tiers: Partial<Tier>[] = [
    { id: 'page-fast', severity: 'page', longMinutes: 60, shortMinutes: 5, factor: '14.4' },
    { id: 'page-slow', severity: 'page', longMinutes: 360, shortMinutes: 30, factor: '6' },
    { id: 'ticket-fast', severity: 'ticket', longMinutes: 1440, shortMinutes: 120, factor: '3' },
  ];
  const objs: ReportObjective[] = [{ service: 'a', objective: { ...objective('first', tiers), noDataMinutes: 10 } }];
  /** Error ratios of every window, 0 unless given (in burn rates: ratio / 0.001). */
  const burns = (b: Record<string, number> = {}) => ['5m', '30m', '1h', '2h', '6h', '1d', '30d'].map((w) => ratio(w, 'a', 'first', (b[w] ?? 0) * 0.001));
  const data = { ...none, ratios: burns(), noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 0)], coverage: [coverage('a', 'first', 1)] };

  it.each([
    { name: 'nothing at all', samples: none, status: 'no data', tier: null },
    { name: 'no events', samples: { ...data, noTraffic: [sample(RECORD.noTraffic, 'a', 'first', 1)] }, status: 'no traffic', tier: null },
    { name: 'all well', samples: data, status: 'ok', tier: null },
    { name: 'one window of a tier above its factor is not burning', samples: { ...data, ratios: burns({ '5m': 200 }) }, status: 'ok', tier: null },
    { name: 'both windows of a tier above its factor, no alert yet', samples: { ...data, ratios: burns({ '1d': 4, '2h': 4 }) }, status: 'burning', tier: 'ticket-fast' },
    { name: 'two tiers burning: the page', samples: { ...data, ratios: burns({ '1d': 7, '2h': 7, '6h': 7, '30m': 7 }) }, status: 'burning', tier: 'page-slow' },
    {
      name: 'pending beats burning',
      samples: { ...data, ratios: burns({ '1h': 20, '5m': 20 }), alerts: [alert('a', 'first', 'ticket-fast', 'pending', 'ticket')] },
      status: 'pending',
      tier: 'ticket-fast',
    },
    {
      name: 'firing beats pending',
      samples: { ...data, alerts: [alert('a', 'first', 'page-fast', 'pending', 'page'), alert('a', 'first', 'ticket-fast', 'firing', 'ticket')] },
      status: 'firing',
      tier: 'ticket-fast',
    },
    {
      name: 'two firing: page before ticket, then the tier order',
      samples: { ...data, alerts: [alert('a', 'first', 'ticket-fast', 'firing', 'ticket'), alert('a', 'first', 'page-slow', 'firing', 'page'), alert('a', 'first', 'page-fast', 'firing', 'page')] },
      status: 'firing',
      tier: 'page-fast',
    },
    { name: 'the no-data alert firing, no series', samples: { ...none, alerts: [alert('a', 'first', NO_DATA_TIER, 'firing', 'page')] }, status: 'firing', tier: NO_DATA_TIER },
    { name: 'an alert in another state is no status', samples: { ...data, alerts: [alert('a', 'first', 'page-fast', 'inactive', 'page')] }, status: 'ok', tier: null },
  ])('$name: $status $tier', ({ samples, status, tier: t }) => {
    const r = buildRows(objs, samples)[0]!;
    expect({ status: r.status, tier: r.statusTier, text: statusText(r) }).toEqual({ status, tier: t, text: t ? `${status} ${t}` : status });
  });
});

describe('slo report queries', () => {
  const objs: ReportObjective[] = [
    { service: 'b', objective: objective('second', [{}]) },
    { service: 'a', objective: objective('first', [{}, { id: 'low', op: 'lt', factor: '0.5', longMinutes: 60, shortMinutes: 5 }]) },
  ];

  it('asks six instant queries whatever the number of SLOs, with names escaped in the regexes', () => {
    const q = reportQueries([...objs, { service: 'c.d', objective: objective('x+y', [{}]) }]);
    const sel = `${LABEL.name}=~"first|second|x\\\\+y",${LABEL.service}=~"a|b|c\\\\.d"`;
    expect(q).toEqual({
      ratios: `{__name__=~"${['1h', '30d', '5m'].map((w) => RECORD.errorRatio(w)).join('|')}",${sel}}`,
      budgetRemaining: `${RECORD.budgetRemaining}{${sel}}`,
      noTraffic: `${RECORD.noTraffic}{${sel}}`,
      alerts: `ALERTS{alertstate=~"firing|pending",${sel}}`,
      coverage: `${RECORD.periodCoverage}{${sel}}`,
      lastRollup: `timestamp(${BLOCK.totalRollup}{${sel}}) or max_over_time(timestamp(${BLOCK.totalRollup}{${sel}})[30m:1m])`,
    });
  });

  const T_MS = 1_740_830_400_000; // 2025-03-01T12:00:00Z
  const anchor = (service: string, slo: string, seconds: number, extra: Record<string, string> = {}) => sum(service, slo, seconds, extra);
  const short: ReportObjective = { service: 'c', objective: objective('short', [{}], '0.99', 720) };

  it.each([
    { name: 'nothing to ask: no roll-up found, no short period', objectives: objs, anchors: [], live: undefined },
    {
      name: 'a day-plus period: the roll-ups up to the newest (pinned with @), plus the blocks since over exactly that many milliseconds',
      objectives: objs,
      anchors: [anchor('a', 'first', T_MS / 1000 - 449.75, { team: 'x "y"' })],
      live: {
        bad: `sum_over_time(${BLOCK.badRollup}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""}[30d] @ 1740829950.250) + (sum_over_time(${BLOCK.bad}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""}[449750ms]) or 0 * ${BLOCK.badRollup}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""} @ 1740829950.250)`,
        total: `sum_over_time(${BLOCK.totalRollup}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""}[30d] @ 1740829950.250) + (sum_over_time(${BLOCK.total}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""}[449750ms]) or 0 * ${BLOCK.totalRollup}{${LABEL.name}="first",${LABEL.service}="a",team="x \\"y\\""} @ 1740829950.250)`,
      },
    },
    {
      name: 'a roll-up at the report time: the roll-ups alone; a roll-up of an SLO not asked about: nothing',
      objectives: objs,
      anchors: [anchor('b', 'second', T_MS / 1000), anchor('z', 'other', T_MS / 1000 - 60)],
      live: {
        bad: `sum_over_time(${BLOCK.badRollup}{${LABEL.name}="second",${LABEL.service}="b"}[30d] @ 1740830400.000)`,
        total: `sum_over_time(${BLOCK.totalRollup}{${LABEL.name}="second",${LABEL.service}="b"}[30d] @ 1740830400.000)`,
      },
    },
    {
      name: 'a period under a day is summed from the building blocks, whatever its roll-ups',
      objectives: [short],
      anchors: [anchor('c', 'short', T_MS / 1000 - 60)],
      live: { bad: `sum_over_time(${BLOCK.bad}{${LABEL.name}="short",${LABEL.service}="c"}[12h])`, total: `sum_over_time(${BLOCK.total}{${LABEL.name}="short",${LABEL.service}="c"}[12h])` },
    },
  ])('the live period: $name', ({ objectives, anchors, live }) => {
    expect(liveQueries(objectives, anchors, T_MS)).toEqual(live);
  });

  it('one term per roll-up series, joined with or', () => {
    const live = liveQueries(objs, [anchor('a', 'first', T_MS / 1000 - 60, { route: 'y' }), anchor('a', 'first', T_MS / 1000 - 60, { route: 'x' })], T_MS)!;
    expect(live.total.split('\nor\n')).toHaveLength(2);
    expect(live.total.indexOf('route="x"')).toBeLessThan(live.total.indexOf('route="y"'));
  });

  it.each([
    { periods: [43200], step: 8640 },
    { periods: [43200, 40320, 10080], step: 8640 },
    { periods: [720], step: 144 },
    { periods: [60], step: 60 },
  ])('range step for periods $periods: $step s', ({ periods, step }) => {
    expect(rangeStepSeconds(periods.map((m, i) => ({ service: 's', objective: objective(`o${i}`, [], '0.99', m) })))).toBe(step);
  });

  it("range queries: each objective's own period ratio, budget, coverage, alerts active at any time of each step", () => {
    const q = rangeQueries([...objs, short], 8640);
    const sel = `${LABEL.name}=~"first|second|short",${LABEL.service}=~"a|b|c"`;
    expect(q).toEqual({
      periodRatios: `{__name__=~"${RECORD.errorRatio('12h')}|${RECORD.errorRatio('30d')}",${sel}}`,
      budgetRemaining: `${RECORD.budgetRemaining}{${sel}}`,
      coverage: `${RECORD.periodCoverage}{${sel}}`,
      alerts: `max_over_time(ALERTS{alertstate=~"firing|pending",${sel}}[8640s])`,
    });
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

/** Samples to backfill, as OpenMetrics text: one gauge family per name, each series' samples in time order. */
class OpenMetrics {
  private readonly families = new Map<string, Map<string, Map<number, number>>>();

  /** Sets the sample of the series at `t` (unix seconds, milliseconds allowed). */
  set(name: string, labels: Record<string, string>, t: number, value: number): void {
    const family = this.families.get(name) ?? new Map<string, Map<number, number>>();
    this.families.set(name, family);
    const id = labelText(labels);
    const samples = family.get(id) ?? new Map<number, number>();
    family.set(id, samples);
    samples.set(Math.round(t * 1000), value);
  }

  text(): string {
    let out = '';
    for (const [name, family] of this.families) {
      out += `# TYPE ${name} gauge\n`;
      for (const [id, samples] of family) for (const [ms, v] of [...samples].sort((x, y) => x[0] - y[0])) out += `${name}${id} ${v} ${(ms / 1000).toFixed(3)}\n`;
    }
    return `${out}# EOF\n`;
  }
}

/**
 * Building blocks every minute at `blockAt` + whole minutes over [from, to], and roll-ups every 10 minutes at
 * `rollupAt` - 10-minute steps down to `from`, each the sum of the blocks in its window [r - 10m, r] as the
 * roll-up rule computes it. Returns what the report should count as of `to`: every roll-up within the period
 * before the newest, and the blocks after it.
 */
function blocksAndRollups(
  om: OpenMetrics,
  labels: Record<string, string>,
  w: { from: number; to: number; blockAt: number; rollupAt?: number; bad: (t: number) => number; total: (t: number) => number },
): { bad: number; total: number; newestRollup?: number } {
  const blocks: { t: number; bad: number; total: number }[] = [];
  for (let t = w.blockAt - Math.ceil((w.blockAt - w.from) / 60) * 60; t <= w.to; t += 60) {
    if (t < w.from) continue;
    blocks.push({ t, bad: w.bad(t), total: w.total(t) });
    om.set(BLOCK.bad, labels, t, w.bad(t));
    om.set(BLOCK.total, labels, t, w.total(t));
  }
  if (w.rollupAt === undefined) return { bad: 0, total: 0 };
  let bad = 0;
  let total = 0;
  for (let r = w.rollupAt; r >= w.from; r -= 600) {
    const inWindow = blocks.filter((b) => b.t >= r - 600 && b.t <= r);
    const sum = (k: 'bad' | 'total') => inWindow.reduce((n, b) => n + b[k], 0);
    om.set(BLOCK.badRollup, labels, r, sum('bad'));
    om.set(BLOCK.totalRollup, labels, r, sum('total'));
    bad += sum('bad');
    total += sum('total');
  }
  for (const b of blocks.filter((x) => x.t > w.rollupAt! && x.t <= w.to)) {
    bad += b.bad;
    total += b.total;
  }
  return { bad, total, newestRollup: w.rollupAt };
}

/** The recorded series of the bundled SLOs as OpenMetrics, one sample a minute over the 30 minutes up to `end`. */
async function openMetrics(end: number, scopes: { scope: Record<string, string>; healthy?: boolean }[] = [{ scope: {} }]): Promise<string> {
  const om = new OpenMetrics();
  for (const { scope, healthy } of scopes) await addSeries(om, end, scope, healthy ?? false);
  return om.text();
}

/** The series of one scope (environment); `healthy`: the burning SLO does not burn there. */
async function addSeries(om: OpenMetrics, end: number, scope: Record<string, string>, healthy: boolean): Promise<void> {
  const plan = await planCompile(['slo-specs'], { strict: false, disableTier: [], scope }, { cwd: REPO, stdin: process.stdin });
  expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const series = (name: string, labels: Record<string, string>, value: number) => {
    for (let t = end - 30 * 60; t <= end; t += 60) om.set(name, labels, t, value);
  };
  const objectives = plan.compiled.flatMap((c) => c.objectives.map((o) => ({ service: c.slo.service, o })));
  expect(objectives.map((x) => x.o.sloName).sort()).toEqual([IDLE, BURNING, ABSENT].sort());
  for (const { o } of objectives) {
    if (o.sloName === ABSENT) continue;
    const burning = o.sloName === BURNING && !healthy;
    for (const m of o.windows) {
      const w = promDuration(m);
      const value = burning ? BURNING_RATIOS[w] : 0;
      if (value === undefined) throw new Error(`no test value for window ${w}`);
      series(RECORD.errorRatio(w), { ...o.labels, [LABEL.window]: w }, value);
    }
    series(RECORD.budgetRemaining, o.labels, burning ? 0.5 : 1);
    series(RECORD.noTraffic, o.labels, burning ? 0 : 1);
    series(RECORD.periodCoverage, o.labels, 1);
    // the live period: 1 bad in 2000 events (the recorded 30d ratio), none at all for the idle SLO
    blocksAndRollups(om, o.labels, { from: end - 30 * 60, to: end, blockAt: end, rollupAt: end - 330, bad: () => (burning ? 1 : 0), total: () => (burning ? 2000 : 0) });
    if (burning) {
      const alert = (tierId: string, state: string) => {
        const t = o.tiers.find((x) => x.id === tierId);
        if (!t) throw new Error(`no tier ${tierId}`);
        series('ALERTS', { alertname: ALERT_NAME, alertstate: state, ...o.labels, [LABEL.severity]: t.severity, [LABEL.tier]: t.id }, 1);
      };
      alert('burn-14x-1h', 'firing');
      alert('burn-3x-1d', 'pending');
    }
  }
  // an alert of an SLO the specs do not define: not reported
  series('ALERTS', { alertname: ALERT_NAME, alertstate: 'firing', [LABEL.name]: 'gone', [LABEL.service]: 'day', [LABEL.tier]: 'page-fast', ...scope }, 1);
}

const defaultTiers = (burn: number) => [
  tier('page-fast', 'page', 14.4, ['1h', burn], ['5m', burn], false),
  tier('page-slow', 'page', 6, ['6h', burn], ['30m', burn], false),
  tier('ticket-fast', 'ticket', 3, ['1d', burn], ['2h', burn], false),
  tier('ticket-slow', 'ticket', 1, ['3d', burn], ['6h', burn], false),
];

const expectedSlos = (): Report['slos'] => [
  row({
    service: 'checkout',
    slo: IDLE,
    objective: 0.995,
    period: '30d',
    sli: 1,
    budgetRemaining: 1,
    measuredMinutes: 43200,
    noTraffic: true,
    tiers: defaultTiers(0),
    status: 'no traffic',
  }),
  row({
    service: 'day',
    slo: BURNING,
    objective: 0.999,
    period: '30d',
    sli: 0.9995,
    budgetRemaining: 0.5,
    measuredMinutes: 43200,
    firing: ['burn-14x-1h'],
    pending: ['burn-3x-1d'],
    tiers: [tier('burn-14x-1h', 'page', 14.4, ['1h', 15], ['5m', 20], true), tier('burn-3x-1d', 'ticket', 3, ['1d', 2], ['2h', 4], false)],
    status: 'firing',
    statusTier: 'burn-14x-1h',
  }),
  row({
    service: 'day',
    slo: ABSENT,
    objective: 0.99,
    period: '28d',
    coverage: null,
    periodLive: false,
    noTraffic: null,
    tiers: [
      tier('page-fast', 'page', 14.4, ['56m', null], ['5m', null], null),
      tier('page-slow', 'page', 6, ['5h36m', null], ['28m', null], null),
      tier('ticket-fast', 'ticket', 3, ['22h24m', null], ['1h52m', null], null),
      tier('ticket-slow', 'ticket', 1, ['2d19h12m', null], ['5h36m', null], null),
    ],
    status: 'no data',
  }),
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
    const line = (slo: string) => lines.find((l) => l.includes(` ${slo} `)) ?? '';
    expect(line(IDLE)).toMatch(/^checkout +checkout-requests-availability +99\.5% +30d +100\.00% +100\.0% +page-fast 0\/0 +page-slow 0\/0 +ticket-fast 0\/0 +ticket-slow 0\/0 +- +no traffic$/);
    expect(line(BURNING)).toMatch(/^day +day-api-availability +99\.9% +30d +99\.95% +50\.0% +burn-14x-1h 15\/20\* +burn-3x-1d 2\/4 +burn-14x-1h +firing burn-14x-1h$/);
    expect(line(ABSENT)).toMatch(/^day +day-lookup-latency +99% +28d +- +- +page-fast -\/- .* +- +no data$/);
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

describe('slo report --scope: two environments in one Prometheus', () => {
  let scoped: PromSandbox;
  let prom: PrometheusServer;
  let at = 0;
  beforeAll(async () => {
    scoped = new PromSandbox('slo-report-scope-');
    at = Math.floor(Date.now() / 1000);
    const om = scoped.path('slos.om');
    writeFileSync(om, await openMetrics(at, [{ scope: { namespace: 'day-prod' }, healthy: true }, { scope: { namespace: 'day-staging' } }]));
    const dataDir = scoped.path('data');
    expect((await scoped.backfillOpenMetrics(om, dataDir)).length).toBeGreaterThan(0);
    prom = await scoped.start({ dataDir });
  }, 120_000);
  afterAll(async () => {
    await scoped?.close();
  });

  const report = async (...scope: string[]) => {
    const r = await slo(['report', '--prometheus', prom.url, '--format', 'json', '--time', String(at), ...scope.flatMap((x) => ['--scope', x])]);
    expect(r.stderr).toBe('');
    return (JSON.parse(r.stdout) as Report).slos.find((x) => x.slo === BURNING)!;
  };

  it('each environment reads its own series only', async () => {
    expect(await report('namespace=day-staging')).toMatchObject({ status: 'firing', budgetRemaining: 0.5, firing: ['burn-14x-1h'] });
    expect(await report('namespace=day-prod')).toMatchObject({ status: 'no traffic', budgetRemaining: 1, firing: [], pending: [] });
  });

  it('a --scope that is not label=value is a usage error', async () => {
    const r = await slo(['report', '--prometheus', prom.url, '--scope', 'day-prod']);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: 'error: --scope must be label=value, e.g. namespace=day-prod (got "day-prod")\n' });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// coverage, the live period, alert states and the HTML page, against a real Prometheus

/**
 * SLOs of service `shop` (default tiers: page-fast 1h/5m ×14.4, page-slow 6h/30m ×6, ticket-fast 1d/2h ×3,
 * ticket-slow 3d/6h ×1), each in one state. Roll-ups and blocks sit at millisecond offsets of their own, as
 * rule groups do: `partial`'s newest roll-up is 3.5 minutes old (timestamp() finds it), `gap`'s 7.5 minutes
 * (beyond the lookback, the subquery finds it).
 */
const SCENARIOS = ['partial', 'gap', 'burning', 'pending', 'firing', 'fresh', 'stale'] as const;
type Scenario = (typeof SCENARIOS)[number];
const DAY_S = 86_400;

describe('slo report against a real Prometheus: coverage, the live period, alert states, HTML', () => {
  let box: PromSandbox;
  let prom: PrometheusServer;
  let specs: string;
  /** The report time (unix seconds, whole). */
  let t: number;
  /** Per SLO, what the report should count over the period as of t. */
  const live = new Map<Scenario, { bad: number; total: number; newestRollup?: number }>();
  /** Per SLO, the times of the HTML page's range query at which its coverage is above 0. */
  const covered = new Map<Scenario, number>();

  beforeAll(async () => {
    box = new PromSandbox('slo-report-live-');
    specs = box.path('specs');
    mkdirSync(specs);
    for (const name of SCENARIOS)
      writeFileSync(
        path.join(specs, `${name}.yaml`),
        sloDoc({ name, service: 'shop', sli: ratioSli({ bad: 'http_errors_total{job="shop"}', total: 'http_requests_total{job="shop"}' }), objectives: '    - target: 0.999' }),
      );
    const plan = await planCompile([specs], { strict: false, disableTier: [] }, { cwd: REPO, stdin: process.stdin });
    expect(plan.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const objectives = new Map(plan.compiled.flatMap((c) => c.objectives.map((o) => [o.sloName as Scenario, o] as const)));

    const r0 = Math.floor(Date.now() / 1000 / 600) * 600 - 3600;
    t = r0 + 493;
    const from = t - 30 * DAY_S;
    const step = 8640; // the page's: 30d / 300
    const om = new OpenMetrics();
    for (const name of SCENARIOS) {
      const o = objectives.get(name)!;
      const labels = o.labels;
      const ratios: Record<string, number> = {};
      // recorded windows: 0 unless the scenario says otherwise
      const windows = { burning: { '1h': 0.02, '5m': 0.05 }, pending: { '1d': 0.004, '2h': 0.005 }, stale: { '30d': 0.0002 }, partial: { '30d': 0.0005 } } as Record<string, Record<string, number>>;
      for (const m of o.windows) ratios[promDuration(m)] = windows[name]?.[promDuration(m)] ?? 0;
      // the last 40 minutes, every minute
      for (let x = t - 40 * 60; x <= t; x += 60) {
        for (const [w, v] of Object.entries(ratios)) om.set(RECORD.errorRatio(w), { ...labels, [LABEL.window]: w }, x, v);
        om.set(RECORD.budgetRemaining, labels, x, 1 - ratios['30d']! / 0.001);
        om.set(RECORD.noTraffic, labels, x, 0);
      }
      // the page's history, at its range query's times: coverage from 52 hours ago for partial, none for fresh
      const since = name === 'partial' ? t - 52 * 3600 : name === 'fresh' ? Infinity : -Infinity;
      // the range query's last time, t, reads the minute samples above
      let n = name === 'fresh' ? 0 : 1;
      for (let x = from; x < t - 40 * 60; x += step) {
        const cov = x < since ? 0 : name === 'partial' ? (x - since) / (30 * DAY_S) : 1;
        // before any roll-up the recorded ratio reads 0: the page must not draw that as a perfect SLI
        const r = x < since ? 0 : 0.0003 + 0.0002 * Math.sin(x / DAY_S);
        om.set(RECORD.errorRatio('30d'), { ...labels, [LABEL.window]: '30d' }, x, r);
        om.set(RECORD.budgetRemaining, labels, x, 1 - r / 0.001 - (x - from) / (60 * DAY_S));
        if (cov > 0) {
          om.set(RECORD.periodCoverage, labels, x, cov);
          n++;
        }
      }
      covered.set(name, n);
      if (name !== 'fresh') for (let x = t - 40 * 60; x <= t; x += 60) om.set(RECORD.periodCoverage, labels, x, name === 'partial' ? 312 / 4320 : 1);
      // building blocks and roll-ups over the last three hours
      const lastRollup = name === 'partial' ? r0 + 283.25 : name === 'stale' ? r0 + 43.25 - 3600 : name === 'fresh' ? undefined : r0 + 43.25;
      live.set(
        name,
        blocksAndRollups(om, labels, {
          from: t - 3 * 3600,
          // pending's blocks stop before its newest roll-up (a scrape outage): the roll-ups alone, not an absent sum
          to: name === 'pending' ? r0 + 43.25 - 1 : t,
          blockAt: r0 + 17.5,
          rollupAt: lastRollup,
          // gap: a burst of errors after the newest roll-up, which the recorded 30d ratio (0) has not seen
          bad: (x) => (name === 'gap' ? (x > lastRollup! ? 5 : 0) : name === 'partial' ? 0.05 : 0),
          total: () => (name === 'partial' ? 100 : 10),
        }),
      );
      const alert = (tierId: string, state: string, at: number[]) => {
        const tr = o.tiers.find((x) => x.id === tierId)!;
        for (const x of at) om.set('ALERTS', { alertname: ALERT_NAME, alertstate: state, ...labels, [LABEL.severity]: tr.severity, [LABEL.tier]: tierId }, x, 1);
      };
      const lastMinutes = Array.from({ length: 10 }, (_, i) => t - i * 60);
      if (name === 'pending') alert('ticket-fast', 'pending', lastMinutes);
      if (name === 'firing') {
        alert('page-slow', 'firing', lastMinutes);
        alert('page-fast', 'pending', lastMinutes);
        alert('ticket-slow', 'firing', lastMinutes);
        // an episode ten days ago, for the timeline
        alert(
          'ticket-slow',
          'firing',
          Array.from({ length: 30 }, (_, i) => t - 10 * DAY_S + i * 60),
        );
      }
    }
    const file = box.path('live.om');
    writeFileSync(file, om.text());
    const data = box.path('data');
    expect((await box.backfillOpenMetrics(file, data)).length).toBeGreaterThan(0);
    prom = await box.start({ dataDir: data });
  }, 120_000);

  afterAll(async () => {
    await box?.close();
  });

  const json = async () => {
    const r = await slo(['report', specs, '--prometheus', prom.url, '--format', 'json', '--time', String(t)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return new Map((JSON.parse(r.stdout) as Report).slos.map((x) => [x.slo as Scenario, x]));
  };
  const clean = (x: number) => Number(x.toPrecision(12));

  it('the live period: roll-ups up to the newest plus the building blocks since, exactly, found within and beyond the lookback', async () => {
    const rows = await json();
    for (const name of ['gap', 'partial', 'burning', 'pending'] as const) {
      const l = live.get(name)!;
      const ratio = l.total > 0 ? l.bad / l.total : 0;
      expect({ name, sli: rows.get(name)!.sli, budget: rows.get(name)!.budgetRemaining, live: rows.get(name)!.periodLive }).toEqual({
        name,
        sli: clean(1 - ratio),
        budget: clean(1 - ratio / 0.001),
        live: true,
      });
    }
    // the burst after gap's newest roll-up (7 blocks of 5 bad in 10) is in the SLI, though the recorded ratio is 0
    expect(live.get('gap')).toMatchObject({ bad: 35 });
    expect(rows.get('gap')!.sli).toBeLessThan(0.99);
  });

  it('coverage: partial says over how much, absent says not measured and is never 100%, stale roll-ups fall back to the recorded values', async () => {
    const rows = await json();
    const pick = (n: Scenario) => {
      const r = rows.get(n)!;
      return { sli: r.sli, budgetRemaining: r.budgetRemaining, coverage: r.coverage, measuredMinutes: r.measuredMinutes, periodLive: r.periodLive, status: r.status };
    };
    expect(pick('partial')).toEqual({ sli: 0.9995, budgetRemaining: 0.5, coverage: 0.0722222222222, measuredMinutes: 3120, periodLive: true, status: 'ok' });
    expect(pick('fresh')).toEqual({ sli: null, budgetRemaining: null, coverage: null, measuredMinutes: null, periodLive: false, status: 'ok' });
    expect(pick('stale')).toEqual({ sli: 0.9998, budgetRemaining: 0.8, coverage: 1, measuredMinutes: 43200, periodLive: false, status: 'ok' });
    const text = await slo(['report', specs, '--prometheus', prom.url, '--time', String(t)]);
    const line = (n: string) => text.stdout.split('\n').find((l) => new RegExp(`^shop +${n} `).test(l)) ?? '';
    expect(line('partial')).toMatch(/ 99\.95% \(measured over 2d 4h of 30d\) +50\.0% \(partial\) /);
    expect(line('fresh')).toMatch(/ not measured +not measured /);
    expect(line('stale')).toMatch(/ 99\.98% \(stale\) +80\.0% \(stale\) /);
    expect(text.stdout).toContain('shop/fresh: period not yet measured (slo:period_coverage:ratio absent');
    expect(text.stdout).toContain('shop/stale: stale: no roll-up in the last 30m');
  });

  it("status: the worst tier's state, from ALERTS firing and pending and from the windows", async () => {
    const rows = await json();
    expect(Object.fromEntries(SCENARIOS.map((n) => [n, [rows.get(n)!.status, rows.get(n)!.statusTier, rows.get(n)!.firing, rows.get(n)!.pending]]))).toEqual({
      partial: ['ok', null, [], []],
      gap: ['ok', null, [], []],
      burning: ['burning', 'page-fast', [], []],
      pending: ['pending', 'ticket-fast', [], ['ticket-fast']],
      firing: ['firing', 'page-slow', ['page-slow', 'ticket-slow'], ['page-fast']],
      fresh: ['ok', null, [], []],
      stale: ['ok', null, [], []],
    });
  });

  it('--format html --out: one self-contained page, written atomically, with the plots and numbers of each objective', async () => {
    const out = box.path('report.html');
    writeFileSync(out, 'the previous report');
    const r = await slo(['report', specs, '--prometheus', prom.url, '--format', 'html', '--out', out, '--time', String(t)]);
    expect({ code: r.code, stderr: r.stderr, stdout: r.stdout }).toEqual({ code: 0, stderr: '', stdout: `html report of 7 objectives written to ${out}\n` });
    // nothing but the page is left in the directory: the temporary file was renamed over it
    expect(readdirSync(box.root).filter((f) => f.includes('report.html'))).toEqual(['report.html']);
    const html = readFileSync(out, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    const sections = html.split('<section class="objective"').slice(1);
    expect(sections).toHaveLength(7);
    const section = (n: Scenario) => sections.find((x) => x.includes(`<h2>shop / ${n}</h2>`)) ?? '';
    const points = (n: Scenario, plot: string) => Number(new RegExp(`data-plot="${plot}" data-points="(\\d+)"`).exec(section(n))?.[1]);
    // the SLI is drawn where the period was measured, ending at the live value; the budget alike; coverage from its first sample
    expect(points('burning', 'sli')).toBe(covered.get('burning'));
    expect(points('partial', 'sli')).toBe(covered.get('partial'));
    expect(covered.get('partial')).toBeLessThan(30);
    expect(points('partial', 'budget')).toBe(covered.get('partial'));
    expect(points('fresh', 'sli')).toBe(0);
    expect(section('fresh')).toContain('Period not yet measured');
    expect(section('partial')).toContain('Measured over 2d 4h of 30d');
    expect(section('partial')).toContain('<dt>SLI</dt><dd>99.95% (measured over 2d 4h of 30d)</dd>');
    expect(section('firing')).toContain('<dt>Status</dt><dd>firing page-slow</dd>');
    // the timeline: the episode ten days ago and the alerts now, pending under firing
    expect(section('firing')).toMatch(/data-plot="alerts" data-alerts="4"/);
    expect(section('pending')).toMatch(/data-plot="alerts" data-alerts="1"/);
    expect(section('gap')).toMatch(/data-plot="alerts" data-alerts="0"/);
    // the same report to standard output, byte for byte
    const again = await slo(['report', specs, '--prometheus', prom.url, '--format', 'html', '--time', String(t)]);
    expect(again.stdout).toBe(html);
  });

  it('the page of the report in headless chromium: its check passes, no console error', async () => {
    if (!findChromium()) return void process.stderr.write(`report.test.ts: ${CHROMIUM_SKIPPED}\n`);
    const out = box.path('checked.html');
    expect((await slo(['report', specs, '--prometheus', prom.url, '--format', 'html', '--out', out, '--time', String(t)])).code).toBe(0);
    writeFileSync(out, instrument(readFileSync(out, 'utf8')));
    const { stdout: dom, log } = await chromium(out, ['--dump-dom']);
    const messages = consoleMessages(log);
    expect(messages.filter((m) => m.includes(CONSOLE_ERROR) || m.includes(CHECK_FAILED))).toEqual([]);
    expect(messages.filter((m) => m.startsWith(CHECK_OK))).toEqual([`${CHECK_OK}: 28 plots`]);
    expect(dom).toContain('data-check="ok"');
  }, 90_000);

  it('--out where it cannot be written: one line, exit 2 before any query, nothing left behind', async () => {
    const dir = box.path('is-a-dir');
    mkdirSync(dir);
    const r = await slo(['report', specs, '--prometheus', prom.url, '--format', 'html', '--out', dir, '--time', String(t)]);
    expect({ code: r.code, stdout: r.stdout, stderr: r.stderr }).toEqual({
      code: 2,
      stdout: '',
      stderr: `error: cannot write --out ${dir}: it is a directory; pass a file in a directory you can write to\n`,
    });
    expect(readdirSync(box.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const missing = await slo(['report', specs, '--prometheus', prom.url, '--format', 'json', '--out', box.path('no', 'such.json'), '--time', String(t)]);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({
      code: 2,
      stderr: `error: cannot write --out ${box.path('no', 'such.json')}: its folder ${box.path('no')} does not exist; pass a file in a directory you can write to\n`,
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
      handler: (res: import('node:http').ServerResponse) => res.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"error","errorType":"unavailable","error":"TSDB not ready"}'),
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
    { args: ['--format', 'yaml'], env: {}, stderr: expect.stringContaining("argument 'yaml' is invalid. Allowed choices are text, json, html.") as unknown as string },
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
    for (const s of ['BUDGET LEFT', 'BURN RATE', 'FIRING', 'no data', 'Exit codes: 0 report printed, 1 invalid input or Prometheus unreachable', '--prometheus <url>']) expect(r.stdout).toContain(s);
    expect(r.stdout).not.toContain('--time');
  });
});
