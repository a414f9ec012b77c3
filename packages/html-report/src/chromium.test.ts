// @integration: runs Chromium
/**
 * The page in a real browser (headless Debian chromium): the page's own check passes and nothing logs an error,
 * the DOM has its SVG paths, and the screenshot has the series' colours inside each plot that has data and none
 * inside the plots without. Skipped, in one line, where chromium is not installed.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { CHECK_FAILED, CHECK_OK, renderHtml } from './index';
import { COLOURS } from './svg';
import { chromium, CONSOLE_ERROR, consoleMessages, describeWithChromium, instrument, type PlotRect } from './testing/chromium';
import { fixturePage } from './testing/fixture';

const WIDTH = 1200;
const HEIGHT = 2000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'slo-html-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

/** Pixels inside the rect (shrunk by 2 px, off the frame's border) within `tolerance` of the colour. */
function pixelsOf(png: PNG, r: PlotRect, colour: string, tolerance = 60): number {
  const [cr, cg, cb] = rgb(colour);
  let n = 0;
  for (let y = Math.ceil(r.y + 2); y < Math.min(png.height, Math.floor(r.y + r.h - 2)); y++)
    for (let x = Math.ceil(r.x + 2); x < Math.min(png.width, Math.floor(r.x + r.w - 2)); x++) {
      const i = (y * png.width + x) * 4;
      if (Math.abs(png.data[i]! - cr) + Math.abs(png.data[i + 1]! - cg) + Math.abs(png.data[i + 2]! - cb) <= tolerance) n++;
    }
  return n;
}

const SERIES: Record<string, string> = { sli: COLOURS.sli, budget: COLOURS.budget, coverage: COLOURS.coverage };

describeWithChromium('the page in headless chromium', () => {
  let file: string;
  beforeAll(() => {
    file = path.join(dir, 'page.html');
    writeFileSync(file, instrument(renderHtml(fixturePage())));
  });

  it('runs its check without a console error; the DOM has every plot with its paths drawn', async () => {
    const { stdout: dom, log } = await chromium(file, ['--dump-dom'], { width: WIDTH, height: HEIGHT });
    const messages = consoleMessages(log);
    expect(messages.filter((m) => m.includes(CONSOLE_ERROR) || m.includes(CHECK_FAILED))).toEqual([]);
    expect(messages.filter((m) => m.startsWith(CHECK_OK))).toEqual([`${CHECK_OK}: 15 plots`]);
    expect(dom).toContain('data-check="ok"');
    // four objectives: sli, budget, alerts each, coverage for three
    expect(dom.match(/<svg class="plot/g)).toHaveLength(15);
    const paths = dom.match(/<path class="series" data-n="\d+" d="M[0-9. ,-]+"/g) ?? [];
    expect(paths.length).toBeGreaterThanOrEqual(8);
    expect(dom).toMatch(/<circle class="series"/);
  }, 90_000);

  it('the screenshot shows each series inside its plot, and nothing of a series where there is no data', async () => {
    const { stdout: dom } = await chromium(file, ['--dump-dom'], { width: WIDTH, height: HEIGHT });
    const rects = JSON.parse(
      /data-rects="([^"]*)"/
        .exec(dom)![1]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&'),
    ) as PlotRect[];
    const png = path.join(dir, 'page.png');
    await chromium(file, [`--screenshot=${png}`], { width: WIDTH, height: HEIGHT });
    const image = PNG.sync.read(readFileSync(png));
    expect([image.width, image.height]).toEqual([WIDTH, HEIGHT]);
    const visible = rects.filter((r) => r.y + r.h <= HEIGHT && SERIES[r.plot]);
    // the first objective's three plots and the second's, at least, are on screen
    expect(visible.length).toBeGreaterThanOrEqual(6);
    for (const r of visible) {
      const n = pixelsOf(image, r, SERIES[r.plot]!);
      if (r.points > 0) expect({ ...r, pixels: n > 20 }).toEqual({ ...r, pixels: true });
      else expect({ ...r, pixels: n }).toEqual({ ...r, pixels: 0 });
    }
    // and the alert bars of the first objective
    const alerts = rects.find((r) => r.section === 'o1' && r.plot === 'alerts')!;
    expect(pixelsOf(image, alerts, '#ff7f0e', 30)).toBeGreaterThan(20);
  }, 90_000);

  it("a broken plot is caught by the page's check and logged as a console error", async () => {
    const broken = path.join(dir, 'broken.html');
    // the page claims more points than it draws
    writeFileSync(broken, instrument(renderHtml(fixturePage())).replace('data-points="301"', 'data-points="999"'));
    const { log } = await chromium(broken, ['--dump-dom'], { width: WIDTH, height: HEIGHT });
    const errors = consoleMessages(log).filter((m) => m.includes(CONSOLE_ERROR));
    expect(errors).toEqual([expect.stringContaining(`${CHECK_FAILED}: o1/sli: 301 of 999 points drawn`)]);
  }, 90_000);
});
