import { buildModel, Diagnostic, type Slo, type SourcePos } from '@slo-engine/openslo';
import {
  NO_DATA_TIER,
  parseScrapeInterval,
  compileSlo,
  CompileError,
  header,
  isAlert,
  nestYaml,
  outputStem,
  safeName as safe,
  SHARED_STEM,
  SharedLayout,
  SCOPE_SLOT,
  scopeLabelProblem,
  toYaml,
  withScope,
  type CompiledSlo,
  type Layout,
  type RuleFile,
  type RuleGroup,
  generateTests,
} from '@slo-engine/rules';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { dashboardFor, dashboardWithScope, overviewFile, renderDashboard, type DashboardFile } from '@slo-engine/dashboards';
import { applyOverrides, JsonnetError, renderMixin } from '@slo-engine/jsonnet';
import { RoutingPlan } from '@slo-engine/routing';
import { AMP_QUOTAS, AmpQuotaError, ampNamespaces, namespaceName, uploadScript, type AmpNamespace } from './amp';
import { readAndCheck, ownershipOf, type InputFilter } from './inputs';
import { GENERATED_MARK, MANIFEST, OutputDir, stageFile, ThreadWriter, type OutputFile } from './outputs';
import { formatDiagnostic, plural, unwritable, useColour } from './output';
import type { Io } from './validate';
import { VERSION } from './version';

export interface CompileCliOptions {
  rulesOut: string;
  dashboardsOut: string;
  check: boolean;
  strict: boolean;
  disableTier: string[];
  for?: string;
  /** How often the SLIs' targets are scraped, e.g. 30s (default 1m). */
  scrapeInterval?: string;
  /** `for:` of no-data alerts, e.g. 15m. */
  missingDataFor?: string;
  /** `page=critical`: the alerts' severity label per tier severity. */
  severityLabel?: string[];
  /** `namespace=day-prod`: labels that confine the rules, alerts and dashboards to one environment. */
  scope?: string[];
  format: 'text' | 'json';
  dashboardOverrides?: string;
  mixin?: string;
  /** A Helm chart's files/ folder that embeds the rule files and dashboards (rules/, dashboards/). */
  chartFiles?: string;
  /** Where the Alertmanager routing goes (alertmanager.yml, alertmanagerconfig.yaml). */
  alertmanagerOut?: string;
  /** Where the AMP rule groups namespaces go (one file per namespace, upload.sh). */
  ampNamespaces?: string;
  /** AMP's "Rules per workspace" quota, when raised. */
  ampRulesQuota?: string;
  layout?: Layout;
  /** Glob patterns: only these files of the folders given are read. */
  include?: string[];
  /** Glob patterns: these files of the folders given are not read. */
  exclude?: string[];
}

export { LAYOUTS, type Layout } from '@slo-engine/rules';

const PROMETHEUS_RULE = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' } as const;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'slo-engine' } as const;

/** A rule file and its PrometheusRule manifest, whose spec is the rule file itself. */
function ruleFiles(stem: string, file: RuleFile, source: string, what: { rules: string; manifest: string }, metadata: { name: string; labels: Record<string, string> }, chart: boolean): OutputFile[] {
  const manifest = { ...PROMETHEUS_RULE, metadata: { name: metadata.name.toLowerCase().slice(0, 253), labels: { ...MANAGED_BY, ...metadata.labels } } };
  const groups = toYaml(file);
  const head = header(VERSION, source, `Prometheus rules for ${what.rules}`);
  return [
    { path: `${stem}.rules.yaml`, content: head + groups, ...(chart ? { chart: head + toYaml(withScope(file, SCOPE_SLOT)) } : {}) },
    // rendered once, nested one level deeper
    { path: `${stem}.prometheusrule.yaml`, content: header(VERSION, source, `PrometheusRule (Prometheus Operator) for ${what.manifest}`) + toYaml(manifest) + nestYaml('spec', groups) },
  ];
}

