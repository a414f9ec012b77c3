// @integration: runs Prometheus and the other real components it names
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { backtestSchema, type BacktestResult } from '@slo-engine/history';
import { CHECK_FAILED, CHECK_OK } from '@slo-engine/html-report';
import { chromium, CHROMIUM_SKIPPED, CONSOLE_ERROR, consoleMessages, findChromium, instrument } from '../../packages/html-report/src/testing/chromium';
import { RECORD } from '@slo-engine/rules';
import { parse } from 'yaml';
import { CLI, cli, type Run } from '../support/cli';
import { freePort, listBlocks, PromSandbox, type PrometheusServer } from '../support/prometheus';
import { ratioSli, sloDoc } from '../support/slo-docs';
import { defaultTrafficOptions, generateTraffic, writeOpenMetrics, type Traffic } from '../support/traffic';

/**
 * `slo backfill` and `slo backtest` as a user runs them, on a real Prometheus holding a week of raw history from the
 * test's own generator (diurnal traffic, quiet and busy incidents, a counter reset), ending half an hour ago:
 * - after backfill and loading the blocks, the period error ratio the rules recorded is within 0.2% of the exact
 *   ratio of sums, for a ratio SLI and a time-slice SLI, and the rules of both layouts, running live on a server
 *   with the blocks loaded, record the same value;
 * - the coverage series says the 30d period is measured over 7 days of it;
 * - the backtest's alerts are exactly those the compiled alert rules fire over that history, each expression
 *   evaluated every minute on the server with the blocks loaded;
 * - bad input gets one line and exit 1, and --out is left untouched.
 */

const DAY = 86_400;
const ALIGN = 600;

const SLI = ratioSli({ bad: 'http_requests_total{job="acc",code=~"5.."}', total: 'http_requests_total{job="acc"}' });
const SPEC = [
  "apiVersion: openslo/v1\nkind: Service\nmetadata:\n  name: hist\nspec:\n  description: The history test's service\n",
  sloDoc({ name: 'hist-requests', service: 'hist', sli: SLI, objectives: '    - target: 0.99\n' }),
  sloDoc({ name: 'hist-minutes', service: 'hist', sli: SLI, method: 'Timeslices', objectives: '    - target: 0.99\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n' }),
].join('---\n');

const relErr = (value: number, exact: number) => Math.abs(value - exact) / exact;
/**
 * The first and last minutes of the history are read by fewer 5m windows than the rest, which Prometheus
 * extrapolates; how far that moves the ratio depends on the traffic at the edges, i.e. on the time of day the
 * test runs (the generator's curve follows the clock): measured up to 0.101% (runs at 15:20 and 15:30 UTC).
 */
const RATIO_TOLERANCE = 0.002;
const sel = (slo: string) => `{slo_name="${slo}",slo_service="hist"}`;

/**
 * The exact share of bad one-minute slices as the compiled rules define them: promtool evaluates the building
 * blocks at their group's offset within each minute (as Prometheus does live), between scrapes, so each slice's
 * [2m] range holds the two samples around the minute before it: the slice is bad when that minute's requests
 * failed more than 5%. Counter resets are part of the generator's increments, as rate() sees them.
 */
function exactBadSlices(t: Traffic): number {
  let bad = 0;
  for (let s = 0; s < t.steps; s++) if (t.totalPerStep[s]! > 0 && t.badPerStep[s]! / t.totalPerStep[s]! > 0.05) bad++;
  return bad / t.steps;
}

/** Prometheus with the raw history, the backfilled blocks and each layout's compiled rules loaded. */
const servers: Record<string, PrometheusServer> = {};
let box: PromSandbox;
let raw: PrometheusServer;
let traffic: Traffic;
let work: string;
const START_OFFSET = 7 * DAY;
let START = 0;
let END = 0;

