// @integration: runs promtool
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { checkSources } from '@slo-engine/openslo';
import { header, renderRuleFile, toYaml, type RuleFile } from '@slo-engine/rules';
import { CORPUS, corpusAvailable, corpusText, describeWithCorpus, withCorpus } from '../corpus';
import { EXAMPLES, EXPECTED, INPUTS, loadExample, ourTiers, SEVERITIES, type LoadedExample, type Pair, type WindowPair } from './examples';
import { PromtoolPool, type PromtoolResult } from './promtool';
import { buildScenario, SCENARIOS, sharedWindows, type BuiltScenario, type Scenario } from './scenarios';

/**
 * Sloth users can switch: for every Sloth example with plain PromQL (INDEX.md 7.1: core, k8s, openslo), our rules
 * and Sloth's own generated rules are loaded into one promtool test and driven by the same synthetic incidents;
 * page and ticket alerts must fire (and stay quiet) alike, and the recorded error ratios must agree.
 * The plugin examples are refused by our reader, which is asserted instead.
 */

const SOURCE_EXAMPLES = EXAMPLES.filter((e) => e.category !== 'plugin');
const PLUGIN_EXAMPLES = EXAMPLES.filter((e) => e.category === 'plugin');
/** Without the shared corpus there is nothing to compare: every test below is skipped, with one line saying why. */
const loaded: LoadedExample[] = corpusAvailable() ? SOURCE_EXAMPLES.map((e) => loadExample(e.file, e.category)) : [];
const pairs: Pair[] = loaded.flatMap((e) => e.pairs);

/**
 * One promtool run: a scenario against both rule sets. Alert scenarios load only the SLO's own rule groups
 * (promtool evaluates every loaded rule at every step, so the other SLOs of an example would only cost time); the
 * SLI scenario loads the example's complete rule files, Sloth's and ours, side by side. Identical inputs
 * (multifile's first SLO is getting-started's, k8s-multifile's is k8s-getting-started's) run once and share the
 * result; the k8s twins of the plain examples differ in Sloth's sloth_slo_info labels, so they run on their own.
 */
interface Case {
  name: string;
  example: LoadedExample;
  pair: Pair;
  scenario: Scenario;
  built: BuiltScenario;
  files: { sloth: string; ours: string; test: string };
  hash: string;
  /** The first case with identical promtool input, when this is not it. */
  sameAs?: Case;
}

const slothText = (rules: RuleFile) => `# Sloth's rules, from ${EXPECTED}\n${toYaml(rules)}`;
const oursText = (rules: RuleFile) => renderRuleFile(rules, header('test', INPUTS, 'Prometheus rules'));

const cases: Case[] = [];
for (const example of loaded)
  for (const pair of example.pairs)
    for (const scenario of SCENARIOS.filter((s) => s.applies(pair))) {
      const built = buildScenario(pair, scenario.spec);
      const whole = scenario.spec.kind === 'sli';
      const files = {
        sloth: slothText(whole ? example.sloth : pair.slothRules),
        ours: oursText(whole ? example.ours : pair.ourRules),
        test: toYaml({ rule_files: ['sloth.rules.yml', 'ours.rules.yml'], evaluation_interval: `${built.step}m`, tests: [built.group] }),
      };
      const hash = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
      const sameAs = cases.find((c) => c.hash === hash && !c.sameAs);
      const name = `${example.file} ${pair.sloth.id}: ${scenario.name}${sameAs ? ` (same promtool input as ${sameAs.example.file}, run once)` : ''}`;
      cases.push({ name, example, pair, scenario, built, files, hash, sameAs });
    }

const pool = new PromtoolPool(2);
const runs = new Map<string, Promise<PromtoolResult>>();
const runNames = new Map<string, string>();
let tmp = '';
let failures = 0;
let started = 0;

withCorpus(() => {
  beforeAll(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'sloth-side-by-side-'));
    started = Date.now();
    // the longest runs first, so that the two slots finish together
    const unique = cases.filter((c) => !c.sameAs).sort((a, b) => b.built.minutes / b.built.step - a.built.minutes / a.built.step);
    for (const c of unique) {
      const dir = path.join(tmp, `${c.pair.sloth.id}-${c.scenario.spec.kind}-${c.hash}`);
      mkdirSync(dir);
      writeFileSync(path.join(dir, 'sloth.rules.yml'), c.files.sloth);
      writeFileSync(path.join(dir, 'ours.rules.yml'), c.files.ours);
      writeFileSync(path.join(dir, 'scenario.test.yml'), c.files.test);
      runs.set(c.hash, pool.run(dir, 'scenario.test.yml'));
      runNames.set(c.hash, `${c.pair.sloth.id} ${c.scenario.spec.kind}${'severity' in c.scenario.spec ? ` ${c.scenario.spec.severity}` : ''} (${c.built.minutes}m at ${c.built.step}m)`);
    }
  });

  afterAll(async () => {
    const results = await Promise.all([...runs].map(async ([hash, run]) => ({ name: runNames.get(hash)!, ...(await run) })));
    const cpu = results.reduce((n, r) => n + r.seconds, 0);
    const slowest = results.sort((a, b) => b.seconds - a.seconds).slice(0, 10);
    console.log(
      `${runs.size} promtool runs for ${cases.length} scenarios: ${cpu.toFixed(0)}s of promtool, ${((Date.now() - started) / 1000).toFixed(0)}s wall clock (2 at a time). Slowest:\n` +
        slowest.map((r) => `  ${r.seconds.toFixed(1)}s ${r.name}`).join('\n'),
    );
    if (failures === 0 && !process.env.SLOTH_SIDE_BY_SIDE_KEEP) rmSync(tmp, { recursive: true, force: true });
    else console.log(`promtool files are kept in ${tmp}`);
  });
});

