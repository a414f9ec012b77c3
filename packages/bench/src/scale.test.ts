// @integration: runs the built compiler in worker processes
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compileScale, generateSpecs, type ScaleRun } from './scale';
import type { WriteFloor } from './write-again';
import { PHASES } from './scale-worker';

const root = path.resolve(__dirname, '../../..');
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it('generates 100 SLOs per file, every one of the eight shapes', () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'slo-bench-scale-test-'));
  const dir = path.join(scratch, 'gen');
  expect(generateSpecs(250, dir)).toBe(4);
  const files = readdirSync(dir).sort();
  expect(files).toEqual(['_shared.yaml', 'slos-0000.yaml', 'slos-0001.yaml', 'slos-0002.yaml']);
  const text = files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
  expect(text.match(/^kind: SLO$/gm)).toHaveLength(250);
  expect(text.match(/^kind: Service$/gm)).toHaveLength(25);
  for (const shape of [
    'Timeslices',
    'thresholdMetric',
    '{{.window}}',
    '[$window]',
    'indicatorRef:',
    'alertPolicyRef:',
    'kind: AlertPolicy',
    '_bucket{',
    'duration: 7d',
    'duration: 28d',
    'duration: 30d',
  ])
    expect(text).toContain(shape);
});

it("measures a worker's own peak memory, not the memory of the process that spawned it", () => {
  const worker = path.join(root, 'packages/bench/dist/scale-worker.js');
  // this process holds 400 MiB while it spawns: getrusage's maxRSS in the child counts them, VmHWM does not
  const held = Buffer.alloc(400 * 2 ** 20, 1);
  const r = spawnSync(process.execPath, ['-e', `console.log(JSON.stringify([require(${JSON.stringify(worker)}).peakRssKiB(), process.resourceUsage().maxRSS]))`], { encoding: 'utf8' });
  expect(held[held.length - 1]).toBe(1);
  const [own, inherited] = JSON.parse(r.stdout) as [number, number];
  expect(inherited).toBeGreaterThan(400 * 1024);
  expect(own).toBeGreaterThan(10 * 1024);
  expect(own).toBeLessThan(200 * 1024);
});

it('smoke: compiles 20 and 100 generated SLOs end to end in fresh processes and times every phase', async () => {
  scratch ??= mkdtempSync(path.join(tmpdir(), 'slo-bench-scale-test-'));
  const r = await compileScale({ mode: 'smoke', root, scratch, log: () => {} });
  expect(r.id).toBe('scale');
  const runs = (r.data as { runs: ScaleRun[] }).runs;
  expect(runs.map((x) => x.n)).toEqual([20, 100]);
  for (const x of runs) {
    expect(x.exitCode).toBe(0);
    expect(x.errors).toBe(0);
    expect(x.slos).toBe(x.n);
    // four rule files per SLO (rules, PrometheusRule, tests and the shared rules its tests load), the shared rules
    // and their PrometheusRule; a dashboard per SLO and the overview; in each folder the compile's manifest
    expect(x.files).toEqual({ rules: 4 * x.n + 2 + 1, dashboards: x.n + 1 + 1 });
    expect(x.maxRssKiB).toBeGreaterThan(0);
    expect(x.totalMs).toBeGreaterThan(0);
    // CPU of every thread; how it compares with the wall time depends on the machine's load, which the report shows
    expect(x.cpu.userMs).toBeGreaterThan(0);
    expect(x.cpu.systemMs).toBeGreaterThan(0);
    expect(Object.keys(x.phases)).toEqual(PHASES);
    const timed = PHASES.filter((p) => p !== 'other').reduce((a, p) => a + x.phases[p]!, 0);
    for (const p of PHASES.filter((q) => q !== 'other')) expect(x.phases[p]!).toBeGreaterThanOrEqual(0);
    // the phases add up to the total; how large the unwrapped rest is depends on the machine's load (the report
    // gives it), so the test checks by call counts that every stage of the pipeline is wrapped
    expect(Math.abs(timed + x.phases.other! - x.totalMs)).toBeLessThan(1);
    expect(x.calls['@slo-engine/rules:compile.compileSlo']).toBe(x.n);
    expect(x.calls['@slo-engine/rules:testgen.generateTests']).toBe(x.n);
    expect(x.calls['@slo-engine/dashboards:index.renderDashboard']).toBe(x.n + 1);
    expect(x.calls['@slo-engine/openslo:source.parseSource']).toBe(x.inputFiles);
    // every output file staged once, then one commit per output directory (which writes its manifest)
    expect(x.calls['@slo-engine/pipeline:outputs.stageFile']).toBe(x.files.rules + x.files.dashboards - 2);
    expect(x.calls['@slo-engine/pipeline:outputs.OutputDir.prototype.commit']).toBe(2);
  }
  expect(r.tables[0]!.rows).toHaveLength(2);
  expect(r.tables[1]!.rows.map((row) => row[0])).toEqual([...PHASES, 'total', 'start-up: node and modules, not in the total']);
  expect(r.targets).toEqual([]);
  // the largest size's files written again alone: every one of them, and the note that reports it
  const floor = (r.data as { floor: WriteFloor }).floor;
  expect(floor.files).toBe(runs[1]!.files.rules + runs[1]!.files.dashboards);
  expect(floor.bytes).toBeGreaterThan(100 * 1000);
  expect(floor.ms).toBeGreaterThan(0);
  expect(r.notes!.join('\n')).toMatch(/the 100-SLO compile used \d+\.\d+ s of CPU \(user \d+\.\d+ s, system \d+\.\d+ s, every thread\) in \d+\.\d+ s; spread perfectly over this machine's \d+ cores/);
  expect(r.tables[0]!.rows[1]![3]).toBe(((runs[1]!.cpu.userMs + runs[1]!.cpu.systemMs) / 1000).toFixed(2));
  expect(r.notes!.join('\n')).toMatch(/the 505 files the 100-SLO compile wrote \(\d+ MiB\) take \d+\.\d+ s to write again/);
  const capped = (r.data as { capped: { n: number; totalMs: number; maxRssKiB: number } }).capped;
  expect(capped.n).toBe(100);
  expect(capped.totalMs).toBeGreaterThan(0);
  expect(r.notes!.join('\n')).toMatch(/compiled with the V8 heap capped at 400 MiB .* peak at \d+ MiB resident/);
}, 120_000);
