// @integration: runs promtool
/**
 * A compile's scope (`slo compile --scope namespace=day-prod`): two environments of one service in one Prometheus
 * (or AMP workspace) keep their own series, budgets and alerts. Without it the rules of both read both
 * environments' requests and record the same series twice.
 */
import { selectors } from '@slo-engine/promql';
import { PromtoolCases } from '../../../test/support/promtool-run';
import { compileText, ratioSli, rolling, sloDoc } from '../../../test/support/slo-docs';
import { CompileError, type CompiledSlo } from './compile';
import { isAlert, type RuleFile } from './model';
import { dashboardUid, RECORD } from './names';
import { SharedLayout } from './shared';
import { generateTests } from './testgen';
import { renderRuleFile, toYaml, header } from './render';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';

const SLI = ratioSli({ bad: 'http_requests_total{job="day",code=~"5.."}', total: 'http_requests_total{job="day"}' });
const SPEC = sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', window: rolling('30d'), name: 'api', service: 'day' });
const PROD = { namespace: 'day-prod' };
const STAGING = { namespace: 'day-staging' };
const compile = (scope: Record<string, string>, text = SPEC): CompiledSlo => compileText(text, { scope })[0]!;

/** The per-SLO layout's file, or the shared layout's two (the SLO's own part and shared.rules.yaml). */
function layoutFiles(c: CompiledSlo, layout: 'per-slo' | 'shared'): RuleFile[] {
  if (layout === 'per-slo') return [c.rules];
  const shared = new SharedLayout();
  const own = shared.add(c);
  return [own.rules, shared.file()];
}

describe.each(['per-slo', 'shared'] as const)('a scoped compile, %s layout', (layout) => {
  const files = layoutFiles(compile({ ...PROD, cluster: 'eks-1' }), layout);
  const rules = files.flatMap((f) => f.groups.flatMap((g) => g.rules));

  it('every selector of every rule, raw or recorded, matches the scope', () => {
    const sels = rules.flatMap((r) => selectors(r.expr));
    expect(sels.length).toBeGreaterThan(rules.length / 2);
    for (const s of sels) {
      expect(s.matchers).toEqual(
        expect.arrayContaining([
          { label: 'namespace', op: '=', value: 'day-prod' },
          { label: 'cluster', op: '=', value: 'eks-1' },
        ]),
      );
    }
  });

  it('every rule with labels gets the scope labels (the others keep those of the series they read)', () => {
    for (const r of rules.filter((x) => Object.keys(x.labels).length || layout === 'per-slo')) expect(r.labels).toMatchObject({ namespace: 'day-prod', cluster: 'eks-1' });
    expect(rules.filter(isAlert).length).toBeGreaterThan(0);
  });
});

describe('what a scope cannot be', () => {
  it.each([
    [
      'a label of the SLO',
      sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', name: 'api', service: 'day' }).replace('metadata:\n  name: api', 'metadata:\n  name: api\n  labels:\n    namespace: other'),
      /the scope label namespace is also a label of the SLO \(namespace: other\)/,
    ],
    [
      'a label the SLO is grouped by',
      sloDoc({ sli: SLI, objectives: '    - target: 0.999\n', name: 'api', service: 'day' }).replace(
        'metadata:\n  name: api',
        'metadata:\n  name: api\n  annotations:\n    slo-engine.dev/group-by: namespace',
      ),
      /the scope label namespace is also a label the SLO is grouped by/,
    ],
  ])('%s is an error', (_name, text, message) => {
    expect(() => compile(PROD, text)).toThrow(CompileError);
    expect(() => compile(PROD, text)).toThrow(message);
  });

  it('without a scope nothing changes', () => {
    expect(compile({})).toEqual({ ...compileText(SPEC)[0]!, scope: {} });
    expect(compile({}).rules).toEqual(compileText(SPEC)[0]!.rules);
  });

  it('each environment has its own dashboard uid, and the info series names it', () => {
    const info = (c: CompiledSlo) => c.rules.groups.flatMap((g) => g.rules).find((r) => !isAlert(r) && r.record === RECORD.info)!.labels.dashboard_uid;
    const [prod, staging, none] = [compile(PROD), compile(STAGING), compile({})];
    expect(new Set([info(prod), info(staging), info(none)]).size).toBe(3);
    expect(info(prod)).toBe(dashboardUid('day', 'api', PROD));
    expect(info(prod)!.length).toBeLessThanOrEqual(40);
  });
});

