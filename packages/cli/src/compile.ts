import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseScrapeInterval, scopeLabelProblem, type Layout } from '@slo-engine/rules';
import { AMP_QUOTAS, compileAndWrite, MANIFEST } from '@slo-engine/pipeline';
import { formatDiagnostic, plural, unwritable, useColour } from './output';
import type { Io } from './validate';

// report.ts and its tests still import planCompile from here
export { planCompile } from '@slo-engine/pipeline';

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

export function minutesOf(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const m = /^(\d+)(m|h)$/.exec(text);
  return m ? Number(m[1]) * (m[2] === 'h' ? 60 : 1) : 'invalid';
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

/** `slo compile`: checks the flags, runs the pipeline and prints what it did; returns the exit code (0 ok, 1 invalid input or stale outputs with --check, 2 usage error). */
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
  const result = await compileAndWrite(
    paths,
    {
      strict: opts.strict,
      disableTier: opts.disableTier,
      layout: opts.layout,
      include: opts.include,
      exclude: opts.exclude,
      forMinutes,
      scrapeSeconds: scrape?.seconds,
      noDataMinutes,
      severityLabels,
      scope,
      overrides,
      check: opts.check,
      ampRulesPerWorkspace: ampQuota,
      out: { rules: opts.rulesOut, dashboards: opts.dashboardsOut, chartFiles: opts.chartFiles, mixin: opts.mixin, alertmanager: opts.alertmanagerOut, amp: opts.ampNamespaces },
    },
    io,
  );
  if (result.status === 'unknown-tier') {
    io.stderr.write(`${result.message}\n`);
    return 2;
  }
  /** Prints the diagnostics; returns how many are errors. */
  const report = (): number => {
    for (const d of result.diagnostics) io.stderr.write(`${formatDiagnostic(d, colour)}\n`);
    if (result.skipped) io.stderr.write(`${result.skipped}\n`);
    return result.diagnostics.filter((d) => d.severity === 'error').length;
  };
  const nothingWritten = (errors: number) => {
    io.stderr.write(`${plural(errors, 'error')}; nothing was written\n`);
    return 1;
  };
  if (result.status === 'invalid') return nothingWritten(report());
  if (result.status === 'unwritable') {
    report();
    const err = result.error;
    const where = err.path ? ` ${path.relative(io.cwd, err.path) || err.path}` : '';
    io.stderr.write(`error: cannot write${where}: ${err.code} (${err.message}); check that the output directories are writable and not files\n`);
    return nothingWritten(1);
  }
  report();
  const { folders } = result;
  const total = folders.reduce((n, f) => n + f.size, 0);
  const inputs = (from: string[]) => (from.length > 3 ? `${from.slice(0, 2).join(', ')} and ${from.length - 2} more` : from.join(', '));
  const why = (from: string[]) => `(generated before from ${inputs(from)}, no longer produced)`;
  /** What commit found beyond the drift: files left alone, and shared files these inputs replaced. */
  const notes = () => {
    const left = folders.flatMap(({ name, left }) => left.map((p) => `${name}/${p}`));
    if (left.length) {
      const shown = left.length > 5 ? `${left.slice(0, 5).join(', ')} and ${left.length - 5} more` : left.join(', ');
      const them = left.length === 1 ? 'it' : 'them';
      io.stderr.write(
        `note: left ${plural(left.length, 'generated file')} that no compile of these inputs recorded in ${MANIFEST} (written by an older slo compile, or from other inputs): ${shown}; ` +
          `delete ${them} by hand if nothing generates ${them} any more\n`,
      );
    }
    for (const { name, sharedWith } of folders)
      for (const s of sharedWith)
        io.stderr.write(
          `note: ${name}/${s.path} was generated from other inputs too (${inputs(s.from)}); it now holds what these inputs generate: give each set of inputs its own output folders to keep both\n`,
        );
  };
  if (opts.check) {
    const stale: string[] = [];
    for (const { name, drift: d, stale: gone, manifestStale } of folders) {
      stale.push(...d.missing.map((p) => `missing  ${name}/${p}`), ...d.changed.map((p) => `changed  ${name}/${p}`), ...gone.map((s) => `extra    ${name}/${s.path} ${why(s.from)}`));
      if (manifestStale && !d.missing.length && !d.changed.length && !gone.length) stale.push(`changed  ${name}/${MANIFEST} (it records files these inputs no longer generate)`);
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
  for (const { name, size, drift: d, stale: gone } of folders) {
    const written = d.missing.length + d.changed.length;
    done.push(`${plural(size, 'file')} in ${name} (${written} updated${d.extra.length ? `, ${d.extra.length} removed` : ''})`);
    removed.push(...gone.map((s) => `removed ${name}/${s.path} ${why(s.from)}\n`));
  }
  notes();
  io.stdout.write(`${removed.join('')}${plural(result.slos, 'SLO')} compiled: ${done.join(', ')}\n`);
  return 0;
}
