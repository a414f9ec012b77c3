import { checkPromql, type QueryShape } from '@slo-engine/promql';
import { COMPAT } from './compat';
import { ObjectContext, type QueryUse, type RefKind, type Report } from './context';
import { compareDiagnostics, Diagnostic, formatPath, formatPos, type PathSeg, type SourcePos } from './diagnostics';
import { positionInScalar } from './query-position';
import { checkDurationsWithinPeriods } from './periods';
import { checkObject, type ApiVersion } from './rules';
import { checkSlothObject, isSlothDocument, type SlothSloIds, type SlothVersion } from './sloth';
import { parseSource, type RawObject } from './source';
import { asObj, asStr, isObj } from './values';

export interface SourceText {
  /** Path as shown in messages (relative to the working directory). */
  file: string;
  text: string;
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
  version: ApiVersion | SlothVersion;
  kind: string;
  name: string;
  value: Record<string, unknown>;
  /** False when any error was reported for this object. */
  valid: boolean;
}

export interface EngineResult {
  diagnostics: Diagnostic[];
  objects: CheckedObject[];
  /** Objects by `kind/name`, the first definition of each. */
  index: Map<string, CheckedObject>;
}

const key = (kind: string, name: string) => `${kind}/${name}`;

function describe(o: { kind: string; name: string }): string {
  return o.name ? `${o.kind} ${o.name}` : o.kind;
}

/** Validates a set of inputs together: each object, then names, references and queries across all of them. */
export function checkSources(sources: readonly SourceText[], options: EngineOptions = {}): EngineResult {
  const diagnostics: Diagnostic[] = [];
  const contexts: { ctx: ObjectContext; obj?: CheckedObject }[] = [];
  const slothIds: SlothSloIds = new Map();

  for (const src of sources) {
    const parsed = parseSource(src.file, src.text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.objects.length === 0 && parsed.diagnostics.length === 0)
      diagnostics.push(new Diagnostic('warning', 'empty', 'contains no OpenSLO objects', { file: src.file, line: 1, column: 1 }, '', 'is this the right file?'));
    for (const raw of parsed.objects) {
      const ctx = new ObjectContext(raw);
      const value = raw.value as Record<string, unknown>;
      let obj: CheckedObject | undefined;
      if (isSlothDocument(raw.value)) {
        const sloth = checkSlothObject(ctx, raw.value, slothIds);
        obj = sloth ? { raw, version: sloth.version, kind: sloth.kind, name: sloth.name, value, valid: true } : undefined;
      } else {
        const env = checkObject(ctx, raw.value);
        obj = env ? { raw, version: env.version, kind: env.kind, name: asStr(asObj(value.metadata).name) ?? '', value, valid: true } : undefined;
      }
      contexts.push({ ctx, obj });
    }
  }

  const index = new Map<string, CheckedObject>();
  for (const { ctx, obj } of contexts) {
    // Sloth prometheus/v1 documents are named by their service, which several may share; their SLO ids are checked instead
    if (!obj || !obj.name || obj.version === 'prometheus/v1') continue;
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
      new Diagnostic(same ? 'warning' : 'error', 'duplicate-name', `${obj.kind} "${obj.name}" is defined again at ${formatPos(obj.raw.locate(['metadata', 'name']))}`, firstPos, 'metadata.name', undefined, [], describe(obj)),
    );
  }

  const refSeverity = options.missingReferences ?? 'warning';
  for (const { ctx } of contexts) {
    for (const ref of ctx.refs) {
      if (index.has(key(ref.kind, ref.name))) continue;
      ctx.reports.push({
        path: ref.path,
        code: 'missing-reference',
        severity: refSeverity,
        message: `${ref.field} "${ref.name}" refers to a ${ref.kind} that none of the inputs define`,
        hint: refSeverity === 'warning' ? `pass the file that defines ${ref.kind} "${ref.name}" too; compile needs it` : `define ${ref.kind} "${ref.name}" or pass the file that defines it`,
      });
    }
    for (const group of groupQueries(ctx.queries)) checkQueries(ctx, group, index);
  }
  checkDurationsWithinPeriods(contexts, index);

  for (const { ctx, obj } of contexts) diagnostics.push(...locate(ctx, obj, options.strict === true));
  for (const { ctx, obj } of contexts) if (obj) obj.valid = !ctx.reports.some((r) => (r.severity ?? 'error') === 'error' && (!r.compat || options.strict));
  diagnostics.sort(compareDiagnostics);
  return { diagnostics, objects: contexts.flatMap((c) => (c.obj ? [c.obj] : [])), index };
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
      ctx.reports.push({ path: numer.path, code: 'query-shape', severity: 'warning', message: `${numer.role} and total are the same query, so the ratio is always ${numer.role === 'good' ? '1' : '1 (everything bad)'}`, hint: `filter the ${numer.role} events, e.g. code!~"5.." for good` });
    else if (a?.aggregation && b?.aggregation) {
      const la = labelsOf(a.aggregation);
      const lb = labelsOf(b.aggregation);
      if (la !== lb)
        ctx.reports.push({ path: numer.path, code: 'query-shape', message: `${numer.role} is aggregated ${la} but total ${lb}; the two sides must have the same labels or the ratio matches no series`, hint: 'use the same by (...) clause in both queries' });
    }
  }
}

function labelsOf(agg: NonNullable<QueryShape['aggregation']>): string {
  if (agg.without) return `without (${[...agg.without].sort().join(', ')})`;
  return `by (${[...(agg.by ?? [])].sort().join(', ')})`;
}

/** Turns one object's reports into located diagnostics; tolerated deviations become one warning per object. */
function locate(ctx: ObjectContext, obj: CheckedObject | undefined, strict: boolean): Diagnostic[] {
  const raw = ctx.raw;
  const label = obj ? describe(obj) : undefined;
  const out: Diagnostic[] = [];
  const compat: { pos: SourcePos; path: string; message: string; id: string }[] = [];
  for (const r of ctx.reports) {
    const pos = r.queryOffset !== undefined && r.query !== undefined ? positionInScalar(raw, r.path, r.query, r.queryOffset) : raw.locate(r.path, r.at);
    const path = formatPath(r.path);
    if (r.compat && !strict) {
      compat.push({ pos, path, message: r.message, id: r.compat });
      continue;
    }
    const message = r.compat ? `${r.message} (without --strict this is accepted: ${COMPAT[r.compat].acceptedBy})` : r.message;
    out.push(new Diagnostic(r.severity ?? 'error', r.code, message, pos, path, r.hint, [], label));
  }
  if (compat.length) {
    compat.sort((a, b) => a.pos.line - b.pos.line || a.pos.column - b.pos.column);
    const first = compat[0]!;
    const details = compat.map((c) => `${c.pos.line}:${c.pos.column} ${c.path ? `${c.path}: ` : ''}${c.message}`).join('; ');
    const ids = [...new Set(compat.map((c) => c.id))];
    out.push(
      new Diagnostic(
        'warning',
        'compat',
        `accepted in compatibility mode, but not portable: ${details}`,
        first.pos,
        first.path,
        `--strict rejects this; accepted because ${ids.map((id) => `${id}: ${COMPAT[id as keyof typeof COMPAT].acceptedBy}`).join('; ')}`,
        [],
        label,
        ids,
      ),
    );
  }
  return out;
}

export type { RefKind, PathSeg };
export { isObj };
