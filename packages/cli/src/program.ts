import { Command, CommanderError, Option } from 'commander';
import { runCompile } from './compile';
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
    .addHelpText(
      'after',
      '\nPer SLO it writes <rules-out>/<service>/<slo>.rules.yaml (Prometheus rule file), <slo>.test.yaml (promtool tests:\n' +
        'promtool test rules <slo>.test.yaml) and <slo>.prometheusrule.yaml (Prometheus Operator PrometheusRule).\n' +
        'Nothing is written when any input is invalid. Exit codes: 0 ok, 1 invalid input or stale files (--check), 2 usage error.',
    )
    .action(async (paths: string[], opts: { rulesOut: string; dashboardsOut: string; check: boolean; strict: boolean; disableTier: string[]; for?: string }) => {
      setExit(await runCompile(paths, { ...opts, format: 'text' }, io));
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
