/**
 * The root Dockerfile: linted with a Dockerfile parser (dockerfile-ast) for pinned base images, a non-root
 * numeric final user and no development dependencies in the image; built and run when a container engine
 * that can build is on this machine.
 */
import { readFileSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DockerfileParser, ModifiableInstruction, type From, type Instruction } from 'dockerfile-ast';
import { output, ROOT, run } from './support';

const DOCKERFILE = path.join(ROOT, 'Dockerfile');

interface Stage {
  name: string | null;
  from: From;
  instructions: Instruction[];
}

/** The build stages of a Dockerfile: each FROM and the instructions up to the next one. */
function stages(text: string): Stage[] {
  const doc = DockerfileParser.parse(text);
  const froms = doc.getFROMs();
  const out: Stage[] = [];
  for (const i of doc.getInstructions()) {
    if (i.getKeyword() === 'FROM') {
      const from = froms[out.length]!;
      out.push({ name: from.getBuildStage(), from, instructions: [] });
    } else out.at(-1)?.instructions.push(i);
  }
  return out;
}

/** An instruction's arguments with its flags written back in front: `--from=build /out/x.tgz /tmp/`. */
function withFlags(i: Instruction): string {
  const flags = i instanceof ModifiableInstruction ? i.getFlags().map((f) => `--${f.getName()}${f.getValue() === null ? '' : `=${f.getValue()}`}`) : [];
  return [...flags, i.getArgumentsContent() ?? ''].join(' ').trim();
}

/** An exact version: 24.20.0, 24.20.0-bookworm-slim, 3.21.3 (not latest, 24, 24-slim, lts, current). */
const EXACT_TAG = /^v?\d+\.\d+\.\d+([-_.][A-Za-z0-9.]+)*$/;

/** Shell commands that install a package's development dependencies. */
function installsDevDependencies(command: string): string | undefined {
  for (const part of command.split(/&&|\|\||;|\n/)) {
    const words = part.trim().split(/\s+/);
    const tool = words[0];
    const sub = words[1];
    if (!tool || !sub) continue;
    const has = (...flags: string[]) => words.some((w) => flags.includes(w));
    if (tool === 'npm' && ['install', 'i', 'ci', 'add', 'isntall', 'in'].includes(sub)) {
      if (has('--include=dev', '--save-dev', '-D', '--dev', '--also=dev')) return part.trim();
      if (!has('--omit=dev', '--production', '--only=prod', '--only=production')) return part.trim();
    }
    if (tool === 'pnpm' && ['install', 'i', 'add'].includes(sub) && !has('--prod', '-P', '--production')) return part.trim();
    if (tool === 'yarn' && (sub === 'install' || sub === 'add') && !has('--production', '--prod')) return part.trim();
  }
  return undefined;
}

/** Every problem of a Dockerfile against the image rules; empty when it passes. */
function lint(text: string): string[] {
  const problems: string[] = [];
  const all = stages(text);
  if (all.length === 0) return ['no FROM instruction'];
  const names = new Set<string>();
  for (const { from, name } of all) {
    const image = from.getImageName() ?? '';
    const line = from.getRange().start.line + 1;
    if (names.has(image) || image === 'scratch') {
      // FROM an earlier stage, or from nothing: no version to pin
    } else if ((from.getImage() ?? '').includes('$')) {
      problems.push(`line ${line}: FROM ${from.getImage()}: the base image must be written out, not a build argument`);
    } else {
      const tag = from.getImageTag();
      if (!tag) problems.push(`line ${line}: FROM ${from.getImage()}: no tag (that is latest); pin an exact version`);
      else if (!EXACT_TAG.test(tag)) problems.push(`line ${line}: FROM ${from.getImage()}: tag ${tag} is no exact version`);
    }
    if (name) names.add(name);
  }
  const final = all.at(-1)!;
  const users = final.instructions.filter((i) => i.getKeyword() === 'USER');
  const user = users.at(-1)?.getArgumentsContent()?.trim();
  if (!user) problems.push('final stage: no USER, so the image runs as root');
  else {
    const m = /^(\d+)(?::(\d+))?$/.exec(user);
    if (!m) problems.push(`final stage: USER ${user} is not numeric (uid or uid:gid)`);
    else if (Number(m[1]) === 0) problems.push(`final stage: USER ${user} is root`);
  }
  for (const i of final.instructions.filter((x) => x.getKeyword() === 'RUN')) {
    const cmd = installsDevDependencies(i.getArgumentsContent() ?? '');
    if (cmd) problems.push(`final stage, line ${i.getRange().start.line + 1}: \`${cmd}\` installs development dependencies`);
  }
  return problems;
}

