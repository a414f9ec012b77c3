// The version of the engine, written into generated files and shown by slo --version (the CLI publishes the same version).
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const VERSION: string = (require('../package.json') as { version: string }).version;
