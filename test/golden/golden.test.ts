import * as path from 'node:path';
import { Readable } from 'node:stream';
import { drift, planCompile, write } from '@slo-engine/pipeline';
import { compilableCases, ROOT } from './cases';

/**
 * Golden files: compiled output must match what is committed, byte for byte.
 * Regenerate deliberately with UPDATE_GOLDEN=1; a test never rewrites them on its own.
 */
const update = process.env.UPDATE_GOLDEN === '1';

describe.each(compilableCases())('golden output for $name', ({ inputs, out, dashboards, layout }) => {
  it(`matches ${out}`, async () => {
    const plan = await planCompile(inputs, { strict: false, disableTier: [], layout }, { cwd: ROOT, stdin: Readable.from([]) });
    expect(plan.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    expect(plan.files.length).toBeGreaterThan(0);
    const target = { root: path.join(ROOT, out), files: plan.files };
    if (update) await write(target);
    const d = await drift(target);
    expect(d).toEqual({ missing: [], changed: [], extra: [] });
    if (!dashboards) return;
    const boards = { root: path.join(ROOT, dashboards), files: plan.dashboards };
    if (update) await write(boards);
    expect(await drift(boards)).toEqual({ missing: [], changed: [], extra: [] });
  });

  it('is byte-identical when compiled twice', async () => {
    const a = await planCompile(inputs, { strict: false, disableTier: [], layout }, { cwd: ROOT, stdin: Readable.from([]) });
    const b = await planCompile(inputs, { strict: false, disableTier: [], layout }, { cwd: ROOT, stdin: Readable.from([]) });
    expect(b.files).toEqual(a.files);
    expect(b.dashboards).toEqual(a.dashboards);
  });
});
