/** Tests live next to the code they test; workspace packages resolve to their sources. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: { '^@slo-engine/([a-z-]+)$': '<rootDir>/packages/$1/src' },
  testTimeout: 60000,
  // the suite waits on promtool and Prometheus processes: use both cores
  maxWorkers: 2,
};