/** A counter's promtool values: `per` events a minute for `minutes`. */
const counter = (minutes: number, per: number) => Array.from({ length: minutes + 1 }, (_, i) => String(i * per)).join(' ');

describe.each(['per-slo', 'shared'] as const)('two environments in one Prometheus, %s layout (promtool)', (layout) => {
  const cases = new PromtoolCases();
  afterAll(() => cases.close());

  const run = (name: string, prod: Record<string, string>, staging: Record<string, string>) => {
    const files = [...layoutFiles(compile(prod), layout), ...layoutFiles(compile(staging), layout)];
    const firing = (ns: string) => `count(ALERTS{alertstate="firing",slo_severity="page",namespace="${ns}"}) or vector(0)`;
    const out = cases.run(
      `two-envs-${layout}-${name}`,
      files,
      [
        // production healthy, staging failing every request, as busy as each other
        { series: 'http_requests_total{job="day",code="200",namespace="day-prod"}', values: counter(120, 600) },
        { series: 'http_requests_total{job="day",code="500",namespace="day-prod"}', values: counter(120, 0) },
        { series: 'http_requests_total{job="day",code="500",namespace="day-staging"}', values: counter(120, 600) },
      ],
      [
        {
          expr: 'slo:sli_error:ratio_rate1h{namespace="day-prod"}',
          eval_time: '100m',
          exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{namespace="day-prod",slo_name="api",slo_service="day",slo_window="1h"}', value: 0 }],
        },
        {
          expr: 'slo:sli_error:ratio_rate1h{namespace="day-staging"}',
          eval_time: '100m',
          exp_samples: [{ labels: 'slo:sli_error:ratio_rate1h{namespace="day-staging",slo_name="api",slo_service="day",slo_window="1h"}', value: 1 }],
        },
        { expr: firing('day-staging'), eval_time: '100m', exp_samples: [{ labels: '{}', value: 2 }] },
        { expr: firing('day-prod'), eval_time: '100m', exp_samples: [{ labels: '{}', value: 0 }] },
        // every recorded series and alert is one environment's
        { expr: 'count({__name__=~"slo:.+|slo_info|ALERTS", namespace!~"day-prod|day-staging"}) or vector(0)', eval_time: '100m', exp_samples: [{ labels: '{}', value: 0 }] },
      ],
    );
    return out;
  };

  it('each keeps its own error ratio and only the failing one pages', () => {
    expect(run('scoped', PROD, STAGING)).toContain('SUCCESS');
  });

  it('(control: without scopes both rule sets read both environments, and the same checks fail)', () => {
    expect(run('unscoped', {}, {})).toMatch(/FAILED/);
  });
});

describe.each(['per-slo', 'shared'] as const)('the generated tests of a scoped compile pass promtool, %s layout', (layout) => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'scope-tests-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('burn, healthy and idle cases all hold', () => {
    const c = compile({ ...PROD, cluster: 'eks-1' });
    const files = layoutFiles(c, layout);
    const names = files.map((_, i) => `rules-${i}.yaml`);
    for (const [i, f] of files.entries()) writeFileSync(path.join(dir, names[i]!), renderRuleFile(f, header('test', 'in.yaml', 'scope')));
    const own = layout === 'per-slo' ? c : { ...c, rules: files[0]! };
    const { file, untestable } = generateTests(own, names);
    expect(untestable).toEqual([]);
    expect(file.tests.length).toBeGreaterThan(3);
    expect(JSON.stringify(file)).toContain('namespace=\\"day-prod\\"');
    writeFileSync(path.join(dir, 'test.yaml'), toYaml(file));
    const r = spawnSync('promtool', ['test', 'rules', 'test.yaml'], { cwd: dir, encoding: 'utf8' });
    expect(`${r.stdout}${r.stderr}`).toContain('SUCCESS');
    expect(r.status).toBe(0);
  });
});