/** The generated files of one SLO, relative to the rules output directory; `shared`: its tests also load the shared file. */
export function sloFiles(c: CompiledSlo, source: string, shared = false, chart = false): { files: OutputFile[]; untestable: { name: string; reason: string }[] } {
  const dir = outputStem(c.slo.service, c.slo.name);
  const files = ruleFiles(
    dir,
    c.rules,
    source,
    { rules: `SLO ${c.slo.name} (service ${c.slo.service})`, manifest: `SLO ${c.slo.name}` },
    {
      name: `slo-${safe(c.slo.service)}-${safe(c.slo.name)}`,
      labels: { 'slo-engine/service': c.slo.service, 'slo-engine/slo': c.slo.name },
    },
    chart,
  );
  // the SLO's files sit one folder below the shared file
  const tests = generateTests(c, [`${safe(c.slo.name)}.rules.yaml`, ...(shared ? [`../${SHARED_STEM}.rules.yaml`] : [])]);
  files.push({ path: `${dir}.test.yaml`, content: header(VERSION, source, `promtool unit tests for SLO ${c.slo.name}: promtool test rules ${safe(c.slo.name)}.test.yaml`) + toYaml(tests.file) });
  return { files, untestable: tests.untestable };
}

/** The shared layout's own files: the groups that serve every SLO. */
function sharedFiles(file: RuleFile, slos: number, chart: boolean): OutputFile[] {
  const what = "every SLO of the shared layout (load it wherever the SLOs' own rule files are)";
  return ruleFiles(
    SHARED_STEM,
    file,
    plural(slos, 'SLO'),
    { rules: what, manifest: what },
    {
      name: `${SHARED_STEM}-slo-rules`, // no SLO's manifest name (slo-...) can clash with it
      labels: { 'slo-engine/layout': 'shared' },
    },
    chart,
  );
}

/** The Alertmanager routing of every SLO's notification targets, and compile's warnings about its receivers. */
function routingFiles(plan: RoutingPlan, prepared: Prepared): OutputFile[] {
  const { warnings, where } = plan.receivers();
  for (const [i, w] of warnings.entries()) prepared.diagnostics.push(new Diagnostic('warning', 'routing', w, where[i]!, '', 'see the routing section of the rules README'));
  const head = (what: string) => `# ${what}\n# ${GENERATED_MARK} ${VERSION} from ${plural(plan.size, 'SLO')}; do not edit: run slo compile --alertmanager-out.\n`;
  return [
    {
      path: 'alertmanager.yml',
      content:
        head('Alertmanager routing of the SLO alerts: copy route.routes[0], receivers and inhibit_rules into your alertmanager.yml; secrets are read from files') + toYaml(plan.alertmanagerYml()),
    },
    {
      path: 'alertmanagerconfig.yaml',
      content:
        head('Alertmanager routing of the SLO alerts for the Prometheus Operator (AlertmanagerConfig); each receiver reads the Secret named like it') +
        toYaml(plan.alertmanagerConfigResource({ name: 'slo-routing', labels: { ...MANAGED_BY } })),
    },
  ];
}

export function minutesOf(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const m = /^(\d+)(m|h)$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : 'invalid';
}

export interface CompilePlan {
  diagnostics: Diagnostic[];
  /** Set when a --disable-tier names no tier of the inputs: the message (nothing was compiled). */
  unknownTier?: string;
  slos: number;
  /** Files relative to the rules output directory; empty when there are errors. */
  files: OutputFile[];
  /** Files relative to the dashboards output directory; empty when there are errors. */
  dashboards: OutputFile[];
  /** The compiled SLOs. */
  compiled: CompiledSlo[];
  /** `mixin.libsonnet`, relative to the mixin directory, when asked for. */
  mixin: OutputFile[];
  /** alertmanager.yml and alertmanagerconfig.yaml, when asked for (`routing`). */
  routing: OutputFile[];
  /** The AMP rule groups namespaces and upload.sh, when asked for (`amp`). */
  amp: OutputFile[];
}

