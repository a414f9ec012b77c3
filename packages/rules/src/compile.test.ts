// @integration: runs promtool
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { compileText, indent, promSource, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import { CompileError, type CompiledSlo } from './compile';
import { isAlert, type RecordingRule } from './model';
import { header, renderRuleFile, toYaml } from './render';
import { generateTests } from './testgen';

const compile = compileText;

const slo = (sli: string, extra = '', window = rolling('30d'), method = 'Occurrences', name = 'api', service = 'shop') =>
  sloDoc({ sli, objectives: `    - target: 0.999\n${extra}`, window, method, name, service });
const q = promSource;
const ratio = ratioSli;

/** A 95% objective: coarse enough for slice-counted SLIs to get every generated scenario. */
const loose = (text: string) => text.replace('target: 0.999', 'target: 0.95');

function record(c: CompiledSlo, name: string): RecordingRule {
  const r = c.rules.groups.flatMap((g) => g.rules).find((x) => !isAlert(x) && x.record === name);
  if (!r || isAlert(r)) throw new Error(`no record ${name}`);
  return r;
}

describe('building blocks read the raw metrics once, for every SLI shape', () => {
  it.each([
    [
      'a bare counter selector (good/total)',
      ratio({ good: 'http_requests_total{job="x",code!~"5.."}', total: 'http_requests_total{job="x"}' }),
      'clamp_min(sum(rate(http_requests_total{job="x"}[5m])) - (sum(rate(http_requests_total{job="x",code!~"5.."}[5m])) or vector(0)), 0) or vector(0)',
    ],
    ['bad/total', ratio({ bad: 'http_requests_total{code=~"5.."}', total: 'http_requests_total' }), 'sum(rate(http_requests_total{code=~"5.."}[5m])) or vector(0)'],
    ['a {{.window}} placeholder', ratio({ bad: 'sum(rate(x{e="1"}[{{.window}}]))', total: 'sum(rate(x[{{.window}}]))' }, false), 'sum(sum(rate(x{e="1"}[5m]))) or vector(0)'],
    ['a $window placeholder', ratio({ bad: 'sum(rate(x{e="1"}[$window]))', total: 'sum(rate(x[$window]))' }, false), 'sum(sum(rate(x{e="1"}[5m]))) or vector(0)'],
    ['a fixed range', ratio({ bad: 'sum(rate(x{e="1"}[5m]))', total: 'sum(rate(x[5m]))' }, false), 'sum(sum(rate(x{e="1"}[5m]))) or vector(0)'],
    ['an aggregated counter', ratio({ bad: 'sum by (route) (x{e="1"})', total: 'sum by (route) (x)' }), 'sum(sum by (route) (rate(x{e="1"}[5m]))) or vector(0)'],
    [
      'a histogram bucket (le spelled for Prometheus 2 and 3)',
      ratio({ good: 'h_bucket{le="1"}', total: 'h_count' }),
      'clamp_min(sum(rate(h_count[5m])) - (sum(rate(h_bucket{le=~"1|1\\\\.0"}[5m])) or vector(0)), 0) or vector(0)',
    ],
    ['raw failure ratio', `      ratioMetric:\n        rawType: failure\n        raw:\n${indent(q('errors:ratio'), 10)}`, 'clamp(avg((errors:ratio) > -Inf < +Inf), 0, 1) or vector(0)'],
    ['raw success ratio', `      ratioMetric:\n        rawType: success\n        raw:\n${indent(q('ok:ratio'), 10)}`, 'clamp(1 - avg((ok:ratio) > -Inf < +Inf), 0, 1) or vector(0)'],
  ])('%s', (_t, sli, bad) => {
    const [c] = compile(slo(sli));
    expect(record(c!, 'slo:sli_bad:rate5m').expr).toBe(bad);
  });

  it('thresholdMetric with Timeslices: a slice is bad when the threshold is broken', () => {
    const sli = `      thresholdMetric:\n${indent(q('histogram_quantile(0.99, sum by (le) (rate(h_bucket[{{.window}}])))'), 8)}`;
    const [c] = compile(
      slo(sli, '      op: lte\n      value: 0.3\n      timeSliceTarget: 0.95\n      timeSliceWindow: 1m\n', undefined, 'Timeslices').replace('    - target: 0.999\n', '    - target: 0.999\n'),
    );
    expect(record(c!, 'slo:sli_bad:rate5m').expr).toBe('(max((histogram_quantile(0.99, sum by (le) (rate(h_bucket[2m])))) > -Inf < +Inf) > bool 0.3) or vector(0)');
  });

  it('RatioTimeslices averages slice error ratios over slices with traffic', () => {
    const [c] = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceWindow: 2m\n', undefined, 'RatioTimeslices'));
    expect(record(c!, 'slo:sli_bad:rate5m').expr).toBe('clamp((sum(rate(x{e="1"}[2m]))) / (sum(rate(x[2m])) > 0), 0, 1) or vector(0)');
    expect(record(c!, 'slo:sli_total:rate5m').expr).toBe('(sum(rate(x[2m])) > bool 0) or vector(0)');
  });
});

describe('windows are ratios of sums, never NaN', () => {
  const [c] = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' })));
  it('short windows sum the 1m building blocks, day-plus windows and the period the 10m roll-ups', () => {
    expect(record(c!, 'slo:sli_error:ratio_rate1h').expr).toBe(
      '(sum_over_time(slo:sli_bad:rate5m{slo_name="api",slo_service="shop"}[1h]) / (sum_over_time(slo:sli_total:rate5m{slo_name="api",slo_service="shop"}[1h]) > 0)) or on() vector(0)',
    );
    expect(record(c!, 'slo:sli_error:ratio_rate30d').expr).toContain('sum_over_time(slo:sli_bad:rate5m_sum10m{slo_name="api",slo_service="shop"}[30d])');
    expect(c!.rules.groups.map((g) => `${g.name}@${g.interval}`)).toEqual(['slo:shop:api:sli@1m', 'slo:shop:api:rollup@10m', 'slo:shop:api:period@2m', 'slo:shop:api:alerts@1m']);
  });
  it('writes the objective and budget exactly, and the contract labels', () => {
    expect(record(c!, 'slo:error_budget:ratio').expr).toBe('vector(0.001)');
    expect(record(c!, 'slo:sli_error:ratio_rate6h').labels).toEqual({ slo_name: 'api', slo_service: 'shop', slo_window: '6h' });
    expect(record(c!, 'slo_info').labels).toMatchObject({ objective: '0.999', period: '30d', budgeting_method: 'Occurrences', slo_engine_version: 'test' });
  });
  it('writes the four default tiers as multi-window alerts', () => {
    const alerts = c!.rules.groups.flatMap((g) => g.rules).filter(isAlert);
    expect(
      alerts.map(
        (a) =>
          `${a.labels.slo_tier} ${a.labels.slo_severity} ${a.expr
            .split('\n')
            .map((l) => l.replace(/.*ratio_rate(\w+)\{.*\) (>=) (.*)/, '$1$2$3'))
            .join(' ')}`,
      ),
    ).toEqual(['page-fast page 1h>=0.0144 and 5m>=0.0144', 'page-slow page 6h>=0.006 and 30m>=0.006', 'ticket-fast ticket 1d>=0.003 and 2h>=0.003', 'ticket-slow ticket 3d>=0.001 and 6h>=0.001']);
  });
});

describe('SLOs grouped by labels keep one budget per group', () => {
  const grouped = (sli: string, by = 'route', method = 'Occurrences') =>
    slo(sli, '', undefined, method).replace('metadata:\n  name: api\n', `metadata:\n  name: api\n  annotations:\n    slo-engine.dev/group-by: "${by}"\n`);
  it('sums by the group labels and never uses a label-less zero', () => {
    const [c] = compile(grouped(ratio({ bad: 'x{e="1"}', total: 'x' })));
    expect(record(c!, 'slo:sli_bad:rate5m').expr).toBe('sum by (route) (rate(x{e="1"}[5m])) or (0 * sum by (route) (rate(x[5m])))');
    // the zero per group multiplies the total block as now recorded, not the window's sum of it (read once)
    expect(record(c!, 'slo:sli_error:ratio_rate1h').expr).toMatch(/\) or \(0 \* slo:sli_total:rate5m\{slo_name="api",slo_service="shop"\}\)$/);
    expect(record(c!, 'slo:no_traffic:bool').expr).toBe('slo:sli_total:rate5m{slo_name="api",slo_service="shop"} == bool 0');
    expect(c!.objectives[0]!.groupBy).toEqual(['route']);
    const alert = c!.rules.groups.flatMap((g) => g.rules).find(isAlert)!;
    expect(alert.annotations.summary).toContain('(route={{ $labels.route }})');
  });
  it.each([
    ['a reserved label', grouped(ratio({ bad: 'x{e="1"}', total: 'x' }), 'slo_name'), /must list label names/],
    ['not a label name', grouped(ratio({ bad: 'x{e="1"}', total: 'x' }), 'a-b'), /must list label names/],
    ['a query that aggregates the group away', grouped(ratio({ bad: 'sum(rate(x{e="1"}[5m]))', total: 'sum(rate(x[5m]))' }, false)), /aggregates away route/],
    [
      'a threshold SLI',
      grouped(`      thresholdMetric:\n${indent(q('lag{job="w"}'), 8)}`, 'route', 'Timeslices').replace(
        '    - target: 0.999\n',
        '    - target: 0.999\n      op: lt\n      value: 3\n      timeSliceTarget: 1\n      timeSliceWindow: 1m\n',
      ),
      /needs a ratio SLI/,
    ],
  ])('refuses %s', (_name, text, message) => {
    expect(() => compile(text)).toThrow(message);
  });
  it('a query that keeps the group label compiles', () => {
    const [c] = compile(grouped(ratio({ bad: 'sum by (route) (rate(x{e="1"}[5m]))', total: 'sum by (route) (rate(x[5m]))' }, false)));
    expect(record(c!, 'slo:sli_total:rate5m').expr).toBe('sum by (route) (sum by (route) (rate(x[5m])))');
  });
});

