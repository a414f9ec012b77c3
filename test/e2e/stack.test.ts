// @integration: runs Prometheus and the other real components it names
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { BLOCK, detectionMinutes, LABEL, RECORD } from '@slo-engine/rules';
import { alive, backfillStack, runLoad, setFaults, Stack, type StackBackfillResult, type StackState } from '@slo-engine/stack';
import { planCompile } from '@slo-engine/pipeline';
import { ROOT } from '../golden/cases';
import { compileSloSpecs, sleep, timeline, walk, within } from '../support/polling';
import { freePort } from '../support/prometheus';

/**
 * The whole loop on one machine: PostgreSQL, the demo app and Prometheus (loaded with the rules `slo compile`
 * makes of slo-specs/, which the golden test holds rules-out/ to) started by the local stack, steady traffic,
 * then injected errors. The availability SLO's page alert must fire within its computed detection time and
 * resolve after the fault stops; `slo report` must show the budget going down; every panel query of the
 * dashboards must return data. Then `stack backfill`: 30 days of history before the live data, after which
 * every SLO's period is fully covered, the recorded period ratios match the generator's exact ratio of sums,
 * and a second run adds nothing. Alertmanager, with the routing slo compile --alertmanager-out generates,
 * delivers the page to the stack's webhook receiver with the SLO's labels and annotations, and suppresses the
 * ticket that fires while the page does. It takes up to about 35 minutes: the alert windows are real (5m short
 * window, 1m evaluation, for: 2m; the ticket's 1d window reads 10-minute roll-ups, and its for: is 5m).
 */

const SLO = 'day-api-availability';
const SERVICE = 'day';
const ERROR_RATE = 0.5;
const MAIN = path.join(ROOT, 'packages/cli/dist/main.js');
const STACK_MAIN = path.join(ROOT, 'packages/stack/dist/main.js');

let dir: string;
let stack: Stack;
let state: StackState;
const loadStop = new AbortController();
let load: Promise<unknown> | undefined;
const began = Date.now();
const { note, lines: log } = timeline();

afterAll(async () => {
  loadStop.abort();
  await load?.catch(() => undefined);
  await stack?.down();
  if (state) {
    expect(alive(state.app.pid)).toBe(false);
    expect(alive(state.prometheus!.pid)).toBe(false);
  }
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`stack e2e timeline:\n  ${log.join('\n  ')}\n`);
}, 120_000);

async function query(expr: string, time?: number): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const r = await fetch(`${state.prometheus!.url}/api/v1/query?query=${encodeURIComponent(expr)}${time === undefined ? '' : `&time=${time}`}`);
  const body = (await r.json()) as { status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
  if (body.status !== 'success') throw new Error(`query failed: ${expr}: ${body.error}`);
  return body.data.result;
}

const pageFiring = `ALERTS{${LABEL.name}="${SLO}",${LABEL.service}="${SERVICE}",${LABEL.severity}="page",alertstate="firing"}`;

