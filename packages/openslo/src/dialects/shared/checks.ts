import type { z } from 'zod';
import { COMPAT } from '../../compat';
import type { ObjectContext } from '../../context';
import type { PathSeg } from '../../diagnostics';
import {
  annotationKeyProblem,
  CALENDAR_WORDS,
  durationProblem,
  isCalendarStartTime,
  isTimeZone,
  LABEL_KEY,
  LONGER_THAN_MAX_PERIOD,
  LOOSE_NAME,
  MAX_DESCRIPTION_LENGTH,
  MAX_DISPLAY_NAME_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PERIOD_MINUTES,
  parseDuration,
  RFC1123_LABEL,
  shorthandMinutes,
  WEEKDAYS,
} from '../../formats';
import { didYouMean, transliterate } from '../../suggest';
import { asArr, asNum, asObj, asStr, has, isObj, type Obj } from '../../values';
import { type Finding, parseWith } from '../../zod-report';
import type { Checked } from '../dialect';
import * as common from './schema';

/**
 * The rules the OpenSLO dialects share: the envelope, names and metadata, durations and calendars,
 * objectives, alerting, and the SLO and SLI rules of v1 and v2alpha (which differ in a few field names,
 * given by SloFields). The rules read the document as written: they run whatever its shape.
 */

/** How v1 and v2alpha name an SLO's SLI and a metric's data source, and the rules only one of them has. */
export interface SloFields {
  indicator: string;
  indicatorRef: string;
  metric(m: Obj): { spec: Obj | undefined; type?: string; ref?: string; refField: string; specPath: PathSeg[] };
  /** An SLO's own rules, before the shared ones. */
  sloRules?(ctx: ObjectContext, spec: Obj, path: PathSeg[]): void;
  /** A metric's own rules, after its data source reference is checked. */
  metricRules?(ctx: ObjectContext, m: Obj, path: PathSeg[]): void;
  /** Whether an inline SLI without spec is read as a reference to the SLI of its name (a tolerated deviation). */
  inlineWithoutSpecIsRef: boolean;
}

// ---------------------------------------------------------------- names and metadata

export function checkName(ctx: ObjectContext, path: PathSeg[], value: unknown, what: string): void {
  if (typeof value !== 'string') return;
  if (value === '') {
    ctx.error(path, 'name-format', `${what} must not be empty`);
    return;
  }
  if (RFC1123_LABEL.test(value) && value.length <= MAX_NAME_LENGTH) return;
  const fix = nameFix(value);
  if (LOOSE_NAME.test(value) && value.length <= MAX_NAME_LENGTH) {
    ctx.compat(path, 'name-format', `${what} "${value}" ${COMPAT['name-format'].strict}; use "${fix}"`);
    return;
  }
  ctx.error(path, 'name-format', `${what} "${value}" ${COMPAT['name-format'].strict}`, fix ? `use "${fix}"` : undefined);
}

/** An RFC 1123 name that keeps the letters of `value` (été → ete), or '' when none are left. */
export function nameFix(value: string): string {
  const trim = (t: string) => t.replace(/^-+|-+$/g, '');
  return trim(
    trim(transliterate(value, /[^A-Za-z0-9]+/g))
      .toLowerCase()
      .slice(0, MAX_NAME_LENGTH),
  );
}

export function checkMetadata(ctx: ObjectContext, base: PathSeg[], metadata: unknown): void {
  const md = asObj(metadata);
  checkName(ctx, [...base, 'name'], md.name, 'name');
  const dn = asStr(md.displayName);
  if (dn !== undefined && dn.length > MAX_DISPLAY_NAME_LENGTH) ctx.error([...base, 'displayName'], 'length', `displayName must be at most ${MAX_DISPLAY_NAME_LENGTH} characters (got ${dn.length})`);
  for (const key of Object.keys(asObj(md.labels)))
    if (!LABEL_KEY.test(key))
      ctx.error([...base, 'labels', key], 'label-key', `label key "${key}" must be at most 63 characters, begin and end with a letter or digit, with only "-", "_", "." between`, undefined, 'key');
  for (const key of Object.keys(asObj(md.annotations))) {
    const problem = annotationKeyProblem(key);
    if (problem) ctx.error([...base, 'annotations', key], 'annotation-key', `annotation key "${key}": ${problem}`, undefined, 'key');
  }
}

export function checkDescription(ctx: ObjectContext, path: PathSeg[], spec: Obj): void {
  const d = asStr(spec.description);
  if (d !== undefined && d.length > MAX_DESCRIPTION_LENGTH)
    ctx.error([...path, 'description'], 'length', `description must be at most ${MAX_DESCRIPTION_LENGTH} characters (got ${d.length})`, 'shorten it, or move the details to an annotation with a link');
}