export interface PlanOptions extends Pick<CompileCliOptions, 'strict' | 'disableTier' | 'layout'>, InputFilter {
  forMinutes?: number;
  scrapeSeconds?: number;
  noDataMinutes?: number;
  severityLabels?: Record<string, string>;
  scope?: Record<string, string>;
  /** Also render the Helm chart's copies (`OutputFile.chart`). */
  chart?: boolean;
  /** Also render the Alertmanager routing of every SLO's notification targets. */
  routing?: boolean;
  /** Also render the rule files as AMP rule groups namespaces, with this rules-per-workspace quota. */
  amp?: { rulesPerWorkspace: number };
  /** The user's jsonnet, applied to every dashboard. */
  overrides?: { file: string; text: string };
  mixin?: boolean;
}

const generatedBy = (source: string) => `${GENERATED_MARK} ${VERSION} from ${source}; do not edit: change the source and run slo compile.`;

/** The checked input: everything that can fail before compiling, and the SLOs to compile. */
interface Prepared {
  /** Diagnostics about the input as a whole, then per SLO (see perSlo). */
  diagnostics: Diagnostic[];
  slos: Slo[];
  /** Diagnostics of each SLO in input order, filled while emitting, including SLOs that did not compile. */
  perSlo: Diagnostic[][];
  /** SLOs compiled so far. */
  compiled: number;
  /** The files read, as shown. */
  sources: string[];
  /** How many documents were not SLO specs, when any were (one line). */
  skipped?: string;
}

const hasErrors = (ds: Diagnostic[]) => ds.some((d) => d.severity === 'error');
const allDiagnostics = (p: Prepared) => [...p.diagnostics, ...p.perSlo.flat()];

async function prepare(paths: string[], opts: PlanOptions, io: Pick<Io, 'cwd' | 'stdin'>): Promise<Prepared> {
  const { read, result, diagnostics, summary } = await readAndCheck(paths, opts, { strict: opts.strict, missingReferences: 'error' }, { cwd: io.cwd, stdin: io.stdin });
  const model = buildModel(result);
  diagnostics.push(...model.diagnostics);
  return { diagnostics, slos: hasErrors(diagnostics) ? [] : model.slos, perSlo: [], compiled: 0, sources: read.sources.map((s) => s.file), skipped: summary };
}

/** The default tiers, by id and by severity, and the no-data alerts. */
const BUILT_IN_TIERS = ['page-fast', 'page-slow', 'ticket-fast', 'ticket-slow', 'page', 'ticket', NO_DATA_TIER];

/**
 * What `--disable-tier` can name for these SLOs: the built-in tiers, the severities and names of their
 * AlertConditions (named as compile names their tiers). The message for the first name that is none of them.
 */
export function unknownTierMessage(disable: readonly string[], slos: readonly Slo[]): string | undefined {
  const severities = new Set<string>();
  const conditions = new Set<string>();
  for (const slo of slos) {
    const seen = new Set<string>();
    for (const p of slo.alertPolicies) {
      if (!p.alertWhenBreaching) continue;
      for (const c of p.conditions) {
        // as policyTiers names them
        let id = c.name ?? `${p.name}-${c.lookbackWindow.text}`;
        while (seen.has(id)) id = `${id}-${p.name}`;
        seen.add(id);
        conditions.add(id);
        severities.add(c.severity);
      }
    }
  }
  const builtIn = [...BUILT_IN_TIERS, ...[...severities].filter((s) => !BUILT_IN_TIERS.includes(s)).sort()];
  const bad = disable.find((t) => !builtIn.includes(t) && !conditions.has(t));
  if (bad === undefined) return undefined;
  const named = conditions.size ? `, or an AlertCondition of these inputs: ${[...conditions].sort().join(', ')}` : ' (these inputs have no AlertConditions)';
  return `error: --disable-tier ${bad} is not an alert tier; valid tiers: ${builtIn.join(', ')}${named}`;
}

