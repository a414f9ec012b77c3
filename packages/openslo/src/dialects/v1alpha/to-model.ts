import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import { parseDuration, type Duration } from '../../formats';
import type { Indicator, Objective, Query, Slo, TimeWindow } from '../../model';
import { decimalString } from '../../values';
import type { ModelContext } from '../dialect';
import { modelSlo } from '../shared/to-model';
import type { QuerySource, SloDocument } from './schema';

/** Sloth's period, for an SLO without timeWindows. */
const SLOTH_DEFAULT_PERIOD = parseDuration('30d') as Duration;
const UNITS: Record<string, string> = { Day: 'd', Week: 'w', Month: 'M', Quarter: 'Q', Year: 'Y' };

type Spec = SloDocument['spec'];

function windowOf(o: CheckedObject, model: ModelContext, spec: Spec): TimeWindow | undefined {
  // accepted in compatibility mode only; --strict refuses it before this
  if (spec.timeWindows === undefined) return { duration: SLOTH_DEFAULT_PERIOD, rolling: true };
  const w = spec.timeWindows[0];
  const unit = UNITS[w?.unit ?? ''];
  const count = w?.count;
  const duration = unit && count ? parseDuration(`${count}${unit}`) : undefined;
  if (!duration) return model.fail(o, ['spec', 'timeWindows', 0], `time windows in ${w?.unit} cannot be compiled; use Day, Week, Month, Quarter or Year`);
  const cal = w?.calendar ? { startTime: String(w.calendar.startTime), timeZone: String(w.calendar.timeZone) } : undefined;
  return { duration, rolling: w?.isRolling === true || !cal, calendar: w?.isRolling === true ? undefined : cal };
}

/**
 * A query as written. An objective without ratioMetrics reads the SLO's indicator.thresholdMetric, which the
 * rules do not require when another objective has ratioMetrics: then there is none, and the query says so.
 */
function queryOf(o: CheckedObject, q: QuerySource | undefined, path: PathSeg[]): Query {
  const promql = /^prometheus$/i.test(q?.source ?? '') || /^promql$/i.test(q?.queryType ?? '');
  return { promql: String(q?.query), pos: o.raw.locate([...path, 'query']), sourceType: promql ? 'Prometheus' : q?.source };
}

function objectivesOf(o: CheckedObject, spec: Spec): Objective[] {
  const tm = spec.indicator?.thresholdMetric;
  return spec.objectives.map((ob, i) => {
    const path: PathSeg[] = ['spec', 'objectives', i];
    const rm = ob.ratioMetrics;
    const indicator: Indicator = rm
      ? {
          kind: 'ratio',
          counter: rm.incremental === true || rm.counter === true,
          good: queryOf(o, rm.good, [...path, 'ratioMetrics', 'good']),
          total: queryOf(o, rm.total, [...path, 'ratioMetrics', 'total']),
        }
      : { kind: 'threshold', metric: queryOf(o, tm, ['spec', 'indicator', 'thresholdMetric']) };
    return {
      displayName: ob.displayName,
      target: decimalString(ob.target),
      op: rm ? undefined : ob.op,
      value: rm ? undefined : ob.value,
      timeSliceTarget: ob.timeSliceTarget,
      compositeWeight: 1,
      indicator,
    };
  });
}

export function v1alphaSloToModel(o: CheckedObject, model: ModelContext, doc: SloDocument): Slo | undefined {
  const { spec } = doc;
  const window = windowOf(o, model, spec);
  if (!window) return undefined;
  return modelSlo(o, doc.metadata, { description: spec.description, service: spec.service, budgetingMethod: spec.budgetingMethod, window, objectives: objectivesOf(o, spec), alertPolicies: [] });
}