beforeAll(async () => {
  box = new PromSandbox('slo-history-test-');
  work = box.path('work');
  mkdirSync(work);
  writeFileSync(path.join(work, 'slos.yaml'), SPEC);
  // the history ends half an hour ago: live rules then read no raw samples, so what they add is nothing
  END = Math.floor(Date.now() / 1000 / ALIGN) * ALIGN - 1800;
  START = END - START_OFFSET;
  traffic = generateTraffic(defaultTrafficOptions(START));
  expect(traffic.end).toBe(END);
  const om = box.path('raw.om');
  await writeOpenMetrics(traffic, om);
  await box.backfillOpenMetrics(om, box.path('raw'));
  raw = await box.start({ dataDir: box.path('raw') });
}, 300_000);

afterAll(async () => {
  await box?.close();
});

describe('slo backfill', () => {
  let out: string;
  let backfilled: Run;

  beforeAll(async () => {
    out = path.join(work, 'blocks');
    backfilled = await cli(['backfill', 'slos.yaml', '--prometheus', raw.url, '--from', String(START), '--to', String(END), '--out', 'blocks'], work);
  }, 900_000);

  it('writes blocks and says what it wrote, pass by pass', () => {
    expect(backfilled.stderr).toMatch(/^pass 1\/\d \(slo:sli_bad:rate5m, slo:sli_total:rate5m/m);
    expect(backfilled).toMatchObject({ code: 0 });
    expect(backfilled.stdout).toMatch(/^2 SLOs backfilled over .* \(7d\) in \d passes: \d+ blocks, \d+ series, \d+ samples in blocks/);
    expect(listBlocks(out).length).toBeGreaterThan(0);
    expect(readdirSync(work).filter((f) => f.includes('partial'))).toEqual([]);
  });

  it("a range longer than a week: promtool splits its queries under Prometheus's 11,000 points per series", async () => {
    // (blocks of up to 30 days made promtool ask for 43,200 one-minute points, which Prometheus refuses)
    const r = await cli(['backfill', 'slos.yaml', '--prometheus', raw.url, '--from', String(START - 3 * DAY), '--to', String(END), '--out', 'ten-days'], work);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.stdout).toMatch(/backfilled over .* \(10d\) in 4 passes/);
    expect(r.code).toBe(0);
  }, 600_000);

  describe('loaded into Prometheus with the compiled rules', () => {
    let began = 0;

    beforeAll(async () => {
      for (const layout of ['per-slo', 'shared']) {
        const rulesOut = path.join(work, `rules-${layout}`);
        const compiled = await cli(['compile', 'slos.yaml', '--layout', layout, '--rules-out', rulesOut, '--dashboards-out', path.join(work, `dash-${layout}`)], work);
        expect(compiled).toMatchObject({ code: 0 });
        const ruleFiles = listRuleFiles(rulesOut);
        const data = box.path(`prod-${layout}`);
        for (const dir of [box.path('raw'), out]) for (const b of listBlocks(dir)) cpSync(path.join(dir, b), path.join(data, b), { recursive: true });
        began = Math.floor(Date.now() / 1000);
        servers[layout] = await box.start({ dataDir: data, ruleFiles });
      }
    }, 300_000);

    it('the period error ratio recorded by the backfill is the ratio of sums within 0.2% (ratio SLI)', async () => {
      const v = await servers['per-slo']!.queryValue(`${RECORD.errorRatio('30d')}${sel('hist-requests')}`, END);
      console.log(`period error ratio: exact ${traffic.exactErrorRatio}, backfilled ${v}, rel. error ${(relErr(v, traffic.exactErrorRatio) * 100).toFixed(4)}%`);
      expect(relErr(v, traffic.exactErrorRatio)).toBeLessThan(RATIO_TOLERANCE);
    });

    it('the period error ratio recorded by the backfill is the share of bad slices within 0.1% (time-slice SLI)', async () => {
      const exact = exactBadSlices(traffic);
      const v = await servers['per-slo']!.queryValue(`${RECORD.errorRatio('30d')}${sel('hist-minutes')}`, END);
      console.log(`bad slices: exact ${exact}, backfilled ${v}`);
      expect(exact).toBeGreaterThan(0.005);
      expect(relErr(v, exact)).toBeLessThan(0.001);
    });

    it('a second backfill of the same range against the server holding the first finds nothing to do, and says why', async () => {
      const r = await cli(['backfill', 'slos.yaml', '--prometheus', servers['per-slo']!.url, '--from', String(START), '--to', String(END), '--out', 'again'], work);
      expect(r.stderr.trim()).toMatch(
        /^error: Prometheus at .* already holds these SLOs' building blocks from \S+, before --from: the rules ran \(or a backfill was loaded\) over the whole range; nothing to backfill$/,
      );
      expect(r.code).toBe(1);
      expect(existsSync(path.join(work, 'again'))).toBe(false);
      // a range that starts two days earlier is cut where the loaded blocks begin
      const earlier = await cli(['backfill', 'slos.yaml', '--prometheus', servers['per-slo']!.url, '--from', String(START - 2 * DAY), '--to', String(END), '--out', 'earlier'], work);
      expect(earlier.stderr).toContain(`note: the SLOs' rules have recorded since ${new Date((START + 55) * 1000).toISOString().slice(0, 16)}`);
      // ending at the last 10-minute mark before the first recorded minute
      expect(earlier.stdout).toContain(`backfilled over ${new Date((START - 2 * DAY) * 1000).toISOString().slice(0, 19)}Z .. ${new Date((START - 600) * 1000).toISOString().slice(0, 19)}Z (1d 23h)`);
      // a range that ends less than a minute before the loaded blocks begin is cut too (its last minute would be counted twice)
      const before = await cli(['backfill', 'slos.yaml', '--prometheus', servers['per-slo']!.url, '--from', String(START - 2 * DAY), '--to', String(START + 30), '--out', 'before'], work);
      expect(before.stderr).toContain(`note: the SLOs' rules have recorded since ${new Date((START + 55) * 1000).toISOString().slice(0, 16)}`);
      expect(before.stdout).toContain(`backfilled over ${new Date((START - 2 * DAY) * 1000).toISOString().slice(0, 19)}Z .. ${new Date((START - 600) * 1000).toISOString().slice(0, 19)}Z (1d 23h)`);
    }, 300_000);

    it('the coverage series says the 30d period is measured over the 7 days of history', async () => {
      for (const slo of ['hist-requests', 'hist-minutes']) {
        const v = await servers['per-slo']!.queryValue(`${RECORD.periodCoverage}${sel(slo)}`, END);
        expect(Math.abs(v - 7 / 30)).toBeLessThan(0.001);
      }
    });

    it.each(['per-slo', 'shared'])(
      'the %s rules, running live over the loaded blocks, record the same period value',
      async (layout) => {
        const s = servers[layout]!;
        const expr = `${RECORD.errorRatio('30d')}${sel('hist-requests')}`;
        // the period group runs every 2 minutes: wait for its first live evaluation
        const deadline = Date.now() + 200_000;
        let live: { time: number; value: number } | undefined;
        while (Date.now() < deadline) {
          const r = await s.query(expr);
          if (r.length === 1 && r[0]!.time >= began) {
            const stamp = (await s.query(`timestamp(${expr})`))[0]?.value;
            if (stamp !== undefined && stamp >= began) {
              live = r[0]!;
              break;
            }
          }
          await new Promise((res) => setTimeout(res, 5000));
        }
        expect(live).toBeDefined();
        expect(relErr(live!.value, traffic.exactErrorRatio)).toBeLessThan(RATIO_TOLERANCE);
        const coverage = await s.queryValue(`${RECORD.periodCoverage}${sel('hist-requests')}`);
        expect(coverage).toBeGreaterThan(0.23);
        expect(coverage).toBeLessThan(0.24);
      },
      240_000,
    );
  });
});

function listRuleFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.rules.yaml')) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

describe('slo backtest', () => {
  let result: BacktestResult;

  beforeAll(async () => {
    const r = await cli(['backtest', 'slos.yaml', '--prometheus', raw.url, '--from', String(START), '--to', String(END), '--format', 'json'], work);
    expect(r.stderr).not.toMatch(/^error:/m);
    expect(r.code).toBe(0);
    result = JSON.parse(r.stdout) as BacktestResult;
  }, 900_000);

  it('prints JSON of the documented shape', () => {
    expect(backtestSchema.safeParse(result).error?.issues ?? []).toEqual([]);
    expect(result.objectives.map((o) => o.slo)).toEqual(['hist-requests', 'hist-minutes']);
  });

  it('finds the incidents: alerts fire, the SLI is the exact one, the budget is spent', () => {
    const o = result.objectives.find((x) => x.slo === 'hist-requests')!;
    expect(Math.abs(o.sli! - (1 - traffic.exactErrorRatio))).toBeLessThan(0.001 * traffic.exactErrorRatio);
    expect(o.alerts.filter((a) => a.severity === 'page').length).toBeGreaterThan(0);
    expect(o.pagesPerWeek).toBe(+(o.alerts.filter((a) => a.severity === 'page').length / 1).toFixed(2));
    for (const a of o.alerts) {
      expect(a.start).toBeGreaterThanOrEqual(a.pendingAt);
      expect(a.end).toBeGreaterThan(a.start);
      expect(a.peakBurnRate).toBeGreaterThan(0);
    }
  });

  it("lists exactly the alerts the rules fire over that history: each alert expression evaluated every minute on the server with the backfilled blocks loaded (the alert-timing bench's query_range method), for: applied", async () => {
    const prod = servers['per-slo']!;
    const rulesOut = path.join(work, 'rules-per-slo');
    type Rule = { alert?: string; expr: string; for?: string; labels?: Record<string, string> };
    const rules = listRuleFiles(rulesOut)
      .flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules))
      .filter((r) => r.alert);
    expect(rules.length).toBeGreaterThan(0);
    const expected: string[] = [];
    for (const rule of rules) {
      const forSeconds = rule.for ? Number(/^(\d+)m$/.exec(rule.for)![1]) * 60 : 0;
      const res = await fetch(`${prod.url}/api/v1/query_range`, { method: 'POST', body: new URLSearchParams({ query: rule.expr, start: String(START), end: String(END), step: '60' }) });
      const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
      for (const series of body.data.result) {
        const held = new Set(series.values.map(([t]) => t));
        // Prometheus's alert states, minute by minute
        let since: number | undefined;
        let fired: number | undefined;
        for (let t = START; t <= END; t += 60) {
          if (held.has(t)) {
            since ??= t;
            if (fired === undefined && t - since >= forSeconds) fired = t;
          } else {
            if (fired !== undefined) expected.push(`${rule.labels!.slo_name} ${rule.labels!.slo_tier} ${fired}..${t}`);
            since = fired = undefined;
          }
        }
        if (fired !== undefined) expected.push(`${rule.labels!.slo_name} ${rule.labels!.slo_tier} ${fired}..open`);
      }
    }
    const listed = result.objectives.flatMap((o) => o.alerts.map((a) => `${o.slo} ${a.tier} ${a.start}..${a.open ? 'open' : a.end}`));
    expect(listed.sort()).toEqual(expected.sort());
    expect(listed.length).toBeGreaterThan(2);
  }, 300_000);
});

