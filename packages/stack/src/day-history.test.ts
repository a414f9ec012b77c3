// @integration: runs promtool and Prometheus
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DAY_BUCKETS, dayHistoryOptions, writeDayHistory, type DayHistoryOptions } from './day-history';

/** The stack's synthetic history, read back from the OpenMetrics text it writes (promtool reads it in test/e2e/stack.test.ts). */

let dir: string;
beforeAll(() => (dir = mkdtempSync(path.join(tmpdir(), 'slo-day-history-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every sample of the file: series text → values in time order. */
function samples(file: string): Map<string, { t: number; v: number }[]> {
  const out = new Map<string, { t: number; v: number }[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\S+\{.*\}) (\S+) (\d+)$/.exec(line)!;
    const list = out.get(m[1]!) ?? [];
    list.push({ t: Number(m[3]), v: Number(m[2]) });
    out.set(m[1]!, list);
  }
  return out;
}

const start = Date.UTC(2026, 2, 2) / 1000; // a Monday
const threeDays = (o: Partial<DayHistoryOptions> = {}): DayHistoryOptions => ({
  ...dayHistoryOptions({ start, end: start + 3 * 86_400, instance: '127.0.0.1:8001' }),
  // one incident of each kind and a restart inside the three days
  incidents: [
    { name: 'outage', start: start + 3600, minutes: 30, kind: 'errors', routes: ['/api/day', '/api/history'], code: '503', share: 0.9 },
    { name: 'slow', start: start + 86_400 + 3600, minutes: 60, kind: 'slow', routes: ['/api/day'], slowdown: 6 },
  ],
  restarts: [start + 2 * 86_400],
  ...o,
});

it('places the incidents by day of the range, and drops those outside it', () => {
  const o = dayHistoryOptions({ start: start + 17, end: start + 30 * 86_400, instance: 'x' });
  expect(o.start).toBe(start + 60);
  expect(o.incidents.map((i) => i.name)).toEqual(['database outage at night', 'bad deploy, rolled back', 'slow queries', 'history page bug']);
  expect(o.restarts).toEqual([o.incidents[1]!.start, o.incidents[1]!.start + 120 * 60]);
  expect(dayHistoryOptions({ start, end: start + 10 * 86_400, instance: 'x' }).incidents.map((i) => i.name)).toEqual(['database outage at night']);
});

it('writes the app histogram with its labels and buckets; counters only grow, except at a restart; the counts are exact', async () => {
  const file = path.join(dir, 'a.om');
  const h = await writeDayHistory(threeDays(), file);
  const s = samples(file);
  // 7 kinds (route × status code) × (13 buckets, sum, count)
  expect(h.series).toBe(105);
  expect(s.size).toBe(105);
  expect(h.samples).toBe(105 * (3 * 1440 + 1));
  const first = [...s.keys()][0]!;
  expect(first).toBe('http_request_duration_seconds_bucket{job="day",instance="127.0.0.1:8001",method="GET",route="/api/day",status_code="200",le="0.005"}');
  expect(new Set([...s.keys()].map((k) => /le="([^"]+)"/.exec(k)?.[1]).filter(Boolean))).toEqual(new Set([...DAY_BUCKETS.map(String), '+Inf']));
  expect(s.has('http_request_duration_seconds_bucket{job="day",instance="127.0.0.1:8001",method="GET",route="/api/day",status_code="200",le="0.3"}')).toBe(true);

  const restartAt = start + 2 * 86_400;
  const value = (name: string, labels: string, t: number) => s.get(`${name}{job="day",instance="127.0.0.1:8001",${labels}}`)!.find((x) => x.t === t)!.v;
  for (const [key, list] of s) {
    if (key.includes('_sum{')) continue;
    for (let i = 1; i < list.length; i++) if (list[i]!.t !== restartAt) expect(list[i]!.v).toBeGreaterThanOrEqual(list[i - 1]!.v);
  }
  // buckets are cumulative and +Inf is the count
  const ok = 'method="GET",route="/api/day",status_code="200"';
  const t = start + 86_400 + 1800;
  const les = DAY_BUCKETS.map((b) => value('http_request_duration_seconds_bucket', `${ok},le="${b}"`, t));
  expect(les).toEqual([...les].sort((a, b) => a - b));
  expect(value('http_request_duration_seconds_bucket', `${ok},le="+Inf"`, t)).toBe(value('http_request_duration_seconds_count', ok, t));
  // a restart: the sample holds only that minute's requests
  expect(value('http_request_duration_seconds_count', ok, restartAt)).toBeLessThan(value('http_request_duration_seconds_count', ok, restartAt - 60) / 100);

  // the exact counts are what the counters say, over the whole range and within it
  const increase = (filter: (k: string) => boolean, from: number, to: number) => {
    let n = 0;
    for (const [key, list] of s) {
      if (!filter(key)) continue;
      for (let i = 1; i < list.length; i++) if (list[i]!.t > from && list[i]!.t <= to) n += list[i]!.t === restartAt ? list[i]!.v : list[i]!.v - list[i - 1]!.v;
    }
    return n;
  };
  const count = (k: string) => k.startsWith('http_request_duration_seconds_count');
  const errors = (k: string) => count(k) && /status_code="5/.test(k);
  const lookupCount = (k: string) => count(k) && k.includes('route="/api/day"');
  expect(h.counts.apiTotal).toBe(increase(count, start, start + 3 * 86_400));
  expect(h.counts.apiErrors).toBe(increase(errors, start, start + 3 * 86_400));
  const lookups = increase(lookupCount, start, start + 3 * 86_400);
  const fast = increase((k) => k.includes('route="/api/day"') && k.includes('le="0.3"'), start, start + 3 * 86_400);
  expect(h.counts.lookups).toBe(lookups);
  expect(h.counts.slowLookups).toBe(lookups - fast);
  const day2 = h.countsBetween(start + 86_400, start + 2 * 86_400);
  expect(day2.apiErrors).toBe(increase(errors, start + 86_400, start + 2 * 86_400));

  // the incidents show: the outage hour is mostly 503s, the slow hour has many lookups over 300 ms
  const outage = h.countsBetween(start + 3600, start + 3600 + 1800);
  expect(outage.apiErrors / outage.apiTotal).toBeGreaterThan(0.85);
  const quiet = h.countsBetween(start + 12 * 3600, start + 13 * 3600);
  expect(quiet.apiErrors / quiet.apiTotal).toBeLessThan(0.002);
  const slowHour = h.countsBetween(start + 86_400 + 3600, start + 86_400 + 7200);
  expect(slowHour.slowLookups / slowHour.lookups).toBeGreaterThan(0.05);
  expect(quiet.slowLookups / quiet.lookups).toBeLessThan(0.01);
}, 60_000);

it('is deterministic: the same options give the same file, another seed another', async () => {
  const hash = async (o: DayHistoryOptions, name: string) => {
    await writeDayHistory(o, path.join(dir, name));
    return createHash('sha256')
      .update(readFileSync(path.join(dir, name)))
      .digest('hex');
  };
  const one = threeDays({ end: start + 86_400 });
  expect(await hash(one, 'b.om')).toBe(await hash(one, 'c.om'));
  expect(await hash({ ...one, seed: one.seed + 1 }, 'd.om')).not.toBe(await hash(one, 'e.om'));
}, 60_000);
