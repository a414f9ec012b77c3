import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';

/**
 * The real helm binary (3.17.2, installed into .tools/ by scripts/setup-helm.sh) and the Kubernetes
 * schema check, for the chart tests. There is no API server here: rendered objects are validated with
 * kubernetes-models (see validate-k8s.mjs).
 */

export const ROOT = path.resolve(__dirname, '../..');
export const HELM = path.join(ROOT, '.tools/helm');

export function helm(args: string[], opts: { cwd?: string } = {}): { code: number | null; stdout: string; stderr: string } {
  if (!existsSync(HELM)) throw new Error(`helm not found at .tools/helm: run \`bash scripts/setup-helm.sh\` (also run by scripts/setup-test-tools.sh)`);
  const r = spawnSync(HELM, args, {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    // keep helm away from any user config, cache or repositories
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      HELM_CACHE_HOME: path.join(ROOT, '.tools/helm-home/cache'),
      HELM_CONFIG_HOME: path.join(ROOT, '.tools/helm-home/config'),
      HELM_DATA_HOME: path.join(ROOT, '.tools/helm-home/data'),
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export interface Rendered {
  /** helm template's output as it is. */
  text: string;
  objects: K8sObject[];
}

/** The Prometheus Operator's API, for templates that render monitoring objects only where a cluster has it. */
export const MONITORING_API = ['--api-versions', 'monitoring.coreos.com/v1'];

export interface TemplateOptions {
  release?: string;
  namespace?: string;
  values?: string[];
  set?: string[];
  setJson?: string[];
  /** `--api-versions` arguments, e.g. MONITORING_API; none by default. */
  apiVersions?: string[];
}

/** `helm template` of a chart; throws with helm's message when rendering fails. */
export function template(chart: string, opts: TemplateOptions = {}): Rendered {
  const args = ['template', opts.release ?? 'demo', chart, '--namespace', opts.namespace ?? 'slo-demo', ...(opts.apiVersions ?? [])];
  for (const v of opts.values ?? []) args.push('--values', v);
  for (const s of opts.set ?? []) args.push('--set', s);
  for (const s of opts.setJson ?? []) args.push('--set-json', s);
  const r = helm(args);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} failed:\n${r.stderr}`);
  const objects = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null && typeof o === 'object');
  return { text: r.stdout, objects };
}

/** Schema errors per object (empty arrays when valid). */
export function validateObjects(objects: K8sObject[]): { apiVersion: string; kind: string; name: string; errors: string[] }[] {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'validate-k8s.mjs')], { input: JSON.stringify(objects), encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT });
  if (r.status !== 0) throw new Error(`validate-k8s.mjs failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as { apiVersion: string; kind: string; name: string; errors: string[] }[];
}

/** `helm template` with --set flags a chart should refuse: its exit code and what it said. */
export function templateWith(chart: string, set: string[]): { code: number | null; stderr: string } {
  return helm(['template', 'demo', chart, ...set.flatMap((s) => ['--set', s])]);
}