describe('Dockerfile rules (lint)', () => {
  const good = `FROM node:24.20.0-bookworm-slim AS build
RUN npm ci
FROM node:24.20.0-bookworm-slim
COPY --from=build /out/x.tgz /tmp/
RUN npm install -g --omit=dev /tmp/x.tgz
USER 10001:10001
ENTRYPOINT ["slo"]
`;
  test.each<[string, string, RegExp | null]>([
    ['a pinned two-stage file', good, null],
    ['FROM node:latest', good.replace('FROM node:24.20.0-bookworm-slim\n', 'FROM node:latest\n'), /tag latest is no exact version/],
    ['FROM node (no tag)', good.replace('FROM node:24.20.0-bookworm-slim AS build', 'FROM node AS build'), /no tag/],
    ['a bare major', good.replace('FROM node:24.20.0-bookworm-slim\n', 'FROM node:24\n'), /tag 24 is no exact version/],
    ['a major with a variant', good.replace('FROM node:24.20.0-bookworm-slim\n', 'FROM node:24-bookworm-slim\n'), /tag 24-bookworm-slim/],
    ['an lts alias', good.replace('FROM node:24.20.0-bookworm-slim\n', 'FROM node:lts-slim\n'), /tag lts-slim/],
    ['a base image from a build argument', `ARG BASE=node:24.20.0-bookworm-slim\n${good.replace('FROM node:24.20.0-bookworm-slim\n', 'FROM ${BASE}\n')}`, /build argument/],
    ['USER root', good.replace('USER 10001:10001', 'USER root'), /USER root is not numeric/],
    ['USER 0', good.replace('USER 10001:10001', 'USER 0'), /USER 0 is root/],
    ['USER 0:0', good.replace('USER 10001:10001', 'USER 0:0'), /is root/],
    ['a named user', good.replace('USER 10001:10001', 'USER node'), /not numeric/],
    ['no USER', good.replace('USER 10001:10001\n', ''), /no USER/],
    ['root again after the non-root user', good.replace('ENTRYPOINT', 'USER root\nENTRYPOINT'), /USER root/],
    ['npm install with dev dependencies in the final stage', good.replace('npm install -g --omit=dev /tmp/x.tgz', 'npm install -g /tmp/x.tgz'), /installs development dependencies/],
    ['npm ci in the final stage', good.replace('RUN npm install -g --omit=dev /tmp/x.tgz', 'RUN cd /app && npm ci'), /npm ci/],
    ['pnpm install in the final stage', good.replace('RUN npm install -g --omit=dev /tmp/x.tgz', 'RUN pnpm install --frozen-lockfile'), /pnpm install/],
    ['--include=dev in the final stage', good.replace('--omit=dev', '--omit=dev --include=dev'), /installs development dependencies/],
  ])('%s', (_name, text, expected) => {
    const problems = lint(text);
    if (expected === null) expect(problems).toEqual([]);
    else expect(problems.join('\n')).toMatch(expected);
  });

  test('npm ci in a build stage is fine: only the final stage ships', () => {
    expect(lint(good)).toEqual([]);
  });
});

