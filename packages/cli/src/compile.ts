import { buildModel, checkSources, Diagnostic, readInputs } from '@slo-engine/openslo';
import { compileSlo, CompileError, header, isAlert, outputStem, safeName as safe, renderRuleFile, toYaml, type CompiledSlo, generateTests } from '@slo-engine/rules';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { buildDashboards, renderDashboard } from '@slo-engine/dashboards';
import { applyOverrides, JsonnetError, renderMixin } from '@slo-engine/jsonnet';
import { drift, GENERATED_MARK, write, type OutputFile, type OutputPlan } from './outputs';
import { formatDiagnostic, plural, useColour } from './output';
import type { Io } from './validate';
import { VERSION } from './version';

export interface CompileCliOptions {
  rulesOut: string;
  dashboardsOut: string;
  check: boolean;
  strict: boolean;
  disableTier: string[];
  for?: string;
  format: 'text' | 'json';
  dashboardOverrides?: string;
  mixin?: string;
  /** A Helm chart's files/ folder that embeds the rule files and dashboards (rules/, dashboards/). */
  chartFiles?: string;
}


/** The generated files of one SLO, relative to the rules output directory. */
export function sloFiles(c: CompiledSlo, source: string): { files: OutputFile[]; untestable: { name: string; reason: string }[] } {
  const dir = outputStem(c.slo.service, c.slo.name);
  const rules = renderRuleFile(c.rules, header(VERSION, source, `Prometheus rules for SLO ${c.slo.name} (service ${c.slo.service})`));
  const manifest = {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: `slo-${safe(c.slo.service)}-${safe(c.slo.name)}`.toLowerCase().slice(0, 253),
      labels: { 'app.kubernetes.io/managed-by': 'slo-engine', 'slo-engine/service': c.slo.service, 'slo-engine/slo': c.slo.name },
    },
    spec: c.rules,
  };
  const files: OutputFile[] = [
    { path: `${dir}.rules.yaml`, content: rules },
    { path: `${dir}.prometheusrule.yaml`, content: header(VERSION, source, `PrometheusRule (Prometheus Operator) for SLO ${c.slo.name}`) + toYaml(manifest) },
  ];
  const tests = generateTests(c, `${safe(c.slo.name)}.rules.yaml`);
  files.push({ path: `${dir}.test.yaml`, content: header(VERSION, source, `promtool unit tests for SLO ${c.slo.name}: promtool test rules ${safe(c.slo.name)}.test.yaml`) + toYaml(tests.file) });
  return { files, untestable: tests.untestable };
}

function minutesOf(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const m = /^(\d+)(m|h)$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : 'invalid';
}

export interface CompilePlan {
  diagnostics: Diagnostic[];
  slos: number;
  /** Files relative to the rules output directory; empty when there are errors. */
  files: OutputFile[];
  /** Files relative to the dashboards output directory; empty when there are errors. */
  dashboards: OutputFile[];
  /** The compiled SLOs. */
  compiled: CompiledSlo[];
  /** `mixin.libsonnet`, relative to the mixin directory, when asked for. */
  mixin: OutputFile[];
}

export interface PlanOptions extends Pick<CompileCliOptions, 'strict' | 'disableTier'> {
  forMinutes?: number;
  /** The user's jsonnet, applied to every dashboard. */
  overrides?: { file: string; text: string };
  mixin?: boolean;
}

const generatedBy = (source: string) => `${GENERATED_MARK} ${VERSION} from ${source}; do not edit: change the source and run slo compile.`;

