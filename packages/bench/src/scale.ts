import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import type { Context, Mode, Section, SectionResult, Table, Target } from './section';
import type { WorkerResult } from './scale-worker';
import type { WriteFloor } from './write-again';

/**
 * Section 4, compile scale: time and peak memory of `slo compile` on 100, 1,000 and 10,000 generated,
 * varied SLOs, each size in a fresh process (scale-worker), with the time split by phase.
 */

export const SCALE_SIZES: Record<Mode, number[]> = { smoke: [20, 100], default: [100, 1000, 10000], full: [100, 1000, 10000, 30000] };
const SLOS_PER_FILE = 100;
const SLOS_PER_SERVICE = 10;
/** The V8 heap limit of the run that shows how much memory a compile needs alive. */
const CAPPED_HEAP_MIB = 400;

/** The issue's targets, for 10,000 SLOs on the 2-core machine. */
const TARGET_N = 10000;
const TARGET_SECONDS = 5;
const TARGET_MIB = 1024;
const LINEARITY = 1.5;

// ---------------------------------------------------------------------------------------------------------
// generated input: every shape of SLO the compiler handles, in rotation

const SHARED = `# Shared by the generated SLOs: a data source, notification targets, a condition and two policies.
apiVersion: openslo/v1
kind: DataSource
metadata:
  name: prometheus
spec:
  description: The cluster Prometheus
  type: Prometheus
  connectionDetails:
    url: http://prometheus:9090
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: oncall
spec:
  description: The on-call rotation
  target: pagerduty
---
apiVersion: openslo/v1
kind: AlertNotificationTarget
metadata:
  name: tickets
spec:
  description: The ticket queue
  target: jira
---
apiVersion: openslo/v1
kind: AlertCondition
metadata:
  name: burn-14x-1h
spec:
  description: 2% of a 30-day budget in one hour
  severity: page
  condition:
    kind: burnrate
    op: gte
    threshold: 14.4
    lookbackWindow: 1h
    alertAfter: 2m
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: fast-burn
spec:
  description: Page on a fast burn
  alertWhenBreaching: true
  alertWhenResolved: true
  alertWhenNoData: false
  conditions:
    - conditionRef: burn-14x-1h
  notificationTargets:
    - targetRef: oncall
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata:
  name: slow-burn
spec:
  description: A ticket on a slow burn
  alertWhenBreaching: true
  alertWhenResolved: false
  alertWhenNoData: false
  conditions:
    - kind: AlertCondition
      metadata:
        name: burn-3x-1d
      spec:
        severity: ticket
        condition:
          kind: burnrate
          op: gte
          threshold: 3
          lookbackWindow: 1d
          alertAfter: 5m
  notificationTargets:
    - targetRef: tickets
`;

function serviceDoc(svc: string, n: number): string {
  return `apiVersion: openslo/v1
kind: Service
metadata:
  name: ${svc}
  displayName: Service ${n}
spec:
  description: Generated service number ${n}
`;
}

const metricSource = (query: string, indent: string) => `${indent}metricSource:
${indent}  type: Prometheus
${indent}  spec:
${indent}    query: ${query}`;

const window = (d: string) => `  timeWindow:
    - duration: ${d}
      isRolling: true`;

function head(name: string, i: number, extra = ''): string {
  return `apiVersion: openslo/v1
kind: SLO
metadata:
  name: ${name}
  displayName: Generated SLO ${i}
  labels:
    team: team-${i % 7}
    tier: "${1 + (i % 3)}"
${extra}spec:
  description: Generated SLO number ${i}`;
}