describe('names never collide', () => {
  it('several objectives get their own slo_name', () => {
    const [c] = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '    - target: 0.99\n'));
    expect(c!.objectives.map((o) => o.selector)).toEqual(['{slo_name="api-0",slo_service="shop"}', '{slo_name="api-1",slo_service="shop"}']);
  });
  it('the same SLO name in two services gives distinct groups and selectors', () => {
    const a = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '', undefined, undefined, 'api', 'shop'))[0]!;
    const b = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '', undefined, undefined, 'api', 'cart'))[0]!;
    expect(a.rules.groups.map((g) => g.name)).not.toEqual(expect.arrayContaining(b.rules.groups.map((g) => g.name)));
    expect(a.objectives[0]!.selector).not.toBe(b.objectives[0]!.selector);
  });
});

describe('what cannot be compiled is said', () => {
  it('calendar windows compile as rolling, with a warning', () => {
    const [c] = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '', '    - duration: 1M\n      calendar:\n        startTime: "2024-01-01 00:00:00"\n        timeZone: UTC'));
    expect(c!.warnings).toEqual([expect.stringContaining('calendar-aligned 1M window is compiled as a rolling 30d window')]);
  });
  it('says when a single bad slice already fires a tier', () => {
    const sli = `      thresholdMetric:\n${indent(q('lag_seconds{job="w"}'), 8)}`;
    const [c] = compile(slo(sli, '      op: lt\n      value: 30\n      timeSliceTarget: 1\n      timeSliceWindow: 1m\n', undefined, 'Timeslices'));
    expect(c!.warnings).toEqual([expect.stringMatching(/^api: a single bad slice fires page-fast \(one slice in 1h is 1\.66667% of the window, above its threshold 1\.44%\)/)]);
    const tests = generateTests(c!, ['x.yaml']);
    expect(tests.untestable).toEqual([{ name: 'api', reason: expect.stringContaining("page-fast's threshold (14.4 × 0.001 over 1h) is too close to a single bad slice") }]);
    expect(tests.file.tests.map((t) => t.name)).toEqual(expect.arrayContaining([expect.stringContaining('fire page-fast within')]));
  });
  it('Timeslices ratio SLIs tell no traffic from good slices by their total query', () => {
    const [c] = compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceTarget: 0.9\n      timeSliceWindow: 1m\n', undefined, 'Timeslices'));
    expect(record(c!, 'slo:sli_total:rate5m').expr).toBe('vector(1)');
    expect(record(c!, 'slo:no_traffic:bool').expr).toBe('(sum(rate(x[2m])) == bool 0) or on() vector(1)');
  });
  it('a query with several selectors compiles, with burn tests on a series per selector', () => {
    const [c] = compile(slo(ratio({ bad: 'sum(rate(a{e="1"}[5m])) + sum(rate(b{e="1"}[5m]))', total: 'sum(rate(a[5m])) + sum(rate(b[5m]))' }, false)));
    const tests = generateTests(c!, ['x.yaml']);
    expect(tests.untestable).toEqual([]);
    expect(tests.file.tests.map((t) => t.name)).toEqual(expect.arrayContaining([expect.stringContaining('no traffic fires nothing'), expect.stringContaining('fires page-fast')]));
  });
  it('a non-Prometheus query is an error naming the data source', () => {
    const sli = ratio({ bad: 'x', total: 'y' }).replace(/type: Prometheus/g, 'type: Datadog');
    expect(() => compile(slo(sli))).toThrow(CompileError);
    expect(() => compile(slo(sli))).toThrow(/Datadog data source/);
  });
  it('a counter query that cannot be turned into a rate is an error', () => {
    expect(() => compile(slo(ratio({ bad: 'x / 2', total: 'y' })))).toThrow(/rate/);
  });
});