/** Compiles one SLO, recording its warnings or its error; undefined when it does not compile. */
function compileOne(slo: Slo, opts: PlanOptions, mine: Diagnostic[]): CompiledSlo | undefined {
  try {
    const c = compileSlo(slo, {
      engineVersion: VERSION,
      disable: opts.disableTier,
      forMinutes: opts.forMinutes,
      scrapeSeconds: opts.scrapeSeconds,
      noDataMinutes: opts.noDataMinutes,
      severityLabels: opts.severityLabels,
      ...(opts.scope ? { scope: opts.scope } : {}),
    });
    for (const w of c.warnings) mine.push(new Diagnostic('warning', 'compile', w, slo.pos, '', undefined, [], `SLO ${slo.name}`));
    return c;
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    const pos = e.blockError?.query?.pos ?? slo.pos;
    mine.push(new Diagnostic('error', 'compile', `cannot compile SLO ${slo.name}: ${e.message}`, pos, '', undefined, [], `SLO ${slo.name}`));
    return undefined;
  }
}

type OutputKind = 'rules' | 'dashboards' | 'mixin' | 'routing' | 'amp';
type Sink = (kind: OutputKind, file: OutputFile) => void;

/**
 * Compiles and renders the prepared SLOs one at a time, handing each output file to `sink` as soon as
 * it is rendered, so that only the input model is held for all SLOs at once. SLOs that do not compile
 * leave an error in `prepared.perSlo` and stop the rendering (the caller then writes nothing); the
 * error diagnostic it returns is for the user's dashboard overrides failing.
 */