/** The SLO documents of SLO number i (and the SLI it refers to, for some). */
function sloDocs(i: number, svc: string): string {
  const k = Math.floor(i / 8) % 50;
  const handler = `/api/v${k}`;
  const runbook = `  annotations:\n    runbook_url: https://runbooks.example.com/${svc}/${i}\n`;
  switch (i % 8) {
    case 0: {
      // bad/total, bare counters
      const name = `${svc}-errors-${i}`;
      return `${head(name, i)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        counter: true
        bad:
${metricSource(`http_requests_total{job="${svc}",handler="${handler}",code=~"5.."}`, '          ')}
        total:
${metricSource(`http_requests_total{job="${svc}",handler="${handler}"}`, '          ')}
${window('30d')}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests without server errors
      target: 0.999
`;
    }
    case 1: {
      // good/total, Sloth-style {{.window}} queries, a percentage
      const name = `${svc}-success-${i}`;
      return `${head(name, i)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        good:
${metricSource(`sum(rate(http_requests_total{job="${svc}",handler="${handler}",code!~"(5..|429)"}[{{.window}}]))`, '          ')}
        total:
${metricSource(`sum(rate(http_requests_total{job="${svc}",handler="${handler}"}[{{.window}}]))`, '          ')}
${window('28d')}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Successful requests
      targetPercent: 99.5
`;
    }
    case 2: {
      // latency from histogram buckets, two objectives on one indicator
      const name = `${svc}-latency-${i}`;
      const le = ['0.1', '0.3', '1'][k % 3]!;
      return `${head(name, i, runbook)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        counter: true
        good:
${metricSource(`http_request_duration_seconds_bucket{job="${svc}",handler="${handler}",le="${le}"}`, '          ')}
        total:
${metricSource(`http_request_duration_seconds_count{job="${svc}",handler="${handler}"}`, '          ')}
${window('7d')}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Within ${le} s
      target: 0.99
    - displayName: Within ${le} s, relaxed
      target: 0.95
`;
    }
    case 3: {
      // ratio time slices
      const name = `${svc}-good-minutes-${i}`;
      return `${head(name, i)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        counter: true
        bad:
${metricSource(`sum(rate(http_requests_total{job="${svc}",code=~"5.."}[{{.window}}]))`, '          ')}
        total:
${metricSource(`sum(rate(http_requests_total{job="${svc}"}[{{.window}}]))`, '          ')}
${window('30d')}
  budgetingMethod: Timeslices
  objectives:
    - displayName: Good minutes
      target: 0.99
      timeSliceTarget: 0.95
      timeSliceWindow: 1m
`;
    }
    case 4: {
      // a threshold metric in 5-minute slices
      const name = `${svc}-queue-${i}`;
      return `${head(name, i)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      thresholdMetric:
${metricSource(`max(max_over_time(queue_depth{job="${svc}",queue="q${k}"}[{{.window}}]))`, '        ')}
${window('28d')}
  budgetingMethod: Timeslices
  objectives:
    - displayName: Queue at most 100 deep
      op: lte
      value: 100
      target: 0.95
      timeSliceTarget: 1
      timeSliceWindow: 5m
`;
    }
    case 5: {
      // an SLI of its own, a data source by reference, shared alert policies
      const name = `${svc}-availability-${i}`;
      const ref = (q: string) => `          metricSource:
            metricSourceRef: prometheus
            spec:
              query: ${q}`;
      return `apiVersion: openslo/v1
kind: SLI
metadata:
  name: ${name}-sli
spec:
  description: Server errors of ${svc}
  ratioMetric:
    counter: true
    bad:
${ref(`http_request_duration_seconds_count{job="${svc}",route=~"/api/.*",status_code=~"5.."}`).replace(/^ {4}/gm, '')}
    total:
${ref(`http_request_duration_seconds_count{job="${svc}",route=~"/api/.*"}`).replace(/^ {4}/gm, '')}
---
${head(name, i, runbook)}
  service: ${svc}
  indicatorRef: ${name}-sli
${window('30d')}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Requests without server errors
      target: 0.999
  alertPolicies:
    - alertPolicyRef: fast-burn
    - alertPolicyRef: slow-burn
`;
    }
    case 6: {
      // $window queries, an inline alert policy with its own condition and target
      const name = `${svc}-writes-${i}`;
      return `${head(name, i)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        bad:
${metricSource(`sum(rate(db_writes_total{job="${svc}",result="error"}[$window]))`, '          ')}
        total:
${metricSource(`sum(rate(db_writes_total{job="${svc}"}[$window]))`, '          ')}
${window('7d')}
  budgetingMethod: Occurrences
  objectives:
    - target: 0.995
  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: ${name}-burn
      spec:
        alertWhenBreaching: true
        conditions:
          - kind: AlertCondition
            metadata:
              name: ${name}-fast
            spec:
              severity: page
              condition:
                kind: burnrate
                op: gte
                threshold: 10
                lookbackWindow: 1h
                alertAfter: 2m
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: ${name}-chat
            spec:
              target: slack
`;
    }
    default: {
      // fixed-range rates, runbook and dashboard links
      const name = `${svc}-grpc-${i}`;
      const extra = `${runbook}    dashboard_url: https://grafana.example.com/d/${name}\n`;
      return `${head(name, i, extra)}
  service: ${svc}
  indicator:
    metadata:
      name: ${name}-sli
    spec:
      ratioMetric:
        bad:
${metricSource(`sum(rate(grpc_server_handled_total{job="${svc}",grpc_service="svc${k}",grpc_code!="OK"}[5m]))`, '          ')}
        total:
${metricSource(`sum(rate(grpc_server_handled_total{job="${svc}",grpc_service="svc${k}"}[5m]))`, '          ')}
${window('30d')}
  budgetingMethod: Occurrences
  objectives:
    - displayName: Calls without errors
      target: 0.9995
`;
    }
  }
}

