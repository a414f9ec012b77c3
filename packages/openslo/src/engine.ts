import { checkPromql, type QueryShape } from '@slo-engine/promql';
import { COMPAT } from './compat';
import { ObjectContext, type QueryUse, type RefKind } from './context';
import { compareDiagnostics, Diagnostic, formatPath, formatPos, type PathSeg } from './diagnostics';
import { positionInScalar } from './query-position';
import { checkDurationsWithinPeriods } from './periods';
import { nothingFound, type Skipped } from './found';
import { type CheckRun, type DialectVersion, DIALECTS, type Document, dialectFor, OPENSLO_VERSIONS } from './dialects';
import { checkUnknownVersion, isNobl9 } from './dialects/shared/checks';
import { isSlothDocument } from './dialects/sloth/checks';
import { parseSource, type RawObject } from './source';
import { withArticle } from './suggest';
import { asObj, asStr, has, isObj, type Obj } from './values';

export interface SourceText {
  /** Path as shown in messages (as the user wrote the path argument it was found under). */
  file: string;
  text: string;
  /** The path argument it was found under, as given (`-` for standard input); names the inputs when nothing is found. */
  input?: string;
  /**
   * Found by walking a directory rather than named: such a file that does not parse and never mentions
   * OpenSLO or Sloth (a Helm template) is skipped instead of reported.
   */
  walked?: boolean;
}

export interface EngineOptions {
  /** Reject what only the reference validator rejects (the "disputed" documents). */
  strict?: boolean;
  /** A reference that no input defines: a warning for `validate`, an error for `compile`. */
  missingReferences?: 'warning' | 'error';
}

/** A top-level object that passed its own checks, with where it came from. */
export interface CheckedObject {
  raw: RawObject;
  version: DialectVersion;
  kind: string;
  name: string;
  value: Record<string, unknown>;
  /** The document as the schema of its dialect reads it; absent when the schema reported errors. */
  doc?: Document;
  /** False when any error was reported for this object. */
  valid: boolean;
}

export interface EngineResult {
  diagnostics: Diagnostic[];
  objects: CheckedObject[];
  /** Objects by `kind/name`, the first definition of each. */
  index: Map<string, CheckedObject>;
  /** Documents that are not SLO specs (other apiVersions, templates), one entry each; see skippedSummary. */
  skipped: Skipped[];
}

/** apiVersions of other APIs, `v1` or `group/v1beta1`: a document with one is not an SLO spec (unless it says openslo). */
const OTHER_API_VERSION = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?v[0-9]+((alpha|beta)[0-9]*)?$/i;
/** Kinds only SLO specs have: a document of one of them is kept whatever its apiVersion, so that a wrong apiVersion is reported. */
const SLO_KINDS = new Set<string>(DIALECTS.flatMap((d) => d.kinds.filter((k) => k !== 'Service')));
/** What a file must mention to be reported, not skipped, when it does not parse. */
const MENTIONS_SLO = /openslo|sloth|prometheus\/v1/i;

/** Why a document is not an SLO spec, or undefined when it is or may be one (then its errors are reported). */
function notSloReason(value: unknown, walked: boolean): string | undefined {
  if (!isObj(value)) return walked ? `is ${Array.isArray(value) ? 'a list' : 'a scalar'}, not a map with apiVersion` : undefined;
  if (isSlothDocument(value)) return undefined;
  const api = value.apiVersion;
  const kind = typeof value.kind === 'string' ? value.kind : undefined;
  if (typeof api === 'string') {
    if (/openslo|sloth/i.test(api) || isNobl9(api) || (kind && SLO_KINDS.has(kind))) return undefined;
    return OTHER_API_VERSION.test(api) ? `apiVersion ${api} is not OpenSLO or Sloth` : undefined;
  }
  if (api !== undefined && api !== null) return undefined;
  // without apiVersion, keep what looks like a spec that lacks it: an SLO object, or Sloth's service and slos
  if (kind !== undefined || has(value, 'slos') || (has(value, 'metadata') && has(value, 'spec'))) return undefined;
  return 'has no apiVersion, kind or Sloth version';
}

