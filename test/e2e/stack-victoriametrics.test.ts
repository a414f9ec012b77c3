// @integration: runs Prometheus and the other real components it names
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { detectionMinutes, LABEL } from '@slo-engine/rules';
import { alive, backfillStack, runLoad, setFaults, Stack, type StackState } from '@slo-engine/stack';
import { parse } from 'yaml';
import { planCompile } from '@slo-engine/pipeline';
import { ROOT } from '../golden/cases';
import { compileSloSpecs, sleep, timeline, within } from '../support/polling';
import { freePort } from '../support/prometheus';

/**
 * `pnpm stack up --engine victoriametrics`: VictoriaMetrics scrapes the demo app and vmalert evaluates the rules
 * `slo compile` makes of slo-specs/, sending alerts to the stack's Alertmanager with the generated routing. Every
 * rule group loads healthy; under injected errors the page reaches the on-call webhook receiver with the SLO's
 * labels, later than on Prometheus by at most the documented lag (each chained rule reads what the rule before it
 * wrote one evaluation earlier); `slo report` reads VictoriaMetrics as it reads Prometheus; `stack backfill` says
 * what to use instead; `down` stops everything. About 10 minutes.
 */

const SLO = 'day-api-availability';
const SERVICE = 'day';
const ERROR_RATE = 0.5;
const MAIN = path.join(ROOT, 'packages/cli/dist/main.js');

let dir: string;
let stack: Stack;
let state: StackState;
const loadStop = new AbortController();
let load: Promise<unknown> | undefined;
const { note, lines: log } = timeline();

afterAll(async () => {
  loadStop.abort();
  await load?.catch(() => undefined);
  await stack?.down();
  if (state) for (const pid of [state.app.pid, state.victoriametrics?.pid, state.vmalert?.pid]) expect(alive(pid)).toBe(false);
  if (dir) rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`stack (VictoriaMetrics) e2e timeline:\n  ${log.join('\n  ')}\n`);
}, 120_000);

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${state.victoriametrics!.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  return body.data.result;
}

it(
  'VictoriaMetrics and vmalert run the compiled rules: healthy groups, a page delivered, slo report reads it',
  async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'slo-stack-vm-'));
    const ruleFiles = compileSloSpecs(ROOT, dir);
    stack = new Stack({
      root: ROOT,
      dir,
      engine: 'victoriametrics',
      pgPort: await freePort(),
      appPort: await freePort(),
      vmPort: await freePort(),
      vmalertPort: await freePort(),
      alertmanagerPort: await freePort(),
      receiverPort: await freePort(),
      scrapeInterval: '2s',
      ruleFiles,
    });
    state = await stack.up(note);
    note('stack up');
    expect(state.prometheus).toBeUndefined();
    expect((await stack.status()).map((s) => [s.name, s.healthy])).toEqual([
      ['postgres', true],
      ['day', true],
      ['victoriametrics', true],
      ['vmalert', true],
      ['alertmanager', true],
      ['receiver', true],
    ]);

    // the other engine is refused while this one runs, and so is a backfill of TSDB blocks
    await expect(new Stack({ root: ROOT, dir, engine: 'prometheus' }).up()).rejects.toThrow(/runs with victoriametrics: pnpm stack down first/);
    await expect(backfillStack(stack, { root: ROOT })).rejects.toThrow(/slo backfill --vmalert --prometheus http:\/\/127\.0\.0\.1:\d+/);

    // every group of every rule file is loaded
    const expected = ruleFiles.flatMap((f) => (parse(readFileSync(f, 'utf8')) as { groups: { name: string }[] }).groups.map((g) => g.name)).sort();
    const groups = (await (await fetch(`${state.vmalert!.url}/api/v1/rules`)).json()) as { data: { groups: { name: string }[] } };
    expect(groups.data.groups.map((g) => g.name).sort()).toEqual(expected);
    await within(2, 'VictoriaMetrics scraping the app', async () => ((await query('up{job="day"} == 1')).length ? true : undefined));
    note('VictoriaMetrics scrapes the app');

    const plan = await planCompile(['slo-specs'], { strict: false, disableTier: [] }, { cwd: ROOT, stdin: Readable.from([]) });
    const objective = plan.compiled.find((c) => c.slo.name === SLO)!.objectives[0]!;
    const tier = objective.tiers.find((t) => t.severity === 'page')!;
    const detect = detectionMinutes(tier, ERROR_RATE / Number(objective.budget));
    // Prometheus's bound (stack.test.ts), plus vmalert's lag: the 5m ratio reads the building blocks and the alert
    // reads the ratio one evaluation after they were written, and the newest 30s of scrapes are hidden
    const fireBound = detect + 2 + tier.forMinutes + 1 + 3;

    load = runLoad(state, { durationSeconds: 3600, rate: 25, connections: 4, signal: loadStop.signal });
    await sleep(90_000);
    const pageFiring = `ALERTS{${LABEL.name}="${SLO}",${LABEL.severity}="page",alertstate="firing"}`;
    expect(await query(pageFiring)).toEqual([]);
    note('steady traffic, nothing firing');
    await setFaults(state.app, { errorRate: ERROR_RATE });
    note('errors injected');
    const paged = await within(fireBound + 3, 'page delivered to the webhook receiver', async () =>
      stack
        .notifications()
        .find((n) => n.receiver === 'slo-day-oncall' && n.notification.status === 'firing' && n.notification.alerts.some((a) => a.labels[LABEL.name] === SLO && a.labels[LABEL.severity] === 'page')),
    );
    note(`page delivered to ${paged.value.receiver} after ${paged.minutes.toFixed(2)} min (bound ${fireBound.toFixed(2)} min)`);
    expect(paged.minutes).toBeLessThanOrEqual(fireBound + 0.5);
    const alert = paged.value.notification.alerts.find((a) => a.labels[LABEL.name] === SLO)!;
    expect(alert.labels).toMatchObject({ [LABEL.service]: SERVICE, [LABEL.tier]: tier.id, severity: 'critical', [LABEL.targets]: 'day-oncall' });
    expect(alert.annotations.summary).toMatch(/error budget burning 14\.4x too fast \(page\)/);
    // vmalert writes the alert's state back, as ALERTS, like Prometheus (searchable after the newest 30s)
    const written = await within(2, 'ALERTS written back to VictoriaMetrics', async () => ((await query(pageFiring)).length ? true : undefined));
    note(`ALERTS in VictoriaMetrics ${(written.minutes * 60).toFixed(0)}s after the delivery`);

    // slo report reads VictoriaMetrics as it reads Prometheus
    const reported = await within(2, 'slo report showing the page', async () => {
      const r = spawnSync(process.execPath, [MAIN, 'report', '--prometheus', state.victoriametrics!.url, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
      expect(r.stderr).toBe('');
      const slo = (JSON.parse(r.stdout) as { slos: { slo: string; firing: string[]; budgetRemaining: number | null }[] }).slos.find((s) => s.slo === SLO)!;
      return slo.firing.includes(tier.id) ? slo : undefined;
    });
    note(`slo report on VictoriaMetrics: firing ${reported.value.firing.join(', ')}, budget remaining ${reported.value.budgetRemaining}`);
  },
  30 * 60_000,
);