/**
 * Zod schemas are costly to build (a few hundred microseconds each) and immutable once built, so each is
 * built once per process, keyed by what it checks, not once per document.
 */
const built = new Map<string, z.ZodType>();
function cached(key: string, make: () => z.ZodType): z.ZodType {
  let s = built.get(key);
  if (!s) {
    s = make();
    built.set(key, s);
  }
  return s;
}

function schema(ctx: ObjectContext, s: z.ZodType, value: unknown, base: PathSeg[]): void {
  for (const f of parseWith(s, value, base)) ctx.reports.push(f);
}

export const PERIOD_HINT = 'shorten the period to at most 1Y (365d), e.g. 28d, 30d, 1Q or 1Y';
/** How to fix each duration field that is longer than any period (and so than its SLO's). */
export const DURATION_HINTS: Record<string, string> = {
  lookbackWindow: 'burn-rate windows are usually 1h to 3d',
  alertAfter: 'alertAfter is how long the condition must hold before the alert fires, usually a few minutes (e.g. 5m)',
  timeSliceWindow: 'time slices are usually 1m to 5m',
};

/** A duration field: a valid shorthand no longer than the longest period, which every field must fit in. */
function checkDuration(ctx: ObjectContext, path: PathSeg[], value: unknown, what: string): void {
  if (typeof value !== 'string') return;
  if (tooLong(ctx, path, value, value, what)) return;
  if (!parseDuration(value)) ctx.error(path, 'duration', `${what}: ${durationProblem(value)}`);
}

/** Refuses `text` (its length read from `shorthand`) when longer than the longest period; true if refused. */
function tooLong(ctx: ObjectContext, path: PathSeg[], text: string, shorthand: string, what: string): boolean {
  const minutes = shorthandMinutes(shorthand) ?? CALENDAR_WORDS[shorthand]?.minutes;
  if (minutes === undefined || minutes <= MAX_PERIOD_MINUTES) return false;
  ctx.error(path, 'duration', `${what} "${text}" ${LONGER_THAN_MAX_PERIOD}`, what === 'duration' ? PERIOD_HINT : DURATION_HINTS[what]);
  return true;
}

// ---------------------------------------------------------------- envelope

/**
 * The errors of a document that no dialect reads: not a map, no apiVersion, Nobl9's or an unknown one.
 * `versions` are the OpenSLO apiVersions, in the order the message lists them.
 */
export function checkUnknownVersion(ctx: ObjectContext, value: unknown, versions: readonly string[]): void {
  if (!isObj(value)) {
    ctx.error([], 'not-an-object', `expected an OpenSLO object (a map with apiVersion, kind, metadata, spec), got ${Array.isArray(value) ? 'a list' : typeof value}`);
    return;
  }
  const apiVersion = value.apiVersion;
  if (apiVersion === undefined) {
    ctx.error([], 'required', 'apiVersion is required', 'add apiVersion: openslo/v1');
    return;
  }
  if (typeof apiVersion === 'string' && isNobl9(apiVersion)) {
    ctx.error(['apiVersion'], 'nobl9', nobl9Message(apiVersion, value.kind), NOBL9_HINT);
    return;
  }
  ctx.error(
    ['apiVersion'],
    'api-version',
    `unsupported apiVersion ${JSON.stringify(apiVersion)}; supported: ${versions.join(', ')}`,
    typeof apiVersion === 'string' ? apiVersionHint(apiVersion, versions) : undefined,
  );
}

/** Checks the kind of a document of a known apiVersion; returns it when the apiVersion has it. */
function checkKind(ctx: ObjectContext, value: Obj, version: string, kinds: readonly string[], elsewhere?: (kind: string) => string | undefined): string | undefined {
  const kind = value.kind;
  if (kind === undefined) {
    ctx.error([], 'required', `kind is required: one of ${kinds.join(', ')}`);
    return undefined;
  }
  if (typeof kind !== 'string' || !kinds.includes(kind)) {
    const there = typeof kind === 'string' ? elsewhere?.(kind) : undefined;
    ctx.error(['kind'], 'kind', `kind ${JSON.stringify(kind)} does not exist in ${version}; it has ${kinds.join(', ')}`, there ?? (typeof kind === 'string' ? kindHint(kind, kinds) : undefined));
    return undefined;
  }
  return kind;
}