const tiersText = (ts: WindowPair[]) =>
  ts
    .map((t) => `${t.factor}x ${t.long}/${t.short}`)
    .sort()
    .join(', ');

describeWithCorpus('the Sloth examples', () => {
  it('are the 15 pairs of INDEX.md 7.1, each with its expected output', () => {
    expect(readdirSync(path.join(CORPUS, INPUTS)).sort()).toEqual(EXAMPLES.map((e) => e.file).sort());
    expect(readdirSync(path.join(CORPUS, EXPECTED)).sort()).toEqual(EXAMPLES.map((e) => e.file).sort());
  });

  it.each(PLUGIN_EXAMPLES.map((e) => e.file))('%s (SLO plugins) is refused, with a sloth-plugin error and nothing else', (file) => {
    const result = checkSources([{ file, text: corpusText(INPUTS, file) }], { missingReferences: 'error' });
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.map((d) => d.code)).toEqual(errors.map(() => 'sloth-plugin'));
  });

  it.each(SOURCE_EXAMPLES.map((e) => e.file))('%s is read without errors', (file) => {
    const ex = loaded.find((e) => e.file === file)!;
    expect(ex.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(ex.pairs.length).toBeGreaterThan(0);
  });

  it.each(SOURCE_EXAMPLES.map((e) => e.file))("%s: Sloth's rule groups and ours can be loaded side by side (no group name clashes)", (file) => {
    const ex = loaded.find((e) => e.file === file)!;
    const names = [...ex.sloth.groups, ...ex.ours.groups].map((g) => g.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

describeWithCorpus('alert design, statically', () => {
  const alerting = pairs.filter((p) => p.category !== 'openslo');
  const label = (p: Pair) => `${p.example}: ${p.sloth.id}`;

  it.each(alerting.map((p) => [label(p), p] as const))("%s: our page and ticket tiers use Sloth's windows and factors, lowered where Sloth's need over half the requests failing", (_, p) => {
    // a low objective: Sloth's 14.4 × 5% needs 72% errors; ours pages at half the requests failing (1 / (2 × budget))
    const cap = +(0.5 / Number(p.objective.budget)).toFixed(6);
    const expected = (ts: WindowPair[]) => ts.map((t) => ({ ...t, factor: Math.min(t.factor, cap) }));
    for (const sev of SEVERITIES) expect(`${sev}: ${tiersText(ourTiers(p.objective, sev))}`).toBe(`${sev}: ${tiersText(expected(p.sloth.alerts[sev]?.tiers ?? []))}`);
  });

  it.each(alerting.map((p) => [label(p), p] as const))("%s: our alerts keep Sloth's alert name and routing labels", (_, p) => {
    for (const sev of SEVERITIES) {
      const theirs = p.sloth.alerts[sev];
      expect(p.ourAlerts[sev]).toBe(theirs?.name);
      if (!theirs) continue;
      const routing = Object.fromEntries(Object.entries(theirs.labels).filter(([k]) => !k.startsWith('sloth_')));
      expect(p.ourAlertLabels[sev]).toMatchObject(routing);
    }
  });

  it.each(pairs.filter((p) => p.category === 'openslo').map((p) => [label(p), p] as const))('%s: Sloth generates no alerts for OpenSLO input (only the error ratios are compared)', (_, p) => {
    expect(p.sloth.alerts).toEqual({});
  });

  it.each(pairs.map((p) => [label(p), p] as const))('%s: both record the error ratio over 5m and 30d at least (the SLI scenario compares every shared window)', (_, p) => {
    expect(sharedWindows(p)).toEqual(expect.arrayContaining(['5m', '30d']));
  });
});

describeWithCorpus("promtool: Sloth's rules and ours under the same synthetic incidents", () => {
  it.each(cases.map((c) => [c.name, c] as const))(
    '%s',
    async (_, c) => {
      const r = await runs.get(c.hash)!;
      if (!r.ok) {
        failures++;
        console.log(`${c.built.group.name}\ntraffic: ${c.pair.traffic.how}\n${r.output}`);
      }
      expect({ ok: r.ok, output: r.ok ? '' : r.output }).toEqual({ ok: true, output: '' });
    },
    15 * 60 * 1000,
  );
});
