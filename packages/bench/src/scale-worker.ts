/**
 * One `slo compile` run in a process of its own, for the compile-scale benchmark: a fresh process per size
 * so that the peak RSS it reports is that run's alone. It runs the pipeline's `compileAndWrite` (what `slo
 * compile` does, end to end, without printing: read, check, model, compile, tests, dashboards, render, write
 * atomically) and times its phases by wrapping the library functions the pipeline calls through their module
 * exports.
 *
 *   node packages/bench/dist/scale-worker.js INPUT_DIR RULES_OUT DASHBOARDS_OUT
 *
 * prints one JSON line (WorkerResult) on standard output. Only the built dist can run it: the wrapping
 * relies on the CommonJS modules of the built packages.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Diagnostic } from '@slo-engine/openslo';

export interface WorkerResult {
  /** SLOs the run compiled, as `slo compile` reports them. */
  slos: number;
  exitCode: number;
  /** Wall time of compileAndWrite, milliseconds. */
  totalMs: number;
  /** Node start-up and module loading before compileAndWrite, milliseconds (not part of totalMs). */
  startupMs: number;
  /** CPU time of compileAndWrite in every thread of the process (the writing thread too), milliseconds. */
  cpu: { userMs: number; systemMs: number };
  /** Exclusive milliseconds per phase; `other` is totalMs minus every timed phase. */
  phases: Record<string, number>;
  /** How often each wrapped function was called. */
  calls: Record<string, number>;
  /** peakRssKiB() at the end: the run's peak resident set, KiB. */
  maxRssKiB: number;
  /** The most resident set and V8 heap in use seen at the end of a top-level call of each phase, MiB: what each phase keeps. */
  memory: Record<string, { rssMiB: number; heapMiB: number }>;
  files: { rules: number; dashboards: number };
  warnings: number;
  errors: number;
  /** The last diagnostics, one line each, for a failed run. */
  stderrTail: string;
}

/**
 * Where the pipeline is timed: each is a function that another package's module calls through the
 * exports object (`(0, mod_1.fn)(...)` in the compiled CommonJS), so replacing the export replaces every
 * such call, or a method on an exported class's prototype (`fn` is then a dotted path). Calls inside a
 * module are direct and stay untimed: they count towards their caller.
 */
const POINTS: { phase: string; module: string; fn: string }[] = [
  { phase: 'read files', module: '@slo-engine/openslo/dist/read', fn: 'readInputs' },
  { phase: 'parse YAML', module: '@slo-engine/openslo/dist/source', fn: 'parseSource' },
  { phase: 'validate', module: '@slo-engine/openslo/dist/engine', fn: 'checkSources' },
  { phase: 'model', module: '@slo-engine/openslo/dist/normalise', fn: 'buildModel' },
  { phase: 'compile rules', module: '@slo-engine/rules/dist/compile', fn: 'compileSlo' },
  { phase: 'generate tests', module: '@slo-engine/rules/dist/testgen', fn: 'generateTests' },
  { phase: 'render YAML', module: '@slo-engine/rules/dist/render', fn: 'toYaml' },
  { phase: 'render YAML', module: '@slo-engine/rules/dist/render', fn: 'nestYaml' },
  { phase: 'build dashboards', module: '@slo-engine/dashboards/dist/index', fn: 'dashboardFor' },
  { phase: 'build dashboards', module: '@slo-engine/dashboards/dist/index', fn: 'overviewFile' },
  { phase: 'render dashboard JSON', module: '@slo-engine/dashboards/dist/index', fn: 'renderDashboard' },
  { phase: 'write files', module: '@slo-engine/pipeline/dist/outputs', fn: 'stageFile' },
  { phase: 'write files', module: '@slo-engine/pipeline/dist/outputs', fn: 'OutputDir.prototype.commit' },
];

export const PHASES = [...new Set(POINTS.map((p) => p.phase)), 'other'];

interface Frame {
  start: number;
  nested: number;
}

const MiB = 2 ** 20;
/** process.memoryUsage() costs tens of microseconds and phases alternate per SLO: the first end of each phase, then every 100 ms. */
const SAMPLE_EVERY_MS = 100;