const key = (kind: string, name: string) => `${kind}/${name}`;

function describe(o: { kind: string; name: string }): string {
  return o.name ? `${o.kind} ${o.name}` : o.kind;
}

/** Validates a set of inputs together: each object, then names, references and queries across all of them. */
export function checkSources(sources: readonly SourceText[], options: EngineOptions = {}): EngineResult {
  const diagnostics: Diagnostic[] = [];
  const contexts: { ctx: ObjectContext; obj?: CheckedObject }[] = [];
  const run: CheckRun = { slothSloIds: new Map() };
  const skipped: Skipped[] = [];

  for (const src of sources) {
    const parsed = parseSource(src.file, src.text);
    const walked = src.walked === true;
    const broken = parsed.diagnostics.find((d) => d.severity === 'error');
    if (broken && walked && !MENTIONS_SLO.test(src.text)) {
      // a template ({{ }}) or other YAML-like file found in a directory: not a spec, so its syntax is not ours to report
      skipped.push({ file: src.file, line: broken.pos.line, reason: 'does not parse as YAML and does not mention OpenSLO or Sloth (a template?)' });
    } else diagnostics.push(...parsed.diagnostics);
    if (parsed.objects.length === 0 && parsed.diagnostics.length === 0) {
      if (walked) skipped.push({ file: src.file, line: 1, reason: 'has no YAML documents' });
      else diagnostics.push(new Diagnostic('warning', 'empty', 'contains no OpenSLO objects', { file: src.file, line: 1, column: 1 }, '', 'is this the right file?'));
    }
    for (const raw of parsed.objects) {
      const reason = notSloReason(raw.value, walked);
      if (reason !== undefined) {
        skipped.push({ file: src.file, line: raw.locate([]).line, reason });
        continue;
      }
      const ctx = new ObjectContext(raw);
      const value = raw.value as Record<string, unknown>;
      const dialect = isObj(raw.value) ? dialectFor(raw.value) : undefined;
      const checked = dialect?.check(ctx, value, run);
      if (!dialect) checkUnknownVersion(ctx, raw.value, OPENSLO_VERSIONS);
      const obj: CheckedObject | undefined = checked && { raw, version: checked.version, kind: checked.kind, name: checked.name, value, valid: true, doc: checked.doc };
      contexts.push({ ctx, obj });
    }
  }

  const index = new Map<string, CheckedObject>();
  for (const { ctx, obj } of contexts) {
    // Sloth prometheus/v1 documents are named by their service, which several may share; their SLO ids are checked instead
    if (!obj?.name || obj.version === 'prometheus/v1') continue;
    const k = key(obj.kind, obj.name);
    const first = index.get(k);
    if (!first) {
      index.set(k, obj);
      continue;
    }
    const same = JSON.stringify(first.value.spec) === JSON.stringify(obj.value.spec);
    const firstPos = first.raw.locate(['metadata', 'name']);
    ctx.reports.push({
      path: ['metadata', 'name'],
      code: 'duplicate-name',
      severity: same ? 'warning' : 'error',
      message: same
        ? `${obj.kind} "${obj.name}" is defined twice with the same spec (first at ${formatPos(firstPos)}); the first one is used`
        : `${obj.kind} "${obj.name}" is already defined at ${formatPos(firstPos)}; names must be unique per kind across all inputs`,
      hint: same ? undefined : 'rename one of them, or remove the duplicate',
    });
    diagnostics.push(
      new Diagnostic(
        same ? 'warning' : 'error',
        'duplicate-name',
        `${obj.kind} "${obj.name}" is defined again at ${formatPos(obj.raw.locate(['metadata', 'name']))}`,
        firstPos,
        'metadata.name',
        undefined,
        [],
        describe(obj),
      ),
    );
  }

  const refSeverity = options.missingReferences ?? 'warning';
  if (refSeverity === 'error') skipForeignSlis(contexts, index);
  for (const { ctx } of contexts) {
    for (const ref of ctx.refs) {
      if (index.has(key(ref.kind, ref.name))) continue;
      ctx.reports.push({
        path: ref.path,
        code: 'missing-reference',
        severity: refSeverity,
        message: `${ref.field} "${ref.name}" refers to ${withArticle(ref.kind)} that none of the inputs define`,
        hint: refSeverity === 'warning' ? `pass the file that defines ${ref.kind} "${ref.name}" too; compile needs it` : `define ${ref.kind} "${ref.name}" or pass the file that defines it`,
      });
    }
    for (const group of groupQueries(ctx.queries)) checkQueries(ctx, group, index);
  }
  checkDurationsWithinPeriods(contexts, index);

  for (const { ctx, obj } of contexts) diagnostics.push(...locate(ctx, obj, options.strict === true));
  for (const { ctx, obj } of contexts) if (obj) obj.valid = !ctx.reports.some((r) => (r.severity ?? 'error') === 'error' && (!r.compat || options.strict));
  if (contexts.length === 0 && sources.length > 0 && !diagnostics.some((d) => d.severity === 'error')) {
    // the one error of a run that found nothing: it replaces the per-file "empty" warnings it sums up
    const kept = diagnostics.filter((d) => d.code !== 'empty');
    diagnostics.length = 0;
    diagnostics.push(
      ...kept,
      nothingFound(
        sources.map((s) => s.input ?? s.file),
        skipped.length,
      ),
    );
  }
  diagnostics.sort(compareDiagnostics);
  return { diagnostics, objects: contexts.flatMap((c) => (c.obj ? [c.obj] : [])), index, skipped };
}

