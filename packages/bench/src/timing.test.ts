// @integration: runs a real Prometheus (the page tiers on generated history)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { alertTiming, detectionSlack, theoreticalDetection, type BurnTiming } from './timing';

const root = path.resolve(__dirname, '../../..');
let scratch: string | undefined;
afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

it('theoretical detection is factor / burn × long window, never when the burn does not exceed the factor', () => {
  expect(theoreticalDetection({ factor: '14.4', longMinutes: 60 }, 100)).toBeCloseTo(8.64, 10);
  expect(theoreticalDetection({ factor: '1', longMinutes: 4320 }, 2)).toBe(2160);
  expect(theoreticalDetection({ factor: '14.4', longMinutes: 60 }, 10)).toBeUndefined();
  expect(theoreticalDetection({ factor: '6', longMinutes: 360 }, 6)).toBeUndefined();
  expect(detectionSlack({ longMinutes: 60, forMinutes: 0 })).toBe(6);
  expect(detectionSlack({ longMinutes: 1440, forMinutes: 2 })).toBe(18);
});

it('smoke: the page tiers fire at 100x and 1000x on a real Prometheus, sooner at the bigger burn, and resolve', async () => {
  scratch = mkdtempSync(path.join(tmpdir(), 'slo-bench-timing-test-'));
  const r = await alertTiming({ mode: 'smoke', root, scratch, log: () => {} });
  expect(r.id).toBe('timing');
  expect(r.tables).toHaveLength(2);
  for (const t of r.tables) {
    expect(t.rows).toHaveLength(2);
    for (const row of t.rows) expect(row).toHaveLength(t.columns.length);
  }
  expect(r.targets).toHaveLength(2);
  const burns = (r.data as { burns: BurnTiming[] }).burns;
  expect(burns.map((b) => b.burn)).toEqual([100, 1000]);
  expect(burns[1]!.errorRatio).toBe(1);
  for (const b of burns) {
    expect(b.tiers.map((t) => t.tier)).toEqual(['page-fast', 'page-slow']);
    for (const t of b.tiers) {
      expect(t.theoreticalMinutes).toBeGreaterThan(0);
      expect(t.firedBefore).toBe(false);
      expect(t.measuredMinutes).not.toBeNull();
      expect(t.measuredMinutes!).toBeGreaterThanOrEqual(0);
      expect(t.measuredMinutes!).toBeLessThan(b.burnMinutes);
      expect(t.resolveMinutes).not.toBeNull();
      expect(t.resolveMinutes!).toBeGreaterThanOrEqual(0);
    }
  }
  // a bigger burn is never detected later
  for (const [i, t] of burns[1]!.tiers.entries()) expect(t.measuredMinutes!).toBeLessThanOrEqual(burns[0]!.tiers[i]!.measuredMinutes!);
}, 120_000);
