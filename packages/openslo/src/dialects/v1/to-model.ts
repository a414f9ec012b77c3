import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import type { Indicator, Objective, Slo } from '../../model';
import type { ModelContext } from '../dialect';
import { alertPoliciesOf, dataSourceType, metricQuery, modelSlo, objectiveOf, sliOf, windowOf } from '../shared/to-model';
import { API_VERSION, type Metric, type SliSpec, type SloDocument } from './schema';

/** The SLI of an SLO or objective: `indicator` (inline) or `indicatorRef`. */
interface Holder {
  indicator?: { metadata: { name: string }; spec?: SliSpec };
  indicatorRef?: string;
}

export function v1SliToModel(o: CheckedObject, model: ModelContext, spec: SliSpec, path: PathSeg[], name: string | undefined): Indicator | undefined {
  return sliOf<Metric>(spec, path, name, (m, p) => {
    const src = m.metricSource;
    return metricQuery(o, model, src.spec, src.type ?? dataSourceType(model, src.metricSourceRef), [...p, 'metricSource', 'spec', 'query']);
  });
}

function indicatorOf(o: CheckedObject, model: ModelContext, holder: Holder, path: PathSeg[]): Indicator | undefined {
  const inline = holder.indicator;
  if (inline) {
    const name = inline.metadata.name;
    if (inline.spec) return v1SliToModel(o, model, inline.spec, [...path, 'indicator', 'spec'], name);
    // an inline indicator without spec names an SLI (a tolerated deviation)
    const target = model.find('SLI', name);
    if (!target) return model.fail(o, [...path, 'indicator'], `SLI "${name}" is not defined by any input`);
    return model.indicator(target, name);
  }
  if (holder.indicatorRef !== undefined) {
    const target = model.find('SLI', holder.indicatorRef);
    if (!target) return model.fail(o, [...path, 'indicatorRef'], `SLI "${holder.indicatorRef}" is not defined by any input`, 'pass the file that defines it');
    return model.indicator(target, target.name);
  }
  return undefined;
}

export function v1SloToModel(o: CheckedObject, model: ModelContext, doc: SloDocument): Slo | undefined {
  const { spec } = doc;
  const window = windowOf(o, model, spec.timeWindow[0]);
  if (!window) return undefined;
  const shared = spec.indicator !== undefined || spec.indicatorRef !== undefined ? indicatorOf(o, model, spec, ['spec']) : undefined;
  const objectives: Objective[] = [];
  for (const [i, ob] of (spec.objectives ?? []).entries()) {
    const indicator = shared ?? indicatorOf(o, model, ob, ['spec', 'objectives', i]);
    if (!indicator) return undefined;
    objectives.push(objectiveOf(ob, indicator));
  }
  const alertPolicies = alertPoliciesOf(o, model, spec.alertPolicies);
  if (!alertPolicies) return undefined;
  return modelSlo(o, doc.metadata, { description: spec.description, service: spec.service, budgetingMethod: spec.budgetingMethod, window, objectives, alertPolicies });
}

/** The parsed document of a checked object, when it is a v1 document. */
export function v1Document(o: CheckedObject) {
  const doc = o.doc;
  return doc && 'apiVersion' in doc && doc.apiVersion === API_VERSION ? doc : undefined;
}
