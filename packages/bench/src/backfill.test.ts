// @integration: runs promtool and Prometheus
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { backfillSection, BACKFILL_SIZES, extrapolatePasses, type LoadResult, type SizedRun, type WorkerRun } from './backfill';

const root = path.resolve(__dirname, '../../..');
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

/** A run as the section records it, with only what the extrapolation reads. */
const sized = (slos: number, seconds: (number | null)[], finished = true): SizedRun => ({
  slos,
  recordingRules: 0,
  run: { finished, passes: seconds.map((s, i) => ({ pass: i + 1, records: [], seconds: s, chunksDone: s === null ? 0 : 30, chunks: 30 })) } as unknown as WorkerRun,
});

it('extrapolates each pass from the two largest finished runs, never below linear growth', () => {
  const runs = [sized(5, [10, 20, 40]), sized(10, [20, 80, 60]), sized(50, [100, null, null], false)];
  const m = extrapolatePasses(runs, 50)!;
  expect(m.from).toEqual([5, 10]);
  // pass 1 linear (×5), pass 2 quadratic (×25), pass 3 grew less than linearly: taken as linear
  expect(m.exponents.map((e) => +e.toFixed(3))).toEqual([1, 2, 0.585]);
  expect(m.seconds.map((s) => Math.round(s))).toEqual([100, 2000, 300]);
  expect(extrapolatePasses([sized(5, [1, 2]), sized(10, [1, null], false)], 50)).toBeUndefined();
});

it('smoke: backfill() of 1 and then 2 SLOs over a day in a worker, memory sampled, blocks loaded and the period exact', async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'slo-bench-backfill-test-'));
  const lines: string[] = [];
  const r = await backfillSection({ mode: 'smoke', root, scratch, log: (l) => lines.push(l) });
  expect(r.id).toBe('backfill');
  const data = r.data as { runs: SizedRun[]; load?: LoadResult & { slos: number }; passes: number };
  expect(data.runs.map((x) => x.slos)).toEqual([...BACKFILL_SIZES.smoke.ladder, BACKFILL_SIZES.smoke.slos]);
  for (const { run } of data.runs) {
    expect(run.finished).toBe(true);
    expect(run.error).toBeUndefined();
    // every pass timed, every chunk done, blocks counted per pass
    expect(run.passes.map((p) => p.pass)).toEqual(Array.from({ length: data.passes }, (_, i) => i + 1));
    for (const p of run.passes) {
      expect(p.chunksDone).toBe(p.chunks);
      expect(p.seconds).toBeGreaterThan(0);
    }
    expect(run.blocksPerPass).toHaveLength(data.passes);
    expect(run.blocksPerPass.reduce((a, b) => a + b, 0)).toBe(run.result!.written as unknown as number);
    expect(run.openFilesLimit === null || run.openFilesLimit >= 1024).toBe(true);
  }
  // the worker, promtool, the private Prometheus and the source were all seen in /proc
  const m = data.runs[1]!.run.memory;
  expect(m.peakKiB.node).toBeGreaterThan(10_000);
  // (a promtool run shorter than the 250 ms sampling interval can go unseen)
  expect(m.processes.promtool).toBeGreaterThanOrEqual(1);
  expect(m.peakKiB.promtool).toBeGreaterThan(1_000);
  expect(m.peakKiB['private prometheus']).toBeGreaterThan(10_000);
  expect(m.peakKiB['source prometheus']).toBeGreaterThan(10_000);
  expect(m.treePeakKiB).toBeGreaterThanOrEqual(m.peakKiB.node);
  expect(data.runs[1]!.run.cpuSeconds!.children).toBeGreaterThan(0);
  // the larger run loaded as a user would: both SLOs' period ratio within 1% of the exact ratio of sums, a day of 30 covered
  expect(data.load!.slos).toBe(2);
  expect(data.load!.blocksLoaded).toBeGreaterThan(0);
  expect(data.load!.accuracy).toHaveLength(2);
  expect(data.load!.worstRelativeError).toBeLessThan(0.01);
  expect(data.load!.minCoverage).toBeCloseTo(1 / 30, 2);
  expect(r.targets.map((t) => t.goal)).toEqual(['< 20 min', '< 2 GiB', '≤ 1%']);
  for (const t of r.tables) for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
}, 300_000);
