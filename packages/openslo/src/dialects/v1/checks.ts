import type { ObjectContext } from '../../context';
import { asObj, asStr, isObj, type Obj } from '../../values';
import { checkSpec, type SloFields } from '../shared/checks';

/** v1 names the SLI `indicator` / `indicatorRef` and puts a metric's data source in `metricSource`. */
export const V1_FIELDS: SloFields = {
  indicator: 'indicator',
  indicatorRef: 'indicatorRef',
  metric(m) {
    const ms = asObj(m.metricSource);
    return { spec: isObj(ms.spec) ? ms.spec : undefined, type: asStr(ms.type), ref: asStr(ms.metricSourceRef), refField: 'metricSource.metricSourceRef', specPath: ['metricSource', 'spec'] };
  },
  // other tools read an inline indicator with only metadata as a reference to the SLI of that name
  inlineWithoutSpecIsRef: true,
};

export const SLO_SPEC_FIELDS = 'service, indicator or indicatorRef, timeWindow, budgetingMethod and objectives';

export function checkV1Rules(ctx: ObjectContext, kind: string, value: Obj): void {
  if (isObj(value.spec)) checkSpec(ctx, V1_FIELDS, kind, value.spec, ['spec']);
}
