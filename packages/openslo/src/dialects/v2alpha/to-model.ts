import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import type { Indicator, Objective, Slo } from '../../model';
import type { ModelContext } from '../dialect';
import { alertPoliciesOf, dataSourceType, metricQuery, modelSlo, objectiveOf, sliOf, windowOf } from '../shared/to-model';
import { API_VERSION, type Metric, type SliSpec, type SloDocument } from './schema';

/** The SLI of an SLO or objective: `sli` (inline) or `sliRef`. */
interface Holder {
  sli?: { metadata: { name: string }; spec: SliSpec };
  sliRef?: string;
}

export function v2alphaSliToModel(o: CheckedObject, model: ModelContext, spec: SliSpec, path: PathSeg[], name: string | undefined): Indicator | undefined {
  return sliOf<Metric>(spec, path, name, (m, p) => metricQuery(o, model, m.spec ?? {}, m.dataSourceSpec?.type ?? dataSourceType(model, m.dataSourceRef), [...p, 'spec', 'query']));
}

function indicatorOf(o: CheckedObject, model: ModelContext, holder: Holder, path: PathSeg[]): Indicator | undefined {
  if (holder.sli) return v2alphaSliToModel(o, model, holder.sli.spec, [...path, 'sli', 'spec'], holder.sli.metadata.name);
  if (holder.sliRef !== undefined) {
    const target = model.find('SLI', holder.sliRef);
    if (!target) return model.fail(o, [...path, 'sliRef'], `SLI "${holder.sliRef}" is not defined by any input`, 'pass the file that defines it');
    return model.indicator(target, target.name);
  }
  return undefined;
}

export function v2alphaSloToModel(o: CheckedObject, model: ModelContext, doc: SloDocument): Slo | undefined {
  const { spec } = doc;
  const window = windowOf(o, model, spec.timeWindow[0]);
  if (!window) return undefined;
  const shared = spec.sli !== undefined || spec.sliRef !== undefined ? indicatorOf(o, model, spec, ['spec']) : undefined;
  const objectives: Objective[] = [];
  for (const [i, ob] of (spec.objectives ?? []).entries()) {
    const indicator = shared ?? indicatorOf(o, model, ob, ['spec', 'objectives', i]);
    if (!indicator) return undefined;
    objectives.push(objectiveOf(ob, indicator));
  }
  const alertPolicies = alertPoliciesOf(o, model, spec.alertPolicies);
  if (!alertPolicies) return undefined;
  const service = spec.service ?? spec.serviceRef ?? '';
  return modelSlo(o, doc.metadata, { description: spec.description, service, budgetingMethod: spec.budgetingMethod, window, objectives, alertPolicies });
}

/** The parsed document of a checked object, when it is a v2alpha document. */
export function v2alphaDocument(o: CheckedObject) {
  const doc = o.doc;
  return doc && 'apiVersion' in doc && doc.apiVersion === API_VERSION ? doc : undefined;
}