/** Reads, checks and compiles; returns every file it would write, without touching the disk. */
export async function planCompile(paths: string[], opts: PlanOptions, io: Pick<Io, 'cwd' | 'stdin'>): Promise<CompilePlan> {
  const forMinutes = opts.forMinutes;
  const diagnostics: Diagnostic[] = [];
  const read = await readInputs(paths, { cwd: io.cwd, stdin: io.stdin });
  diagnostics.push(...read.diagnostics);
  const result = checkSources(read.sources, { strict: opts.strict, missingReferences: 'error' });
  diagnostics.push(...result.diagnostics);
  const model = buildModel(result);
  diagnostics.push(...model.diagnostics);

  const compiled: { c: CompiledSlo; source: string; files: OutputFile[] }[] = [];
  if (!diagnostics.some((d) => d.severity === 'error')) {
    for (const slo of model.slos) {
      try {
        const c = compileSlo(slo, { engineVersion: VERSION, disable: opts.disableTier, forMinutes });
        for (const w of c.warnings) diagnostics.push(new Diagnostic('warning', 'compile', w, slo.pos, '', undefined, [], `SLO ${slo.name}`));
        const out = sloFiles(c, slo.pos.file);
        for (const u of out.untestable)
          diagnostics.push(new Diagnostic('warning', 'tests', `generated tests for ${u.name} ${u.reason}`, slo.pos, '', 'test what they leave out by hand', [], `SLO ${slo.name}`));
        compiled.push({ c, source: slo.pos.file, files: out.files });
      } catch (e) {
        if (!(e instanceof CompileError)) throw e;
        const pos = e.blockError?.query?.pos ?? slo.pos;
        diagnostics.push(new Diagnostic('error', 'compile', `cannot compile SLO ${slo.name}: ${e.message}`, pos, '', undefined, [], `SLO ${slo.name}`));
      }
    }
  }
  const failed = diagnostics.some((d) => d.severity === 'error');
  const none = (): CompilePlan => ({ diagnostics, slos: compiled.length, files: [], dashboards: [], compiled: [], mixin: [] });
  if (failed) return none();
  const files = compiled.flatMap((x) => x.files).sort((a, b) => (a.path < b.path ? -1 : 1));
  const boards = buildDashboards(
    compiled.map((x) => ({ c: x.c, generatedBy: generatedBy(x.source) })),
    `${GENERATED_MARK} ${VERSION}; do not edit: run slo compile.`,
  );
  const dashboards: { path: string; uid: string; dashboard: unknown }[] = [];
  for (const b of boards) {
    let dashboard: unknown = b.dashboard;
    if (opts.overrides) {
      try {
        dashboard = applyOverrides(opts.overrides, b.dashboard, { name: b.slo?.name ?? null, service: b.slo?.service ?? null, uid: b.dashboard.uid ?? '', file: b.path });
      } catch (e) {
        if (!(e instanceof JsonnetError)) throw e;
        // the diagnostic prints the location and hint itself: keep the first line of the message, without its location
        const first = e.message.split('\n')[0]!.replace(/^[^:\n]+(?::\d+){0,2}: /, '');
        const hint = /\n\s*hint: (.*)$/m.exec(e.message)?.[1] ?? 'the overrides file must be function(dashboard, slo) returning the dashboard';
        diagnostics.push(new Diagnostic('error', 'dashboard-overrides', first, { file: e.file, line: e.line ?? 1, column: e.column ?? 1 }, '', hint));
        return none();
      }
    }
    dashboards.push({ path: b.path, uid: b.dashboard.uid ?? '', dashboard });
  }
  const mixin: OutputFile[] = [];
  if (opts.mixin) {
    const groups = compiled.flatMap((x) => x.c.rules.groups);
    const hasAlerts = (g: (typeof groups)[number]) => g.rules.some(isAlert);
    mixin.push({
      path: 'mixin.libsonnet',
      content: renderMixin({
        header: `${GENERATED_MARK} ${VERSION}; do not edit: run slo compile --mixin.\nA monitoring mixin: prometheusRules, prometheusAlerts and grafanaDashboards of every compiled SLO.`,
        recordingGroups: groups.filter((g) => !hasAlerts(g)),
        alertGroups: groups.filter(hasAlerts),
        dashboards: Object.fromEntries(dashboards.map((d) => [`${d.uid}.json`, d.dashboard])),
      }),
    });
  }
  return {
    diagnostics,
    slos: compiled.length,
    files,
    dashboards: dashboards.map((d) => ({ path: d.path, content: renderDashboard(d.dashboard) })),
    compiled: compiled.map((x) => x.c),
    mixin,
  };
}