/** Writes n SLOs (10 per service, 100 per file) and the shared documents into dir; returns the file count. */
export function generateSpecs(n: number, dir: string): number {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '_shared.yaml'), SHARED);
  let files = 1;
  for (let first = 0; first < n; first += SLOS_PER_FILE) {
    const docs: string[] = [];
    for (let i = first; i < Math.min(n, first + SLOS_PER_FILE); i++) {
      const s = Math.floor(i / SLOS_PER_SERVICE);
      const svc = `svc-${String(s).padStart(4, '0')}`;
      if (i % SLOS_PER_SERVICE === 0) docs.push(serviceDoc(svc, s));
      docs.push(sloDocs(i, svc));
    }
    writeFileSync(path.join(dir, `slos-${String(first / SLOS_PER_FILE).padStart(4, '0')}.yaml`), `# Generated for the compile-scale benchmark.\n${docs.join('---\n')}`);
    files++;
  }
  return files;
}

// ---------------------------------------------------------------------------------------------------------
// running the worker

/** Runs one built script in a process of its own and returns the JSON of its last output line; rejects with its stderr when it fails. */
async function runScript<T>(worker: string, args: string[], nodeArgs: string[] = []): Promise<T> {
  const child = spawn(process.execPath, [...nodeArgs, worker, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`${path.basename(worker)} ${args.join(' ')} failed (exit ${code}):\n${err}`);
  const line = out.trim().split('\n').pop() ?? '';
  return JSON.parse(line) as T;
}
const runWorker = (worker: string, args: string[], nodeArgs: string[] = []) => runScript<WorkerResult>(worker, args, nodeArgs);

export interface ScaleRun extends WorkerResult {
  n: number;
  inputFiles: number;
}

/** The largest costs in a V8 CPU profile: self time by package and by function. */
export function summariseProfile(file: string, top = 8): { byPackage: [string, number][]; byFunction: [string, number][] } {
  const prof = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: { id: number; hitCount?: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
    samples: number[];
    startTime: number;
    endTime: number;
  };
  const perSample = (prof.endTime - prof.startTime) / 1000 / Math.max(1, prof.samples.length);
  const pkg = (url: string, fn: string) => {
    if (!url) return fn.startsWith('(') ? fn : '(native)';
    if (url.startsWith('node:')) return 'node internals';
    const ours = /packages\/([^/]+)\/dist\//.exec(url);
    if (ours) return `@slo-engine/${ours[1]}`;
    const dep = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url);
    return dep ? dep[1]! : '(other)';
  };
  const byPackage = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const n of prof.nodes) {
    const ms = (n.hitCount ?? 0) * perSample;
    if (!ms) continue;
    const p = pkg(n.callFrame.url, n.callFrame.functionName);
    byPackage.set(p, (byPackage.get(p) ?? 0) + ms);
    if (!n.callFrame.url && n.callFrame.functionName.startsWith('(')) continue; // GC, idle, program: already in byPackage
    const f = `${n.callFrame.functionName || '(anonymous)'} (${p}${n.callFrame.url ? `:${path.basename(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : ''})`;
    byFunction.set(f, (byFunction.get(f) ?? 0) + ms);
  }
  const sorted = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top);
  return { byPackage: sorted(byPackage), byFunction: sorted(byFunction) };
}

// ---------------------------------------------------------------------------------------------------------
// the section

const s = (ms: number) => (ms / 1000).toFixed(ms < 10_000 ? 2 : 1);
const mib = (kib: number) => kib / 1024;
const pctOf = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;

export const compileScale: Section = async (ctx: Context): Promise<SectionResult> => {
  const worker = path.join(ctx.root, 'packages/bench/dist/scale-worker.js');
  if (!existsSync(worker)) throw new Error(`run pnpm build first: ${path.relative(ctx.root, worker)} is missing`);
  const sizes = SCALE_SIZES[ctx.mode];
  const runs: ScaleRun[] = [];
  let floor: WriteFloor | undefined;
  for (const n of sizes) {
    const dir = path.join(ctx.scratch, `scale-${n}`);
    const input = path.join(dir, 'specs');
    const inputFiles = generateSpecs(n, input);
    const outs = [path.join(dir, 'rules-out'), path.join(dir, 'dashboards-out')];
    const r = await runWorker(worker, [input, ...outs]);
    // a failed compile measures nothing: the generator is wrong, not the compiler slow
    if (r.exitCode !== 0 || r.slos !== n) throw new Error(`slo compile of ${n} generated SLOs failed (exit ${r.exitCode}, ${r.slos} compiled):\n${r.stderrTail}`);
    runs.push({ ...r, n, inputFiles });
    ctx.log(`${n} SLOs: ${s(r.totalMs)} s, peak RSS ${mib(r.maxRssKiB).toFixed(0)} MiB`);
    if (n === sizes[sizes.length - 1]) {
      // in a fresh process, like the compile it is set against, so that the benchmark's own heap plays no part
      floor = await runScript<WriteFloor>(path.join(ctx.root, 'packages/bench/dist/write-again.js'), [path.join(dir, 'again'), ...outs]);
      ctx.log(`the same ${floor.files} files written alone: ${s(floor.ms)} s`);
    }
    rmSync(dir, { recursive: true, force: true }); // the output of 10,000 SLOs is some 600 MB
  }

  const perK = (r: ScaleRun) => r.totalMs / r.n; // ms per SLO = s per 1,000 SLOs
  const cpuMs = (r: ScaleRun) => r.cpu.userMs + r.cpu.systemMs;
  const cores = availableParallelism();
  const rows = runs.map((r, i) => {
    const prev = runs[i - 1];
    return [
      r.n.toLocaleString('en-US'),
      String(r.files.rules + r.files.dashboards),
      s(r.totalMs),
      s(cpuMs(r)),
      perK(r).toFixed(3),
      mib(r.maxRssKiB).toFixed(0),
      pctOf(r.phases['parse YAML']!, r.totalMs),
      pctOf(r.phases['write files']!, r.totalMs),
      prev ? `×${(r.totalMs / prev.totalMs).toFixed(1)} for ×${(r.n / prev.n).toFixed(0)} SLOs (per SLO ×${(perK(r) / perK(prev)).toFixed(2)})` : '—',
    ];
  });
  const main: Table = {
    title: 'Compile time and peak memory by number of SLOs (`slo compile`, end to end, one fresh process each)',
    columns: ['SLOs', 'files written', 'total s', 'CPU s (all threads)', 's per 1,000 SLOs', 'peak RSS MiB', 'YAML parsing', 'writing files', 'growth vs previous'],
    rows,
  };
  const phaseNames = Object.keys(runs[0]!.phases);
  const phases: Table = {
    title: 'Where the time goes: seconds (share of total) per phase',
    columns: ['phase', ...runs.map((r) => `${r.n.toLocaleString('en-US')} SLOs`)],
    rows: [
      ...phaseNames.map((p) => [p, ...runs.map((r) => `${s(r.phases[p]!)} (${pctOf(r.phases[p]!, r.totalMs)})`)]),
      ['total', ...runs.map((r) => s(r.totalMs))],
      ['start-up: node and modules, not in the total', ...runs.map((r) => s(r.startupMs))],
    ],
  };

  const targets: Target[] = [];
  const tables = [main, phases];
  const notes: string[] = [];
  const big = runs.find((r) => r.n === TARGET_N);
  const k = runs.find((r) => r.n === TARGET_N / 10);
  if (big && k) {
    const linear = perK(big) / perK(k);
    targets.push(
      { what: `compile ${TARGET_N.toLocaleString('en-US')} SLOs`, goal: `< ${TARGET_SECONDS} s`, measured: `${s(big.totalMs)} s`, met: big.totalMs < TARGET_SECONDS * 1000 },
      { what: `peak memory compiling ${TARGET_N.toLocaleString('en-US')} SLOs`, goal: '< 1 GiB', measured: `${mib(big.maxRssKiB).toFixed(0)} MiB`, met: mib(big.maxRssKiB) < TARGET_MIB },
      { what: 'time per SLO at 10,000 / at 1,000 (linear growth)', goal: `≤ ${LINEARITY}`, measured: linear.toFixed(2), met: linear <= LINEARITY },
    );
    tables.push({
      title: 'Against the targets (10,000 SLOs)',
      columns: ['what', 'ours', 'target', 'ratio ours / target'],
      rows: [
        ['total time', `${s(big.totalMs)} s`, `${TARGET_SECONDS} s`, (big.totalMs / 1000 / TARGET_SECONDS).toFixed(2)],
        ['peak RSS', `${mib(big.maxRssKiB).toFixed(0)} MiB`, `${TARGET_MIB} MiB`, (mib(big.maxRssKiB) / TARGET_MIB).toFixed(2)],
        ['time per SLO, 10,000 vs 1,000', linear.toFixed(2), String(LINEARITY), (linear / LINEARITY).toFixed(2)],
        [
          `CPU time (all threads) over the ${cores} cores: the least wall time any split of this work could take`,
          `${s(cpuMs(big) / cores)} s`,
          `${TARGET_SECONDS} s`,
          (cpuMs(big) / cores / 1000 / TARGET_SECONDS).toFixed(2),
        ],
        ...(floor && big === runs[runs.length - 1]
          ? [[`writing the same ${floor.files.toLocaleString('en-US')} files alone (no compile)`, `${s(floor.ms)} s`, `${TARGET_SECONDS} s`, (floor.ms / 1000 / TARGET_SECONDS).toFixed(2)]]
          : []),
      ],
    });
  } else notes.push(`${ctx.mode} mode: sizes ${sizes.join(', ')} are too small for the targets (10,000 SLOs); they only prove the benchmark runs.`);

  const largest = runs[runs.length - 1]!;
  const ranked = phaseNames.map((p) => [p, largest.phases[p]!] as const).sort((a, b) => b[1] - a[1]);
  notes.push(
    `At ${largest.n.toLocaleString('en-US')} SLOs the time goes to ${ranked
      .slice(0, 4)
      .map(([p, ms]) => `${p} ${pctOf(ms, largest.totalMs)}`)
      .join(', ')}.`,
  );

  const input = largest.phases['read files']! + largest.phases['parse YAML']! + largest.phases.validate!;
  notes.push(
    `The CPU's share: the ${largest.n.toLocaleString('en-US')}-SLO compile used ${s(cpuMs(largest))} s of CPU (user ${s(largest.cpu.userMs)} s, system ${s(largest.cpu.systemMs)} s, every thread) in ${s(largest.totalMs)} s; ` +
      `spread perfectly over this machine's ${cores} cores that is still ${s(cpuMs(largest) / cores)} s. Reading, parsing and validating the input alone took ${s(input)} s (${pctOf(input, largest.totalMs)}), before anything was compiled.`,
  );

  if (floor)
    notes.push(
      `The file system's share: the ${floor.files.toLocaleString('en-US')} files the ${largest.n.toLocaleString('en-US')}-SLO compile wrote (${(floor.bytes / 2 ** 20).toFixed(0)} MiB) take ${s(floor.ms)} s to write again ` +
        `into an empty directory with nothing else running (one thread, mkdir once per directory, writeFileSync per file). slo compile writes on a second thread while it renders, ` +
        `so this is a floor under its total on this disk, not a share of it.`,
    );

  const held = ['validate', 'compile rules', 'render YAML', 'build dashboards', 'render dashboard JSON', 'write files'].filter((p) => largest.memory[p]);
  notes.push(
    `Memory at ${largest.n.toLocaleString('en-US')} SLOs, the most seen at the end of each phase (V8 heap in use / resident): ${held
      .map((p) => `${p} ${largest.memory[p]!.heapMiB} / ${largest.memory[p]!.rssMiB} MiB`)
      .join(', ')}; peak resident ${mib(largest.maxRssKiB).toFixed(0)} MiB.`,
  );

  // V8 grows its heap with the allocation rate, not with what is alive: a capped heap shows what the compile needs
  const cappedDir = path.join(ctx.scratch, 'capped');
  generateSpecs(largest.n, path.join(cappedDir, 'specs'));
  const capped = await runWorker(worker, [path.join(cappedDir, 'specs'), path.join(cappedDir, 'rules-out'), path.join(cappedDir, 'dashboards-out')], [`--max-old-space-size=${CAPPED_HEAP_MIB}`]);
  rmSync(cappedDir, { recursive: true, force: true });
  if (capped.exitCode !== 0 || capped.slos !== largest.n) throw new Error(`slo compile of ${largest.n} SLOs in a ${CAPPED_HEAP_MIB} MiB heap failed (exit ${capped.exitCode}):\n${capped.stderrTail}`);
  ctx.log(`${largest.n} SLOs in a ${CAPPED_HEAP_MIB} MiB heap: ${s(capped.totalMs)} s, peak RSS ${mib(capped.maxRssKiB).toFixed(0)} MiB`);
  const cappedRuns = `The same ${largest.n.toLocaleString('en-US')} SLOs compiled with the V8 heap capped at ${CAPPED_HEAP_MIB} MiB (node --max-old-space-size=${CAPPED_HEAP_MIB}) peak at ${mib(capped.maxRssKiB).toFixed(0)} MiB resident and take ${s(capped.totalMs)} s (uncapped: ${mib(largest.maxRssKiB).toFixed(0)} MiB, ${s(largest.totalMs)} s)`;
  notes.push(
    capped.maxRssKiB < 0.85 * largest.maxRssKiB
      ? `What the compile keeps alive is far less than the peak: Node lets the heap grow with the rate of allocation while collecting less often. ${cappedRuns}, the extra time being garbage collection.`
      : `${cappedRuns}: capping the heap hardly lowers the peak, which is close to what the compile keeps alive.`,
  );

  let profile: ReturnType<typeof summariseProfile> | undefined;
  if (ctx.mode !== 'smoke' && targets.some((t) => !t.met)) {
    // a target missed: say where the CPU goes, from a profile of the largest run
    const dir = path.join(ctx.scratch, 'profile');
    const input = path.join(dir, 'specs');
    generateSpecs(largest.n, input);
    ctx.log(`a target was missed: profiling ${largest.n} SLOs`);
    await runWorker(worker, [input, path.join(dir, 'rules-out'), path.join(dir, 'dashboards-out')], ['--cpu-prof', `--cpu-prof-dir=${path.join(dir, 'prof')}`]);
    const file = readdirSync(path.join(dir, 'prof')).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profile = summariseProfile(path.join(dir, 'prof', file));
      const total = profile.byPackage.reduce((a, [, ms]) => a + ms, 0);
      notes.push(`CPU profile of ${largest.n.toLocaleString('en-US')} SLOs, self time by package: ${profile.byPackage.map(([p, ms]) => `${p} ${pctOf(ms, total)}`).join(', ')}.`);
      notes.push(`Hottest functions (self time): ${profile.byFunction.map(([f, ms]) => `${f} ${(ms / 1000).toFixed(2)} s`).join('; ')}.`);
    }
    rmSync(dir, { recursive: true, force: true });
  }

  return {
    id: 'scale',
    title: 'Compile scale',
    method:
      `Generated OpenSLO documents (${SLOS_PER_SERVICE} SLOs per service, ${SLOS_PER_FILE} per file, plus shared data source, targets and alert policies) rotate through eight shapes: ` +
      'bad/total bare counters, good/total {{.window}} queries, histogram latency buckets with two objectives, ratio Timeslices, threshold Timeslices, an SLI by reference with shared alert policies, ' +
      '$window queries with an inline alert policy, fixed-range rates with runbook links; 7d, 28d and 30d windows, labels on every SLO. ' +
      `Sizes: ${sizes.join(', ')} SLOs. Each size runs \`slo compile\` (runCompile: read, validate, model, compile rules, generate tests, dashboards, render, write atomically to empty output directories) ` +
      "once in a fresh Node process, so the peak RSS (VmHWM in /proc/self/status, which unlike getrusage's maxRSS does not count the benchmark's own memory at spawn) is that run's alone; phases are timed by wrapping the library functions the pipeline calls, exclusive of each other. " +
      'The total excludes Node start-up and module loading, shown separately.',
    tables,
    targets,
    plots: [
      {
        file: 'compile-scale.svg',
        title: 'slo compile: seconds by number of SLOs',
        xLabel: 'SLOs',
        yLabel: 'seconds',
        series: [
          { name: 'measured', points: runs.map((r) => ({ x: r.n, y: r.totalMs / 1000 })) },
          { name: `linear from ${runs[runs.length - 2]?.n ?? runs[0]!.n} SLOs`, points: runs.map((r) => ({ x: r.n, y: (r.n * perK(runs[runs.length - 2] ?? runs[0]!)) / 1000 })) },
        ],
      },
    ],
    data: { runs, cores, floor, capped: { heapMiB: CAPPED_HEAP_MIB, n: largest.n, totalMs: capped.totalMs, maxRssKiB: capped.maxRssKiB }, profile },
    notes,
  };
};
