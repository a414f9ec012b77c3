// @integration: runs the built stack command and amtool
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localRouting } from './alerting';
import { prometheusConfig } from './stack';

/** The `pnpm stack` command line without a running stack; test/e2e/stack.test.ts runs the real one. */
const MAIN = path.resolve(__dirname, '../dist/main.js');
let dir: string;
beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('run pnpm build first: packages/stack/dist/main.js is missing');
});
beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'slo-stack-cli-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));
const stack = (...args: string[]) => spawnSync(process.execPath, [MAIN, '--dir', dir, ...args], { encoding: 'utf8' });

describe('pnpm stack', () => {
  it.each([
    [
      'status before up: every part down, exit 1',
      ['status'],
      1,
      /^postgres +down +not started\nday +down +not started\nprometheus +down +not started\nalertmanager +down +not started\nreceiver +down +not started\n$/,
      '',
    ],
    ['load before up: says to start the stack', ['load', '--duration', '1'], 1, /^$/, 'error: the stack is not running: pnpm stack up\n'],
    ['backfill before up: says to start the stack', ['backfill'], 1, /^$/, 'error: the stack is not running: pnpm stack up\n'],
    [
      'backfill of more than 30 days is a usage error',
      ['backfill', '--days', '31'],
      1,
      /^$/,
      "error: option '--days <n>' argument '31' is invalid. must be a number from 1 to 30\n(run with --help for usage)\n",
    ],
    ['down before up: nothing to do', ['down'], 0, /^nothing is running\n$/, ''],
    [
      'a bad option value is a usage error',
      ['load', '--error-rate', '2'],
      1,
      /^$/,
      "error: option '--error-rate <ratio>' argument '2' is invalid. must be a number from 0 to 1\n(run with --help for usage)\n",
    ],
  ])('%s', (_name, args, code, stdout, stderr) => {
    const r = stack(...args);
    expect(r.stdout).toMatch(stdout);
    expect(r.stderr).toBe(stderr);
    expect(r.status).toBe(code);
  });

  it('scrapes the app as job "day" and loads every rule file', () => {
    const text = prometheusConfig({ appPort: 8001, promPort: 9090, scrapeInterval: '5s', ruleFiles: ['/r/a.rules.yaml', '/r/b.rules.yaml'] });
    expect(text).toContain('  - job_name: day\n    static_configs:\n      - targets: ["127.0.0.1:8001"]');
    expect(text).toContain('rule_files:\n  - "/r/a.rules.yaml"\n  - "/r/b.rules.yaml"\n');
    expect(text).toContain('scrape_interval: 5s');
    expect(text).not.toContain('alerting:');
  });

  it("sends alerts to the Alertmanager, whose routing is the generated one delivering to the stack's receiver", () => {
    expect(prometheusConfig({ appPort: 8001, promPort: 9090, scrapeInterval: '5s', ruleFiles: [], alertmanagerPort: 9093 })).toContain(
      'alerting:\n  alertmanagers:\n    - static_configs:\n        - targets: ["127.0.0.1:9093"]\n',
    );
    const cli = path.resolve(__dirname, '../../cli/dist/main.js');
    const c = spawnSync(process.execPath, [cli, 'compile', 'slo-specs', '--rules-out', path.join(dir, 'r'), '--dashboards-out', path.join(dir, 'd'), '--alertmanager-out', path.join(dir, 'am')], {
      cwd: path.resolve(__dirname, '../../..'),
      encoding: 'utf8',
    });
    expect(c.status).toBe(0);
    const local = localRouting(readFileSync(path.join(dir, 'am/alertmanager.yml'), 'utf8'), 'http://127.0.0.1:9097');
    writeFileSync(path.join(dir, 'local.yml'), local);
    expect(spawnSync('amtool', ['check-config', path.join(dir, 'local.yml')], { encoding: 'utf8' }).stdout).toContain('SUCCESS');
    expect(local).toContain('url: http://127.0.0.1:9097/slo-day-oncall');
    expect(local).not.toMatch(/pagerduty_configs|_file:/);
    // the route tree and inhibition are the generated ones: the page still goes to the on-call receiver
    const routes = spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${path.join(dir, 'local.yml')}`, 'slo_name=day-api-availability', 'slo_notification_targets=day-oncall'], {
      encoding: 'utf8',
    });
    expect(routes.stdout.trim()).toBe('slo-day-oncall');
    expect(local).toMatch(/inhibit_rules:\n {2}- source_matchers:\n {6}- slo_severity="page"/);
  });
});
