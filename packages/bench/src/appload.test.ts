// @integration: runs the built demo app under load
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { appLoad, scrapeTimes, type AppLoadData } from './appload';

/** The smoke mode of section 5: the real app and database, 2 s per variant; structure and sanity, not the 5% target. */

const root = path.resolve(__dirname, '../../..');
let scratch: string;

beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'slo-bench-appload-test-'));
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

it('scrapes every 15 s, and at least once per run', () => {
  expect(scrapeTimes(2)).toEqual([1]);
  expect(scrapeTimes(30)).toEqual([15]);
  expect(scrapeTimes(60)).toEqual([15, 30, 45]);
});

it('says the demo app must be built when dist/main.js is missing', async () => {
  await expect(appLoad({ mode: 'smoke', root: scratch, scratch, log: () => undefined })).rejects.toThrow(/demo app is not built.*pnpm build/);
});

it('smoke: measures GET /api/day with metrics on and off', async () => {
  const lines: string[] = [];
  const r = await appLoad({ mode: 'smoke', root, scratch, log: (l) => lines.push(l) });
  const data = r.data as AppLoadData;

  expect(r.id).toBe('appload');
  expect(r.method).toMatch(/32 keep-alive connections/);
  expect(data.runs.map((x) => x.variant).sort()).toEqual(['off', 'on']);
  for (const run of data.runs) {
    expect(run.requests).toBeGreaterThan(0);
    expect(run.rps).toBeGreaterThan(0);
    expect(run.p50Ms).toBeGreaterThan(0);
    expect(run.p99Ms).toBeGreaterThanOrEqual(run.p50Ms);
    expect(run.non2xx).toBe(0);
    expect(run.errors).toBe(0);
    // from /proc where there is one
    if (run.appCpuUsPerRequest !== undefined) expect(run.appCpuUsPerRequest).toBeGreaterThan(0);
    if (run.dbCpuUsPerRequest !== undefined) expect(run.dbCpuUsPerRequest).toBeGreaterThan(0);
  }
  // the instrumented run was scraped, and the scrape saw the load
  const on = data.runs.find((x) => x.variant === 'on')!;
  expect(on.scrapes).toEqual([expect.objectContaining({ status: 200, sawApiDay: true })]);
  expect(data.runs.find((x) => x.variant === 'off')!.scrapes).toEqual([]);

  expect(Number.isFinite(data.throughputRatio)).toBe(true);
  expect(data.overhead).toBeCloseTo(1 - data.throughputRatio, 10);
  // two histogram timers per request: microseconds, not nothing and not milliseconds
  expect(data.instrumentationUs).toBeGreaterThan(0.05);
  expect(data.instrumentationUs).toBeLessThan(100);
  expect(r.notes!.join('\n')).toMatch(/instrumentation's own work per request .* is \d+\.\d\d µs/);
  expect(r.tables[0]!.rows.map((row) => row[0])).toEqual(['metrics on (ours)', 'metrics off (comparison)', 'ratio on/off', 'overhead (1 − on/off throughput)']);
  expect(r.tables[1]!.rows).toHaveLength(2);
  expect(r.targets).toEqual([expect.objectContaining({ goal: '< 5%', met: data.overhead < 0.05 })]);
  expect(lines.some((l) => l.startsWith('run 2/2'))).toBe(true);
}, 90_000);