describe('slo backtest as text and as a page', () => {
  it('prints a readable summary per objective', async () => {
    const r = await cli(['backtest', 'slos.yaml', '--prometheus', raw.url, '--from', String(START), '--to', String(END)], work);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^backtest of 2 objective\(s\) over .* \(7d\)/);
    expect(r.stdout).toMatch(/^hist \/ hist-requests: objective 99\.000% over 30d$/m);
    expect(r.stdout).toMatch(/^ {2}alerts +\d+ \([\d.]+ pages and [\d.]+ tickets per week\)$/m);
    expect(r.stdout).toMatch(/^ {4}page-\w+ +page +\d{4}-\d\d-\d\d \d\d:\d\d \.\. /m);
  }, 300_000);

  it('--format html --out: one self-contained page that draws in headless chromium without a console error', async () => {
    const out = path.join(work, 'backtest.html');
    const r = await cli(['backtest', 'slos.yaml', '--prometheus', raw.url, '--from', String(START), '--to', String(END), '--format', 'html', '--out', 'backtest.html'], work);
    expect(r.code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
    if (!findChromium()) return void process.stderr.write(`history.test.ts: ${CHROMIUM_SKIPPED}\n`);
    writeFileSync(out, instrument(html));
    const { stdout: dom, log } = await chromium(out, ['--dump-dom']);
    const messages = consoleMessages(log);
    expect(messages.filter((m) => m.includes(CONSOLE_ERROR) || m.includes(CHECK_FAILED))).toEqual([]);
    expect(messages.filter((m) => m.startsWith(CHECK_OK))).toEqual([`${CHECK_OK}: 8 plots`]);
    expect(dom).toContain('data-check="ok"');
  }, 300_000);
});

