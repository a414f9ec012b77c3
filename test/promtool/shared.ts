import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { GOLDEN_CASES, ROOT } from '../golden/cases';

/** Every generated rule file passes `promtool check rules`, every generated test file `promtool test rules`. */

function files(dir: string, suffix: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d).sort()) {
      const p = path.join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith(suffix)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

export function promtool(args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn('promtool', args, { cwd });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    p.on('error', (e) => resolve({ code: -1, output: `${e.message}: install promtool with scripts/setup-test-tools.sh` }));
    p.on('close', (code) => resolve({ code, output }));
  });
}

/** Split in two shards (generated-a/-b.test.ts) so that jest's two workers share the promtool runs. */
const SHARDS = 2;
const dirs = GOLDEN_CASES.map((c) => path.join(ROOT, c.out));

const rel = (p: string) => path.relative(ROOT, p);

/** Registers the checks of one shard. */
export function promtoolSuite(shard: number): void {
  const mine = <T>(xs: T[]) => xs.filter((_, i) => i % SHARDS === shard);
  describe('promtool check rules', () => {
    it.each(mine(dirs.flatMap((d) => files(d, '.rules.yaml')).map(rel)))('%s', async (file) => {
      const r = await promtool(['check', 'rules', path.basename(file)], path.join(ROOT, path.dirname(file)));
      expect({ file, code: r.code, output: r.output }).toMatchObject({ file, code: 0 });
      expect(r.output).toContain('SUCCESS');
    });
  });

  describe('promtool test rules', () => {
    it.each(mine(dirs.flatMap((d) => files(d, '.test.yaml')).map(rel)))(
      '%s',
      async (file) => {
        const r = await promtool(['test', 'rules', path.basename(file)], path.join(ROOT, path.dirname(file)));
        expect({ file, code: r.code, output: r.output }).toMatchObject({ file, code: 0 });
        expect(r.output).toContain('SUCCESS');
      },
      600_000,
    );
  });
}
