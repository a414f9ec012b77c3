/**
 * Headless Debian `chromium` for tests of HTML output: screenshots, the DOM after the page's scripts ran, and
 * the console. Test support only (tsconfig leaves this folder out of the package). Without chromium the
 * suites that need it register one skipped test and print one line, as the corpus suites do.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CHROMIUM_SKIPPED = 'skipped: chromium is not on PATH (bash scripts/setup-test-tools.sh installs the Debian package chromium)';

/** The chromium binary on PATH, if any. */
export function findChromium(): string | undefined {
  const r = spawnSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

let reported = false;

/** `describe(name, fn)` when chromium is there; otherwise one skipped test and one line on standard error. */
export function describeWithChromium(name: string, fn: () => void): void {
  if (findChromium()) {
    describe(name, fn);
    return;
  }
  if (reported) return;
  reported = true;
  it.skip(CHROMIUM_SKIPPED, () => undefined);
  const file = expect.getState().testPath;
  process.stderr.write(`${file ? path.basename(file) : 'a test file'}: ${CHROMIUM_SKIPPED}\n`);
}

/**
 * Prepended to a page under test: every console.error (and every uncaught error) is logged with this marker,
 * because chromium's log shows every console level alike.
 */
export const CONSOLE_ERROR = 'CONSOLE-ERROR';
const TRAP = `<script>(function(){var e=console.error.bind(console);console.error=function(){e.apply(null,['${CONSOLE_ERROR}'].concat([].slice.call(arguments)));};window.addEventListener('error',function(ev){e('${CONSOLE_ERROR} uncaught: '+ev.message);});})();</script>`;

/**
 * Appended to a page under test: the frame of every plot (page coordinates, CSS pixels) as JSON in the root
 * element's `data-rects`, for --dump-dom to carry out.
 */
const RECTS = `<script>document.documentElement.setAttribute('data-rects',JSON.stringify(Array.prototype.map.call(document.querySelectorAll('svg[data-plot]'),function(s){var f=s.querySelector('rect.frame').getBoundingClientRect();var sec=s.closest('section');return {section:sec?sec.id:'',plot:s.getAttribute('data-plot'),points:Number(s.getAttribute('data-points')),x:f.left+window.scrollX,y:f.top+window.scrollY,w:f.width,h:f.height};})));</script>`;

/** The page with the console trap first in <head> and the rect reporter last in <body>. */
export function instrument(html: string): string {
  const head = html.indexOf('<head>');
  const body = html.lastIndexOf('</body>');
  if (head < 0 || body < 0) throw new Error('not a whole HTML page');
  return html.slice(0, head + 6) + TRAP + html.slice(head + 6, body) + RECTS + html.slice(body);
}

export interface PlotRect {
  section: string;
  plot: string;
  points: number;
  x: number;
  y: number;
  w: number;
  h: number;
}

export interface ChromiumRun {
  stdout: string;
  /** chromium's log (console messages are `...:INFO:CONSOLE:<line>] "<message>", source: ...`). */
  log: string;
}

/** The console messages in a chromium log. */
export function consoleMessages(log: string): string[] {
  return log
    .split('\n')
    .filter((l) => /:CONSOLE[:(]/.test(l))
    .map((l) => {
      const m = /\] "(.*)", source: /.exec(l);
      return m ? m[1]! : l;
    });
}

/** Runs headless chromium on a local file with a fresh profile; rejects when it fails or takes longer than timeoutMs. */
export async function chromium(file: string, args: string[], opts: { width?: number; height?: number; timeoutMs?: number } = {}): Promise<ChromiumRun> {
  const bin = findChromium();
  if (!bin) throw new Error(`chromium not found: ${CHROMIUM_SKIPPED}`);
  const profile = mkdtempSync(path.join(tmpdir(), 'slo-chromium-'));
  const all = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--no-first-run',
    '--no-default-browser-check',
    '--disable-extensions',
    '--disable-background-networking',
    '--hide-scrollbars',
    '--force-device-scale-factor=1',
    '--enable-logging=stderr',
    '--v=0',
    `--user-data-dir=${profile}`,
    `--window-size=${opts.width ?? 1200},${opts.height ?? 2000}`,
    ...args,
    pathToFileURL(file).href,
  ];
  const child = spawn(bin, all, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let log = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (log += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
  try {
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`chromium ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${log.slice(-4000)}`);
    return { stdout, log };
  } finally {
    clearTimeout(timer);
    rmSync(profile, { recursive: true, force: true });
  }
}