describe('promtool accepts every rule file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cases: [string, string][] = [
    ['counter', slo(ratio({ good: 'http_requests_total{job="x",code!~"5.."}', total: 'http_requests_total{job="x"}' }))],
    ['histogram', slo(ratio({ good: 'h_bucket{le="1"}', total: 'h_count' }))],
    ['timeslices', slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceTarget: 0.9\n      timeSliceWindow: 1m\n', undefined, 'Timeslices')],
    ['ratio-timeslices', slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceWindow: 1m\n', undefined, 'RatioTimeslices')],
    ['7d', slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '', '    - duration: 7d\n      isRolling: true')],
    ['90d', slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '', '    - duration: 1Q\n      isRolling: true')],
  ];
  const tested: [string, string][] = [
    ['ratio-timeslices', slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceWindow: 2m\n', undefined, 'RatioTimeslices')],
    ['raw-failure', slo(`      ratioMetric:\n        rawType: failure\n        raw:\n${indent(q('errors:ratio{job="a"}'), 10)}`)],
    ['raw-success', slo(`      ratioMetric:\n        rawType: success\n        raw:\n${indent(q('sum(ok:ratio)'), 10)}`, '', '    - duration: 7d\n      isRolling: true')],
    // slices: a burn is a train of bad slices
    ['timeslices-ratio', loose(slo(ratio({ bad: 'x{e="1"}', total: 'x' }), '      timeSliceTarget: 0.9\n      timeSliceWindow: 2m\n', '    - duration: 7d\n      isRolling: true', 'Timeslices'))],
    [
      'threshold-rate',
      loose(
        slo(
          `      thresholdMetric:\n${indent(q('sum(rate(queue_drops_total{job="q"}[{{.window}}]))'), 8)}`,
          '      op: lt\n      value: 5\n      timeSliceTarget: 1\n      timeSliceWindow: 5m\n',
          '    - duration: 28d\n      isRolling: true',
          'Timeslices',
        ),
      ),
    ],
  ];
  it.each(tested)(
    'generated burn scenarios pass for %s',
    (name, text) => {
      const [c] = compile(text);
      const tests = generateTests(c!, [`${name}.yaml`]);
      expect(tests.untestable).toEqual([]);
      expect(tests.file.tests.length).toBeGreaterThan(4);
      writeFileSync(path.join(dir, `${name}.yaml`), renderRuleFile(c!.rules, header('test', 'in.yaml', name)));
      writeFileSync(path.join(dir, `${name}.test.yaml`), toYaml(tests.file));
      const r = spawnSync('promtool', ['test', 'rules', `${name}.test.yaml`], { cwd: dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
      expect(r.status).toBe(0);
    },
    300_000,
  );

  it.each(cases)('%s', (name, text) => {
    const [c] = compile(text);
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, renderRuleFile(c!.rules, header('test', 'in.yaml', name)));
    const r = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(r.error).toBeUndefined();
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});

describe('Sloth SLIs aggregated by labels keep one budget and alert per label value', () => {
  const sloth = (labels = '') => `version: prometheus/v1
service: web
${labels}slos:
  - name: requests
    objective: 99.9
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}])) by (host)
        total_query: sum(rate(http_requests_total[{{.window}}])) by (host)
    alerting:
      name: WebHighErrorRate
      annotations:
        summary: "errors on {{ $labels.host }}"
      page_alert:
        labels:
          severity: pageteam
      ticket_alert:
        disable: true
`;
  it('groups by host, as Sloth does', () => {
    const [c] = compile(sloth());
    expect(c!.objectives[0]!.groupBy).toEqual(['host']);
    expect(record(c!, 'slo:sli_total:rate5m').expr).toBe('sum by (host) (sum(rate(http_requests_total[5m])) by (host))');
    const alert = c!.rules.groups.flatMap((g) => g.rules).find(isAlert)!;
    // the user's annotation is kept, and its $labels.host now has a value; Sloth's own severity label wins
    expect(alert.annotations.summary).toBe('errors on {{ $labels.host }}');
    expect(alert.labels.severity).toBe('pageteam');
  });
  it('a host that burns pages, with its host label; a healthy host does not (promtool)', () => {
    const [c] = compile(sloth());
    const dir = mkdtempSync(path.join(tmpdir(), 'sloth-by-'));
    try {
      writeFileSync(path.join(dir, 'r.yaml'), renderRuleFile(c!.rules, header('test', 'in.yaml', 'by host')));
      const series = (host: string, code: string, per: number) => ({ series: `http_requests_total{host="${host}",code="${code}"}`, values: `0+${per}x120` });
      const test = {
        rule_files: ['r.yaml'],
        evaluation_interval: '1m',
        group_eval_order: c!.rules.groups.map((g) => g.name),
        tests: [
          {
            interval: '1m',
            // host a: 10% errors (100x the 0.1% budget); host b: healthy, and ten times busier, so a sum would hide a
            input_series: [series('a', '200', 90), series('a', '500', 10), series('b', '200', 1000)],
            alert_rule_test: [
              {
                eval_time: '60m',
                alertname: 'WebHighErrorRate',
                exp_alerts: [
                  {
                    exp_labels: { host: 'a', severity: 'pageteam', slo_name: 'requests', slo_service: 'web', slo_severity: 'page', slo_tier: 'page-fast' },
                    exp_annotations: { summary: 'errors on a', description: expect.any(String) as unknown as string },
                  },
                  {
                    exp_labels: { host: 'a', severity: 'pageteam', slo_name: 'requests', slo_service: 'web', slo_severity: 'page', slo_tier: 'page-slow' },
                    exp_annotations: { summary: 'errors on a', description: expect.any(String) as unknown as string },
                  },
                ],
              },
            ],
          },
        ],
      };
      // the descriptions are long; take them from the rules as promtool renders them (host a's ratio is 10%)
      const alerts = c!.rules.groups.flatMap((g) => g.rules).filter(isAlert);
      for (const [i, a] of test.tests[0]!.alert_rule_test[0]!.exp_alerts.entries())
        a.exp_annotations.description = alerts[i]!.annotations.description!.replace('{{ $value | humanizePercentage }}', '10%');
      writeFileSync(path.join(dir, 't.yaml'), toYaml(test));
      const r = spawnSync('promtool', ['test', 'rules', 't.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a Sloth label that is also a by label is an error, not a collision', () => {
    expect(() => compile(sloth('labels:\n  host: web-1\n'))).toThrow(/host is both a label of the SLO and a label it is grouped by/);
  });
  it('an OpenSLO query aggregated by a label is summed, and compile says how to keep it', () => {
    const [c] = compile(slo(ratio({ bad: 'sum(rate(x{e="1"}[5m])) by (route)', total: 'sum(rate(x[5m])) by (route)' }, false)));
    expect(c!.objectives[0]!.groupBy).toEqual([]);
    expect(c!.warnings).toEqual([
      expect.stringContaining(
        'aggregate by (route), but the SLO is one error budget for all of them: their events are summed; to keep one budget and alert per route, add the annotation slo-engine.dev/group-by: route',
      ),
    ]);
  });
  it('a trailing by clause keeps the group label (it used to be read as aggregating it away)', () => {
    const grouped = slo(ratio({ bad: 'sum(rate(x{e="1"}[5m])) by (route)', total: 'sum(rate(x[5m])) by (route)' }, false)).replace(
      'metadata:\n  name: api\n',
      'metadata:\n  name: api\n  annotations:\n    slo-engine.dev/group-by: route\n',
    );
    expect(compile(grouped)[0]!.objectives[0]!.groupBy).toEqual(['route']);
  });
});

describe('labels: clashes are errors, dropped labels are said, severity routes', () => {
  const labelled = (labels: string, annotations = '') => slo(ratio({ bad: 'x{e="1"}', total: 'x' })).replace('metadata:\n  name: api\n', `metadata:\n  name: api\n  labels:\n${labels}${annotations}`);
  it('a group-by label that is also an SLO label is refused', () => {
    expect(() => compile(labelled('    route: checkout\n', '  annotations:\n    slo-engine.dev/group-by: route\n'))).toThrow('route is both a label of the SLO and a label it is grouped by');
  });
  it('job and instance are copied; reserved names are not, and compile says so', () => {
    const [c] = compile(labelled('    job: api\n    instance: a\n    slo_name: other\n'));
    expect(record(c!, 'slo:objective:ratio').labels).toMatchObject({ job: 'api', instance: 'a', slo_name: 'api' });
    expect(c!.warnings).toEqual([expect.stringMatching(/^the SLO's label slo_name is not copied onto its series and alerts: it is a name the compiler writes itself/)]);
  });
  it("every alert has a severity label: page → critical, ticket → warning, or the user's mapping", () => {
    const sev = (c: CompiledSlo) =>
      c.rules.groups
        .flatMap((g) => g.rules)
        .filter(isAlert)
        .map((a) => `${a.labels.slo_tier}=${a.labels.severity}`);
    expect(sev(compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' })))[0]!)).toEqual(['page-fast=critical', 'page-slow=critical', 'ticket-fast=warning', 'ticket-slow=warning']);
    expect(sev(compile(slo(ratio({ bad: 'x{e="1"}', total: 'x' })), { severityLabels: { page: 'P1' } })[0]!)).toEqual(['page-fast=P1', 'page-slow=P1', 'ticket-fast=warning', 'ticket-slow=warning']);
  });
  it("an SLO label named severity does not overwrite every tier's, and compile says so", () => {
    const [c] = compile(labelled('    severity: high\n'));
    expect(
      c!.rules.groups
        .flatMap((g) => g.rules)
        .filter(isAlert)
        .map((a) => a.labels.severity),
    ).toEqual(['critical', 'critical', 'warning', 'warning']);
    expect(c!.warnings).toEqual([expect.stringContaining("the SLO's label severity is replaced on its alerts by each tier's own (page → critical, ticket → warning)")]);
  });
});

describe('alertWhenNoData: an SLI that sees nothing pages instead of reading as 100% good', () => {
  const withPolicy = (noData: boolean, annotations = '') =>
    `${slo(ratio({ bad: 'x{e="1"}', total: 'x' })).replace('metadata:\n  name: api\n', `metadata:\n  name: api\n${annotations}`)}  alertPolicies:
    - kind: AlertPolicy
      metadata:
        name: oncall
      spec:
        alertWhenBreaching: true
        alertWhenResolved: true
        alertWhenNoData: ${noData}
        conditions:
          - kind: AlertCondition
            metadata:
              name: fast
            spec:
              severity: page
              condition:
                kind: burnrate
                op: gte
                threshold: 14.4
                lookbackWindow: 1h
        notificationTargets:
          - kind: AlertNotificationTarget
            metadata:
              name: pager
            spec:
              target: pagerduty
`;
  const noDataAlert = (c: CompiledSlo) =>
    c.rules.groups
      .flatMap((g) => g.rules)
      .filter(isAlert)
      .find((a) => a.alert === 'SLONoData');
  it("is generated only when a policy asks for it, with the policy's severity and targets", () => {
    expect(noDataAlert(compile(withPolicy(false))[0]!)).toBeUndefined();
    const a = noDataAlert(compile(withPolicy(true))[0]!)!;
    expect(a.expr).toBe('(slo:no_traffic:bool{slo_name="api",slo_service="shop"} == 1) or absent(slo:no_traffic:bool{slo_name="api",slo_service="shop"})');
    expect(a.for).toBe('10m');
    expect(a.labels).toEqual({
      severity: 'critical',
      slo_name: 'api',
      slo_notification_kinds: 'pagerduty',
      slo_notification_targets: 'pager',
      slo_service: 'shop',
      slo_severity: 'page',
      slo_tier: 'no-data',
    });
    expect(noDataAlert(compile(withPolicy(true, '  annotations:\n    slo-engine.dev/no-data-for: 30m\n'))[0]!)!.for).toBe('30m');
    expect(noDataAlert(compile(withPolicy(true), { disable: ['no-data'] })[0]!)).toBeUndefined();
    expect(() => compile(withPolicy(true, '  annotations:\n    slo-engine.dev/no-data-for: soon\n'))).toThrow(/no-data-for must be a whole number of minutes/);
  });
  it('fires after 10 minutes without events or without the series at all, and not while traffic flows (promtool)', () => {
    const [c] = compile(withPolicy(true));
    const dir = mkdtempSync(path.join(tmpdir(), 'nodata-'));
    try {
      writeFileSync(path.join(dir, 'r.yaml'), renderRuleFile(c!.rules, header('test', 'in.yaml', 'no data')));
      const firing = (m: number, n: number) => ({ expr: 'count(ALERTS{alertname="SLONoData",alertstate="firing"})', eval_time: `${m}m`, exp_samples: n ? [{ labels: '{}', value: n }] : [] });
      const test = {
        rule_files: ['r.yaml'],
        evaluation_interval: '1m',
        group_eval_order: c!.rules.groups.map((g) => g.name),
        tests: [
          // 30 minutes of traffic, then the counters stand still: the 5m rate reads 0 from minute 35, the alert fires 10m later
          { interval: '1m', input_series: [{ series: 'x{e="0"}', values: '0+100x30 3000+0x40' }], promql_expr_test: [firing(30, 0), firing(40, 0), firing(47, 1)] },
          // the target disappears: no series at all
          { interval: '1m', input_series: [{ series: 'x{e="0"}', values: '0+100x30 _x40' }], promql_expr_test: [firing(30, 0), firing(48, 1)] },
        ],
      };
      writeFileSync(path.join(dir, 't.yaml'), toYaml(test));
      const r = spawnSync('promtool', ['test', 'rules', 't.yaml'], { cwd: dir, encoding: 'utf8' });
      expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