/** The data source types of an SLI's metrics: explicit, or of the DataSource they refer to (undefined when unknown). */
function sliSourceTypes(obj: CheckedObject, index: Map<string, CheckedObject>): (string | undefined)[] {
  const spec = asObj(obj.value.spec);
  const r = asObj(spec.ratioMetric);
  const metrics = [spec.thresholdMetric, r.good, r.bad, r.total, r.raw].filter(isObj);
  const dsType = (ref: unknown) => (typeof ref === 'string' ? asStr(asObj(index.get(key('DataSource', ref))?.value.spec).type) : undefined);
  return metrics.map((m: Obj) => {
    if (obj.version === 'openslo/v1') {
      const ms = asObj(m.metricSource);
      return asStr(ms.type) ?? dsType(ms.metricSourceRef);
    }
    return asStr(asObj(m.dataSourceSpec).type) ?? dsType(m.dataSourceRef);
  });
}

/**
 * An SLI no SLO refers to is never compiled, so when its source is not Prometheus (a Datadog or CloudWatch
 * SLI kept beside the Prometheus ones) what it refers to does not matter to compile: it is skipped with a
 * warning rather than blocking the run with its missing DataSource.
 */
function skipForeignSlis(contexts: { ctx: ObjectContext; obj?: CheckedObject }[], index: Map<string, CheckedObject>): void {
  const used = new Set(contexts.flatMap(({ ctx }) => ctx.refs.filter((r) => r.kind === 'SLI').map((r) => r.name)));
  for (const { ctx, obj } of contexts) {
    if (obj?.kind !== 'SLI' || !obj.name || used.has(obj.name) || !ctx.refs.some((r) => !index.has(key(r.kind, r.name)))) continue;
    const foreign = sliSourceTypes(obj, index).find((t) => t !== undefined && !/^prometheus$/i.test(t));
    if (foreign === undefined) continue;
    ctx.refs.length = 0;
    ctx.reports.push({
      path: ['metadata', 'name'],
      code: 'unused-sli',
      severity: 'warning',
      message: `SLI ${obj.name} is not referenced by any SLO and its source ${foreign} is not Prometheus: it is skipped`,
      hint: 'nothing is compiled for it; leave its file out of the inputs to silence this',
    });
  }
}

function groupQueries(queries: QueryUse[]): QueryUse[][] {
  const groups = new Map<string, QueryUse[]>();
  for (const q of queries) groups.set(q.group, [...(groups.get(q.group) ?? []), q]);
  return [...groups.values()];
}

