/** The entry point: configuration from the environment, startup, and signals. All logic is in the modules. */
import { ConfigError, loadConfig, type Config } from './config';
import { jsonLogger } from './log';
import { startServer, StartupError } from './server';

const log = jsonLogger();

let config: Config;
try {
  config = loadConfig(process.env);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  log.error(err.message);
  process.exit(1);
}

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
