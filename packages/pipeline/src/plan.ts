import * as path from 'node:path';
/**
 * Planning: reads and checks the specs, builds the model, compiles each SLO and renders every output file
 * (rules, promtool tests, PrometheusRules, dashboards, and on request the chart copies, the mixin, the
 * Alertmanager routing and the AMP namespaces), one SLO at a time.
 */
import { buildModel, Diagnostic, type Slo, type SourcePos } from '@slo-engine/openslo';
import {
  NO_DATA_TIER,
  compileSlo,
  CompileError,
  header,
  isAlert,
  nestYaml,
  outputStem,
  safeName as safe,
  sharedStem,
  SharedLayout,
  DEFAULT_LAYOUT,
  SCOPE_SLOT,
  toYaml,
  withScope,
  type CompiledSlo,
  type Layout,
  type RuleFile,
  type RuleGroup,
  generateTests,
} from '@slo-engine/rules';
import { dashboardFor, dashboardWithScope, overviewFile, renderDashboard, type DashboardFile } from '@slo-engine/dashboards';
import { applyOverrides, JsonnetError, renderMixin } from '@slo-engine/jsonnet';
import { RoutingPlan } from '@slo-engine/routing';
import { AmpQuotaError, ampNamespaces, namespaceName, uploadScript, type AmpNamespace } from './amp';
import { readAndCheck, type InputFilter, type InputIo } from './inputs';
import { GENERATED_MARK, type OutputFile } from './outputs';
import { VERSION } from './version';

/** `3 SLOs`, `1 SLO`: counts in generated headers (and in the CLI's messages). */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

const PROMETHEUS_RULE = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule' } as const;
const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'slo-engine' } as const;

/** The shared layout's rules for one SLO's tests: `.yaml`, but not `.rules.yaml`, which deployments glob. */
export const TEST_SHARED_SUFFIX = '.test-shared.yaml';

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

/**
 * The generated files of one SLO, relative to the rules output directory. `alone`, in the shared layout: the
 * shared groups for this SLO alone, written beside its tests (which load them) under a name no `*.rules.yaml`
 * glob picks up, so that nothing deploys them next to the bundle's shared file.
 */
export function sloFiles(c: CompiledSlo, source: string, alone?: RuleFile, chart = false): { files: OutputFile[]; untestable: { name: string; reason: string }[] } {
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
  if (alone)
    files.push({
      path: `${dir}${TEST_SHARED_SUFFIX}`,
      content:
        header(VERSION, source, `the shared rules for SLO ${c.slo.name} alone, which ${safe(c.slo.name)}.test.yaml loads; not for Prometheus, which loads the bundle's shared rule file`) +
        toYaml(alone),
    });
  const tests = generateTests(c, [`${safe(c.slo.name)}.rules.yaml`, ...(alone ? [`${safe(c.slo.name)}${TEST_SHARED_SUFFIX}`] : [])]);
  files.push({ path: `${dir}.test.yaml`, content: header(VERSION, source, `promtool unit tests for SLO ${c.slo.name}: promtool test rules ${safe(c.slo.name)}.test.yaml`) + toYaml(tests.file) });
  return { files, untestable: tests.untestable };
}

/** The shared layout's own files: the groups that serve every SLO. */
function sharedFiles(stem: string, file: RuleFile, slos: number, chart: boolean): OutputFile[] {
  const what = "every SLO of the shared layout (load it wherever the SLOs' own rule files are)";
  return ruleFiles(
    stem,
    file,
    plural(slos, 'SLO'),
    { rules: what, manifest: what },
    {
      name: stem, // shared-...: no SLO's manifest name (slo-...) can clash with it
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

export interface PlanOptions extends InputFilter {
  /** Reject what the reference validator rejects. */
  strict: boolean;
  /** Alert tiers left out: built-in tier ids, severities or AlertCondition names. */
  disableTier: string[];
  layout?: Layout;
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
export interface Prepared {
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
  /** The shared layout's file stem, named after the inputs. */
  sharedStem: string;
}

export const hasErrors = (ds: Diagnostic[]) => ds.some((d) => d.severity === 'error');
export const allDiagnostics = (p: Prepared) => [...p.diagnostics, ...p.perSlo.flat()];

/** Reads and checks the inputs and builds their model (no SLO when any input has an error). */
export async function prepare(paths: string[], opts: PlanOptions, io: InputIo): Promise<Prepared> {
  const { read, result, diagnostics, summary } = await readAndCheck(paths, opts, { strict: opts.strict, missingReferences: 'error' }, { cwd: io.cwd, stdin: io.stdin });
  const model = buildModel(result);
  diagnostics.push(...model.diagnostics);
  // the inputs' own names, so that the same inputs name the same file from any working directory
  const inputs = paths.map((p) => (p === '-' ? p : path.basename(path.resolve(io.cwd, p))));
  return { diagnostics, slos: hasErrors(diagnostics) ? [] : model.slos, perSlo: [], compiled: 0, sources: read.sources.map((s) => s.file), skipped: summary, sharedStem: sharedStem(inputs) };
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

export type OutputKind = 'rules' | 'dashboards' | 'mixin' | 'routing' | 'amp';
type Sink = (kind: OutputKind, file: OutputFile) => void;

/**
 * Compiles and renders the prepared SLOs one at a time, handing each output file to `sink` as soon as
 * it is rendered, so that only the input model is held for all SLOs at once. SLOs that do not compile
 * leave an error in `prepared.perSlo` and stop the rendering (the caller then writes nothing); the
 * error diagnostic it returns is for the user's dashboard overrides failing.
 */
export function emit(prepared: Prepared, opts: PlanOptions, sink: Sink, keep?: (c: CompiledSlo) => void): Diagnostic | undefined {
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
  const shared = (opts.layout ?? DEFAULT_LAYOUT) === 'shared' ? new SharedLayout() : undefined;
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
    const out = sloFiles(own, slo.pos.file, shared ? SharedLayout.alone(c) : undefined, opts.chart);
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
    for (const f of sharedFiles(prepared.sharedStem, file, shared.size, opts.chart ?? false)) sink('rules', { ...f, sources: everyInput });
    const quota = ampFiles(prepared.sharedStem, file, plural(shared.size, 'SLO'), prepared.slos[0]!.pos);
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
export async function planCompile(paths: string[], opts: PlanOptions, io: InputIo): Promise<CompilePlan> {
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
