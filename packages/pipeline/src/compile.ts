/**
 * What `slo compile` does, without its command line: plans the outputs and writes them into their folders
 * (or, with check, finds how the folders differ), and says what happened for the caller to report.
 */
import * as path from 'node:path';
import type { Diagnostic } from '@slo-engine/openslo';
import { AMP_QUOTAS } from './amp';
import { ownershipOf, type InputIo } from './inputs';
import { OutputDir, stageFile, ThreadWriter, type Drift, type OutputFile, type Stale } from './outputs';
import { allDiagnostics, emit, hasErrors, prepare, unknownTierMessage, type OutputKind, type PlanOptions } from './plan';

/** The folders a compile fills; the optional ones only when given. Relative paths start at the working directory. */
export interface OutputFolders {
  /** Rule files, promtool tests and PrometheusRules (one folder per service). */
  rules: string;
  dashboards: string;
  /** A Helm chart's files/ folder: copies of the rule files (rules/), dashboards (dashboards/) and routing (alertmanager/). */
  chartFiles?: string;
  /** mixin.libsonnet. */
  mixin?: string;
  /** alertmanager.yml and alertmanagerconfig.yaml. */
  alertmanager?: string;
  /** The AMP rule groups namespaces and upload.sh. */
  amp?: string;
}

export interface CompileOptions extends Omit<PlanOptions, 'chart' | 'routing' | 'amp' | 'mixin'> {
  out: OutputFolders;
  /** Write nothing: only find the files that differ from what these inputs generate. */
  check: boolean;
  /** AMP's "Rules per workspace" quota for `out.amp`, when raised. */
  ampRulesPerWorkspace?: number;
}

/** One output folder after the compile: what it holds and how it differed. */
export interface FolderResult {
  /** The folder as given (a chart copy: `<chartFiles>/rules` and so on), for messages. */
  name: string;
  /** Files these inputs generate there. */
  size: number;
  /** Generated files that were missing, changed, or are no longer produced (with check: that would be written or removed). */
  drift: Drift;
  /** The files no longer produced, with the inputs that generated them. */
  stale: Stale[];
  /** Generated files of unknown origin, left in place. */
  left: string[];
  /** Replaced files that other inputs generated too, with those inputs. */
  sharedWith: Stale[];
  /** Whether the folder's manifest differs from what this compile records. */
  manifestStale: boolean;
}

/** What a compile did. Nothing is written unless it is `done`. */
export type CompileResult =
  | {
      /** An input is invalid or an SLO does not compile: the diagnostics say which. */
      status: 'invalid';
      diagnostics: Diagnostic[];
      /** One line on the documents that were not SLO specs, when there were any. */
      skipped?: string;
    }
  | {
      /** A disabled tier names no tier of the inputs (nothing was compiled). */
      status: 'unknown-tier';
      message: string;
    }
  | {
      /** A file could not be written; every folder is as it was. */
      status: 'unwritable';
      diagnostics: Diagnostic[];
      skipped?: string;
      error: NodeJS.ErrnoException;
    }
  | {
      status: 'done';
      diagnostics: Diagnostic[];
      skipped?: string;
      /** SLOs compiled. */
      slos: number;
      folders: FolderResult[];
    };

/**
 * Reads, checks and compiles the inputs and writes every output file atomically: files are staged beside their
 * targets while the next SLO renders (on a second thread), and renamed into place only when every SLO has
 * compiled; each folder then drops what these inputs generated before and no longer produce, and records in
 * its manifest what they generate now. With check, nothing is written.
 */
export async function compileAndWrite(paths: string[], opts: CompileOptions, io: InputIo): Promise<CompileResult> {
  const { out, check, ampRulesPerWorkspace, ...common } = opts;
  const planOpts: PlanOptions = {
    ...common,
    mixin: out.mixin !== undefined,
    chart: out.chartFiles !== undefined,
    // the chart renders the routing too (AlertmanagerConfig)
    routing: out.alertmanager !== undefined || out.chartFiles !== undefined,
    ...(out.amp !== undefined ? { amp: { rulesPerWorkspace: ampRulesPerWorkspace ?? AMP_QUOTAS.rulesPerWorkspace } } : {}),
  };
  const prepared = await prepare(paths, planOpts, io);
  const skipped = prepared.skipped ? { skipped: prepared.skipped } : {};
  if (hasErrors(allDiagnostics(prepared))) return { status: 'invalid', diagnostics: allDiagnostics(prepared), ...skipped };
  const unknownTier = unknownTierMessage(opts.disableTier, prepared.slos);
  if (unknownTier) return { status: 'unknown-tier', message: unknownTier };
  const ownership = ownershipOf(paths, prepared.sources, io.cwd);

  // files are written on a second thread while the next SLO renders; nothing is written in check mode
  const writer = check ? undefined : new ThreadWriter();
  const dir = (name: string, root: string, accepts: (f: OutputFile) => boolean = () => true, chart = false) => ({
    name,
    out: new OutputDir(path.resolve(io.cwd, root), check, writer, ownership),
    accepts,
    chart,
  });
  const given = (root: string | undefined) => (root === undefined ? [] : [dir(root, root)]);
  const rules = given(out.rules);
  const boards = given(out.dashboards);
  const routing = given(out.alertmanager);
  // Helm only reads files inside a chart, so the SLO chart carries its own copies
  if (out.chartFiles !== undefined) {
    routing.push(dir(`${out.chartFiles}/alertmanager`, path.join(out.chartFiles, 'alertmanager')));
    rules.push(dir(`${out.chartFiles}/rules`, path.join(out.chartFiles, 'rules'), (f) => f.path.endsWith('.rules.yaml'), true));
    boards.push(dir(`${out.chartFiles}/dashboards`, path.join(out.chartFiles, 'dashboards'), () => true, true));
  }
  const targets: Record<OutputKind, ReturnType<typeof dir>[]> = { rules, dashboards: boards, mixin: given(out.mixin), routing, amp: given(out.amp) };
  const dirs = [...rules, ...boards, ...targets.mixin, ...routing, ...targets.amp];
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
    const error = e as NodeJS.ErrnoException;
    if (typeof error.code !== 'string') throw e;
    return { status: 'unwritable', diagnostics: allDiagnostics(prepared), ...skipped, error };
  } finally {
    // everything is on disk (flushed above, or after the aborts): the thread has nothing left to do
    writer?.close();
  }
  // an SLO that did not compile, or overrides that failed: nothing is written
  if (failed || hasErrors(allDiagnostics(prepared))) {
    for (const d of dirs) d.out.abort();
    return { status: 'invalid', diagnostics: [...allDiagnostics(prepared), ...(failed ? [failed] : [])], ...skipped };
  }
  const folders = dirs.map(({ name, out: o }): FolderResult => {
    const drift = o.commit();
    return { name, size: o.size, drift, stale: o.stale, left: o.left, sharedWith: o.sharedWith, manifestStale: o.manifestStale };
  });
  return { status: 'done', diagnostics: allDiagnostics(prepared), ...skipped, slos: prepared.compiled, folders };
}