/** `slo compile`: returns the exit code (0 ok, 1 invalid input or stale outputs with --check). */
export async function runCompile(paths: string[], opts: CompileCliOptions, io: Io): Promise<number> {
  const colour = useColour(io.stderr, io.env);
  const forMinutes = minutesOf(opts.for);
  if (forMinutes === 'invalid') {
    io.stderr.write(`error: --for must be a whole number of minutes or hours, e.g. 2m (got "${opts.for}")\n`);
    return 2;
  }
  let overrides: { file: string; text: string } | undefined;
  if (opts.dashboardOverrides !== undefined) {
    const file = path.relative(io.cwd, path.resolve(io.cwd, opts.dashboardOverrides)) || opts.dashboardOverrides;
    try {
      overrides = { file, text: await fs.readFile(path.resolve(io.cwd, opts.dashboardOverrides), 'utf8') };
    } catch (e) {
      io.stderr.write(`error: cannot read --dashboard-overrides ${opts.dashboardOverrides}: ${(e as NodeJS.ErrnoException).code ?? String(e)}\n`);
      return 1;
    }
  }
  const result = await planCompile(paths, { ...opts, forMinutes, overrides, mixin: opts.mixin !== undefined }, io);
  for (const d of result.diagnostics) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) {
    io.stderr.write(`${plural(errors, 'error')}; nothing was written\n`);
    return 1;
  }
  const plans: { dir: string; plan: OutputPlan }[] = [
    { dir: opts.rulesOut, plan: { root: path.resolve(io.cwd, opts.rulesOut), files: result.files } },
    { dir: opts.dashboardsOut, plan: { root: path.resolve(io.cwd, opts.dashboardsOut), files: result.dashboards } },
    ...(opts.mixin !== undefined ? [{ dir: opts.mixin, plan: { root: path.resolve(io.cwd, opts.mixin), files: result.mixin } }] : []),
    // Helm only reads files inside a chart, so the SLO chart carries its own copies
    ...(opts.chartFiles !== undefined
      ? [
          { dir: `${opts.chartFiles}/rules`, plan: { root: path.resolve(io.cwd, opts.chartFiles, 'rules'), files: result.files.filter((f) => f.path.endsWith('.rules.yaml')) } },
          { dir: `${opts.chartFiles}/dashboards`, plan: { root: path.resolve(io.cwd, opts.chartFiles, 'dashboards'), files: result.dashboards } },
        ]
      : []),
  ];
  const total = plans.reduce((n, p) => n + p.plan.files.length, 0);
  if (opts.check) {
    const stale: string[] = [];
    for (const { dir, plan } of plans) {
      const d = await drift(plan);
      stale.push(...d.missing.map((p) => `missing  ${dir}/${p}`), ...d.changed.map((p) => `changed  ${dir}/${p}`), ...d.extra.map((p) => `extra    ${dir}/${p}`));
    }
    if (stale.length) {
      io.stderr.write(`${stale.join('\n')}\n${plural(stale.length, 'generated file')} out of date; run slo compile\n`);
      return 1;
    }
    io.stdout.write(`${plural(total, 'file')} up to date\n`);
    return 0;
  }
  const done: string[] = [];
  for (const { dir, plan } of plans) {
    const { written, removed } = await write(plan);
    done.push(`${plural(plan.files.length, 'file')} in ${dir} (${written} updated${removed.length ? `, ${removed.length} removed` : ''})`);
  }
  io.stdout.write(`${plural(result.slos, 'SLO')} compiled: ${done.join(', ')}\n`);
  return 0;
}