/** The data source type of a query: explicit, or from the DataSource it refers to. */
function queryType(q: QueryUse, index: Map<string, CheckedObject>): string | undefined {
  if (q.type) return q.type;
  if (q.dataSourceRef) return asStr(asObj(index.get(key('DataSource', q.dataSourceRef))?.value.spec).type);
  return undefined;
}

function checkQueries(ctx: ObjectContext, group: QueryUse[], index: Map<string, CheckedObject>): void {
  const shapes = new Map<QueryUse, QueryShape>();
  for (const q of group) {
    if (!/^prometheus$/i.test(queryType(q, index) ?? '')) continue;
    const result = checkPromql(q.query);
    for (const p of result.problems) {
      ctx.reports.push({ path: q.path, code: 'promql', message: `invalid PromQL: ${p.message}`, queryOffset: p.offset, query: q.query });
    }
    if (result.ok && result.shape) shapes.set(q, result.shape);
  }
  const numer = group.find((q) => q.role === 'good' || q.role === 'bad');
  const total = group.find((q) => q.role === 'total');
  for (const [q, shape] of shapes) {
    if (shape.valueType === 'matrix' && !shape.usesRangeFunction)
      ctx.reports.push({ path: q.path, code: 'query-shape', message: `${q.role} query is a range vector; wrap it, e.g. sum(rate(${q.query.trim()}))` });
    else if (shape.valueType === 'string' || (shape.valueType === 'scalar' && q.role !== 'raw' && q.role !== 'threshold'))
      ctx.reports.push({ path: q.path, code: 'query-shape', message: `${q.role} query must return series (an instant vector), not a ${shape.valueType}` });
  }
  if (numer && total) {
    const a = shapes.get(numer);
    const b = shapes.get(total);
    if (numer.query.replace(/\s+/g, '') === total.query.replace(/\s+/g, ''))
      ctx.reports.push({
        path: numer.path,
        code: 'query-shape',
        severity: 'warning',
        message: `${numer.role} and total are the same query, so the ratio is always ${numer.role === 'good' ? '1' : '1 (everything bad)'}`,
        hint: `filter the ${numer.role} events, e.g. code!~"5.." for good`,
      });
    else if (a?.aggregation && b?.aggregation) {
      const la = labelsOf(a.aggregation);
      const lb = labelsOf(b.aggregation);
      if (la !== lb)
        ctx.reports.push({
          path: numer.path,
          code: 'query-shape',
          message: `${numer.role} is aggregated ${la} but total ${lb}; the two sides must have the same labels or the ratio matches no series`,
          hint: 'use the same by (...) clause in both queries',
        });
    }
  }
}

function labelsOf(agg: NonNullable<QueryShape['aggregation']>): string {
  if (agg.without) return `without (${[...agg.without].sort().join(', ')})`;
  return `by (${[...(agg.by ?? [])].sort().join(', ')})`;
}

/** Turns one object's reports into located diagnostics; each tolerated deviation is a warning of its own, where it is. */
function locate(ctx: ObjectContext, obj: CheckedObject | undefined, strict: boolean): Diagnostic[] {
  const raw = ctx.raw;
  const label = obj ? describe(obj) : undefined;
  const out: Diagnostic[] = [];
  for (const r of ctx.reports) {
    const pos = r.queryOffset !== undefined && r.query !== undefined ? positionInScalar(raw, r.path, r.query, r.queryOffset) : raw.locate(r.path, r.at);
    const path = formatPath(r.path);
    if (r.compat && !strict) {
      const hint = [r.tolerated?.hint, `--strict rejects this; accepted because ${COMPAT[r.compat].acceptedBy}`].filter(Boolean).join('; ');
      out.push(new Diagnostic('warning', 'compat', r.tolerated?.message ?? r.message, pos, path, hint, [], label, [r.compat]));
      continue;
    }
    const message = r.compat ? `${r.message} (without --strict this is accepted: ${COMPAT[r.compat].acceptedBy})` : r.message;
    out.push(new Diagnostic(r.severity ?? 'error', r.code, message, pos, path, r.hint, [], label));
  }
  return out;
}

export type { RefKind, PathSeg };
export { isObj };
