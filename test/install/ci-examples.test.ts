// @integration: runs the CI examples with the built CLI
/**
 * ci-examples/: the GitHub Actions workflow and the GitLab CI file are well-formed for their CI system,
 * and their validate / compile --check / promtool steps, run as written, pass on a copy of this
 * repository's slo-specs/ and fail on a broken spec and on stale generated files.
 *
 * Only the install steps are replaced: `slo` is the workspace build (packages/cli/dist/main.js) and
 * promtool the one of .tools/bin or PATH.
 */
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { output, pathOutsideWorkspace, promtoolDir, ROOT, run, type Run } from './support';

jest.setTimeout(600_000);

const GITHUB = path.join(ROOT, 'ci-examples/github-actions.yml');
const GITLAB = path.join(ROOT, 'ci-examples/gitlab-ci.yml');
const MAIN = path.join(ROOT, 'packages/cli/dist/main.js');

/** Steps that install tools: replaced by the test's `slo` and promtool. */
const INSTALL_STEP = /^Install /;

interface GithubStep {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface GithubJob {
  'runs-on': string;
  if?: string;
  container?: { image: string; options?: string };
  steps: GithubStep[];
}
interface GithubWorkflow {
  name: string;
  on: Record<string, unknown>;
  env?: Record<string, string>;
  jobs: Record<string, GithubJob>;
}
interface GitlabJob {
  stage?: string;
  image?: { name: string; entrypoint?: string[] } | string;
  script: string[];
}

const github = parse(readFileSync(GITHUB, 'utf8')) as GithubWorkflow;
const gitlab = parse(readFileSync(GITLAB, 'utf8')) as Record<string, unknown> & { stages: string[] };
const GITLAB_KEYWORDS = new Set(['stages', 'variables', 'default', 'include', 'workflow', 'image', 'services', 'cache', 'before_script', 'after_script']);
const gitlabJobs = Object.entries(gitlab).filter(([k]) => !GITLAB_KEYWORDS.has(k) && !k.startsWith('.')) as [string, GitlabJob][];

/** A CI job as the commands the test runs, in order; `skipped` are the install steps left out. */
interface Job {
  name: string;
  shell: string[];
  commands: { name: string; cmd: string }[];
  skipped: string[];
}

function githubJobs(): Job[] {
  return Object.entries(github.jobs).map(([name, job]) => {
    const runs = job.steps.filter((s) => s.run !== undefined);
    return {
      name: `github ${name}`,
      // the shell GitHub uses for `run` with `shell: bash`
      shell: ['bash', '--noprofile', '--norc', '-eo', 'pipefail', '-c'],
      commands: runs.filter((s) => !INSTALL_STEP.test(s.name ?? '')).map((s) => ({ name: s.name ?? s.run!, cmd: s.run! })),
      skipped: runs.filter((s) => INSTALL_STEP.test(s.name ?? '')).map((s) => s.name!),
    };
  });
}

function gitlabJobList(): Job[] {
  // GitLab runs each script line in one shell session and stops at the first failing line
  return gitlabJobs.map(([name, job]) => ({ name: `gitlab ${name}`, shell: ['sh', '-ec'], commands: job.script.map((cmd) => ({ name: cmd, cmd })), skipped: [] }));
}

let tmp: string;
let bin: string;
const promtool = promtoolDir();
let notedPromtool = false;

/** The repository of a team: a copy of slo-specs/ with the output `slo compile` writes, as committed. */
function teamRepo(label: string): string {
  const dir = path.join(tmp, label);
  cpSync(path.join(ROOT, 'slo-specs'), path.join(dir, 'slo-specs'), { recursive: true });
  const r = run(path.join(bin, 'slo'), ['compile', 'slo-specs/'], { cwd: dir, env: env() });
  if (r.status !== 0) throw new Error(`slo compile of the copied specs failed\n${output(r)}`);
  return dir;
}

function env(): NodeJS.ProcessEnv {
  return { ...process.env, PATH: pathOutsideWorkspace(bin, ...(promtool ? [promtool] : [])) };
}

/** Runs a job's commands in order like the CI system: stops at the first that fails. */
function runJob(job: Job, cwd: string, cache?: Map<string, Run>): { failedAt?: string; results: Run[] } {
  const results: Run[] = [];
  for (const c of job.commands) {
    if (!promtool && /\bpromtool\b/.test(c.cmd)) {
      if (!notedPromtool) process.stdout.write('ci-examples test: promtool not found (.tools/bin or PATH): skipped the promtool steps\n');
      notedPromtool = true;
      continue;
    }
    const r = cache?.get(c.cmd) ?? run(job.shell[0]!, [...job.shell.slice(1), c.cmd], { cwd, env: env(), timeoutMs: 300_000 });
    cache?.set(c.cmd, r);
    results.push(r);
    if (r.status !== 0) return { failedAt: c.name, results };
  }
  return { results };
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error('run pnpm build first: packages/cli/dist/main.js is missing');
  tmp = mkdtempSync(path.join(tmpdir(), 'slo-ci-examples-'));
  bin = path.join(tmp, 'bin');
  mkdirSync(bin);
  // the installed CLI of the install steps
  writeFileSync(path.join(bin, 'slo'), `#!/bin/sh\nexec "${process.execPath}" "${MAIN}" "$@"\n`);
  chmodSync(path.join(bin, 'slo'), 0o755);
});

afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('github-actions.yml', () => {
  test('is a workflow: triggers, jobs with runs-on and steps that either use an action or run a command', () => {
    expect(typeof github.name).toBe('string');
    expect(Object.keys(github.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(Object.keys(github.jobs).length).toBeGreaterThanOrEqual(2);
    for (const [name, job] of Object.entries(github.jobs)) {
      expect([name, typeof job['runs-on']]).toEqual([name, 'string']);
      expect(Array.isArray(job.steps) && job.steps.length > 0).toBe(true);
      for (const step of job.steps) expect([name, Number(step.uses !== undefined) + Number(step.run !== undefined)]).toEqual([name, 1]);
      for (const step of job.steps.filter((s) => s.uses)) expect(step.uses).toMatch(/^[\w.-]+\/[\w.-]+@v\d+$/);
    }
  });

  test('one job installs the CLI and promtool (checksum verified), one runs in the image', () => {
    const npm = Object.values(github.jobs).find((j) => !j.container)!;
    const install = npm.steps.filter((s) => INSTALL_STEP.test(s.name ?? ''));
    expect(install.map((s) => s.run).join('\n')).toMatch(/npm install -g "\$SLO_CLI"/);
    expect(install.map((s) => s.run).join('\n')).toMatch(/sha256sum -c/);
    expect(github.env?.PROMETHEUS_SHA256).toMatch(/^[0-9a-f]{64}$/);
    const image = Object.values(github.jobs).find((j) => j.container)!;
    expect(image.container!.image).toContain('SLO_ENGINE_IMAGE');
    expect(image.steps.some((s) => INSTALL_STEP.test(s.name ?? ''))).toBe(false);
  });
});

describe('gitlab-ci.yml', () => {
  test('is a pipeline: stages, and jobs in a known stage with a script of commands, in the image', () => {
    expect(Array.isArray(gitlab.stages)).toBe(true);
    expect(gitlabJobs.length).toBeGreaterThanOrEqual(1);
    for (const [name, job] of gitlabJobs) {
      expect([name, gitlab.stages.includes(job.stage ?? 'test')]).toEqual([name, true]);
      expect(Array.isArray(job.script) && job.script.every((l) => typeof l === 'string')).toBe(true);
      const image = typeof job.image === 'string' ? { name: job.image } : job.image;
      expect(image?.name).toContain('SLO_ENGINE_IMAGE');
      // the image's entrypoint is slo: the job needs it cleared to run its script in a shell
      expect(image).toHaveProperty('entrypoint', ['']);
    }
  });
});

describe('the examples run', () => {
  const jobs = () => [...githubJobs(), ...gitlabJobList()];

  test('every job validates, checks the generated files and runs the promtool tests', () => {
    for (const job of jobs()) {
      const all = job.commands.map((c) => c.cmd).join('\n');
      expect([job.name, all]).toEqual([job.name, expect.stringMatching(/slo validate slo-specs\//)]);
      expect([job.name, all]).toEqual([job.name, expect.stringMatching(/slo compile slo-specs\/ --check/)]);
      expect([job.name, all]).toEqual([job.name, expect.stringMatching(/promtool test rules rules-out\/\*\/\*\.test\.yaml/)]);
      // nothing else is left out than the install steps
      expect(job.skipped.every((s) => INSTALL_STEP.test(s))).toBe(true);
    }
  });

  test('pass on the repository slo-specs/ with up-to-date output', () => {
    const dir = teamRepo('fresh');
    // the jobs run the same POSIX commands in the same checkout (bash in GitHub, sh in GitLab): each distinct
    // command runs once, which keeps the slow promtool step to one run
    const cache = new Map<string, Run>();
    for (const job of jobs()) {
      const r = runJob(job, dir, cache);
      expect({ job: job.name, failedAt: r.failedAt, out: r.failedAt ? output(r.results.at(-1)!) : '' }).toEqual({ job: job.name, failedAt: undefined, out: '' });
    }
    expect(cache.size).toBeGreaterThanOrEqual(promtool ? 3 : 2);
  });

  test('fail at validate on a broken spec', () => {
    const dir = teamRepo('broken');
    const spec = path.join(dir, 'slo-specs/day/availability.yaml');
    const text = readFileSync(spec, 'utf8');
    expect(text).toContain('target: 0.999');
    writeFileSync(spec, text.replace('target: 0.999', 'target: 1.5'));
    for (const job of jobs()) {
      const r = runJob(job, dir);
      expect([job.name, r.failedAt]).toEqual([job.name, expect.stringMatching(/validat/i)]);
      expect(r.results.at(-1)!.status).not.toBe(0);
      expect(r.results.at(-1)!.stdout + r.results.at(-1)!.stderr).toMatch(/availability\.yaml:\d+:\d+/);
    }
  });

  test('fail at the check when the generated files are stale', () => {
    const dir = teamRepo('stale');
    const spec = path.join(dir, 'slo-specs/day/availability.yaml');
    writeFileSync(spec, readFileSync(spec, 'utf8').replace('target: 0.999', 'target: 0.995'));
    for (const job of jobs()) {
      const r = runJob(job, dir);
      expect([job.name, r.failedAt]).toEqual([job.name, expect.stringMatching(/--check|up to date/)]);
      expect(r.results.at(-1)!.status).toBe(1);
    }
  });
});
