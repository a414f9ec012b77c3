import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { CompiledSlo } from '../../packages/rules/src/compile';
import { header, renderRuleFile, toYaml } from '../../packages/rules/src/render';

/**
 * Hand-written promtool tests of compiled rules: one temporary directory per suite (removed by `close`), one rule
 * file and test file per case. Groups are evaluated in the rule file's order (group_eval_order): promtool
 * otherwise picks one at random at each step. Returns promtool's output ("SUCCESS" when every check held).
 */
export class PromtoolCases {
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'promtool-cases-'));

  run(name: string, c: CompiledSlo, inputs: { series: string; values: string }[], checks: object[]): string {
    writeFileSync(path.join(this.dir, `${name}.rules.yaml`), renderRuleFile(c.rules, header('test', 'in.yaml', name)));
    const test = { rule_files: [`${name}.rules.yaml`], evaluation_interval: '1m', group_eval_order: c.rules.groups.map((g) => g.name), tests: [{ interval: '1m', input_series: inputs, promql_expr_test: checks }] };
    writeFileSync(path.join(this.dir, `${name}.test.yaml`), toYaml(test));
    const r = spawnSync('promtool', ['test', 'rules', `${name}.test.yaml`], { cwd: this.dir, encoding: 'utf8' });
    return `${r.stdout}${r.stderr}`.trim();
  }

  close(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