function emit(prepared: Prepared, opts: PlanOptions, sink: Sink, keep?: (c: CompiledSlo) => void): Diagnostic | undefined {
  const mixinBoards: { path: string; uid: string; dashboard: unknown }[] = [];
  // files that sum up every SLO come from every input that defines one
  const everyInput = [...new Set(prepared.slos.map((s) => s.pos.file))].sort();
  const board = (b: DashboardFile, sources: string[]): Diagnostic | undefined => {
    let dashboard: unknown = b.dashboard;
    if (opts.overrides) {
      try {
        dashboard = applyOverrides(opts.overrides, b.dashboard, { name: b.slo?.name ?? null, service: b.slo?.service ?? null, uid: b.dashboard.uid ?? '', file: b.path });
      } catch (e) {
        if (!(e instanceof JsonnetError)) throw e;
        // the diagnostic prints the location and hint itself: keep the first line of the message, without its location
        const first = e.message.split('\n')[0]!.replace(/^[^:\n]+(?::\d+){0,2}: /, '');
        const hint = /\n\s*hint: (.*)$/m.exec(e.message)?.[1] ?? 'the overrides file must be function(dashboard, slo) returning the dashboard';
        return new Diagnostic('error', 'dashboard-overrides', first, { file: e.file, line: e.line ?? 1, column: e.column ?? 1 }, '', hint);
      }
    }
    if (opts.mixin) mixinBoards.push({ path: b.path, uid: b.dashboard.uid ?? '', dashboard });
    sink('dashboards', { path: b.path, content: renderDashboard(dashboard), sources, ...(opts.chart ? { chart: renderDashboard(dashboardWithScope(dashboard, SCOPE_SLOT)) } : {}) });
    return undefined;
  };
  const groups: RuleGroup[] = [];
  const shared = opts.layout === 'shared' ? new SharedLayout() : undefined;
  const routing = opts.routing ? new RoutingPlan() : undefined;
  const amp: AmpNamespace[] = [];
  /** The rule file as AMP namespaces, or the diagnostic of a quota it breaks (at `pos`). */
  const ampFiles = (stem: string, file: RuleFile, source: string, pos: SourcePos): Diagnostic | undefined => {
    if (!opts.amp) return undefined;
    try {
      for (const ns of ampNamespaces(stem, file, header(VERSION, source, `AMP rule groups namespace ${namespaceName(stem)} (upload with upload.sh)`))) {
        amp.push(ns);
        sink('amp', { ...ns.file, sources: [source] });
      }
      return undefined;
    } catch (e) {
      if (!(e instanceof AmpQuotaError)) throw e;
      return new Diagnostic('error', 'amp-quota', e.message, pos, '');
    }
  };
  let broken = false;
  // compiled one at a time and dropped once rendered: memory stays flat however many SLOs there are
  for (const slo of prepared.slos) {
    const mine: Diagnostic[] = [];
    prepared.perSlo.push(mine);
    const c = compileOne(slo, opts, mine);
    if (!c) broken = true;
    else prepared.compiled++;
    // after an error nothing is written, so only the remaining SLOs' diagnostics are of interest
    if (!c || broken) continue;
    const own = shared ? shared.add(c) : c;
    routing?.add(c);
    keep?.(own);
    if (opts.mixin) groups.push(...own.rules.groups);
    const out = sloFiles(own, slo.pos.file, shared !== undefined, opts.chart);
    for (const x of out.untestable) mine.push(new Diagnostic('warning', 'tests', `generated tests for ${x.name} ${x.reason}`, slo.pos, '', 'test what they leave out by hand', [], `SLO ${slo.name}`));
    for (const f of out.files) sink('rules', { ...f, sources: [slo.pos.file] });
    const quota = ampFiles(outputStem(c.slo.service, c.slo.name), own.rules, slo.pos.file, slo.pos);
    if (quota) return quota;
    const failed = board(dashboardFor(c, generatedBy(slo.pos.file)), [slo.pos.file]);
    if (failed) return failed;
  }
  if (broken) return undefined;
  if (shared && shared.size > 0) {
    const file = shared.file();
    for (const f of sharedFiles(file, shared.size, opts.chart ?? false)) sink('rules', { ...f, sources: everyInput });
    const quota = ampFiles(SHARED_STEM, file, plural(shared.size, 'SLO'), prepared.slos[0]!.pos);
    if (quota) return quota;
    if (opts.mixin) groups.push(...file.groups);
  }
  const failed = board(overviewFile(`${GENERATED_MARK} ${VERSION}; do not edit: run slo compile.`, opts.scope), everyInput);
  if (failed) return failed;
  if (routing) for (const f of routingFiles(routing, prepared)) sink('routing', { ...f, sources: everyInput });
  if (opts.amp) {
    try {
      sink('amp', {
        ...uploadScript(amp, {
          rulesPerWorkspace: opts.amp.rulesPerWorkspace,
          header: `# Upload of the AMP rule groups namespaces of ${plural(prepared.compiled, 'SLO')}, generated by slo-engine ${VERSION}.\n`,
        }),
        sources: everyInput,
      });
    } catch (e) {
      if (!(e instanceof AmpQuotaError)) throw e;
      return new Diagnostic('error', 'amp-quota', e.message, prepared.slos[0]!.pos, '');
    }
  }
  if (opts.mixin) {
    const hasAlerts = (g: RuleGroup) => g.rules.some(isAlert);
    mixinBoards.sort((a, b) => (a.path < b.path ? -1 : 1));
    sink('mixin', {
      path: 'mixin.libsonnet',
      content: renderMixin({
        header: `${GENERATED_MARK} ${VERSION}; do not edit: run slo compile --mixin.\nA monitoring mixin: prometheusRules, prometheusAlerts and grafanaDashboards of every compiled SLO.`,
        recordingGroups: groups.filter((g) => !hasAlerts(g)),
        alertGroups: groups.filter(hasAlerts),
        dashboards: Object.fromEntries(mixinBoards.map((d) => [`${d.uid}.json`, d.dashboard])),
      }),
      sources: everyInput,
    });
  }
  return undefined;
}

