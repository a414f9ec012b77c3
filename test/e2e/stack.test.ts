import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { detectionMinutes, LABEL } from '@slo-engine/rules';
import { alive, runLoad, setFaults, Stack, type StackState } from '@slo-engine/stack';
import { planCompile } from '../../packages/cli/src/compile';
import { ROOT } from '../golden/cases';
import { freePort } from '../support/prometheus';

/**
 * The whole loop on one machine: PostgreSQL, the demo app and Prometheus (loaded with the committed
 * rules-out/) started by the local stack, steady traffic, then injected errors. The availability SLO's
 * page alert must fire within its computed detection time and resolve after the fault stops; `slo
 * report` must show the budget going down; every panel query of the committed dashboards-out/ must
 * return data. It takes about 12 minutes: the alert windows are real (5m short window, 1m evaluation,
 * for: 2m).
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
const log: string[] = [];
const began = Date.now();
const note = (s: string) => log.push(`${((Date.now() - began) / 1000).toFixed(0)}s ${s}`);

afterAll(async () => {
  loadStop.abort();
  await load?.catch(() => undefined);
  await stack?.down();
  if (state) {
    expect(alive(state.app.pid)).toBe(false);
    expect(alive(state.prometheus.pid)).toBe(false);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`stack e2e timeline:\n  ${log.join('\n  ')}\n`);
}, 120_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function query(expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${state.prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  return body.data.result;
}

const pageFiring = `ALERTS{${LABEL.name}="${SLO}",${LABEL.service}="${SERVICE}",${LABEL.severity}="page",alertstate="firing"}`;

interface ReportSlo {
  slo: string;
  budgetRemaining: number | null;
  firing: string[];
}
function report(): ReportSlo[] {
  const r = spawnSync(process.execPath, [MAIN, 'report', '--prometheus', state.prometheus.url, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`slo report failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { slos: ReportSlo[] }).slos;
}

/** Polls until `check` returns a value, or fails after `minutes`. */
async function within<T>(minutes: number, what: string, check: () => Promise<T | undefined>): Promise<{ value: T; minutes: number }> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return { value: v, minutes: (Date.now() - start) / 60_000 };
    if (Date.now() - start > minutes * 60_000) throw new Error(`${what}: not within ${minutes} minutes`);
    await sleep(5000);
  }
}

it('page alert fires within its detection time and resolves; report and dashboards follow', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'slo-stack-'));
  stack = new Stack({ root: ROOT, dir, pgPort: await freePort(), appPort: await freePort(), promPort: await freePort(), scrapeInterval: '2s' });
  state = await stack.up(note);
  note('stack up');
  expect((await stack.status()).map((s) => [s.name, s.healthy])).toEqual([
    ['postgres', true],
    ['day', true],
    ['prometheus', true],
  ]);

  // the tier the test is about, as the compiler sees it
  const plan = await planCompile(['slo-specs'], { strict: false, disableTier: [] }, { cwd: ROOT, stdin: Readable.from([]) });
  const objective = plan.compiled.find((c) => c.slo.name === SLO)!.objectives[0]!;
  const tier = objective.tiers.find((t) => t.severity === 'page')!;
  const burn = ERROR_RATE / Number(objective.budget);
  const detect = detectionMinutes(tier, burn);
  // + up to two evaluations (building blocks, then the alert group), for:, and a scrape plus the rate's first step
  const fireBound = detect + 2 + tier.forMinutes + 1;
  note(`tier ${tier.id}: factor ${tier.factor}, ${ERROR_RATE * 100}% errors = ${burn}x burn, detection ${detect.toFixed(2)} min, bound ${fireBound.toFixed(2)} min`);

  load = runLoad(state, { durationSeconds: 3600, rate: 25, connections: 4, signal: loadStop.signal });
  const before = await within(3, 'first report', async () => report().find((s) => s.slo === SLO));
  note(`report before: budget remaining ${before.value.budgetRemaining}`);
  await sleep(90_000);
  expect(await query(pageFiring)).toEqual([]);
  note('steady traffic, nothing firing');

  await setFaults(state.app, { errorRate: ERROR_RATE });
  note('errors injected');
  const fired = await within(fireBound + 2, 'page alert firing', async () => ((await query(pageFiring)).length ? true : undefined));
  note(`page alert firing after ${fired.minutes.toFixed(2)} min`);
  expect(fired.minutes).toBeLessThanOrEqual(fireBound);
  const during = report().find((s) => s.slo === SLO)!;
  expect(during.firing).toContain(tier.id);

  await setFaults(state.app, { errorRate: 0 });
  note('errors stopped');
  // the short window empties after its length (plus the 5m rate of the building blocks), then one evaluation
  const resolveBound = Math.max(tier.shortMinutes, 5) + 5 + 2;
  const resolved = await within(resolveBound + 2, 'page alert resolved', async () => ((await query(pageFiring)).length ? undefined : true));
  note(`page alert resolved after ${resolved.minutes.toFixed(2)} min`);
  expect(resolved.minutes).toBeLessThanOrEqual(resolveBound);

  // the period reads 10-minute roll-ups, so the budget moves once a roll-up covers the errors
  const after = await within(12, 'budget going down in slo report', async () => {
    const s = report().find((x) => x.slo === SLO);
    return s?.budgetRemaining !== null && s!.budgetRemaining! < (before.value.budgetRemaining ?? 1) ? s : undefined;
  });
  note(`report after: budget remaining ${after.value.budgetRemaining}`);
  expect(after.value.budgetRemaining).toBeLessThan(0.5);

  // every panel query of the committed dashboards returns data
  const empty: string[] = [];
  let queries = 0;
  const walk = (d: string): string[] => readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : e.name.endsWith('.json') ? [path.join(d, e.name)] : []));
  for (const file of walk(path.join(ROOT, 'dashboards-out'))) {
    const board = JSON.parse(readFileSync(file, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    for (const p of board.panels)
      for (const t of p.targets ?? []) {
        queries++;
        if ((await query(t.expr)).length === 0) empty.push(`${path.relative(ROOT, file)} "${p.title}": ${t.expr}`);
      }
  }
  note(`${queries} dashboard queries, ${empty.length} empty`);
  expect(empty).toEqual([]);
  expect(queries).toBeGreaterThan(40);
}, 30 * 60_000);