/** Spellings of the OpenSLO apiVersions compared loosely: any case, with or without ".com". */
const looseVersion = (v: string) =>
  v
    .toLowerCase()
    .replace(/\.com\//, '/')
    .replace(/\s+/g, '');

/** How to fix an unsupported apiVersion: the supported one it is a variant or a typo of. */
function apiVersionHint(apiVersion: string, versions: readonly string[]): string | undefined {
  const same = versions.find((v) => looseVersion(v) === looseVersion(apiVersion));
  if (same) return `did you mean "${same}"?`;
  return didYouMean(apiVersion, versions);
}

/** Names other tools give the OpenSLO kinds: the Kubernetes resources of SLO operators (Pyrra) spell them out. */
const KIND_ALIASES: Record<string, string> = {
  serviceLevelObjective: 'SLO',
  servicelevelobjective: 'SLO',
  serviceLevelIndicator: 'SLI',
  servicelevelindicator: 'SLI',
};

function kindHint(kind: string, kinds: readonly string[]): string | undefined {
  const alias = KIND_ALIASES[kind] ?? KIND_ALIASES[kind.toLowerCase()];
  if (alias && kinds.includes(alias)) return `the OpenSLO kind is ${alias}: write kind: ${alias} (${kind} is the name Kubernetes SLO operators such as Pyrra give their custom resource)`;
  return didYouMean(kind, kinds);
}

/** Nobl9's own format (`apiVersion: n9/v1alpha`): an SLO spec, but of another tool. */
export function isNobl9(apiVersion: string): boolean {
  return /^n9\//i.test(apiVersion);
}

export function nobl9Message(apiVersion: string, kind: unknown): string {
  return `this is a Nobl9 ${typeof kind === 'string' && kind ? `${kind} ` : ''}document (apiVersion ${apiVersion}), not OpenSLO; slo-engine reads OpenSLO and Sloth specs only`;
}

export const NOBL9_HINT =
  'convert it to OpenSLO: apiVersion: openslo/v1, and write each Nobl9 metric such as prometheus: {promql: <query>} as metricSource: {type: Prometheus, spec: {query: <query>}} under spec.indicator.spec.ratioMetric (good or bad, and total) or thresholdMetric';

/** Which fields the spec of each kind needs, for the message about a missing spec (an SLO's are the dialect's). */
const SPEC_FIELDS: Record<string, string> = {
  SLI: 'thresholdMetric or ratioMetric',
  DataSource: 'type and connectionDetails',
  AlertPolicy: 'conditions and notificationTargets',
  AlertCondition: 'severity and condition',
  AlertNotificationTarget: 'target',
};

/** A kind that needs a spec but has none: said in words instead of zod's "expected object, received undefined". */
function missingSpec(ctx: ObjectContext, kind: string, o: Obj, sloFields: string): boolean {
  if (kind === 'Service' || (o.spec !== undefined && o.spec !== null)) return false;
  const fields = kind === 'SLO' ? sloFields : SPEC_FIELDS[kind];
  const name = asStr(asObj(o.metadata).name);
  ctx.error([], 'required', `${kind}${name ? ` ${name}` : ''} has no spec: add a spec: block with ${fields}`);
  return true;
}

/** An OpenSLO apiVersion as its dialect describes it to checkDocument. */
export interface OpenSloVersion<V extends string, Doc> {
  apiVersion: V;
  kinds: readonly string[];
  /** What an SLO's spec needs, for the message about a missing spec. */
  sloFields: string;
  /** A hint for a kind this apiVersion does not have (where it exists instead). */
  elsewhere?: (kind: string) => string | undefined;
  /** The document's schema findings, and the document as the schema reads it when there are none. */
  parse(kind: string, value: Obj): { findings: Finding[]; data?: Doc } | undefined;
  /** The rules of the dialect, once the envelope and metadata are checked. */
  rules(ctx: ObjectContext, kind: string, value: Obj): void;
}

/** Validates one OpenSLO document of a known apiVersion; cross-object rules (names, references) run later. */
export function checkDocument<V extends string, Doc>(ctx: ObjectContext, value: Obj, d: OpenSloVersion<V, Doc>): Checked<V, Doc> | undefined {
  const kind = checkKind(ctx, value, d.apiVersion, d.kinds, d.elsewhere);
  if (kind === undefined) return undefined;
  const noSpec = missingSpec(ctx, kind, value, d.sloFields);
  const parsed = d.parse(kind, value);
  // the missing spec is reported above; zod would say it again, as "expected object, received undefined"
  for (const f of parsed?.findings ?? []) if (!(noSpec && f.path.length === 1 && f.path[0] === 'spec')) ctx.reports.push(f);
  checkMetadata(ctx, ['metadata'], value.metadata);
  d.rules(ctx, kind, value);
  return { version: d.apiVersion, kind, name: asStr(asObj(value.metadata).name) ?? '', doc: parsed?.data };
}

/** Whether `kind` is one of the keys of a dialect's table of document schemas. */
export function isKindOf<T extends object>(table: T, kind: string): kind is Extract<keyof T, string> {
  return Object.hasOwn(table, kind);
}

/** The rules of a v1 or v2alpha spec of one kind. */
export function checkSpec(ctx: ObjectContext, d: SloFields, kind: string, spec: Obj, path: PathSeg[]): void {
  if (kind !== 'SLI') checkDescription(ctx, path, spec);
  switch (kind) {
    case 'SLO':
      checkSlo(ctx, d, spec, path);
      return;
    case 'SLI':
      checkSliSpec(ctx, d, spec, path, 'sli');
      return;
    case 'AlertPolicy':
      checkAlertPolicySpec(ctx, spec, path);
      return;
    case 'AlertCondition':
      checkAlertConditionSpec(ctx, spec, path);
      return;
    default:
      return;
  }
}

// ---------------------------------------------------------------- SLI

type SliShape = 'ratio' | 'threshold' | 'none' | 'unknown';

function checkSliSpec(ctx: ObjectContext, d: SloFields, spec: Obj, path: PathSeg[], group: string): SliShape {
  checkDescription(ctx, path, spec);
  const hasThreshold = has(spec, 'thresholdMetric');
  const hasRatio = has(spec, 'ratioMetric');
  if (hasThreshold && hasRatio) {
    ctx.error([...path, 'ratioMetric'], 'sli-metric', 'set either thresholdMetric or ratioMetric, not both', undefined, 'key');
    return 'unknown';
  }
  if (!hasThreshold && !hasRatio) {
    ctx.error(path, 'sli-metric', 'an SLI needs exactly one of thresholdMetric or ratioMetric', 'add ratioMetric with good (or bad) and total queries');
    return 'none';
  }
  if (hasThreshold) {
    checkMetric(ctx, d, asObj(spec.thresholdMetric), [...path, 'thresholdMetric'], 'threshold', group);
    return 'threshold';
  }
  const r = asObj(spec.ratioMetric);
  const rp = [...path, 'ratioMetric'];
  const [good, bad, total, raw] = ['good', 'bad', 'total', 'raw'].map((k) => has(r, k));
  const counter = r.counter === true;
  if (raw) {
    if (good || bad || total)
      ctx.error(
        [...rp, 'raw'],
        'ratio-shape',
        `raw cannot be used together with ${[good && 'good', bad && 'bad', total && 'total'].filter(Boolean).join('/')}; use raw + rawType, or good/bad + total`,
        undefined,
        'key',
      );
    if (!has(r, 'rawType')) ctx.error(rp, 'ratio-shape', 'raw needs rawType: success (raw is a success ratio) or failure (raw is an error ratio)');
    checkMetric(ctx, d, asObj(r.raw), [...rp, 'raw'], 'raw', group, counter);
  } else {
    if (has(r, 'rawType')) ctx.error([...rp, 'rawType'], 'ratio-shape', 'rawType is only used with raw', 'remove rawType, or replace good/total by raw', 'key');
    if (good && bad) ctx.error([...rp, 'bad'], 'ratio-shape', 'set either good or bad, not both: the numerator is one of them', undefined, 'key');
    if (!good && !bad && total) ctx.error(rp, 'ratio-shape', 'ratioMetric has total but neither good nor bad; add the numerator (good or bad)');
    if ((good || bad) && !total) ctx.error(rp, 'ratio-shape', `ratioMetric has ${good ? 'good' : 'bad'} but no total; add the denominator (total)`);
    if (!good && !bad && !total) ctx.error(rp, 'ratio-shape', 'ratioMetric needs good (or bad) and total, or raw with rawType');
    for (const k of ['good', 'bad', 'total'] as const) if (has(r, k)) checkMetric(ctx, d, asObj(r[k]), [...rp, k], k, group, counter);
  }
  return 'ratio';
}

function checkMetric(ctx: ObjectContext, d: SloFields, m: Obj, path: PathSeg[], role: 'good' | 'bad' | 'total' | 'raw' | 'threshold', group: string, counter?: boolean): void {
  const info = d.metric(m);
  if (info.ref !== undefined) {
    const refPath = [...path, ...info.refField.split('.')];
    checkName(ctx, refPath, info.ref, info.refField.split('.').pop()!);
    ctx.ref('DataSource', info.ref, refPath, info.refField.split('.').pop()!);
  }
  d.metricRules?.(ctx, m, path);
  if (info.spec !== undefined && Object.keys(info.spec).length === 0)
    ctx.error([...path, ...info.specPath], 'metric-spec', 'the metric source spec is empty; put the query in it, e.g. spec: {query: ...}');
  // the spec is free-form (each source type has its own fields), so a Nobl9-style promql is not an unknown field
  if (info.spec && has(info.spec, 'promql') && !has(info.spec, 'query') && (info.type === undefined || /^prometheus$/i.test(info.type)))
    ctx.error([...path, ...info.specPath, 'promql'], 'metric-spec', 'the metric source spec has promql but no query: OpenSLO puts the PromQL in query', 'rename promql to query', 'key');
  const query = info.spec ? asStr(info.spec.query) : undefined;
  if (query !== undefined) ctx.queries.push({ path: [...path, ...info.specPath, 'query'], query, type: info.type, dataSourceRef: info.ref, role, group, counter });
}

// ---------------------------------------------------------------- SLO

function checkSlo(ctx: ObjectContext, d: SloFields, spec: Obj, path: PathSeg[]): void {
  const I = d.indicator;
  const IR = d.indicatorRef;
  const objectives = asArr(spec.objectives);
  const composite = objectives.some((o) => isObj(o) && (has(o, I) || has(o, IR)));
  const specLevel = has(spec, I) || has(spec, IR);
  d.sloRules?.(ctx, spec, path);
  if (has(spec, 'service') && spec.service === '') ctx.error([...path, 'service'], 'required', 'service must not be empty');
  if (has(spec, I) && has(spec, IR)) ctx.error([...path, IR], 'indicator', `set either ${I} or ${IR}, not both`, undefined, 'key');
  if (composite && specLevel)
    ctx.error(
      [...path, has(spec, I) ? I : IR],
      'indicator',
      `objectives[] declare their own ${I}/${IR} (a composite SLO), so spec.${has(spec, I) ? I : IR} must not be set`,
      `move it into the objectives, or remove it from the objectives`,
      'key',
    );
  if (!composite && !specLevel) ctx.error(path, 'indicator', `an SLO needs ${I} (inline SLI) or ${IR} (name of an SLI)`, `add ${IR}: <sli-name> or an inline ${I}`);

  let sliShape: SliShape = 'unknown';
  if (has(spec, IR)) {
    checkName(ctx, [...path, IR], spec[IR], IR);
    ctx.ref('SLI', spec[IR], [...path, IR], IR);
  }
  if (has(spec, I)) sliShape = checkInlineIndicator(ctx, d, spec[I], [...path, I], 'spec');

  // time window
  const tw = spec.timeWindow;
  if (Array.isArray(tw)) {
    if (tw.length !== 1) ctx.error([...path, 'timeWindow'], 'time-window', `timeWindow must contain exactly one item (got ${tw.length})`);
    for (const [i, w] of tw.entries()) checkTimeWindow(ctx, asObj(w), [...path, 'timeWindow', i]);
  }

  const method = asStr(spec.budgetingMethod);
  objectives.forEach((raw, i) => {
    if (!isObj(raw)) return;
    const op: PathSeg[] = [...path, 'objectives', i];
    let shape = sliShape;
    if (has(raw, IR)) {
      checkName(ctx, [...op, IR], raw[IR], IR);
      ctx.ref('SLI', raw[IR], [...op, IR], IR);
    }
    if (has(raw, I)) shape = checkInlineIndicator(ctx, d, raw[I], [...op, I], `objectives[${i}]`);
    if (composite && has(raw, I) && has(raw, IR)) ctx.error([...op, IR], 'indicator', `set either ${I} or ${IR} on an objective, not both`, undefined, 'key');
    if (composite && !has(raw, I) && !has(raw, IR)) ctx.error(op, 'indicator', `in a composite SLO every objective needs ${I} or ${IR}`);
    checkObjective(ctx, raw, op, method, shape, metricSpecOf(d, spec, raw));
  });
  if (sliShape === 'threshold' && objectives.length > 1)
    ctx.compat([...path, 'objectives'], 'threshold-objectives', `${COMPAT['threshold-objectives'].strict} (got ${objectives.length}); split it into one SLO per threshold`);
  if (!has(spec, 'objectives')) ctx.compat(path, 'objectives-missing', `${COMPAT['objectives-missing'].strict}; add objectives: [{target: 0.999}]`);
  else if (Array.isArray(spec.objectives) && objectives.length === 0) ctx.error([...path, 'objectives'], 'required', 'objectives must contain at least one objective');

  for (const [i, p] of asArr(spec.alertPolicies).entries()) checkAlertPolicyItem(ctx, p, [...path, 'alertPolicies', i]);
}

/** The metric source spec of the SLI that applies to an objective, if inline (for slogen-style comparisons). */
function metricSpecOf(d: SloFields, spec: Obj, objective: Obj): Obj | undefined {
  const ind = asObj(objective[d.indicator] ?? spec[d.indicator]);
  const tm = asObj(asObj(ind.spec).thresholdMetric);
  return d.metric(tm).spec;
}

function checkInlineIndicator(ctx: ObjectContext, d: SloFields, value: unknown, path: PathSeg[], group: string): SliShape {
  if (!isObj(value)) return 'unknown';
  checkMetadata(ctx, [...path, 'metadata'], value.metadata);
  if (!has(value, 'spec')) {
    const name = asStr(asObj(value.metadata).name);
    if (d.inlineWithoutSpecIsRef && name) {
      ctx.compat(path, 'indicator-without-spec', `inline ${d.indicator} "${name}" has no spec; ${COMPAT['indicator-without-spec'].strict}`, 'key');
      ctx.ref('SLI', name, [...path, 'metadata', 'name'], `${d.indicator}.metadata.name`);
      return 'unknown';
    }
    ctx.error(path, 'required', `inline ${d.indicator} needs a spec with thresholdMetric or ratioMetric`);
    return 'none';
  }
  return isObj(value.spec) ? checkSliSpec(ctx, d, value.spec, [...path, 'spec'], group) : 'unknown';
}

function checkTimeWindow(ctx: ObjectContext, w: Obj, path: PathSeg[]): void {
  const rolling = w.isRolling === true;
  const cal = isObj(w.calendar) ? w.calendar : undefined;
  const duration = asStr(w.duration);
  if (duration !== undefined) checkPeriod(ctx, [...path, 'duration'], duration);
  if (rolling && cal) {
    if (has(cal, 'startTime'))
      ctx.error([...path, 'calendar'], 'time-window', 'a window is either rolling (isRolling: true) or calendar-aligned (calendar), not both', 'remove calendar, or set isRolling: false', 'key');
    else ctx.compat([...path, 'calendar'], 'rolling-with-calendar', COMPAT['rolling-with-calendar'].strict, 'key');
  }
  if (!rolling && !cal)
    ctx.error(path, 'time-window', 'a time window needs isRolling: true, or a calendar (startTime and timeZone) for a calendar-aligned window', 'add isRolling: true for a rolling window');
  if (cal && !(rolling && !has(cal, 'startTime'))) checkCalendar(ctx, cal, [...path, 'calendar']);
  else if (cal && has(cal, 'timeZone')) checkTimeZone(ctx, cal.timeZone, [...path, 'calendar', 'timeZone']);
}

function checkPeriod(ctx: ObjectContext, path: PathSeg[], duration: string): void {
  if (tooLong(ctx, path, duration, duration, 'duration') || parseDuration(duration)) return;
  if (duration in CALENDAR_WORDS) ctx.compat(path, 'calendar-word-duration', `duration "${duration}": ${COMPAT['calendar-word-duration'].strict}; write ${CALENDAR_WORDS[duration]!.text}`);
  else ctx.error(path, 'duration', `duration ${durationProblem(duration)}`);
}

export function checkCalendar(ctx: ObjectContext, cal: Obj, path: PathSeg[]): void {
  for (const k of ['startTime', 'timeZone'])
    if (!has(cal, k)) ctx.error([...path], 'calendar', `a calendar-aligned window needs calendar.${k}`, k === 'startTime' ? 'e.g. startTime: "2024-01-01 00:00:00"' : 'e.g. timeZone: UTC');
  const start = asStr(cal.startTime);
  if (start !== undefined && !isCalendarStartTime(start)) {
    if (WEEKDAYS.includes(start)) ctx.compat([...path, 'startTime'], 'calendar-weekday-start', `startTime "${start}": ${COMPAT['calendar-weekday-start'].strict}`);
    else
      ctx.error(
        [...path, 'startTime'],
        'calendar',
        `startTime "${start}" must be a date and time without time zone, "YYYY-MM-DD hh:mm:ss"`,
        'for example startTime: "2024-01-01 00:00:00" and put the zone in timeZone',
      );
  }
  checkTimeZone(ctx, cal.timeZone, [...path, 'timeZone']);
}

function checkTimeZone(ctx: ObjectContext, tz: unknown, path: PathSeg[]): void {
  if (typeof tz === 'string' && !isTimeZone(tz)) {
    const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    ctx.error(path, 'calendar', `timeZone "${tz}" is not a name from the IANA time zone database`, didYouMean(tz, all) ?? 'for example UTC or Europe/Berlin');
  }
}

function checkObjective(ctx: ObjectContext, o: Obj, path: PathSeg[], method: string | undefined, shape: SliShape, sourceSpec: Obj | undefined): void {
  if (has(o, 'target') && has(o, 'targetPercent')) ctx.error([...path, 'targetPercent'], 'target', 'set either target or targetPercent, not both', undefined, 'key');
  if (!has(o, 'target') && !has(o, 'targetPercent')) ctx.error(path, 'target', 'an objective needs target (e.g. 0.995) or targetPercent (e.g. 99.5)');
  for (const k of ['target', 'targetPercent']) if (o[k] === 0) zeroTarget(ctx, [...path, k], k);
  if (has(o, 'timeSliceWindow')) checkDuration(ctx, [...path, 'timeSliceWindow'], o.timeSliceWindow, 'timeSliceWindow');
  const sourceDefinesSlices = shape === 'threshold' && sourceSpec !== undefined && has(sourceSpec, 'op') && has(sourceSpec, 'threshold');
  if (method === 'Timeslices' || method === 'RatioTimeslices') {
    if (method === 'Timeslices' && !has(o, 'timeSliceTarget')) {
      if (sourceDefinesSlices) ctx.compat(path, 'threshold-in-source', `Timeslices needs timeSliceTarget; ${COMPAT['threshold-in-source'].acceptedBy}`);
      else ctx.error(path, 'time-slices', 'budgetingMethod Timeslices needs timeSliceTarget (the share of good events that makes a slice good, e.g. 0.95)');
    }
    if (!has(o, 'timeSliceWindow')) {
      if (sourceDefinesSlices && has(sourceSpec!, 'size')) ctx.compat(path, 'threshold-in-source', `${method} needs timeSliceWindow; ${COMPAT['threshold-in-source'].acceptedBy}`);
      else ctx.error(path, 'time-slices', `budgetingMethod ${method} needs timeSliceWindow (the length of one slice, e.g. 1m or 5m)`);
    }
  }
  if (shape === 'threshold') {
    if (!has(o, 'op') || !has(o, 'value')) {
      if (sourceDefinesSlices) ctx.compat(path, 'threshold-in-source', COMPAT['threshold-in-source'].strict);
      else
        ctx.error(
          path,
          'threshold-objective',
          `the SLI is a thresholdMetric, so the objective needs ${[!has(o, 'op') && 'op', !has(o, 'value') && 'value'].filter(Boolean).join(' and ')}`,
          'e.g. op: lte and value: 0.3 (good when the metric is at most 0.3)',
        );
    }
  } else if (shape === 'ratio') {
    if (has(o, 'value'))
      ctx.error([...path, 'value'], 'ratio-objective', 'value must not be set when the SLI is a ratioMetric (it is only meaningful for a thresholdMetric)', 'remove value (and op)', 'key');
    else if (has(o, 'op')) ctx.compat([...path, 'op'], 'ratio-objective-op', COMPAT['ratio-objective-op'].strict, 'key');
  }
}

/** Zero is in range but promises nothing: said, as it is surely a mistake, without refusing it. */
export function zeroTarget(ctx: ObjectContext, path: PathSeg[], field: string): void {
  ctx.warn(
    path,
    'target',
    `a ${field} of 0 is met even when every event is bad, so this objective never uses any error budget`,
    `write the share of good events you promise, e.g. ${field === 'target' ? 'target: 0.999' : 'targetPercent: 99.9'}`,
  );
}

// ---------------------------------------------------------------- alerting

function refOrInline(
  ctx: ObjectContext,
  item: unknown,
  path: PathSeg[],
  refKey: string,
  kind: 'AlertPolicy' | 'AlertCondition' | 'AlertNotificationTarget',
  refSchema: () => z.ZodType,
  inlineSpec: () => z.ZodType,
  onInline: (spec: Obj, p: PathSeg[]) => void,
): void {
  if (!isObj(item)) {
    ctx.error(path, 'ref-or-inline', `must be {${refKey}: <name>} or an inline ${kind} (kind, metadata, spec), got ${Array.isArray(item) ? 'a list' : JSON.stringify(item)}`);
    return;
  }
  const isRef = has(item, refKey);
  const isInline = has(item, 'kind') || has(item, 'metadata') || has(item, 'spec');
  if (isRef && isInline) {
    ctx.error(path, 'ref-or-inline', `set either ${refKey} or an inline ${kind} (kind, metadata, spec), not both`);
    return;
  }
  if (isRef) {
    schema(ctx, cached(`${kind} ref`, refSchema), item, path);
    checkName(ctx, [...path, refKey], item[refKey], refKey);
    ctx.ref(kind, item[refKey], [...path, refKey], refKey);
    if (has(item, 'operator')) ctx.compat([...path, 'operator'], 'condition-operator', COMPAT['condition-operator'].strict, 'key');
    return;
  }
  if (isInline) {
    schema(
      ctx,
      cached(`${kind} inline`, () => common.inline(kind, inlineSpec())),
      item,
      path,
    );
    checkMetadata(ctx, [...path, 'metadata'], item.metadata);
    if (isObj(item.spec)) {
      checkDescription(ctx, [...path, 'spec'], item.spec);
      onInline(item.spec, [...path, 'spec']);
    }
    return;
  }
  const keys = Object.keys(item);
  ctx.error(
    path,
    'ref-or-inline',
    `must be {${refKey}: <name>} or an inline ${kind} (kind, metadata, spec)`,
    keys.length ? (didYouMean(keys[0]!, [refKey]) ?? `unexpected field${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`) : undefined,
  );
  schema(ctx, cached(`${kind} ref`, refSchema), item, path);
}

function checkAlertPolicyItem(ctx: ObjectContext, item: unknown, path: PathSeg[]): void {
  if (typeof item === 'string') {
    ctx.compat(path, 'alert-policy-string', `"${item}": ${COMPAT['alert-policy-string'].strict}; write {alertPolicyRef: ${item}}`);
    checkName(ctx, path, item, 'alertPolicyRef');
    ctx.ref('AlertPolicy', item, path, 'alertPolicies[]');
    return;
  }
  refOrInline(ctx, item, path, 'alertPolicyRef', 'AlertPolicy', common.alertPolicyRef, common.alertPolicySpec, (spec, p) => checkAlertPolicySpec(ctx, spec, p));
}

function checkAlertPolicySpec(ctx: ObjectContext, spec: Obj, path: PathSeg[]): void {
  const conditions = spec.conditions;
  if (Array.isArray(conditions)) {
    if (conditions.length === 0) ctx.error([...path, 'conditions'], 'conditions', 'conditions must contain exactly one condition (got none)');
    if (conditions.length > 1) {
      // slogen inlines one condition per severity; several references are just a mistake
      const allInline = conditions.every((c) => isObj(c) && !has(c, 'conditionRef') && has(c, 'spec'));
      const msg = `${COMPAT['multiple-conditions'].strict} (got ${conditions.length})`;
      if (allInline) ctx.compat([...path, 'conditions'], 'multiple-conditions', msg);
      else ctx.error([...path, 'conditions'], 'multiple-conditions', msg, 'give each condition its own AlertPolicy');
    }
    for (const [i, c] of conditions.entries())
      refOrInline(ctx, c, [...path, 'conditions', i], 'conditionRef', 'AlertCondition', common.conditionRef, common.alertConditionSpec, (s, p) => checkAlertConditionSpec(ctx, s, p));
  }
  const targets = spec.notificationTargets;
  if (Array.isArray(targets)) {
    if (targets.length === 0) ctx.error([...path, 'notificationTargets'], 'notification-targets', 'notificationTargets must contain at least one target');
    for (const [i, t] of targets.entries())
      refOrInline(ctx, t, [...path, 'notificationTargets', i], 'targetRef', 'AlertNotificationTarget', common.targetRef, common.alertNotificationTargetSpec, () => undefined);
  }
}

function checkAlertConditionSpec(ctx: ObjectContext, spec: Obj, path: PathSeg[]): void {
  if (!isObj(spec.condition)) return;
  const c = spec.condition;
  const cp = [...path, 'condition'];
  const kind = asStr(c.kind);
  if (kind === undefined) return;
  if (kind === 'sli') {
    ctx.compat([...cp, 'kind'], 'condition-kind-sli', `kind "sli": ${COMPAT['condition-kind-sli'].strict}`);
    if (!has(c, 'threshold')) ctx.error(cp, 'condition', 'a condition needs threshold');
    return;
  }
  if (kind !== 'burnrate') {
    ctx.error([...cp, 'kind'], 'condition', `condition.kind must be burnrate (got ${JSON.stringify(kind)})`, didYouMean(kind, ['burnrate']));
    return;
  }
  if (!has(c, 'op')) ctx.compat(cp, 'burnrate-without-op', COMPAT['burnrate-without-op'].strict);
  if (!has(c, 'threshold')) ctx.error(cp, 'condition', 'a burnrate condition needs threshold (the burn-rate factor, e.g. 14.4)');
  if (!has(c, 'lookbackWindow')) ctx.error(cp, 'condition', 'a burnrate condition needs lookbackWindow (the long alert window, e.g. 1h)');
  const lb = asStr(c.lookbackWindow);
  if (lb?.startsWith('-') && shorthandMinutes(lb.slice(1)) !== undefined) {
    if (!tooLong(ctx, [...cp, 'lookbackWindow'], lb, lb.slice(1), 'lookbackWindow'))
      ctx.compat([...cp, 'lookbackWindow'], 'negative-lookback', `lookbackWindow "${lb}": ${COMPAT['negative-lookback'].strict}`);
  } else checkDuration(ctx, [...cp, 'lookbackWindow'], c.lookbackWindow, 'lookbackWindow');
  checkDuration(ctx, [...cp, 'alertAfter'], c.alertAfter, 'alertAfter');
  const t = asNum(c.threshold);
  if (t !== undefined && t <= 0) ctx.error([...cp, 'threshold'], 'condition', `threshold must be above 0 (got ${t})`);
}
