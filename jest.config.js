/**
 * Tests live next to the code they test; workspace packages resolve to their sources. Two projects:
 * `unit` (pnpm test, seconds) and `integration` (pnpm test:integration: promtool, Prometheus, PostgreSQL,
 * helm, Chromium, the built CLI, the e2e stack). A test file is an integration test when it says so near its
 * top with a line `@integration: <what it runs>`; test:all runs both.
 */
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');

const testFiles = (dir) =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? testFiles(p) : e.name.endsWith('.test.ts') ? [p] : [];
  });
const integration = ['packages', 'test'].flatMap((d) => testFiles(path.join(__dirname, d))).filter((f) => /^\s*(\/\/|\*|\/\*\*)\s*@integration\b/m.test(readFileSync(f, 'utf8').slice(0, 3000)));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }] },
  moduleNameMapper: { '^@slo-engine/([a-z-]+)$': '<rootDir>/packages/$1/src' },
};

module.exports = {
  projects: [
    { ...base, displayName: 'unit', testMatch: ['**/*.test.ts'], testPathIgnorePatterns: ['/node_modules/', ...integration.map((f) => `^${escape(f)}$`)] },
    { ...base, displayName: 'integration', testMatch: integration.length ? integration : ['<rootDir>/no-integration-tests'] },
  ],
  // global options (a project's own testTimeout is ignored): the suite waits on promtool and Prometheus
  // processes, so use both cores and allow a minute per test unless a test says otherwise
  maxWorkers: 2,
  testTimeout: 60000,
};
