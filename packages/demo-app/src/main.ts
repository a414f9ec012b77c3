/**
 * The entry point: configuration from the environment, startup, and signals. All logic is in the modules.
 *   node dist/main.js           serve
 *   node dist/main.js migrate   run the migrations once and exit (a Job or an init step)
 */
import { ConfigError, loadConfig, type Config } from './config';
import { jsonLogger } from './log';
import { runMigrateCommand, startServer, StartupError } from './server';

const log = jsonLogger();
const command = process.argv[2] ?? 'serve';
if (command !== 'serve' && command !== 'migrate') {
  log.error(`unknown command ${JSON.stringify(command)}: expected no argument (serve) or migrate`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  log.error(err.message);
  process.exit(1);
}

if (command === 'migrate') {
  // no signal handlers: a migration cut off rolls back on the server, and the Job runs it again
  void runMigrateCommand(config, log).then((code) => process.exit(code));
} else serve(config);

function serve(config: Config): void {
  // until the server runs there is nothing to drain
  const exitNow = (signal: NodeJS.Signals) => {
    log.info('signal received while starting: exiting', { signal });
    process.exit(0);
  };
  process.on('SIGTERM', exitNow);
  process.on('SIGINT', exitNow);

  startServer(config, { log }).then(
    (running) => {
      process.off('SIGTERM', exitNow);
      process.off('SIGINT', exitNow);
      const onSignal = (signal: NodeJS.Signals) => {
        void running.shutdown(signal).then((code) => process.exit(code));
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    },
    (err: unknown) => {
      log.error(err instanceof StartupError ? err.message : `could not start: ${(err as Error).message}`);
      process.exit(1);
    },
  );
}
