import type { PathSeg } from '../../diagnostics';
import type { CheckedObject } from '../../engine';
import type { Indicator, Slo } from '../../model';
import type { ModelContext } from '../dialect';
import { dataSourceType, metricQuery, type SliFields, sliOf, sloOf } from '../shared/to-model';
import type { Metric, SliSpec, SloDocument } from './schema';

export function v2alphaSliToModel(o: CheckedObject, model: ModelContext, spec: SliSpec, path: PathSeg[], name: string | undefined): Indicator | undefined {
  return sliOf<Metric>(spec, path, name, (m, p) => metricQuery(o, model, m.spec ?? {}, m.dataSourceSpec?.type ?? dataSourceType(model, m.dataSourceRef), [...p, 'spec', 'query']));
}

/** v2alpha names the SLI of an SLO or objective `sli` (inline) or `sliRef`. */
const SLI_FIELDS: SliFields<'sli', 'sliRef', SliSpec> = { inline: 'sli', ref: 'sliRef', sli: v2alphaSliToModel };

export function v2alphaSloToModel(o: CheckedObject, model: ModelContext, doc: SloDocument): Slo | undefined {
  return sloOf(o, model, doc, doc.spec.service ?? doc.spec.serviceRef ?? '', SLI_FIELDS);
}
