import { Command, CommanderError, Option } from 'commander';
import { LAYOUTS, runCompile, type Layout } from './compile';
import { DEFAULT_PROMETHEUS_URL, runReport } from './report';
import { runValidate, type Io } from './validate';
import { VERSION } from './version';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

/** Builds the command tree; actions store their exit code instead of exiting, so tests can run it in-process. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('slo')
    .description('Compile OpenSLO specs into Prometheus rules and Grafana dashboards')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  program
    .command('validate')
    .description('check OpenSLO documents and report every mistake with file:line:column')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input', ['slo-specs'])
    .option('--strict', 'reject what the reference validator rejects, including documents other tools accept', false)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 valid, 1 invalid input, 2 usage error.\nWarnings go to standard error; with --format json everything is one JSON object on standard output.')
    .action(async (paths: string[], opts: { strict: boolean; format: 'text' | 'json' }) => {
      setExit(await runValidate(paths, opts, io));
    });

  program
    .command('compile')
    .description('compile OpenSLO documents into Prometheus rules, promtool tests and PrometheusRule manifests')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input', ['slo-specs'])
    .option('--rules-out <dir>', 'where rule files go (one folder per service)', 'rules-out')
    .option('--dashboards-out <dir>', 'where Grafana dashboards go', 'dashboards-out')
    .option('--check', 'write nothing; exit 1 and list the generated files that are out of date (for CI)', false)
    .option('--strict', 'reject what the reference validator rejects, including documents other tools accept', false)
    .option('--disable-tier <tier>', 'leave out an alert tier: page-fast, page-slow, ticket-fast, ticket-slow, a severity (page, ticket) or an AlertCondition name; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--for <duration>', 'for: of every alert without its own alertAfter, e.g. 2m')
    .option('--missing-data-for <duration>', 'for: of the no-data alerts of SLOs whose alert policy has alertWhenNoData (default 10m; the slo-engine.dev/no-data-for annotation wins)')
    .option('--severity-label <severity=value>', 'value of the alerts\' severity label for a tier severity (default page=critical, ticket=warning); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--scrape-interval <duration>', 'how often the SLIs\' targets are scraped (default 1m; an SLO\'s slo-engine.dev/scrape-interval annotation wins): time slices are read over at least two scrapes')
    .option('--dashboard-overrides <file>', 'jsonnet evaluated per dashboard: function(dashboard, slo) returning the dashboard to write')
    .option('--chart-files <dir>', "also copy the rule files and dashboards into a Helm chart's files folder (rules/, dashboards/), e.g. helm/slo-bundle/files")
    .option('--mixin <dir>', 'also write a monitoring mixin (mixin.libsonnet: prometheusRules, prometheusAlerts, grafanaDashboards) to this directory')
    .addOption(
      new Option('--layout <layout>', 'per-slo: every SLO\'s rule file stands alone; shared: window ratios, burn rates and budgets are one rule for all SLOs in <rules-out>/shared.rules.yaml (about half the evaluation cost; load that file wherever SLO rules are)')
        .choices([...LAYOUTS])
        .default('per-slo'),
    )
    .addHelpText(
      'after',
      '\nPer SLO it writes <rules-out>/<service>/<slo>.rules.yaml (Prometheus rule file), <slo>.test.yaml (promtool tests:\n' +
        'promtool test rules <slo>.test.yaml) and <slo>.prometheusrule.yaml (Prometheus Operator PrometheusRule), and\n' +
        '<dashboards-out>/<service>/<slo>.json (Grafana dashboard) plus <dashboards-out>/overview.json.\n' +
        'With --layout shared also <rules-out>/shared.rules.yaml and shared.prometheusrule.yaml, which every SLO\'s rules need.\n' +
        'Nothing is written when any input is invalid. Exit codes: 0 ok, 1 invalid input or stale files (--check), 2 usage error.',
    )
    .action(async (paths: string[], opts: { rulesOut: string; dashboardsOut: string; check: boolean; strict: boolean; disableTier: string[]; for?: string; dashboardOverrides?: string; mixin?: string; chartFiles?: string; layout: Layout }) => {
      setExit(await runCompile(paths, { ...opts, format: 'text' }, io));
    });

  program
    .command('report')
    .description('query Prometheus and print, per SLO objective, the SLI over the period, error budget left, burn rates and firing alerts')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input: the SLOs to report on', ['slo-specs'])
    .option('--prometheus <url>', `Prometheus base URL (default: $PROMETHEUS_URL, else ${DEFAULT_PROMETHEUS_URL})`)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    // for tests and post-mortems: evaluate every query at this time (RFC 3339 or unix seconds) instead of now
    .addOption(new Option('--time <time>').hideHelp())
    .addHelpText(
      'after',
      '\nOne row per SLO objective, read from the series the rules of slo compile record:\n' +
        '  OBJECTIVE, PERIOD   the objective and its rolling period, from the specs\n' +
        '  SLI                 1 - error ratio over the period\n' +
        '  BUDGET LEFT         share of the period\'s error budget not yet spent (negative: overspent)\n' +
        '  BURN RATE           per alert tier, error ratio / error budget over its long/short window; * when both meet\n' +
        '                      the tier\'s factor (its alert fires)\n' +
        '  FIRING              alert tiers firing now\n' +
        '  STATUS              ok, no traffic (no events in the last 5 minutes) or no data (no recorded series: rules not\n' +
        '                      loaded in this Prometheus, or not evaluated yet)\n' +
        '--format json prints one object: { prometheus, time, slos: [{ service, slo, objective, period, sli, budgetRemaining,\n' +
        'noTraffic, firing, tiers: [{ id, severity, factor, long, short, burning }], status }] }, null where a series is absent.\n' +
        'Exit codes: 0 report printed, 1 invalid input or Prometheus unreachable or failing (one line on standard error),\n' +
        '2 usage error.',
    )
    .action(async (paths: string[], opts: { prometheus?: string; format: 'text' | 'json'; time?: string }) => {
      setExit(await runReport(paths, opts, io));
    });

  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return EXIT.usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    io.stderr.write(`slo: internal error: ${(e as Error)?.message ?? String(e)}\nplease report this with the input that caused it\n`);
    return EXIT.invalid;
  }
}
