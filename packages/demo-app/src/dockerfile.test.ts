/** The demo app's Dockerfile, parsed: pinned Node LTS stages, a numeric non-root user, both ports, a health check. */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DockerfileParser } from 'dockerfile-ast';

const doc = DockerfileParser.parse(readFileSync(path.resolve(__dirname, '../Dockerfile'), 'utf8'));
const args = (keyword: string) =>
  doc
    .getInstructions()
    .filter((i) => i.getKeyword() === keyword)
    .map((i) => i.getArgumentsContent() ?? '');

it('both stages use the same exact Node LTS version (no floating tags)', () => {
  const images = doc.getFROMs().map((f) => `${f.getImageName()}:${f.getImageTag()}`);
  expect(images).toEqual(['node:24.20.0-bookworm', 'node:24.20.0-bookworm-slim']);
});

it('runs as a numeric non-root user, exposes the API and the metrics port, has a health check', () => {
  expect(args('USER').at(-1)).toMatch(/^[1-9]\d*:[1-9]\d*$/);
  expect(args('EXPOSE').join(' ').split(/\s+/).sort()).toEqual(['8001', '9464']);
  expect(args('HEALTHCHECK').join(' ')).toContain('/healthz');
  expect(args('CMD').at(-1)).toBe('["node", "dist/main.js"]');
});