describe('the repository Dockerfile', () => {
  const text = readFileSync(DOCKERFILE, 'utf8');
  const parsed = DockerfileParser.parse(text);
  const froms = parsed.getFROMs();
  const final = stages(text).at(-1)!;
  const finalArgs = (keyword: string) => final.instructions.filter((i) => i.getKeyword() === keyword).map(withFlags);

  test('passes the lint rules', () => {
    expect(lint(text)).toEqual([]);
  });

  // the rules bite on the real file too: each change below must be reported
  test.each<[string, (t: string) => string, RegExp]>([
    ['runtime FROM node:latest', (t) => t.replace(/FROM node:\S+ AS runtime/, 'FROM node:latest AS runtime'), /tag latest is no exact version/],
    ['build FROM node:24', (t) => t.replace(/FROM node:\S+ AS build/, 'FROM node:24 AS build'), /tag 24 is no exact version/],
    ['USER root', (t) => t.replace(/^USER .*$/m, 'USER root'), /USER root is not numeric/],
    ['no USER', (t) => t.replace(/^USER .*\n/m, ''), /no USER/],
    ['the tarball installed with dev dependencies', (t) => t.replace('npm install -g --omit=dev', 'npm install -g'), /installs development dependencies/],
  ])('fails with %s', (_name, change, expected) => {
    const changed = change(text);
    expect(changed).not.toBe(text);
    expect(lint(changed).join('\n')).toMatch(expected);
  });

  test('is multi-stage: a build stage packs the CLI, the runtime stage installs only that tarball', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    const build = stages(text).find((s) => s.name === 'build');
    expect(build).toBeDefined();
    const buildRuns = build!.instructions.filter((i) => i.getKeyword() === 'RUN').map((i) => i.getArgumentsContent() ?? '');
    expect(buildRuns.some((r) => /pnpm install --frozen-lockfile/.test(r))).toBe(true);
    expect(buildRuns.some((r) => /pnpm pack/.test(r))).toBe(true);
    // the runtime stage copies nothing from the build stage but the tarball
    const copies = finalArgs('COPY');
    const fromBuild = copies.filter((c) => c.includes('--from=build'));
    expect(fromBuild).toEqual([expect.stringMatching(/^--from=build \S+\.tgz /)]);
    expect(copies.some((c) => /node_modules|packages\//.test(c))).toBe(false);
  });

  test('the runtime base is an exact Node LTS (even major) image', () => {
    const tag = froms.at(-1)!.getImageTag() ?? '';
    expect(froms.at(-1)!.getImageName()).toBe('node');
    const major = Number(/^(\d+)\./.exec(tag)?.[1]);
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(20);
  });

  test('promtool comes from a pinned Prometheus release with its sha256 checked', () => {
    const runs = parsed
      .getInstructions()
      .filter((i) => i.getKeyword() === 'RUN')
      .map((i) => i.getArgumentsContent() ?? '');
    const download = runs.find((r) => r.includes('promtool'));
    expect(download).toBeDefined();
    expect(download).toMatch(/sha256sum -c/);
    const args = Object.fromEntries(parsed.getARGs().map((a) => [a.getProperty()?.getName(), a.getProperty()?.getValue()]));
    expect(args.PROMETHEUS_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(args.PROMETHEUS_SHA256_AMD64).toMatch(/^[0-9a-f]{64}$/);
    expect(args.PROMETHEUS_SHA256_ARM64).toMatch(/^[0-9a-f]{64}$/);
    expect(finalArgs('COPY')).toContain('--from=promtool /usr/local/bin/promtool /usr/local/bin/promtool');
  });

  test('runs slo in /work as UID 10001', () => {
    expect(finalArgs('WORKDIR')).toEqual(['/work']);
    expect(finalArgs('USER')).toEqual(['10001:10001']);
    expect(finalArgs('ENTRYPOINT')).toEqual(['["slo"]']);
  });

  test('.dockerignore keeps node_modules, build output, .tools and generated output out', () => {
    const ignore = readFileSync(path.join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const line of ['**/node_modules', '**/dist', '.tools', 'rules-out', 'dashboards-out']) expect(ignore).toContain(line);
  });
});

/** The first container engine on PATH that answers; undefined when none can build here. */
function engine(): { cmd: string; build: string[] } | undefined {
  const probes: [string, string[], string[]][] = [
    ['docker', ['info'], ['build']],
    ['podman', ['info'], ['build']],
    ['buildah', ['info'], ['bud']],
  ];
  for (const [cmd, probe, build] of probes) {
    try {
      if (run(cmd, probe, { cwd: ROOT, timeoutMs: 20_000 }).status === 0) return { cmd, build };
    } catch {
      // not on PATH
    }
  }
  return undefined;
}

describe('the image', () => {
  const found = engine();
  const tag = 'slo-engine-install-test';
  if (!found) {
    test('build (skipped: no docker, podman or buildah that can build on this machine)', () => {
      process.stdout.write('dockerfile test: image build skipped, no usable docker/podman/buildah here; build it with: docker build -t slo-engine .\n');
    });
    return;
  }
  test(`builds with ${found.cmd} and runs slo and promtool as UID 10001`, () => {
    const b = run(found.cmd, [...found.build, '-t', tag, '.'], { cwd: ROOT, timeoutMs: 1_500_000 });
    expect({ status: b.status, out: output(b) }).toMatchObject({ status: 0 });
    if (found.cmd === 'buildah') return; // buildah builds only; running needs podman
    const version = run(found.cmd, ['run', '--rm', tag, '--version'], { cwd: ROOT });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(path.join(ROOT, 'packages/cli/package.json'), 'utf8')).version);
    const id = run(found.cmd, ['run', '--rm', '--entrypoint', 'id', tag, '-u'], { cwd: ROOT });
    expect(id.stdout.trim()).toBe('10001');
    const promtool = run(found.cmd, ['run', '--rm', '--entrypoint', 'promtool', tag, '--version'], { cwd: ROOT });
    expect({ status: promtool.status, out: output(promtool) }).toMatchObject({ status: 0 });
    const specs = mkdtempSync(path.join(tmpdir(), 'slo-image-'));
    try {
      writeFileSync(path.join(specs, 'x.yaml'), readFileSync(path.join(ROOT, 'slo-specs/checkout/checkout.yaml'), 'utf8'));
      const v = run(found.cmd, ['run', '--rm', '-v', `${specs}:/work:ro`, tag, 'validate', '.'], { cwd: ROOT });
      expect({ status: v.status, out: output(v) }).toMatchObject({ status: 0 });
    } finally {
      rmSync(specs, { recursive: true, force: true });
    }
  }, 1_800_000);
});
