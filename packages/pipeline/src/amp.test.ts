/** AMP rule groups namespaces: splitting under the size quota, the rule quota, names, and upload.sh run against a recording `aws`. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { compileText, ratioSli, sloDoc } from '../../../test/support/slo-docs';
import { SHARED_GROUPS } from '@slo-engine/rules';
import { AMP_QUOTAS, AmpQuotaError, ampNamespaces, namespaceName, uploadScript } from './amp';

const c = compileText(sloDoc({ sli: ratioSli({ bad: 'http_requests_total{code=~"5.."}', total: 'http_requests_total' }), objectives: '    - target: 0.999\n', name: 'api', service: 'shop' }))[0]!;
const HEADER = '# test\n';
const groupsOf = (content: string) => (parse(content) as { groups: { name: string }[] }).groups.map((g) => g.name);

describe('ampNamespaces', () => {
  it('one namespace per rule file under the quota, named after its path, the file as it is', () => {
    const [ns, ...more] = ampNamespaces('shop/api', c.rules, HEADER);
    expect(more).toEqual([]);
    expect(ns!.name).toBe('shop-api');
    expect(groupsOf(ns!.file.content)).toEqual(c.rules.groups.map((g) => g.name));
    expect(ns!.rules).toBe(c.rules.groups.reduce((n, g) => n + g.rules.length, 0));
  });

  it('a file over the size quota is split by groups, every part under it, no group lost or repeated', () => {
    const sizes = c.rules.groups.map((g) => Buffer.byteLength(HEADER + JSON.stringify(g)));
    const limit = Math.max(...sizes) * 2;
    const parts = ampNamespaces('shop/api', c.rules, HEADER, { namespaceBytes: limit });
    expect(parts.length).toBeGreaterThan(1);
    expect(parts.map((p) => p.name)).toEqual(parts.map((_, i) => `shop-api-${i + 1}`));
    for (const p of parts) expect(Buffer.byteLength(p.file.content)).toBeLessThanOrEqual(limit);
    expect(parts.flatMap((p) => groupsOf(p.file.content))).toEqual(c.rules.groups.map((g) => g.name));
  });

  it('a group alone over the size quota is refused, naming the quota', () => {
    expect(() => ampNamespaces('shop/api', c.rules, HEADER, { namespaceBytes: 100 })).toThrow(AmpQuotaError);
    expect(() => ampNamespaces('shop/api', c.rules, HEADER, { namespaceBytes: 100 })).toThrow(/over AMP's quota "Rule groups namespace definition file size" \(100 bytes\)/);
  });

  const refusals: [string, string, RegExp][] = [
    ["an SLO's own group", c.rules.groups[0]!.name, /: split the SLO$/],
    ...SHARED_GROUPS.map((name): [string, string, RegExp] => [
      `the shared group ${name}`,
      name,
      /the shared rules name every SLO of the compile .*compile the SLOs in several sets, or use --layout per-slo$/,
    ]),
  ];
  it.each(refusals)('%s over the size quota: the refusal says what to do about it', (_, name, fix) => {
    const file = { groups: [{ ...c.rules.groups[0]!, name }] };
    expect(() => ampNamespaces('x', file, HEADER, { namespaceBytes: 100 })).toThrow(fix);
  });

  it.each([
    ['day/day-api-availability', 'day-day-api-availability'],
    ['shared', 'shared'],
    ['café/x y', 'caf--x-y'],
  ])('namespace name of %s: %s', (stem, name) => {
    expect(namespaceName(stem)).toBe(name);
  });
});

describe('upload.sh', () => {
  const namespaces = ampNamespaces('shop/api', c.rules, HEADER);
  it('refuses more rules than the workspace quota, naming it', () => {
    expect(() => uploadScript(namespaces, { rulesPerWorkspace: 3, header: HEADER })).toThrow(/over AMP's quota "Rules per workspace" \(3\)/);
    expect(AMP_QUOTAS.rulesPerWorkspace).toBe(2000);
  });

  it('creates a namespace that does not exist and updates one that does (run against a recording aws)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'amp-upload-'));
    try {
      writeFileSync(path.join(dir, 'upload.sh'), uploadScript(namespaces, { header: HEADER }).content);
      for (const n of namespaces) writeFileSync(path.join(dir, n.file.path), n.file.content);
      const bin = path.join(dir, 'bin');
      spawnSync('mkdir', [bin]);
      // the stub says the namespace exists when EXISTING names it, and records every call
      writeFileSync(path.join(bin, 'aws'), '#!/bin/sh\necho "$*" >> "$CALLS"\nif [ "$2" = describe-rule-groups-namespace ]; then [ "$6" = "$EXISTING" ]; fi\n');
      chmodSync(path.join(bin, 'aws'), 0o755);
      const run = (existing: string) => {
        const calls = path.join(dir, `calls-${existing || 'none'}`);
        const r = spawnSync('sh', ['upload.sh'], { cwd: dir, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}`, WORKSPACE_ID: 'ws-123', EXISTING: existing, CALLS: calls } });
        expect(r.status).toBe(0);
        return readFileSync(calls, 'utf8').trim().split('\n');
      };
      expect(run('')).toEqual([
        'amp describe-rule-groups-namespace --workspace-id ws-123 --name shop-api',
        'amp create-rule-groups-namespace --workspace-id ws-123 --name shop-api --data fileb://shop-api.yaml',
      ]);
      expect(run('shop-api')).toEqual([
        'amp describe-rule-groups-namespace --workspace-id ws-123 --name shop-api',
        'amp put-rule-groups-namespace --workspace-id ws-123 --name shop-api --data fileb://shop-api.yaml',
      ]);
      const without = spawnSync('sh', ['upload.sh'], { cwd: dir, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
      expect(without.status).not.toBe(0);
      expect(without.stderr).toContain('set WORKSPACE_ID to the AMP workspace id');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
