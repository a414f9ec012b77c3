import { Command, CommanderError, Option } from 'commander';
import { VERSION } from '@slo-engine/pipeline';
import { DEFAULT_LAYOUT, LAYOUTS, type Layout } from '@slo-engine/rules';
import { runCompile } from './compile';
import { backtestHtml } from './backtest-html';
import { runBackfill, runBacktest, type BackfillCliOptions, type BacktestCliOptions } from './history';
import { DEFAULT_PROMETHEUS_URL, REPORT_FORMATS, runReport } from './report';
import { runValidate, type Io } from './validate';

export const EXIT = { ok: 0, invalid: 1, usage: 2 } as const;

const repeat = (v: string, acc: string[]) => [...acc, v];
/** --include and --exclude: which files of the folders given are read. */
const SCOPE_HELP =
  'confine the rules, alerts and dashboards to one environment of a Prometheus that several share, e.g. namespace=day-prod: every selector gets the matcher, every series and alert the label, dashboards their own uids; repeatable';
const collect = (v: string, acc: string[]) => [...acc, v];

const withFilters = (c: Command) =>
  c
    .option('--include <glob>', "read only the files of the folders given that match this glob pattern, e.g. '**/slo*.yaml'; repeatable", repeat, [] as string[])
    .option('--exclude <glob>', "do not read the files of the folders given that match this glob pattern, e.g. '**/templates/**'; repeatable", repeat, [] as string[]);