describe('bad input: one line, exit 1 (2 for usage), nothing written', () => {
  let closedPort = 0;
  beforeAll(async () => {
    closedPort = await freePort();
  });
  const cases: [string, (url: string) => string[], RegExp, number][] = [
    [
      'an unreachable URL',
      () => ['--prometheus', `http://127.0.0.1:${closedPort}`, '--from', '2d'],
      /^error: cannot reach Prometheus at http:\/\/127\.0\.0\.1:\d+ \(connection refused\); start it or pass --prometheus URL$/,
      1,
    ],
    [
      'a range without raw data',
      (u) => ['--prometheus', u, '--from', String(Date.UTC(2020, 0, 1) / 1000), '--to', String(Date.UTC(2020, 0, 2) / 1000)],
      /^error: Prometheus at .* has no samples of http_requests_total between/,
      1,
    ],
    ['--from after --to', (u) => ['--prometheus', u, '--from', '1d', '--to', '2d'], /^error: --from .* must be at least 10 minutes before --to/, 2],
    ['a malformed --from', (u) => ['--prometheus', u, '--from', 'yesterday'], /^error: --from must be a duration ago/, 2],
  ];

  it.each(cases)(
    '%s',
    async (_, args, message, code) => {
      const out = path.join(work, `bad-${code}-${args(raw.url).join('').length}`);
      const r = await cli(['backfill', 'slos.yaml', ...args(raw.url), '--out', out], work);
      expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(message)]);
      expect(r.code).toBe(code);
      expect(existsSync(out)).toBe(false);
    },
    120_000,
  );

  it('a range longer than the server keeps', async () => {
    const short = await box.start({ dataDir: box.path('short'), retention: '2d' });
    const r = await cli(['backfill', 'slos.yaml', '--prometheus', short.url, '--from', '5d', '--out', 'never'], work);
    expect(r.stderr.trim()).toMatch(/^error: the range starts at \S+ \(5d( \d+m)? ago\) but Prometheus at .* keeps 2d of data \(storage\.tsdb\.retention\.time\); pass --from 2d or less$/);
    expect(r.code).toBe(1);
    await short.stop();
  }, 120_000);

  it('a non-empty --out is refused before any work, and left as it was', async () => {
    const out = path.join(work, 'mine');
    mkdirSync(out);
    writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = await cli(['backfill', 'slos.yaml', '--prometheus', raw.url, '--from', '1d', '--out', 'mine'], work);
    expect(r.stderr.trim()).toMatch(/^error: --out .*mine is not empty; pass a new or empty directory/);
    expect(r.code).toBe(1);
    expect(readdirSync(out)).toEqual(['keep.txt']);
  });

  it('promtool missing from PATH', async () => {
    // a PATH with node alone (node's own folder may hold promtool too)
    const bin = box.path('node-only');
    mkdirSync(bin);
    symlinkSync(process.execPath, path.join(bin, 'node'));
    const child = spawn(process.execPath, [CLI, 'backfill', 'slos.yaml', '--prometheus', raw.url, '--from', '1d', '--out', 'nopromtool'], { cwd: work, env: { PATH: bin, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise((res) => child.on('close', res));
    expect(stderr.trim()).toBe('error: promtool and prometheus must be on PATH (the Debian package prometheus, or a release from prometheus.io, has both)');
    expect(code).toBe(1);
    expect(existsSync(path.join(work, 'nopromtool'))).toBe(false);
  }, 120_000);
});
