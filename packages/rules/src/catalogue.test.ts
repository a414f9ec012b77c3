import { checkPromql, q, selectors as selectorsOf } from '@slo-engine/promql';
import { compileText, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import { bundleMatchers, bundleSeries, type BundleFacts } from './catalogue';
import { BLOCK, RECORD } from './names';

describe('bundleMatchers: exactly the objectives of one service of a bundle', () => {
  it.each([
    ['one objective', 'shop', ['api'], '{slo_name="api",slo_service="shop"}'],
    ['several, sorted and once each', 'shop', ['b', 'a', 'b'], '{slo_name=~"a|b",slo_service="shop"}'],
    ['regex characters in a name match literally', 'shop', ['a.b', 'c+d'], '{slo_name=~"a\\\\.b|c\\\\+d",slo_service="shop"}'],
    ['quotes in a service are escaped', 'sh"op', ['a'], '{slo_name="a",slo_service="sh\\"op"}'],
  ])('%s', (_what, service, names, expected) => {
    expect(q.render(q.sel(undefined, bundleMatchers(service, names)))).toBe(expected);
  });
});

describe('the catalogue', () => {
  const SLI = ratioSli({ bad: 'http_requests_total{job="day",code=~"5.."}', total: 'http_requests_total{job="day"}' });
  const [c] = compileText(sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', window: rolling('30d'), name: 'api', service: 'day' }));
  const facts = (selectors: string[], ownNoTraffic = false): BundleFacts => ({
    selectors: selectors.map((s) => selectorsOf(s)[0]!.matchers),
    windows: c!.objectives[0]!.windows,
    periods: [43200],
    ownNoTraffic,
  });

  it('records each series of an objective once, and a bundle stands in for exactly the ones marked shared', () => {
    const records = c!.series.map((p) => `${p.rule.record}${p.rule.labels.slo_window ?? ''}`);
    expect(new Set(records).size).toBe(records.length);
    const shared = c!.series.filter((p) => p.shared).map((p) => `${p.home} ${p.rule.record}`);
    const bundle = bundleSeries(facts(['{slo_name="api",slo_service="day"}'])).map((p) => `${p.home} ${p.rule.record}`);
    expect(bundle).toEqual(shared);
    expect(c!.series.filter((p) => !p.shared).map((p) => p.rule.record)).toEqual([BLOCK.bad, BLOCK.total, RECORD.objective, RECORD.errorBudget, RECORD.info]);
  });

  it.each([
    ['one service', ['{slo_name="api",slo_service="day"}']],
    ['two services', ['{slo_name="api",slo_service="day"}', '{slo_name=~"a|b",slo_service="shop"}']],
  ])("every bundle expression parses and reads only the bundle's selectors (%s)", (_what, selectors) => {
    for (const own of [false, true])
      for (const p of bundleSeries(facts(selectors, own))) {
        expect(checkPromql(p.rule.expr).problems).toEqual([]);
        const used = p.rule.expr.match(/\{[^}]*\}/g) ?? [];
        expect(used.length).toBeGreaterThan(0);
        for (const sel of used) expect(selectors.some((s) => sel.startsWith(s.slice(0, -1)))).toBe(true);
      }
  });
});
