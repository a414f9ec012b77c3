/**
 * Rule files as Amazon Managed Service for Prometheus rule groups namespaces (`slo compile --amp-namespaces DIR`):
 * one upload-ready file per namespace and the aws commands that upload them. AMP takes one rules file per
 * namespace and limits its size and the rules of a workspace; a file over the size limit is split by groups
 * into several namespaces (groups are evaluated independently either way), and a workspace over the rule limit
 * is refused with the quota's name.
 */
import { isSharedGroup, type RuleFile, toYaml } from '@slo-engine/rules';
import type { OutputFile } from './outputs';

/** AMP's published defaults (per workspace); the adjustable one can be raised, and the flags say so. */
export const AMP_QUOTAS = {
  /** "Rule groups namespace definition file size", not adjustable. */
  namespaceBytes: 1024 * 1024,
  /** "Rules per workspace", adjustable. */
  rulesPerWorkspace: 2000,
};
/** AMP: "the combined length of a rule group namespace and a rule group name cannot exceed 721 UTF-8 bytes". */
const MAX_NAMESPACE_AND_GROUP = 721;
const NAME = /^[0-9A-Za-z][-.0-9A-Z_a-z]*$/;

export class AmpQuotaError extends Error {}

export interface AmpNamespace {
  name: string;
  file: OutputFile;
  rules: number;
}

/** A namespace name from a rule file's stem: `day/day-api-availability` → `day-day-api-availability`. */
export function namespaceName(stem: string): string {
  return (
    stem
      .replace(/\//g, '-')
      .replace(/[^-.0-9A-Z_a-z]/g, '-')
      .replace(/^[^0-9A-Za-z]+/, '') || 'slo'
  );
}

/**
 * The namespaces of one rule file: one, or as many as its groups need to stay under the size quota (`<name>-1`,
 * `<name>-2`, ...). Throws AmpQuotaError when one group alone is over it, or a name is too long.
 */
export function ampNamespaces(stem: string, file: RuleFile, header: string, opts: { namespaceBytes?: number } = {}): AmpNamespace[] {
  const limit = opts.namespaceBytes ?? AMP_QUOTAS.namespaceBytes;
  const name = namespaceName(stem);
  const size = (groups: RuleFile['groups']) => Buffer.byteLength(header + toYaml({ groups }));
  const parts: RuleFile['groups'][] = [];
  let current: RuleFile['groups'] = [];
  for (const g of file.groups) {
    if (size([g]) > limit)
      throw new AmpQuotaError(
        `rule group ${g.name} alone is ${size([g])} bytes, over AMP's quota "Rule groups namespace definition file size" (${limit} bytes): ${isSharedGroup(g.name) ? 'the shared rules name every SLO of the compile (up to about 2 KB each per group); compile the SLOs in several sets, or use --layout per-slo' : 'split the SLO'}`,
      );
    if (current.length && size([...current, g]) > limit) {
      parts.push(current);
      current = [];
    }
    current.push(g);
  }
  if (current.length) parts.push(current);
  return parts.map((groups, i) => {
    const ns = parts.length === 1 ? name : `${name}-${i + 1}`;
    if (!NAME.test(ns)) throw new AmpQuotaError(`${ns} is not a valid AMP rule groups namespace name (${NAME.source})`);
    for (const g of groups)
      if (Buffer.byteLength(ns) + Buffer.byteLength(g.name) > MAX_NAMESPACE_AND_GROUP)
        throw new AmpQuotaError(`namespace ${ns} with rule group ${g.name} is over AMP's ${MAX_NAMESPACE_AND_GROUP} bytes for both names together: shorten the SLO's name`);
    return { name: ns, file: { path: `${ns}.yaml`, content: header + toYaml({ groups }) }, rules: groups.reduce((n, g) => n + g.rules.length, 0) };
  });
}

/**
 * upload.sh: creates or updates every namespace of the workspace in $WORKSPACE_ID (and $AWS_REGION); refuses
 * when the rules are over the workspace quota.
 */
export function uploadScript(namespaces: AmpNamespace[], opts: { rulesPerWorkspace?: number; header: string }): OutputFile {
  const quota = opts.rulesPerWorkspace ?? AMP_QUOTAS.rulesPerWorkspace;
  const rules = namespaces.reduce((n, x) => n + x.rules, 0);
  if (rules > quota)
    throw new AmpQuotaError(
      `these SLOs need ${rules} rules, over AMP's quota "Rules per workspace" (${quota}): raise the quota and pass --amp-rules-quota, or compile the services into several workspaces`,
    );
  const lines = [
    '#!/usr/bin/env sh',
    ...opts.header.trimEnd().split('\n'),
    `# ${namespaces.length} rule groups namespaces, ${rules} rules (AMP's quota: ${quota} per workspace).`,
    '# Usage: WORKSPACE_ID=ws-... sh upload.sh   (from this directory; the AWS CLI and its credentials as usual)',
    'set -eu',
    ': "${WORKSPACE_ID:?set WORKSPACE_ID to the AMP workspace id}"',
    'upload() {',
    '  if aws amp describe-rule-groups-namespace --workspace-id "$WORKSPACE_ID" --name "$1" >/dev/null 2>&1; then',
    '    aws amp put-rule-groups-namespace --workspace-id "$WORKSPACE_ID" --name "$1" --data "fileb://$2"',
    '  else',
    '    aws amp create-rule-groups-namespace --workspace-id "$WORKSPACE_ID" --name "$1" --data "fileb://$2"',
    '  fi',
    '}',
    ...namespaces.map((n) => `upload ${n.name} ${n.file.path}`),
    '',
  ];
  return { path: 'upload.sh', content: lines.join('\n') };
}
