import type { z } from 'zod';
import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import { CALENDAR_WORDS, parseDuration, type Duration } from '../../formats';
import type { AlertCondition, AlertPolicy, BudgetingMethod, Indicator, NotificationTarget, Objective, Query, Slo, TimeWindow } from '../../model';
import { decimalString, shiftDecimal } from '../../values';
import type { ModelContext } from '../dialect';
import { type AlertConditionSpec, type AlertPolicySpec, alertPolicyItem, conditionItem, type metadata, type ObjectiveHead, once, targetItem, type TimeWindowItem } from './schema';

/** How the OpenSLO dialects build the model from their parsed documents: the parts they share. */

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

type Metadata = z.output<ReturnType<typeof metadata>>;

/** The parts of an SLO every OpenSLO dialect has, once its own parts are read. */
export interface SloParts {
  description?: string;
  service: string;
  budgetingMethod: BudgetingMethod;
  window: TimeWindow;
  objectives: Objective[];
  alertPolicies: AlertPolicy[];
}

export function modelSlo(o: CheckedObject, md: Metadata, parts: SloParts): Slo {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(md.labels ?? {})) {
    // only label names Prometheus accepts become rule labels
    if (!PROM_LABEL.test(k)) continue;
    labels[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return {
    name: o.name,
    displayName: md.displayName,
    description: parts.description,
    service: parts.service,
    labels,
    annotations: { ...md.annotations },
    budgetingMethod: parts.budgetingMethod,
    window: parts.window,
    objectives: parts.objectives,
    alertPolicies: parts.alertPolicies,
    pos: o.raw.locate([]),
    apiVersion: o.version,
  };
}

/** A `timeWindow` item of v1 or v2alpha. */
export function windowOf(o: CheckedObject, model: ModelContext, w: TimeWindowItem | undefined): TimeWindow | undefined {
  const text = w?.duration ?? '';
  const duration = parseDuration(text) ?? CALENDAR_WORDS[text];
  if (!duration) return model.fail(o, ['spec', 'timeWindow', 0, 'duration'], `cannot read the time window "${text}"`);
  // a rolling window may carry a calendar with only a timeZone (a tolerated deviation): not a calendar
  const cal = w?.calendar?.startTime !== undefined ? { startTime: w.calendar.startTime, timeZone: String(w.calendar.timeZone) } : undefined;
  return { duration, rolling: w?.isRolling === true || !cal, calendar: w?.isRolling === true ? undefined : cal };
}

/** An SLI spec of v1 or v2alpha, its metrics read by the dialect's `query`. */
export function sliOf<M>(
  spec: { thresholdMetric?: M; ratioMetric?: { counter?: boolean; good?: M; bad?: M; total?: M; rawType?: 'success' | 'failure'; raw?: M } },
  path: PathSeg[],
  name: string | undefined,
  query: (m: M, path: PathSeg[]) => Query | undefined,
): Indicator | undefined {
  if (spec.thresholdMetric !== undefined) {
    const metric = query(spec.thresholdMetric, [...path, 'thresholdMetric']);
    return metric && { kind: 'threshold', name, metric };
  }
  const r = spec.ratioMetric;
  const rp = [...path, 'ratioMetric'];
  if (r?.raw !== undefined) {
    const raw = query(r.raw, [...rp, 'raw']);
    return raw && { kind: 'raw', name, rawType: r.rawType === 'success' ? 'success' : 'failure', raw };
  }
  const total = r?.total !== undefined ? query(r.total, [...rp, 'total']) : undefined;
  const good = r?.good !== undefined ? query(r.good, [...rp, 'good']) : undefined;
  const bad = r?.bad !== undefined ? query(r.bad, [...rp, 'bad']) : undefined;
  if (!total || (!good && !bad)) return undefined;
  return { kind: 'ratio', name, counter: r?.counter === true, good, bad, total };
}

/** The query of a metric whose PromQL is `spec.query` of its free-form source spec. */
export function metricQuery(o: CheckedObject, model: ModelContext, spec: Record<string, unknown>, sourceType: string | undefined, queryPath: PathSeg[]): Query | undefined {
  const promql = spec.query;
  if (typeof promql !== 'string') return model.fail(o, queryPath.slice(0, -1), 'the metric source has no query; only PromQL queries (spec.query) can be compiled');
  return { promql, pos: o.raw.locate(queryPath), sourceType };
}

/** The type of the DataSource of that name, if an input defines one. */
export function dataSourceType(model: ModelContext, ref: string | undefined): string | undefined {
  const doc = model.find('DataSource', ref)?.doc;
  return doc && 'kind' in doc && doc.kind === 'DataSource' ? doc.spec.type : undefined;
}

/** An objective of v1 or v2alpha, with the indicator that applies to it. */
export function objectiveOf(ob: ObjectiveHead & { compositeWeight?: number }, indicator: Indicator): Objective {
  const target = ob.target !== undefined ? decimalString(ob.target) : shiftDecimal(decimalString(Number(ob.targetPercent)), -2);
  return {
    displayName: ob.displayName,
    target,
    op: indicator.kind === 'threshold' ? ob.op : undefined,
    value: indicator.kind === 'threshold' ? ob.value : undefined,
    timeSliceTarget: ob.timeSliceTarget,
    timeSliceWindow: ob.timeSliceWindow ? parseDuration(ob.timeSliceWindow) : undefined,
    compositeWeight: ob.compositeWeight ?? 1,
    indicator,
  };
}

// ---------------------------------------------------------------- SLOs of v1 and v2alpha

type InlineSli<S> = { metadata: { name: string }; spec?: S };
type Inline<I extends string, S> = { [K in I]?: InlineSli<S> };
type Ref<R extends string> = { [K in R]?: string };

/** How an SLO and its objectives name their SLI (inline under `inline`, by name under `ref`), and how it is read. */
export interface SliFields<I extends string, R extends string, S> {
  inline: I;
  ref: R;
  sli(o: CheckedObject, model: ModelContext, spec: S, path: PathSeg[], name: string | undefined): Indicator | undefined;
}

/** The SLO spec of v1 or v2alpha, as far as the model reads it alike. */
type SliSloSpec<I extends string, R extends string, S> = Inline<I, S> &
  Ref<R> & {
    description?: string;
    budgetingMethod: BudgetingMethod;
    timeWindow: TimeWindowItem[];
    objectives?: (ObjectiveHead & { compositeWeight?: number } & Inline<I, S> & Ref<R>)[];
    alertPolicies?: readonly unknown[];
  };

/** What an SLO or objective writes of its SLI. */
function sliNamed<I extends string, R extends string, S>(holder: Inline<I, S> & Ref<R>, f: SliFields<I, R, S>): { inline?: InlineSli<S>; ref?: string } {
  // read through one field's type at a time: indexing the intersection by a generic key mixes both
  const inlines: Inline<I, S> = holder;
  const refs: Ref<R> = holder;
  return { inline: inlines[f.inline], ref: refs[f.ref] };
}

/** The SLI of an SLO or objective, or undefined when it names none. */
function holderIndicator<I extends string, R extends string, S>(o: CheckedObject, model: ModelContext, f: SliFields<I, R, S>, holder: Inline<I, S> & Ref<R>, path: PathSeg[]): Indicator | undefined {
  const { inline, ref } = sliNamed(holder, f);
  if (inline) {
    const name = inline.metadata.name;
    if (inline.spec) return f.sli(o, model, inline.spec, [...path, f.inline, 'spec'], name);
    // an inline indicator without spec names an SLI (a tolerated deviation; only v1's schema lets spec be absent)
    const target = model.find('SLI', name);
    if (!target) return model.fail(o, [...path, f.inline], `SLI "${name}" is not defined by any input`);
    return model.indicator(target, name);
  }
  if (ref !== undefined) {
    const target = model.find('SLI', ref);
    if (!target) return model.fail(o, [...path, f.ref], `SLI "${ref}" is not defined by any input`, 'pass the file that defines it');
    return model.indicator(target, target.name);
  }
  return undefined;
}

/** An SLO of v1 or v2alpha: an SLI named by the SLO applies to every objective, else each objective names its own. */
export function sloOf<I extends string, R extends string, S>(
  o: CheckedObject,
  model: ModelContext,
  doc: { metadata: Metadata; spec: SliSloSpec<I, R, S> },
  service: string,
  f: SliFields<I, R, S>,
): Slo | undefined {
  const { spec } = doc;
  const window = windowOf(o, model, spec.timeWindow[0]);
  if (!window) return undefined;
  const named = sliNamed(spec, f);
  const shared = named.inline !== undefined || named.ref !== undefined ? holderIndicator(o, model, f, spec, ['spec']) : undefined;
  const objectives: Objective[] = [];
  for (const [i, ob] of (spec.objectives ?? []).entries()) {
    const indicator = shared ?? holderIndicator(o, model, f, ob, ['spec', 'objectives', i]);
    if (!indicator) return undefined;
    objectives.push(objectiveOf(ob, indicator));
  }
  const alertPolicies = alertPoliciesOf(o, model, spec.alertPolicies);
  if (!alertPolicies) return undefined;
  return modelSlo(o, doc.metadata, { description: spec.description, service, budgetingMethod: spec.budgetingMethod, window, objectives, alertPolicies });
}

// ---------------------------------------------------------------- alerting

// the items were checked one by one against the schema of what they are; this reads them as that schema does
const policyItem = once(alertPolicyItem);
const conditionOf = once(conditionItem);
const targetOf = once(targetItem);

/** The SLO's alert policies, inline or referenced; undefined when one cannot be compiled. */
export function alertPoliciesOf(o: CheckedObject, model: ModelContext, items: readonly unknown[] | undefined): AlertPolicy[] | undefined {
  const out: AlertPolicy[] = [];
  for (const [i, item] of (items ?? []).entries()) {
    const p = alertPolicy(o, model, item, ['spec', 'alertPolicies', i]);
    if (!p) return undefined;
    out.push(p);
  }
  return out;
}

function alertPolicy(o: CheckedObject, model: ModelContext, value: unknown, path: PathSeg[]): AlertPolicy | undefined {
  const item = policyItem().safeParse(value).data;
  if (item === undefined) return undefined;
  let owner = o;
  let spec: AlertPolicySpec;
  let specPath: PathSeg[];
  let name: string;
  if (typeof item === 'string' || 'alertPolicyRef' in item) {
    const refName = typeof item === 'string' ? item : item.alertPolicyRef;
    const target = model.find('AlertPolicy', refName);
    if (!target) return model.fail(o, path, `AlertPolicy "${refName}" is not defined by any input`, 'pass the file that defines it');
    const doc = target.doc;
    // one whose schema failed has its own errors
    if (!doc || !('kind' in doc) || doc.kind !== 'AlertPolicy') return undefined;
    owner = target;
    spec = doc.spec;
    specPath = ['spec'];
    name = refName;
  } else {
    spec = item.spec;
    specPath = [...path, 'spec'];
    name = item.metadata.name;
  }
  const conditions: AlertCondition[] = [];
  for (const [i, c] of spec.conditions.entries()) {
    const cond = condition(owner, model, c, [...specPath, 'conditions', i]);
    if (!cond) return undefined;
    conditions.push(cond);
  }
  const targets = spec.notificationTargets.flatMap((value): NotificationTarget[] => {
    const t = targetOf().safeParse(value).data;
    if (t === undefined) return [];
    if ('targetRef' in t) {
      const doc = model.find('AlertNotificationTarget', t.targetRef)?.doc;
      return doc && 'kind' in doc && doc.kind === 'AlertNotificationTarget' ? [{ name: t.targetRef, target: doc.spec.target }] : [];
    }
    return [{ name: t.metadata.name, target: t.spec.target }];
  });
  return {
    name,
    alertWhenBreaching: spec.alertWhenBreaching !== false,
    alertWhenResolved: spec.alertWhenResolved === true,
    alertWhenNoData: spec.alertWhenNoData === true,
    conditions,
    targets,
  };
}

function condition(o: CheckedObject, model: ModelContext, value: unknown, path: PathSeg[]): AlertCondition | undefined {
  const item = conditionOf().safeParse(value).data;
  if (item === undefined) return undefined;
  let owner = o;
  let spec: AlertConditionSpec;
  let specPath: PathSeg[];
  let name: string;
  if ('conditionRef' in item) {
    const ref = item.conditionRef;
    const target = model.find('AlertCondition', ref);
    if (!target) return model.fail(o, [...path, 'conditionRef'], `AlertCondition "${ref}" is not defined by any input`, 'pass the file that defines it');
    const doc = target.doc;
    if (!doc || !('kind' in doc) || doc.kind !== 'AlertCondition') return undefined;
    owner = target;
    spec = doc.spec;
    specPath = ['spec'];
    name = ref;
  } else {
    spec = item.spec;
    specPath = [...path, 'spec'];
    name = item.metadata.name;
  }
  const c = spec.condition;
  if (c.kind !== 'burnrate') return model.fail(owner, [...specPath, 'condition', 'kind'], `condition kind "${c.kind}" cannot be compiled to Prometheus alerts; only burnrate conditions can`);
  // the rules require lookbackWindow of a burnrate condition, and tolerate a leading minus
  const lookback = parseDuration(String(c.lookbackWindow).replace(/^-/, '')) as Duration;
  return {
    name,
    severity: spec.severity,
    kind: 'burnrate',
    op: c.op ?? 'gte',
    threshold: Number(c.threshold),
    lookbackWindow: lookback,
    alertAfter: c.alertAfter !== undefined ? parseDuration(c.alertAfter) : undefined,
    pos: owner.raw.locate([...specPath, 'condition']),
  };
}
