import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import type { Indicator, Slo } from '../../model';
import type { ModelContext } from '../dialect';
import { dataSourceType, metricQuery, type SliFields, sliOf, sloOf } from '../shared/to-model';
import type { Metric, SliSpec, SloDocument } from './schema';

export function v1SliToModel(o: CheckedObject, model: ModelContext, spec: SliSpec, path: PathSeg[], name: string | undefined): Indicator | undefined {
  return sliOf<Metric>(spec, path, name, (m, p) => {
    const src = m.metricSource;
    return metricQuery(o, model, src.spec, src.type ?? dataSourceType(model, src.metricSourceRef), [...p, 'metricSource', 'spec', 'query']);
  });
}

/** v1 names the SLI of an SLO or objective `indicator` (inline) or `indicatorRef`. */
const SLI_FIELDS: SliFields<'indicator', 'indicatorRef', SliSpec> = { inline: 'indicator', ref: 'indicatorRef', sli: v1SliToModel };

export function v1SloToModel(o: CheckedObject, model: ModelContext, doc: SloDocument): Slo | undefined {
  return sloOf(o, model, doc, doc.spec.service, SLI_FIELDS);
}
