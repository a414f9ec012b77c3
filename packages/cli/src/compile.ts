import { buildModel, checkSources, Diagnostic, readInputs } from '@slo-engine/openslo';
import { compileSlo, CompileError, header, renderRuleFile, toYaml, type CompiledSlo, generateTests } from '@slo-engine/rules';
import * as path from 'node:path';
import { drift, write, type OutputFile, type OutputPlan } from './outputs';
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
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '-');

/** The generated files of one SLO, relative to the rules output directory. */
export function sloFiles(c: CompiledSlo, source: string): { files: OutputFile[]; untestable: { name: string; reason: string }[] } {
  const dir = `${safe(c.slo.service)}/${safe(c.slo.name)}`;
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
}

/** Reads, checks and compiles; returns every file it would write, without touching the disk. */
export async function planCompile(paths: string[], opts: Pick<CompileCliOptions, 'strict' | 'disableTier'> & { forMinutes?: number }, io: Pick<Io, 'cwd' | 'stdin'>): Promise<CompilePlan> {
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
  const files = failed ? [] : compiled.flatMap((x) => x.files).sort((a, b) => (a.path < b.path ? -1 : 1));
  return { diagnostics, slos: compiled.length, files };
}

/** `slo compile`: returns the exit code (0 ok, 1 invalid input or stale outputs with --check). */
export async function runCompile(paths: string[], opts: CompileCliOptions, io: Io): Promise<number> {
  const colour = useColour(io.stderr, io.env);
  const forMinutes = minutesOf(opts.for);
  if (forMinutes === 'invalid') {
    io.stderr.write(`error: --for must be a whole number of minutes or hours, e.g. 2m (got "${opts.for}")\n`);
    return 2;
  }
  const result = await planCompile(paths, { ...opts, forMinutes }, io);
  for (const d of result.diagnostics) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
  const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
  if (errors) {
    io.stderr.write(`${plural(errors, 'error')}; nothing was written\n`);
    return 1;
  }
  const plan: OutputPlan = { root: path.resolve(io.cwd, opts.rulesOut), files: result.files };
  if (opts.check) {
    const d = await drift(plan);
    const stale = [...d.missing.map((p) => `missing  ${opts.rulesOut}/${p}`), ...d.changed.map((p) => `changed  ${opts.rulesOut}/${p}`), ...d.extra.map((p) => `extra    ${opts.rulesOut}/${p}`)];
    if (stale.length) {
      io.stderr.write(`${stale.join('\n')}\n${plural(stale.length, 'generated file')} out of date; run slo compile\n`);
      return 1;
    }
    io.stdout.write(`${plural(plan.files.length, 'file')} up to date\n`);
    return 0;
  }
  const { written, removed } = await write(plan);
  io.stdout.write(`${plural(result.slos, 'SLO')} compiled: ${plural(plan.files.length, 'file')} in ${opts.rulesOut} (${written} updated${removed.length ? `, ${removed.length} removed` : ''})\n`);
  return 0;
}
