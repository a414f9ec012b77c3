import type { ObjectContext } from '../../context';
import { asObj, asStr, has, isObj, type Obj } from '../../values';
import { checkSpec, type SloFields } from '../shared/checks';

/** v2alpha names the SLI `sli` / `sliRef` and puts a metric's data source beside its spec. */
export const V2ALPHA_FIELDS: SloFields = {
  indicator: 'sli',
  indicatorRef: 'sliRef',
  metric(m) {
    return {
      spec: isObj(m.spec) ? m.spec : undefined,
      type: asStr(asObj(m.dataSourceSpec).type),
      ref: asStr(m.dataSourceRef),
      refField: 'dataSourceRef',
      specPath: ['spec'],
    };
  },
  sloRules(ctx, spec, path) {
    // the schema has both optional: one of them is needed
    if (!has(spec, 'service') && !has(spec, 'serviceRef')) ctx.error(path, 'required', 'service is required: the name of the service this SLO belongs to');
  },
  metricRules(ctx, m, path) {
    if (has(m, 'dataSourceRef') && has(m, 'dataSourceSpec')) ctx.error([...path, 'dataSourceSpec'], 'data-source', 'set either dataSourceRef or dataSourceSpec, not both', undefined, 'key');
  },
  inlineWithoutSpecIsRef: false,
};

export const SLO_SPEC_FIELDS = 'service, sli or sliRef, timeWindow, budgetingMethod and objectives';

export function checkV2alphaRules(ctx: ObjectContext, kind: string, value: Obj): void {
  if (isObj(value.spec)) checkSpec(ctx, V2ALPHA_FIELDS, kind, value.spec, ['spec']);
}