const byPath = (a: OutputFile, b: OutputFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Reads, checks and compiles; returns every file it would write, without touching the disk. */
export async function planCompile(paths: string[], opts: PlanOptions, io: Pick<Io, 'cwd' | 'stdin'>): Promise<CompilePlan> {
  const prepared = await prepare(paths, opts, io);
  const none = (): CompilePlan => ({ diagnostics: allDiagnostics(prepared), slos: prepared.compiled, files: [], dashboards: [], compiled: [], mixin: [], routing: [], amp: [] });
  if (hasErrors(allDiagnostics(prepared))) return none();
  const unknownTier = unknownTierMessage(opts.disableTier, prepared.slos);
  if (unknownTier) return { ...none(), unknownTier };
  const out: Record<OutputKind, OutputFile[]> = { rules: [], dashboards: [], mixin: [], routing: [], amp: [] };
  const compiled: CompiledSlo[] = [];
  const failed = emit(
    prepared,
    opts,
    (kind, f) => out[kind].push(f),
    (c) => compiled.push(c),
  );
  if (failed) prepared.diagnostics.push(failed);
  if (hasErrors(allDiagnostics(prepared))) return none();
  return {
    diagnostics: allDiagnostics(prepared),
    slos: prepared.compiled,
    files: out.rules.sort(byPath),
    dashboards: out.dashboards.sort(byPath),
    compiled,
    mixin: out.mixin,
    routing: out.routing,
    amp: out.amp,
  };
}

/** `--scope namespace=day-prod` (repeatable) as labels, or why not. */
export function parseScope(pairs: readonly string[]): Record<string, string> | string {
  const scope: Record<string, string> = {};
  for (const pair of pairs) {
    const m = /^([^=\s]+)=(.+)$/.exec(pair);
    if (!m) return `--scope must be label=value, e.g. namespace=day-prod (got "${pair}")`;
    const problem = scopeLabelProblem(m[1]!);
    if (problem) return `--scope ${pair}: ${problem}`;
    if (m[1]! in scope) return `--scope ${m[1]} is given twice (${m[1]}=${scope[m[1]!]} and ${pair}); give each label once`;
    scope[m[1]!] = m[2]!;
  }
  return scope;
}

/** `slo compile`: returns the exit code (0 ok, 1 invalid input or stale outputs with --check). */
export async function runCompile(paths: string[], opts: CompileCliOptions, io: Io): Promise<number> {
  const colour = useColour(io.stderr, io.env);
  const forMinutes = minutesOf(opts.for);
  if (forMinutes === 'invalid') {
    io.stderr.write(`error: --for must be a whole number of minutes or hours, e.g. 2m (got "${opts.for}")\n`);
    return 2;
  }
  const scrape = opts.scrapeInterval === undefined ? undefined : parseScrapeInterval(opts.scrapeInterval);
  if (scrape && 'error' in scrape) {
    io.stderr.write(`error: --scrape-interval ${scrape.error}\n`);
    return 2;
  }
  const scrapeSeconds = scrape?.seconds;
  const noDataMinutes = minutesOf(opts.missingDataFor);
  if (noDataMinutes === 'invalid' || noDataMinutes === 0) {
    io.stderr.write(`error: --missing-data-for must be a whole number of minutes or hours, e.g. 10m (got "${opts.missingDataFor}")\n`);
    return 2;
  }
  const severityLabels: Record<string, string> = {};
  for (const pair of opts.severityLabel ?? []) {
    const m = /^([^=\s]+)=(\S.*)$/.exec(pair);
    if (!m) {
      io.stderr.write(`error: --severity-label must be severity=value, e.g. page=critical (got "${pair}")\n`);
      return 2;
    }
    severityLabels[m[1]!] = m[2]!;
  }
  const scope = parseScope(opts.scope ?? []);
  if (typeof scope === 'string') {
    io.stderr.write(`error: ${scope}\n`);
    return 2;
  }
  const ampQuota = opts.ampRulesQuota === undefined ? AMP_QUOTAS.rulesPerWorkspace : /^[1-9]\d{0,6}$/.test(opts.ampRulesQuota) ? Number(opts.ampRulesQuota) : undefined;
  if (ampQuota === undefined) {
    io.stderr.write(`error: --amp-rules-quota must be a whole number of rules, e.g. 5000 (got "${opts.ampRulesQuota}")\n`);
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
  // an output that cannot be written fails now, not after compiling (nor, under /proc, never)
  if (!opts.check) {
    const outs: [string, string | undefined][] = [
      ['--rules-out', opts.rulesOut],
      ['--dashboards-out', opts.dashboardsOut],
      ['--chart-files', opts.chartFiles],
      ['--mixin', opts.mixin],
      ['--alertmanager-out', opts.alertmanagerOut],
      ['--amp-namespaces', opts.ampNamespaces],
    ];
    for (const [flag, given] of outs) {
      const why = given === undefined ? undefined : unwritable(io.cwd, flag, given, 'dir');
      if (why) {
        io.stderr.write(`${why}\n`);
        return 2;
      }
    }
  }
  const planOpts: PlanOptions = {
    ...opts,
    forMinutes,
    scrapeSeconds,
    noDataMinutes,
    severityLabels,
    scope,
    overrides,
    mixin: opts.mixin !== undefined,
    chart: opts.chartFiles !== undefined,
    routing: opts.alertmanagerOut !== undefined || opts.chartFiles !== undefined,
    ...(opts.ampNamespaces !== undefined ? { amp: { rulesPerWorkspace: ampQuota! } } : {}),
  };
  const prepared = await prepare(paths, planOpts, io);
  const report = (extra: Diagnostic[] = []): number => {
    const diagnostics = [...allDiagnostics(prepared), ...extra];
    for (const d of diagnostics) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
    if (prepared.skipped) io.stderr.write(`${prepared.skipped}\n`);
    return diagnostics.filter((d) => d.severity === 'error').length;
  };
  const nothingWritten = (errors: number) => {
    io.stderr.write(`${plural(errors, 'error')}; nothing was written\n`);
    return 1;
  };
  if (hasErrors(allDiagnostics(prepared))) return nothingWritten(report());
  const unknownTier = unknownTierMessage(opts.disableTier, prepared.slos);
  if (unknownTier) {
    io.stderr.write(`${unknownTier}\n`);
    return 2;
  }
  const ownership = ownershipOf(paths, prepared.sources, io.cwd);

  // files are written on a second thread while the next SLO renders; nothing is written in check mode
  const writer = opts.check ? undefined : new ThreadWriter();
  const dir = (name: string, root: string, accepts: (f: OutputFile) => boolean = () => true, chart = false) => ({
    name,
    out: new OutputDir(path.resolve(io.cwd, root), opts.check, writer, ownership),
    accepts,
    chart,
  });
  const rules = [dir(opts.rulesOut, opts.rulesOut)];
  const boards = [dir(opts.dashboardsOut, opts.dashboardsOut)];
  const mixin = opts.mixin !== undefined ? [dir(opts.mixin, opts.mixin)] : [];
  const routingDirs = opts.alertmanagerOut !== undefined ? [dir(opts.alertmanagerOut, opts.alertmanagerOut)] : [];
  // the chart renders the routing too (AlertmanagerConfig, AMP's alert manager definition)
  if (opts.chartFiles !== undefined) routingDirs.push(dir(`${opts.chartFiles}/alertmanager`, path.join(opts.chartFiles, 'alertmanager')));
  const ampDirs = opts.ampNamespaces !== undefined ? [dir(opts.ampNamespaces, opts.ampNamespaces)] : [];
  // Helm only reads files inside a chart, so the SLO chart carries its own copies
  if (opts.chartFiles !== undefined) {
    rules.push(dir(`${opts.chartFiles}/rules`, path.join(opts.chartFiles, 'rules'), (f) => f.path.endsWith('.rules.yaml'), true));
    boards.push(dir(`${opts.chartFiles}/dashboards`, path.join(opts.chartFiles, 'dashboards'), () => true, true));
  }
  const dirs = [...rules, ...boards, ...mixin, ...routingDirs, ...ampDirs];
  const targets: Record<OutputKind, typeof dirs> = { rules, dashboards: boards, mixin, routing: routingDirs, amp: ampDirs };
  let failed: Diagnostic | undefined;
  try {
    failed = emit(prepared, planOpts, (kind, f) => {
      const to = targets[kind].filter((d) => d.accepts(f));
      stageFile(
        to.filter((d) => !d.chart || f.chart === undefined).map((d) => d.out),
        f,
      );
      if (f.chart !== undefined)
        stageFile(
          to.filter((d) => d.chart).map((d) => d.out),
          { ...f, content: f.chart },
        );
    });
    // every staged write done before anything is renamed into place or removed
    writer?.flush();
  } catch (e) {
    for (const d of dirs) d.out.abort();
    const err = e as NodeJS.ErrnoException;
    if (typeof err.code !== 'string') throw e;
    report();
    const where = err.path ? ` ${path.relative(io.cwd, err.path) || err.path}` : '';
    io.stderr.write(`error: cannot write${where}: ${err.code} (${err.message}); check that the output directories are writable and not files\n`);
    return nothingWritten(1);
  } finally {
    // everything is on disk (flushed above, or after the aborts): the thread has nothing left to do
    writer?.close();
  }
  // an SLO that did not compile, or overrides that failed: nothing is written
  if (failed || hasErrors(allDiagnostics(prepared))) {
    for (const d of dirs) d.out.abort();
    return nothingWritten(report(failed ? [failed] : []));
  }
  report();
  const total = dirs.reduce((n, d) => n + d.out.size, 0);
  const inputs = (from: string[]) => (from.length > 3 ? `${from.slice(0, 2).join(', ')} and ${from.length - 2} more` : from.join(', '));
  const why = (from: string[]) => `(generated before from ${inputs(from)}, no longer produced)`;
  /** What commit found beyond the drift: files left alone, and shared files these inputs replaced. */
  const notes = () => {
    const left = dirs.flatMap(({ name, out }) => out.left.map((p) => `${name}/${p}`));
    if (left.length) {
      const shown = left.length > 5 ? `${left.slice(0, 5).join(', ')} and ${left.length - 5} more` : left.join(', ');
      const them = left.length === 1 ? 'it' : 'them';
      io.stderr.write(
        `note: left ${plural(left.length, 'generated file')} that no compile of these inputs recorded in ${MANIFEST} (written by an older slo compile, or from other inputs): ${shown}; ` +
          `delete ${them} by hand if nothing generates ${them} any more\n`,
      );
    }
    for (const { name, out } of dirs)
      for (const s of out.sharedWith)
        io.stderr.write(
          `note: ${name}/${s.path} was generated from other inputs too (${inputs(s.from)}); it now holds what these inputs generate: give each set of inputs its own output folders to keep both\n`,
        );
  };
  if (opts.check) {
    const stale: string[] = [];
    for (const { name, out } of dirs) {
      const d = out.commit();
      stale.push(...d.missing.map((p) => `missing  ${name}/${p}`), ...d.changed.map((p) => `changed  ${name}/${p}`), ...out.stale.map((s) => `extra    ${name}/${s.path} ${why(s.from)}`));
      if (out.manifestStale && !d.missing.length && !d.changed.length && !out.stale.length) stale.push(`changed  ${name}/${MANIFEST} (it records files these inputs no longer generate)`);
    }
    notes();
    if (stale.length) {
      io.stderr.write(`${stale.join('\n')}\n${plural(stale.length, 'generated file')} out of date; run slo compile\n`);
      return 1;
    }
    io.stdout.write(`${plural(total, 'file')} up to date\n`);
    return 0;
  }
  const done: string[] = [];
  const removed: string[] = [];
  for (const { name, out } of dirs) {
    const d = out.commit();
    const written = d.missing.length + d.changed.length;
    done.push(`${plural(out.size, 'file')} in ${name} (${written} updated${d.extra.length ? `, ${d.extra.length} removed` : ''})`);
    removed.push(...out.stale.map((s) => `removed ${name}/${s.path} ${why(s.from)}\n`));
  }
  notes();
  io.stdout.write(`${removed.join('')}${plural(prepared.compiled, 'SLO')} compiled: ${done.join(', ')}\n`);
  return 0;
}