/** Builds the command tree; actions store their exit code instead of exiting, so tests can run it in-process. */
export function buildProgram(io: Io, setExit: (code: number) => void): Command {
  const program = new Command('slo')
    .description('Compile OpenSLO specs into Prometheus rules and Grafana dashboards')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();

  withFilters(program.command('validate'))
    .description('check OpenSLO documents and report every mistake with file:line:column')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input', ['slo-specs'])
    .option('--strict', 'reject what the reference validator rejects, including documents other tools accept', false)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .addHelpText('after', '\nExit codes: 0 valid, 1 invalid input, 2 usage error.\nWarnings go to standard error; with --format json everything is one JSON object on standard output.')
    .action(async (paths: string[], opts: { strict: boolean; format: 'text' | 'json'; include: string[]; exclude: string[] }) => {
      setExit(await runValidate(paths, opts, io));
    });

  withFilters(program.command('compile'))
    .description('compile OpenSLO documents into Prometheus rules, promtool tests and PrometheusRule manifests')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input', ['slo-specs'])
    .option('--rules-out <dir>', 'where rule files go (one folder per service)', 'rules-out')
    .option('--dashboards-out <dir>', 'where Grafana dashboards go', 'dashboards-out')
    .option('--check', 'write nothing; exit 1 and list the generated files that are out of date (for CI)', false)
    .option('--strict', 'reject what the reference validator rejects, including documents other tools accept', false)
    .option(
      '--disable-tier <tier>',
      'leave out an alert tier: page-fast, page-slow, ticket-fast, ticket-slow, a severity (page, ticket) or an AlertCondition name; repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--for <duration>', 'for: of every alert without its own alertAfter, e.g. 2m')
    .option('--missing-data-for <duration>', 'for: of the no-data alerts of SLOs whose alert policy has alertWhenNoData (default 10m; the slo-engine.dev/no-data-for annotation wins)')
    .option(
      '--severity-label <severity=value>',
      "value of the alerts' severity label for a tier severity (default page=critical, ticket=warning); repeatable",
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('--scope <label=value>', SCOPE_HELP, collect, [] as string[])
    .option(
      '--scrape-interval <duration>',
      "how often the SLIs' targets are scraped (default 1m; an SLO's slo-engine.dev/scrape-interval annotation wins): time slices are read over at least two scrapes",
    )
    .option('--dashboard-overrides <file>', 'jsonnet evaluated per dashboard: function(dashboard, slo) returning the dashboard to write')
    .option('--chart-files <dir>', "also copy the rule files and dashboards into a Helm chart's files folder (rules/, dashboards/), e.g. helm/slo-bundle/files")
    .option(
      '--alertmanager-out <dir>',
      "also write the Alertmanager routing of the SLOs' notification targets: alertmanager.yml (a route subtree, receiver stubs with secrets read from files, inhibition of tickets by pages) and alertmanagerconfig.yaml (the same as a Prometheus Operator AlertmanagerConfig)",
    )
    .option(
      '--amp-namespaces <dir>',
      "also write the rule files as Amazon Managed Prometheus rule groups namespaces (one upload-ready file each, split by groups where a file is over AMP's size quota) and upload.sh with the aws amp commands",
    )
    .option('--amp-rules-quota <n>', 'AMP\'s "Rules per workspace" quota when raised (default 2000): --amp-namespaces refuses more rules')
    .option('--mixin <dir>', 'also write a monitoring mixin (mixin.libsonnet: prometheusRules, prometheusAlerts, grafanaDashboards) to this directory')
    .addOption(
      new Option(
        '--layout <layout>',
        "shared: window ratios, burn rates and budgets are one rule for all SLOs of this compile, in <rules-out>/shared-<inputs>.rules.yaml (load it with the SLOs' rule files; it reads only these SLOs); per-slo: every SLO's rule file stands alone, at about twice the evaluation cost",
      )
        .choices([...LAYOUTS])
        .default(DEFAULT_LAYOUT),
    )
    .addHelpText(
      'after',
      '\nPer SLO it writes <rules-out>/<service>/<slo>.rules.yaml (Prometheus rule file), <slo>.test.yaml (promtool tests:\n' +
        'promtool test rules <slo>.test.yaml) and <slo>.prometheusrule.yaml (Prometheus Operator PrometheusRule), and\n' +
        '<dashboards-out>/<service>/<slo>.json (Grafana dashboard) plus <dashboards-out>/overview.json.\n' +
        "With the shared layout (the default) also <rules-out>/shared-<inputs>.rules.yaml and .prometheusrule.yaml (named after the inputs), which every SLO's rules need.\n" +
        'Nothing is written when any input is invalid.\n' +
        '\nEach output folder keeps .slo-engine-manifest, the files each input generated. A compile removes only files its own\n' +
        'inputs generated before and no longer produce. Its inputs are the files it reads, the files named and anything below\n' +
        'the folders named, so a file deleted from a folder, or excluded, takes its outputs with it; a generated file that no\n' +
        "manifest lists is an input's when its header names that input. Files of other inputs, hand-written files and\n" +
        'generated files of unknown origin are left alone (the latter with a note), so several sets of specs can share output\n' +
        'folders, each with its own shared file. Without --dashboards-out the\n' +
        "dashboards still go to dashboards-out, under the same rule: giving only --rules-out never removes another set's\n" +
        'dashboards there. The --chart-files folders are copies and follow the same rule.\n' +
        'Exit codes: 0 ok, 1 invalid input or stale files (--check), 2 usage error (also an unknown --disable-tier, or an\n' +
        'output folder that cannot be written).',
    )
    .action(
      async (
        paths: string[],
        opts: {
          rulesOut: string;
          dashboardsOut: string;
          check: boolean;
          strict: boolean;
          disableTier: string[];
          for?: string;
          dashboardOverrides?: string;
          mixin?: string;
          chartFiles?: string;
          alertmanagerOut?: string;
          ampNamespaces?: string;
          ampRulesQuota?: string;
          layout: Layout;
          include: string[];
          exclude: string[];
        },
      ) => {
        setExit(await runCompile(paths, { ...opts, format: 'text' }, io));
      },
    );

  program
    .command('report')
    .description('query Prometheus and print, per SLO objective, the SLI over the period, error budget left, burn rates and alert status')
    .argument('[paths...]', 'files, directories (read recursively) or - for standard input: the SLOs to report on', ['slo-specs'])
    .option('--prometheus <url>', `Prometheus base URL (default: $PROMETHEUS_URL, else ${DEFAULT_PROMETHEUS_URL})`)
    .addOption(new Option('--format <format>', 'output format (html: one self-contained page with plots over the period)').choices([...REPORT_FORMATS]).default('text'))
    .option('--out <file>', 'write the report to this file (atomically: a temporary file renamed over it) instead of standard output')
    .option('--scope <label=value>', 'as for slo compile: the environment the rules were compiled for (only its series are read); repeatable', collect, [] as string[])
    // for tests and post-mortems: evaluate every query at this time (RFC 3339 or unix seconds) instead of now
    .addOption(new Option('--time <time>').hideHelp())
    .addHelpText(
      'after',
      '\nOne row per SLO objective, read from the series the rules of slo compile record:\n' +
        '  OBJECTIVE, PERIOD   the objective and its rolling period, from the specs\n' +
        "  SLI                 1 - error ratio over the period, live: the period's 10-minute roll-ups up to the newest one\n" +
        '                      plus the 1-minute building blocks recorded since (the recorded period ratio trails them by up\n' +
        '                      to ~12 minutes); "(measured over 2d 4h of 30d)" while the rules have recorded less than the\n' +
        '                      period (slo:period_coverage:ratio below 1), "not measured" before the first roll-up\n' +
        "  BUDGET LEFT         share of the period's error budget not yet spent (negative: overspent), live as SLI;\n" +
        '                      "(partial)" and "not measured" as for SLI\n' +
        '  BURN RATE           per alert tier, error ratio / error budget over its long/short window; * when both meet\n' +
        "                      the tier's factor (its alert fires)\n" +
        '  FIRING              alert tiers firing now\n' +
        "  STATUS              the worst of: firing, pending (an alert waiting for its for:), burning (a tier's windows both\n" +
        '                      meet its factor, no alert yet), each with its tier (page before ticket); else ok, no traffic\n' +
        '                      (no events in the last 5 minutes) or no data (no recorded series: rules not loaded in this\n' +
        '                      Prometheus, or not evaluated yet)\n' +
        '--format json prints one object: { prometheus, time, slos: [{ service, slo, objective, period, sli, budgetRemaining,\n' +
        'coverage, measuredMinutes, periodLive, noTraffic, firing, pending, tiers: [{ id, severity, factor, long, short,\n' +
        'burning }], status, statusTier }] }, null where a series is absent or the period not measured.\n' +
        '--format html prints one page (no external assets, works offline and on paper): per objective the SLI, the error\n' +
        'budget burn-down and the coverage over the period, the alert timeline (one lane per tier) and the numbers above.\n' +
        'Exit codes: 0 report printed, 1 invalid input or Prometheus unreachable or failing (one line on standard error),\n' +
        '2 usage error.',
    )
    .action(async (paths: string[], opts: { prometheus?: string; format: string; out?: string; time?: string; scope: string[] }) => {
      setExit(await runReport(paths, opts, io));
    });

  const historyOptions = (c: Command) =>
    withFilters(c)
      .argument('[paths...]', 'files, directories (read recursively) or - for standard input: the SLOs', ['slo-specs'])
      .option('--prometheus <url>', `the Prometheus that has the raw series (default: $PROMETHEUS_URL, else ${DEFAULT_PROMETHEUS_URL})`)
      .option('--from <time>', 'start: a duration ago (30d), an RFC 3339 time or unix seconds; aligned down to 10 minutes', '30d')
      .option('--to <time>', 'end: now, a duration ago, an RFC 3339 time or unix seconds', 'now')
      .option('--scrape-interval <duration>', "as for slo compile: how often the SLIs' targets are scraped")
      .option('--scope <label=value>', 'as for slo compile: the environment the rules were compiled for; repeatable', collect, [] as string[])
      .option('--for <duration>', 'as for slo compile: for: of every alert without its own alertAfter')
      .option('--disable-tier <tier>', 'as for slo compile; repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[]);

  historyOptions(
    program
      .command('backfill')
      .description('write TSDB blocks holding every series the compiled rules record, computed from the raw history in Prometheus, so that period values are right the moment the rules start'),
  )
    .option('--out <dir>', 'directory for the blocks (new or empty; nothing is written to it unless every pass succeeds)')
    .option('--vmalert', '--prometheus is a VictoriaMetrics: vmalert (on PATH) replays the rules into it, one rule group per run in dependency order; no blocks, no --out')
    .addHelpText(
      'after',
      '\nThe rules are evaluated by promtool (tsdb create-blocks-from rules) one dependency level per pass: building blocks from the\n' +
        'raw series, then roll-ups and windows from the blocks, then the period. Passes after the first run against a private\n' +
        'Prometheus, so promtool and prometheus must both be on PATH. If the rules already recorded part of the range, the\n' +
        'history ends where they began. Load the blocks: stop Prometheus, copy the folders into its --storage.tsdb.path, start it.\n' +
        'With --vmalert nothing is written locally: the replayed series and alert states go into the VictoriaMetrics.\n' +
        'Exit codes: 0 blocks written, 1 failed (one line on standard error; --out untouched), 2 usage error.',
    )
    .action(async (paths: string[], opts: BackfillCliOptions) => {
      setExit(await runBackfill(paths, opts, io));
    });

  historyOptions(
    program.command('backtest').description('evaluate the compiled rules over the history of the raw series and print, per objective, the SLI, the budget spent and every alert that would have fired'),
  )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'html']).default('text'))
    .option('--out <file>', 'write the output to this file instead of standard output')
    .addHelpText(
      'after',
      '\nThe same rules slo compile writes, evaluated by promtool over the range (as slo backfill does, into a private Prometheus);\n' +
        'every alert expression is then evaluated each minute, as its group does live, with for: applied.\n' +
        'Exit codes: 0 printed, 1 failed (one line on standard error), 2 usage error.',
    )
    .action(async (paths: string[], opts: BacktestCliOptions) => {
      setExit(await runBacktest(paths, opts, io, { html: backtestHtml }));
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
