import type { CheckedObject, EngineResult } from './engine';
import { Diagnostic, type PathSeg } from './diagnostics';
import { CALENDAR_WORDS, parseDuration, type Duration } from './formats';
import type { AlertCondition, AlertPolicy, BudgetingMethod, Indicator, Objective, Operator, Query, Slo, TimeWindow } from './model';
import { slothToModel } from './sloth';
import { asArr, asNum, asObj, asStr, decimalString, has, isObj, shiftDecimal, type Obj } from './values';

const PROM_LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const SLOTH_DEFAULT_PERIOD = parseDuration('30d') as Duration;
const V1ALPHA_UNITS: Record<string, string> = { Day: 'd', Week: 'w', Month: 'M', Quarter: 'Q', Year: 'Y' };

class Builder {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly result: EngineResult) {}

  private fail(o: CheckedObject, path: PathSeg[], message: string, hint?: string): undefined {
    this.diagnostics.push(new Diagnostic('error', 'compile', message, o.raw.locate(path), path.map(String).join('.'), hint, [], `${o.kind} ${o.name}`));
    return undefined;
  }

  private find(kind: string, name: unknown): CheckedObject | undefined {
    return typeof name === 'string' ? this.result.index.get(`${kind}/${name}`) : undefined;
  }

  slo(o: CheckedObject): Slo | undefined {
    const spec = asObj(o.value.spec);
    const md = asObj(o.value.metadata);
    const labels: Record<string, string> = {};
    for (const [k, v] of Object.entries(asObj(md.labels))) {
      if (!PROM_LABEL.test(k)) continue;
      labels[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
    }
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(asObj(md.annotations))) annotations[k] = String(v);
    const window = o.version === 'openslo/v1alpha' ? this.v1alphaWindow(o, spec) : this.window(o, spec);
    if (!window) return undefined;
    const objectives = o.version === 'openslo/v1alpha' ? this.v1alphaObjectives(o, spec) : this.objectives(o, spec);
    if (!objectives) return undefined;
    const alertPolicies: AlertPolicy[] = [];
    for (const [i, item] of asArr(spec.alertPolicies).entries()) {
      const p = this.alertPolicy(o, item, ['spec', 'alertPolicies', i]);
      if (!p) return undefined;
      alertPolicies.push(p);
    }
    return {
      name: o.name,
      displayName: asStr(md.displayName),
      description: asStr(spec.description),
      service: asStr(spec.service) ?? asStr(spec.serviceRef) ?? '',
      labels,
      annotations,
      budgetingMethod: spec.budgetingMethod as BudgetingMethod,
      window,
      objectives,
      alertPolicies,
      pos: o.raw.locate([]),
      apiVersion: o.version,
    };
  }

  private window(o: CheckedObject, spec: Obj): TimeWindow | undefined {
    const w = asObj(asArr(spec.timeWindow)[0]);
    const text = asStr(w.duration) ?? '';
    const duration = parseDuration(text) ?? CALENDAR_WORDS[text];
    if (!duration) return this.fail(o, ['spec', 'timeWindow', 0, 'duration'], `cannot read the time window "${text}"`);
    const cal = isObj(w.calendar) && has(w.calendar, 'startTime') ? { startTime: String(w.calendar.startTime), timeZone: String(w.calendar.timeZone) } : undefined;
    return { duration, rolling: w.isRolling === true || !cal, calendar: w.isRolling === true ? undefined : cal };
  }

  private v1alphaWindow(o: CheckedObject, spec: Obj): TimeWindow | undefined {
    // Sloth's period when there is none (accepted in compatibility mode only; --strict refuses it before this)
    if (!has(spec, 'timeWindows')) return { duration: SLOTH_DEFAULT_PERIOD, rolling: true };
    const w = asObj(asArr(spec.timeWindows)[0]);
    const unit = V1ALPHA_UNITS[asStr(w.unit) ?? ''];
    const count = asNum(w.count);
    const duration = unit && count ? parseDuration(`${count}${unit}`) : undefined;
    if (!duration) return this.fail(o, ['spec', 'timeWindows', 0], `time windows in ${asStr(w.unit)} cannot be compiled; use Day, Week, Month, Quarter or Year`);
    const cal = isObj(w.calendar) ? { startTime: String(w.calendar.startTime), timeZone: String(w.calendar.timeZone) } : undefined;
    return { duration, rolling: w.isRolling === true || !cal, calendar: w.isRolling === true ? undefined : cal };
  }

  /** The SLI spec and its owner for an inline indicator or a reference. */
  private indicator(o: CheckedObject, holder: Obj, path: PathSeg[]): Indicator | undefined {
    const I = o.version === 'openslo/v1' ? 'indicator' : 'sli';
    const IR = o.version === 'openslo/v1' ? 'indicatorRef' : 'sliRef';
    if (isObj(holder[I])) {
      const inline = holder[I];
      if (isObj(inline.spec)) return this.sli(o, inline.spec, [...path, I, 'spec'], asStr(asObj(inline.metadata).name));
      const name = asStr(asObj(inline.metadata).name);
      const target = this.find('SLI', name);
      if (!target) return this.fail(o, [...path, I], `SLI "${name}" is not defined by any input`);
      return this.sli(target, asObj(target.value.spec), ['spec'], name);
    }
    if (has(holder, IR)) {
      const target = this.find('SLI', holder[IR]);
      if (!target) return this.fail(o, [...path, IR], `SLI "${String(holder[IR])}" is not defined by any input`, 'pass the file that defines it');
      return this.sli(target, asObj(target.value.spec), ['spec'], target.name);
    }
    return undefined;
  }

  private query(o: CheckedObject, m: Obj, path: PathSeg[]): Query | undefined {
    const v1 = o.version === 'openslo/v1';
    const src = v1 ? asObj(m.metricSource) : m;
    const spec = asObj(src.spec);
    const ref = v1 ? asStr(src.metricSourceRef) : asStr(m.dataSourceRef);
    const explicit = v1 ? asStr(src.type) : asStr(asObj(m.dataSourceSpec).type);
    const sourceType = explicit ?? asStr(asObj(this.find('DataSource', ref)?.value.spec).type);
    const qPath = [...path, ...(v1 ? ['metricSource', 'spec', 'query'] : ['spec', 'query'])];
    const promql = asStr(spec.query);
    if (promql === undefined) return this.fail(o, qPath.slice(0, -1), 'the metric source has no query; only PromQL queries (spec.query) can be compiled');
    return { promql, pos: o.raw.locate(qPath), sourceType };
  }

  private sli(o: CheckedObject, spec: Obj, path: PathSeg[], name?: string): Indicator | undefined {
    if (isObj(spec.thresholdMetric)) {
      const metric = this.query(o, spec.thresholdMetric, [...path, 'thresholdMetric']);
      return metric && { kind: 'threshold', name, metric };
    }
    const r = asObj(spec.ratioMetric);
    const rp = [...path, 'ratioMetric'];
    if (isObj(r.raw)) {
      const raw = this.query(o, r.raw, [...rp, 'raw']);
      return raw && { kind: 'raw', name, rawType: r.rawType === 'success' ? 'success' : 'failure', raw };
    }
    const total = isObj(r.total) ? this.query(o, r.total, [...rp, 'total']) : undefined;
    const good = isObj(r.good) ? this.query(o, r.good, [...rp, 'good']) : undefined;
    const bad = isObj(r.bad) ? this.query(o, r.bad, [...rp, 'bad']) : undefined;
    if (!total || (!good && !bad)) return undefined;
    return { kind: 'ratio', name, counter: r.counter === true, good, bad, total };
  }

  private objectives(o: CheckedObject, spec: Obj): Objective[] | undefined {
    const shared = has(spec, 'indicator') || has(spec, 'indicatorRef') || has(spec, 'sli') || has(spec, 'sliRef') ? this.indicator(o, spec, ['spec']) : undefined;
    const out: Objective[] = [];
    for (const [i, raw] of asArr(spec.objectives).entries()) {
      const ob = asObj(raw);
      const path: PathSeg[] = ['spec', 'objectives', i];
      const indicator = shared ?? this.indicator(o, ob, path);
      if (!indicator) return undefined;
      const target = has(ob, 'target') ? decimalString(Number(ob.target)) : shiftDecimal(decimalString(Number(ob.targetPercent)), -2);
      const tsw = asStr(ob.timeSliceWindow);
      out.push({
        displayName: asStr(ob.displayName),
        target,
        op: indicator.kind === 'threshold' ? (asStr(ob.op) as Operator | undefined) : undefined,
        value: indicator.kind === 'threshold' ? asNum(ob.value) : undefined,
        timeSliceTarget: asNum(ob.timeSliceTarget),
        timeSliceWindow: tsw ? parseDuration(tsw) : undefined,
        compositeWeight: asNum(ob.compositeWeight) ?? 1,
        indicator,
      });
    }
    return out;
  }

  private v1alphaQuery(o: CheckedObject, q: Obj, path: PathSeg[]): Query {
    const promql = /^prometheus$/i.test(asStr(q.source) ?? '') || /^promql$/i.test(asStr(q.queryType) ?? '');
    return { promql: String(q.query), pos: o.raw.locate([...path, 'query']), sourceType: promql ? 'Prometheus' : asStr(q.source) };
  }

  private v1alphaObjectives(o: CheckedObject, spec: Obj): Objective[] {
    const tm = asObj(asObj(spec.indicator).thresholdMetric);
    return asArr(spec.objectives).map((raw, i) => {
      const ob = asObj(raw);
      const path: PathSeg[] = ['spec', 'objectives', i];
      const rm = isObj(ob.ratioMetrics) ? ob.ratioMetrics : undefined;
      const indicator: Indicator = rm
        ? {
            kind: 'ratio',
            counter: rm.incremental === true || rm.counter === true,
            good: this.v1alphaQuery(o, asObj(rm.good), [...path, 'ratioMetrics', 'good']),
            total: this.v1alphaQuery(o, asObj(rm.total), [...path, 'ratioMetrics', 'total']),
          }
        : { kind: 'threshold', metric: this.v1alphaQuery(o, tm, ['spec', 'indicator', 'thresholdMetric']) };
      return {
        displayName: asStr(ob.displayName),
        target: decimalString(Number(ob.target)),
        op: rm ? undefined : (asStr(ob.op) as Operator | undefined),
        value: rm ? undefined : asNum(ob.value),
        timeSliceTarget: asNum(ob.timeSliceTarget),
        compositeWeight: 1,
        indicator,
      };
    });
  }

  private alertPolicy(o: CheckedObject, item: unknown, path: PathSeg[]): AlertPolicy | undefined {
    let owner = o;
    let spec: Obj;
    let specPath: PathSeg[];
    let name: string;
    const refName = typeof item === 'string' ? item : asStr(asObj(item).alertPolicyRef);
    if (refName !== undefined) {
      const target = this.find('AlertPolicy', refName);
      if (!target) return this.fail(o, path, `AlertPolicy "${refName}" is not defined by any input`, 'pass the file that defines it');
      owner = target;
      spec = asObj(target.value.spec);
      specPath = ['spec'];
      name = refName;
    } else {
      spec = asObj(asObj(item).spec);
      specPath = [...path, 'spec'];
      name = asStr(asObj(asObj(item).metadata).name) ?? '';
    }
    const conditions: AlertCondition[] = [];
    for (const [i, c] of asArr(spec.conditions).entries()) {
      const cond = this.condition(owner, c, [...specPath, 'conditions', i]);
      if (!cond) return undefined;
      conditions.push(cond);
    }
    const targets = asArr(spec.notificationTargets).flatMap((t) => {
      const ref = asStr(asObj(t).targetRef);
      if (ref !== undefined) {
        const target = this.find('AlertNotificationTarget', ref);
        return target ? [{ name: ref, target: String(asObj(target.value.spec).target) }] : [];
      }
      return [{ name: asStr(asObj(asObj(t).metadata).name), target: String(asObj(asObj(t).spec).target) }];
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

  private condition(o: CheckedObject, item: unknown, path: PathSeg[]): AlertCondition | undefined {
    let owner = o;
    let spec: Obj;
    let specPath: PathSeg[];
    let name: string | undefined;
    const ref = asStr(asObj(item).conditionRef);
    if (ref !== undefined) {
      const target = this.find('AlertCondition', ref);
      if (!target) return this.fail(o, [...path, 'conditionRef'], `AlertCondition "${ref}" is not defined by any input`, 'pass the file that defines it');
      owner = target;
      spec = asObj(target.value.spec);
      specPath = ['spec'];
      name = ref;
    } else {
      spec = asObj(asObj(item).spec);
      specPath = [...path, 'spec'];
      name = asStr(asObj(asObj(item).metadata).name);
    }
    const c = asObj(spec.condition);
    if (c.kind !== 'burnrate') return this.fail(owner, [...specPath, 'condition', 'kind'], `condition kind "${String(c.kind)}" cannot be compiled to Prometheus alerts; only burnrate conditions can`);
    const lookback = parseDuration(String(c.lookbackWindow).replace(/^-/, '')) as Duration;
    return {
      name,
      severity: String(spec.severity),
      kind: 'burnrate',
      op: (asStr(c.op) as Operator | undefined) ?? 'gte',
      threshold: Number(c.threshold),
      lookbackWindow: lookback,
      alertAfter: has(c, 'alertAfter') ? parseDuration(String(c.alertAfter)) : undefined,
      pos: owner.raw.locate([...specPath, 'condition']),
    };
  }
}

/** Builds the model of every valid SLO; reports what cannot be compiled (missing references and the like). */
export function buildModel(result: EngineResult): { slos: Slo[]; diagnostics: Diagnostic[] } {
  const b = new Builder(result);
  const slos: Slo[] = [];
  for (const o of result.objects) {
    if (o.kind === 'PrometheusServiceLevel' && o.valid) slos.push(...slothToModel(o.raw, o.value));
    if (o.kind !== 'SLO' || !o.valid) continue;
    const slo = b.slo(o);
    if (slo) slos.push(slo);
  }
  return { slos, diagnostics: b.diagnostics };
}
