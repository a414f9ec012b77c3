#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import * as path from 'node:path';
import { backfillStack } from './backfill';
import { runLoad } from './load';
import { ENGINES, queryUrl, Stack, type Engine } from './stack';

/** `pnpm stack up|down|status|load|backfill`: the local stack, from the repository root. */

const root = path.resolve(__dirname, '../../..');
const num = (min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || n > max) throw new InvalidArgumentError(`must be a number from ${min} to ${max}`);
  return n;
};
const port = num(1, 65535);
const out = (s: string) => process.stdout.write(`${s}\n`);

const program = new Command('stack')
  .description(
    'a local stack on loopback: PostgreSQL, the demo app "day", Prometheus (or VictoriaMetrics with vmalert) with the compiled rules, and Alertmanager with the generated routing delivering to a local webhook receiver',
  )
  .option('--dir <dir>', 'state directory', path.join(root, '.stack'))
  .showHelpAfterError('(run with --help for usage)');

const stack = () => new Stack({ root, dir: program.opts<{ dir: string }>().dir });

program
  .command('up')
  .description('start PostgreSQL, the demo app, the webhook receiver, Alertmanager and Prometheus or VictoriaMetrics (what is already running is kept)')
  .addOption(
    new Option('--engine <engine>', 'what scrapes the app and evaluates the rules: prometheus, or victoriametrics (VictoriaMetrics scraping, vmalert evaluating the same rule files)')
      .choices(ENGINES)
      .default('prometheus'),
  )
  .option('--vm-port <port>', 'VictoriaMetrics port (--engine victoriametrics)', port, 8428)
  .option('--vmalert-port <port>', 'vmalert port (--engine victoriametrics)', port, 8880)
  .option('--pg-port <port>', 'PostgreSQL port', port, 15432)
  .option('--app-port <port>', 'demo app port', port, 8001)
  .option('--prometheus-port <port>', 'Prometheus port', port, 9090)
  .option('--alertmanager-port <port>', 'Alertmanager port', port, 9093)
  .option('--receiver-port <port>', 'webhook receiver port', port, 9097)
  .option('--scrape-interval <duration>', 'scrape interval', '5s')
  .action(
    async (o: {
      pgPort: number;
      appPort: number;
      prometheusPort: number;
      alertmanagerPort: number;
      receiverPort: number;
      scrapeInterval: string;
      engine: Engine;
      vmPort: number;
      vmalertPort: number;
    }) => {
      const s = new Stack({
        root,
        dir: program.opts<{ dir: string }>().dir,
        pgPort: o.pgPort,
        appPort: o.appPort,
        promPort: o.prometheusPort,
        alertmanagerPort: o.alertmanagerPort,
        receiverPort: o.receiverPort,
        scrapeInterval: o.scrapeInterval,
        engine: o.engine,
        vmPort: o.vmPort,
        vmalertPort: o.vmalertPort,
      });
      const state = await s.up(out);
      const engine = state.prometheus ? `prometheus:   ${state.prometheus.url}/alerts` : `vmalert:      ${state.vmalert?.url}/vmalert/groups\nvictoria:     ${state.victoriametrics?.url}/vmui`;
      out(
        `\nday:          ${state.app.url}/api/day\n${engine}\nalertmanager: ${state.alertmanager?.url}\n` +
          `next:         pnpm stack load --error-rate 0.5   then   pnpm stack notifications   and   pnpm slo report --prometheus ${queryUrl(state)}`,
      );
    },
  );

program
  .command('notifications')
  .description("what Alertmanager delivered to the stack's webhook receiver: one line per alert of each notification")
  .action(() => {
    const got = stack().notifications();
    if (!got.length) out('no notifications yet (a page takes a few minutes of errors: pnpm stack load --error-rate 0.5)');
    for (const n of got)
      for (const a of n.notification.alerts)
        out(`${n.receivedAt} ${n.receiver.padEnd(18)} ${a.status.padEnd(8)} ${a.labels.alertname ?? ''} ${a.labels.slo_name ?? ''} ${a.labels.slo_severity ?? ''} ${a.annotations.summary ?? ''}`);
  });

program
  .command('down')
  .description('stop everything (the app drains gracefully)')
  .option('--purge', 'also delete the data (database, Prometheus TSDB, logs)', false)
  .action(async (o: { purge: boolean }) => {
    await stack().down(o, out);
  });

program
  .command('status')
  .description('what runs, and whether it is healthy; exit 1 when anything is down')
  .action(async () => {
    const rows = await stack().status();
    for (const r of rows) out(`${r.name.padEnd(11)} ${(r.healthy ? 'up' : r.running ? 'unhealthy' : 'down').padEnd(10)} ${r.detail}`);
    process.exitCode = rows.every((r) => r.healthy) ? 0 : 1;
  });

program
  .command('load')
  .description('drive traffic at GET /api/day with chosen error and latency levels (autocannon)')
  .option('--duration <seconds>', 'how long', num(1, 86_400), 60)
  .option('--rate <rps>', 'requests per second over all connections (0: as fast as possible)', num(0, 100_000), 50)
  .option('--connections <n>', 'concurrent connections', num(1, 1000), 10)
  .option('--error-rate <ratio>', 'share of requests the app answers with 500 while the load runs', num(0, 1), 0)
  .option('--latency <ms>', 'latency the app adds to each request while the load runs', num(0, 60_000), 0)
  .option('--keep-faults', 'leave the faults in place afterwards', false)
  .action(async (o: { duration: number; rate: number; connections: number; errorRate: number; latency: number; keepFaults: boolean }) => {
    const state = stack().state();
    if (!state) throw new Error('the stack is not running: pnpm stack up');
    out(`load: ${o.duration}s at ${o.rate || 'max'} rps, ${o.connections} connections, error rate ${o.errorRate}, added latency ${o.latency}ms`);
    const r = await runLoad(state, {
      durationSeconds: o.duration,
      rate: o.rate,
      connections: o.connections,
      faults: { errorRate: o.errorRate, latencyMs: o.latency },
      keepFaults: o.keepFaults,
      progress: process.stderr,
    });
    const codes = Object.entries(r.statusCodes)
      .map(([c, n]) => `${c}: ${n}`)
      .join(', ');
    out(`load: ${r.requests} requests (${codes || 'none'}), ${r.errors} connection errors, ${r.rps.toFixed(1)} rps, p50 ${r.latencyP50} ms, p99 ${r.latencyP99} ms`);
  });

program
  .command('backfill')
  .description("30 days of synthetic history of the demo app's request metrics, then slo backfill of the SLOs over it, both loaded into the stack's Prometheus")
  .argument('[paths...]', "the OpenSLO files or directories the stack's rules were compiled from", ['slo-specs'])
  .option('--days <n>', 'days of history before now', num(1, 30), 30)
  .option('--seed <n>', 'seed of the synthetic traffic', num(0, 2 ** 32 - 1), 20250101)
  .addHelpText(
    'after',
    "\nThe raw history ends before the first sample of the app the stack's Prometheus holds, and slo backfill where the rules'\n" +
      'own series begin: running it again adds nothing. Prometheus is restarted twice to load the blocks.',
  )
  .action(async (paths: string[], o: { days: number; seed: number }) => {
    const r = await backfillStack(stack(), { root, specs: paths, days: o.days, seed: o.seed, log: out, progress: (l) => process.stderr.write(`${l}\n`) });
    if (!r.raw.done && !r.rules.done) out('nothing to do: the stack already has its history');
  });

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`error: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
