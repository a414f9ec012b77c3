import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CompiledSlo } from '../../packages/rules/src/compile';
import type { RuleFile } from '../../packages/rules/src/model';
import { header, renderRuleFile, toYaml } from '../../packages/rules/src/render';

/**
 * Hand-written promtool tests of compiled rules: one temporary directory per suite (removed by `close`), one rule
 * file and test file per case. Groups are evaluated in the rule file's order (group_eval_order): promtool
 * otherwise picks one at random at each step. Returns promtool's output ("SUCCESS" when every check held).
 */
export class PromtoolCases {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'promtool-cases-'));

  run(name: string, c: CompiledSlo | RuleFile[], inputs: { series: string; values: string }[], checks: object[]): string {
    // several rule files (e.g. two environments' rules in one Prometheus): evaluated in the order given
    const files = Array.isArray(c) ? c : [c.rules];
    const names = files.map((_, i) => `${name}${files.length > 1 ? `-${i}` : ''}.rules.yaml`);
    for (const [i, f] of files.entries()) writeFileSync(path.join(this.dir, names[i]!), renderRuleFile(f, header('test', 'in.yaml', name)));
    const order = files.length > 1 ? {} : { group_eval_order: files[0]!.groups.map((g) => g.name) };
    const test = { rule_files: names, evaluation_interval: '1m', ...order, tests: [{ interval: '1m', input_series: inputs, promql_expr_test: checks }] };
    writeFileSync(path.join(this.dir, `${name}.test.yaml`), toYaml(test));
    const r = spawnSync('promtool', ['test', 'rules', `${name}.test.yaml`], { cwd: this.dir, encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim();
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
