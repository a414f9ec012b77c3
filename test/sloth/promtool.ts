import { execFile } from 'node:child_process';

export interface PromtoolResult {
  ok: boolean;
  output: string;
  seconds: number;
}

/** `promtool test rules <file>` in `cwd` (rule_files are relative to it). */
function promtoolTest(cwd: string, file: string): Promise<PromtoolResult> {
  const start = Date.now();
  return new Promise((resolve) => {
    execFile('promtool', ['test', 'rules', file], { cwd, maxBuffer: 64 * 1024 * 1024, timeout: 10 * 60 * 1000 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}${error && !('code' in error && typeof error.code === 'number') ? `\n${error.message}` : ''}`, seconds: (Date.now() - start) / 1000 });
    });
  });
}

/** Runs promtool test files at most `slots` at a time, in the order they were queued. */
export class PromtoolPool {
  private running = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly slots: number) {}

  run(cwd: string, file: string): Promise<PromtoolResult> {
    return new Promise((resolve) => {
      const start = () => {
        this.running++;
        void promtoolTest(cwd, file).then((r) => {
          this.running--;
          this.queue.shift()?.();
          resolve(r);
        });
      };
      if (this.running < this.slots) start();
      else this.queue.push(start);
    });
  }
}
