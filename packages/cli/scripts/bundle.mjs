#!/usr/bin/env node
// Builds dist/bundle/slo.cjs, the file the published package runs as `slo`: the CLI and the workspace
// packages it uses (@slo-engine/*) in one CommonJS file; every third-party package stays a `require` of a
// real dependency of the published package.
//
// Steps: `tsc -b` of this package (type checks and builds the workspace's dist/ folders, as `pnpm build`
// does), then esbuild from dist/main.js. The bundle is refused when it imports a third-party package that
// package.json's `dependencies` does not list, or lists at another version than the workspace installs,
// or when it holds code from outside the workspace's packages.
//
// Run by `pnpm run bundle` and by `prepack` (so `pnpm pack` / `pnpm publish` always ship a fresh bundle).
// `--skip-tsc` bundles the dist/ folders as they are.
import { spawnSync } from 'node:child_process';
import { builtinModules, createRequire } from 'node:module';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const packagesDir = path.dirname(pkgDir);
const rootDir = path.dirname(packagesDir);
const entry = path.join(pkgDir, 'dist', 'main.js');
const outfile = path.join(pkgDir, 'dist', 'bundle', 'slo.cjs');
const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
const skipTsc = process.argv.includes('--skip-tsc');

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/** `@scope/name/sub/path` → `@scope/name`; `name/sub` → `name`. */
function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

// 1. type check and build the workspace packages' dist/ folders
if (!skipTsc) {
  let tsc;
  try {
    tsc = createRequire(path.join(rootDir, 'package.json')).resolve('typescript/lib/tsc.js');
  } catch {
    fail('typescript is not installed in the workspace: run `pnpm install` at the repository root');
  }
  const r = spawnSync(process.execPath, [tsc, '-b', path.join(pkgDir, 'tsconfig.json')], { stdio: 'inherit' });
  if (r.status !== 0) fail('tsc -b failed');
}
if (!existsSync(entry)) fail(`${path.relative(rootDir, entry)} is missing: run the build first`);

// 2. bundle
const { build } = await import('esbuild');
const builtins = new Set(builtinModules);
/** Third-party packages the bundle requires at run time, with the file that asks first. */
const externals = new Map();
const result = await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  metafile: true,
  sourcemap: false,
  minify: false,
  legalComments: 'none',
  logLevel: 'warning',
  // @slo-engine/jsonnet loads the jsonnet WebAssembly glue by computed path from the installed package, on purpose
  logOverride: { 'unsupported-require-call': 'silent' },
  plugins: [
    {
      name: 'third-party-external',
      setup(b) {
        // bare specifiers: the workspace's packages are bundled, everything else is required at run time
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('node:') || builtins.has(args.path)) return { path: args.path, external: true };
          if (args.path.startsWith('@slo-engine/')) return undefined;
          const name = packageName(args.path);
          if (!externals.has(name)) externals.set(name, path.relative(rootDir, args.importer));
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// 3. checks
const problems = [];
for (const input of Object.keys(result.metafile.inputs)) {
  const abs = path.resolve(input);
  if (!abs.startsWith(packagesDir + path.sep) || abs.split(path.sep).includes('node_modules'))
    problems.push(`bundled code from outside the workspace packages: ${input}`);
}
const dependencies = manifest.dependencies ?? {};
for (const [name, importer] of externals) {
  if (!(name in dependencies)) problems.push(`${importer} requires ${name}, which is not in ${manifest.name}'s dependencies`);
}
for (const [name, version] of Object.entries(dependencies)) {
  if (name.startsWith('@slo-engine/') || version.startsWith('workspace:')) {
    problems.push(`dependency ${name}@${version}: workspace packages are bundled, list them in devDependencies`);
    continue;
  }
  const installed = path.join(pkgDir, 'node_modules', ...name.split('/'), 'package.json');
  if (!existsSync(installed)) {
    problems.push(`dependency ${name} is not installed: run \`pnpm install\``);
    continue;
  }
  const actual = JSON.parse(readFileSync(installed, 'utf8')).version;
  if (actual !== version) problems.push(`dependency ${name}: package.json pins ${version}, the workspace installs ${actual}`);
}
if (problems.length) fail(`refused:\n  ${problems.join('\n  ')}`);

const head = readFileSync(outfile, 'utf8').slice(0, 64);
if (!head.startsWith('#!/usr/bin/env node\n')) fail(`${path.relative(rootDir, outfile)} does not start with a node shebang`);
const kib = (statSync(outfile).size / 1024).toFixed(0);
const bundled = Object.keys(result.metafile.inputs).length;
process.stdout.write(
  `bundle: ${path.relative(rootDir, outfile)} (${kib} KiB, ${bundled} workspace modules; requires ${[...externals.keys()].sort().join(', ')})\n`,
);