interface ReportSlo {
  slo: string;
  budgetRemaining: number | null;
  firing: string[];
  /** Added with slo:period_coverage:ratio; absent from reports of older CLIs. */
  coverage?: number | null;
}
function report(): ReportSlo[] {
  const r = spawnSync(process.execPath, [MAIN, 'report', '--prometheus', state.prometheus!.url, '--format', 'json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`slo report failed (${r.status}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { slos: ReportSlo[] }).slos;
}

it(
  'page alert fires within its detection time and resolves; report and dashboards follow',
  async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'slo-stack-'));
    // what slo compile makes of slo-specs now: the same bytes as rules-out/ once it is regenerated (the golden test)
    const ruleFiles = compileSloSpecs(ROOT, dir);
    stack = new Stack({
      root: ROOT,
      dir,
      pgPort: await freePort(),
      appPort: await freePort(),
      promPort: await freePort(),
      alertmanagerPort: await freePort(),
      receiverPort: await freePort(),
      scrapeInterval: '2s',
      ruleFiles,
    });
    state = await stack.up(note);
    note('stack up');
    expect((await stack.status()).map((s) => [s.name, s.healthy])).toEqual([
      ['postgres', true],
      ['day', true],
      ['prometheus', true],
      ['alertmanager', true],
      ['receiver', true],
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

    // Alertmanager routes the page with the generated routing to the receiver its notification target names
    const paged = await within(3, 'page delivered to the webhook receiver', async () =>
      stack
        .notifications()
        .find((n) => n.receiver === 'slo-day-oncall' && n.notification.status === 'firing' && n.notification.alerts.some((a) => a.labels[LABEL.name] === SLO && a.labels[LABEL.severity] === 'page')),
    );
    note(`page delivered to ${paged.value.receiver} after ${paged.minutes.toFixed(2)} min more`);
    const pageAlert = paged.value.notification.alerts.find((a) => a.labels[LABEL.name] === SLO)!;
    expect(pageAlert.labels).toMatchObject({ [LABEL.service]: SERVICE, [LABEL.tier]: tier.id, severity: 'critical', [LABEL.targets]: 'day-oncall' });
    expect(pageAlert.annotations.summary).toMatch(/error budget burning 14\.4x too fast \(page\)/);
    expect(pageAlert.annotations.runbook_url).toBeDefined();

    // the errors go on until the ticket tier (3x over 1d and 2h, for: 5m) fires too: its 1d window reads the
    // 10-minute roll-ups, so up to 10 minutes pass before it sees them; while the page fires, it is inhibited
    const ticketFiring = `ALERTS{${LABEL.name}="${SLO}",${LABEL.severity}="ticket",alertstate="firing"}`;
    const ticket = await within(20, 'ticket alert firing', async () => ((await query(ticketFiring)).length ? true : undefined));
    note(`ticket alert firing after ${ticket.minutes.toFixed(2)} min more`);
    const suppressed = await within(2, 'ticket suppressed by the page in Alertmanager', async () => {
      const alerts = (await (await fetch(`${state.alertmanager!.url}/api/v2/alerts?filter=${encodeURIComponent(`${LABEL.name}="${SLO}"`)}`)).json()) as {
        labels: Record<string, string>;
        status: { state: string; inhibitedBy: string[] };
      }[];
      const t = alerts.find((a) => a.labels[LABEL.severity] === 'ticket');
      const p = alerts.find((a) => a.labels[LABEL.severity] === 'page');
      return t && p?.status.state === 'active' && t.status.state === 'suppressed' ? t : undefined;
    });
    expect(suppressed.value.status.inhibitedBy.length).toBe(1);
    note('ticket suppressed in Alertmanager while the page fires');
    expect(stack.notifications().filter((n) => n.receiver === 'slo-day-tickets' && n.notification.status === 'firing')).toEqual([]);

    await setFaults(state.app, { errorRate: 0 });
    note('errors stopped');
    // the short window empties after its length (plus the 5m rate of the building blocks), then one evaluation
    const resolveBound = Math.max(tier.shortMinutes, 5) + 5 + 2;
    const resolved = await within(resolveBound + 2, 'page alert resolved', async () => ((await query(pageFiring)).length ? undefined : true));
    note(`page alert resolved after ${resolved.minutes.toFixed(2)} min`);
    expect(resolved.minutes).toBeLessThanOrEqual(resolveBound);
    // once the page has resolved the ticket is no longer inhibited: it reaches the ticket queue's receiver, and
    // the on-call receiver hears that the page resolved
    // (a group's next notification waits for its group_interval, 5m by default)
    const ticketed = await within(7, 'ticket delivered once the page resolved', async () =>
      stack.notifications().find((n) => n.receiver === 'slo-day-tickets' && n.notification.status === 'firing' && n.notification.alerts.some((a) => a.labels[LABEL.severity] === 'ticket')),
    );
    note(`ticket delivered to ${ticketed.value.receiver} after ${ticketed.minutes.toFixed(2)} min more`);
    await within(7, 'page resolved notified', async () =>
      stack.notifications().some((n) => n.receiver === 'slo-day-oncall' && n.notification.alerts.some((a) => a.labels[LABEL.name] === SLO && a.status === 'resolved')) ? true : undefined,
    );
    note('the on-call receiver heard the page resolve');

    // the period reads 10-minute roll-ups, so the budget moves once a roll-up covers the errors
    const after = await within(12, 'budget going down in slo report', async () => {
      const s = report().find((x) => x.slo === SLO);
      return s?.budgetRemaining !== null && s!.budgetRemaining! < (before.value.budgetRemaining ?? 1) ? s : undefined;
    });
    note(`report after: budget remaining ${after.value.budgetRemaining}`);
    expect(after.value.budgetRemaining).toBeLessThan(0.5);

    // dashboards gate the period panels on coverage, which needs each SLO's first 10-minute roll-up (its group's
    // evaluation slot is anywhere in the 10 minutes) and the next evaluation of the period group
    const covered = await within(13, 'coverage recorded for every SLO', async () => ((await bySlo(RECORD.periodCoverage)).size === 3 ? true : undefined));
    note(`coverage of every SLO recorded after ${covered.minutes.toFixed(2)} min more`);

    // every panel query of the dashboards returns data
    const empty: string[] = [];
    let queries = 0;
    for (const file of walk(path.join(dir, 'compiled/dashboards'), '.json')) {
      const board = JSON.parse(readFileSync(file, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
      for (const p of board.panels)
        for (const t of p.targets ?? []) {
          queries++;
          if ((await query(t.expr)).length === 0) empty.push(`${path.relative(path.join(dir, 'compiled'), file)} "${p.title}": ${t.expr}`);
        }
    }
    note(`${queries} dashboard queries, ${empty.length} empty`);
    expect(empty).toEqual([]);
    expect(queries).toBeGreaterThan(40);
  },
  50 * 60_000,
);

/** Samples of an instant query, by SLO name. */
async function bySlo(expr: string, time?: number): Promise<Map<string, number>> {
  return new Map((await query(expr, time)).map((r) => [r.metric[LABEL.name]!, Number(r.value[1])]));
}

/** Pairs of samples of one series less than a minute apart over the last 2 hours, as ISO times. */
async function closeSamples(selector: string): Promise<string[]> {
  const r = await fetch(`${state.prometheus!.url}/api/v1/query?query=${encodeURIComponent(`${selector}[2h]`)}`);
  const body = (await r.json()) as { data: { result: { values: [number, string][] }[] } };
  const out: string[] = [];
  for (const s of body.data.result)
    for (let i = 1; i < s.values.length; i++)
      if (s.values[i]![0] - s.values[i - 1]![0] < 60) out.push(`${new Date(s.values[i - 1]![0] * 1000).toISOString()} & ${new Date(s.values[i]![0] * 1000).toISOString()}`);
  return out;
}

const relErr = (value: number, exact: number) => Math.abs(value - exact) / exact;

it(
  'stack backfill: 30 days of history before the live data; full coverage right after; exact period ratios; a second run adds nothing',
  async () => {
    if (!state) throw new Error('the stack did not start');
    const started = Math.floor(began / 1000);
    const pidBefore = state.prometheus!.pid;
    const r: StackBackfillResult = await backfillStack(stack, { root: ROOT, log: note });
    state = stack.state()!;
    if (!r.raw.done || !r.rules.done) throw new Error(`nothing backfilled: ${JSON.stringify({ raw: r.raw, rules: r.rules })}`);
    expect(r.staleRuleFiles).toEqual([]);
    // 30 days (and the half hour the first rates and roll-ups need) up to the minute before the first live sample
    const now = Math.floor(Date.now() / 1000);
    expect(r.raw.from).toBeLessThanOrEqual(now - 30 * 86_400 - 20 * 60);
    expect(r.raw.to).toBeGreaterThan(started - 120);
    expect(r.raw.series).toBe(105);
    expect(r.raw.incidents.length).toBe(4);
    // the last synthetic minute holds one sample per series (no live one), and live samples follow within minutes
    // (59s: Prometheus 2 ranges include both ends, and the synthetic samples are a whole minute apart)
    const raw = (window: string, at: number) => query(`sum(count_over_time(http_request_duration_seconds_count{job="day"}[${window}] @ ${at}))`).then((x) => Number(x[0]?.value[1] ?? 0));
    expect(await raw('59s', r.raw.to)).toBe(7);
    expect(await raw('3m', r.raw.to + 180)).toBeGreaterThan(0);

    // Prometheus was restarted twice on the same port; status follows the new process
    expect(state.prometheus!.pid).not.toBe(pidBefore);
    expect(alive(pidBefore)).toBe(false);
    const status = await stack.status();
    expect(status.map((s) => [s.name, s.healthy])).toEqual([
      ['postgres', true],
      ['day', true],
      ['prometheus', true],
      ['alertmanager', true],
      ['receiver', true],
    ]);
    expect(status[2]!.detail).toContain(`history since ${new Date(r.raw.from * 1000).toISOString().slice(0, 10)}`);

    // right after: slo report and the coverage series say every period is measured in full
    const rows = report();
    expect(rows.map((x) => x.slo).sort()).toEqual(['checkout-requests-availability', 'day-api-availability', 'day-lookup-latency']);
    if (rows.every((x) => x.coverage === undefined)) note('slo report has no coverage field yet: checked slo:period_coverage:ratio only');
    for (const row of rows) if (row.coverage !== undefined) expect(row.coverage).toBeGreaterThan(0.99);
    const coverage = await bySlo(RECORD.periodCoverage);
    note(`coverage after backfill: ${[...coverage].map(([k, v]) => `${k} ${v}`).join(', ')}; report: ${rows.map((x) => `${x.slo} ${x.coverage} (budget ${x.budgetRemaining})`).join(', ')}`);
    expect([...coverage.keys()].sort()).toEqual(['checkout-requests-availability', 'day-api-availability', 'day-lookup-latency']);
    for (const v of coverage.values()) expect(v).toBeGreaterThan(0.99);

    // the period ratios the backfill recorded, at a time whose period holds only synthetic history, against the exact counts
    const t0 = Math.floor((r.raw.to - 3600) / 600) * 600;
    const availability = await bySlo(`${RECORD.errorRatio('30d')}`, t0);
    const latency = await bySlo(`${RECORD.errorRatio('28d')}`, t0);
    const a = r.raw.countsBetween(r.rules.from, t0);
    const l = r.raw.countsBetween(Math.max(r.rules.from, t0 - 28 * 86_400), t0);
    const measured = { availability: availability.get('day-api-availability')!, latency: latency.get('day-lookup-latency')! };
    const exact = { availability: a.apiErrors / a.apiTotal, latency: l.slowLookups / l.lookups };
    note(`period ratios at ${new Date(t0 * 1000).toISOString()}: availability ${measured.availability} (exact ${exact.availability}), latency ${measured.latency} (exact ${exact.latency})`);
    expect(relErr(measured.availability, exact.availability)).toBeLessThan(0.01);
    expect(relErr(measured.latency, exact.latency)).toBeLessThan(0.01);

    // at the seam, every minute has one building block: the backfill stopped where the live rules began
    const seam = Number((await query(`max_over_time(count_over_time(${BLOCK.total}{${LABEL.name}="day-api-availability"}[59s])[2h:30s])`))[0]!.value[1]);
    if (seam > 1)
      note(
        `building blocks less than a minute apart (rules history up to ${new Date(r.rules.to * 1000).toISOString()}): ${(await closeSamples(`${BLOCK.total}{${LABEL.name}="day-api-availability"}`)).join(', ')}`,
      );
    expect(seam).toBeLessThanOrEqual(1);
    const counted = `count_over_time(${BLOCK.total}{${LABEL.name}="day-api-availability"}[30d])`;
    const before = { blocks: Number((await query(counted, t0))[0]!.value[1]), ratio: measured.availability };
    note(`building blocks in the period at ${new Date(t0 * 1000).toISOString()}: ${before.blocks}; at most ${seam} a minute over the last 2 hours`);

    // a second run, as a user runs it: nothing to add, nothing counted twice
    const again = spawnSync(process.execPath, [STACK_MAIN, '--dir', dir, 'backfill'], { cwd: ROOT, encoding: 'utf8' });
    note(`second run: ${again.stdout.trim().split('\n').join(' | ')}`);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('raw history: nothing to add');
    expect(again.stdout).toContain('rules history: nothing to add');
    expect(again.stdout).toContain('nothing to do: the stack already has its history');
    expect(Number((await query(counted, t0))[0]!.value[1])).toBe(before.blocks);
    expect((await bySlo(RECORD.errorRatio('30d'), t0)).get('day-api-availability')).toBe(before.ratio);
    for (const v of (await bySlo(RECORD.periodCoverage)).values()) expect(v).toBeGreaterThan(0.99);
  },
  20 * 60_000,
);