function instrument(): Pick<WorkerResult, 'phases' | 'calls' | 'memory'> {
  const phases: Record<string, number> = Object.fromEntries(PHASES.map((p) => [p, 0]));
  const calls: Record<string, number> = {};
  const memory: WorkerResult['memory'] = {};
  const stack: Frame[] = [];
  let lastSample = 0;
  const sample = (phase: string) => {
    const now = performance.now();
    if (memory[phase] && now - lastSample < SAMPLE_EVERY_MS) return;
    lastSample = now;
    const m = process.memoryUsage();
    const seen = memory[phase] ?? { rssMiB: 0, heapMiB: 0 };
    memory[phase] = { rssMiB: Math.max(seen.rssMiB, Math.round(m.rss / MiB)), heapMiB: Math.max(seen.heapMiB, Math.round(m.heapUsed / MiB)) };
  };
  // exclusive time: a wrapped call inside another is taken off its caller
  const done = (phase: string, frame: Frame) => {
    const inclusive = performance.now() - frame.start;
    stack.pop();
    phases[phase] = (phases[phase] ?? 0) + inclusive - frame.nested;
    const parent = stack[stack.length - 1];
    if (parent) parent.nested += inclusive;
    else sample(phase);
  };
  for (const p of POINTS) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const segments = p.fn.split('.');
    const name = segments.pop()!;
    let mod = require(p.module) as Record<string, unknown>;
    for (const seg of segments) mod = (mod?.[seg] ?? undefined) as Record<string, unknown>;
    const original = mod?.[name];
    if (typeof original !== 'function') throw new Error(`${p.module} has no function ${p.fn}: the benchmark's instrumentation points are out of date`);
    const key = `${p.module.replace('/dist/', ':')}.${p.fn}`;
    calls[key] = 0;
    mod[name] = function (this: unknown, ...args: unknown[]) {
      calls[key]!++;
      const frame: Frame = { start: performance.now(), nested: 0 };
      stack.push(frame);
      let result: unknown;
      try {
        result = (original as (...a: unknown[]) => unknown).apply(this, args);
      } catch (e) {
        done(p.phase, frame);
        throw e;
      }
      // the pipeline awaits each async phase before starting the next, so the stack stays nested
      if (result instanceof Promise)
        return result.finally(() => {
          done(p.phase, frame);
        });
      done(p.phase, frame);
      return result;
    };
  }
  return { phases, calls, memory };
}

/**
 * This process's own peak resident set, KiB. On Linux getrusage's maxRSS (process.resourceUsage) also
 * counts the parent's resident set at the moment this process was spawned, which survives fork and exec:
 * a large benchmark process would inflate it. /proc's VmHWM is this process's alone.
 */
export function peakRssKiB(): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS;
}

function countFiles(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) n += e.isDirectory() ? countFiles(path.join(dir, e.name)) : e.isFile() ? 1 : 0;
  return n;
}

/** A diagnostic as one line, the way `slo compile` starts it. */
const line = (d: Diagnostic) => `${d.pos.file}:${d.pos.line}:${d.pos.column} ${d.severity} ${d.message} [${d.code}]`;

async function main(): Promise<void> {
  const [input, rulesOut, dashboardsOut] = process.argv.slice(2);
  if (!input || !rulesOut || !dashboardsOut) throw new Error('usage: scale-worker INPUT_DIR RULES_OUT DASHBOARDS_OUT');
  const timing = instrument();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { compileAndWrite } = require('@slo-engine/pipeline') as typeof import('@slo-engine/pipeline');
  const startupMs = performance.now();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // paths relative to the input's parent, as a user would give them
  const result = await compileAndWrite(
    [input],
    { out: { rules: rulesOut, dashboards: dashboardsOut }, check: false, strict: false, disableTier: [] },
    { stdin: process.stdin, cwd: path.dirname(input) },
  );
  const totalMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const timed = Object.values(timing.phases).reduce((a, b) => a + b, 0);
  timing.phases.other = totalMs - timed;
  const written = result.status === 'done';
  const diagnostics = 'diagnostics' in result ? result.diagnostics : [];
  const tail = 'message' in result ? [result.message] : 'error' in result ? [`cannot write: ${result.error.message}`] : [];
  const out: WorkerResult = {
    slos: written ? result.slos : 0,
    // as slo compile exits
    exitCode: written ? 0 : result.status === 'unknown-tier' ? 2 : 1,
    totalMs,
    startupMs,
    cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 },
    phases: timing.phases,
    calls: timing.calls,
    maxRssKiB: peakRssKiB(),
    memory: timing.memory,
    files: { rules: written ? countFiles(rulesOut) : 0, dashboards: written ? countFiles(dashboardsOut) : 0 },
    warnings: diagnostics.filter((d) => d.severity === 'warning').length,
    errors: diagnostics.filter((d) => d.severity === 'error').length,
    stderrTail: [...diagnostics.map(line), ...tail].slice(-20).join('\n'),
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (require.main === module)
  main().catch((e: unknown) => {
    process.stderr.write(`scale-worker: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
