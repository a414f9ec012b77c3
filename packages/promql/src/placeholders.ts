import { applyEdits, type Edit, type OffsetMap } from './edits';

/**
 * The window placeholders that SLO generators put into queries before rendering them:
 * `{{.window}}` / `{{ .window }}` (Sloth, Go templates), `$window` and `${window}` (shell/Grafana style).
 * Not global on purpose: a shared global RegExp carries `lastIndex` between calls.
 */
export const windowPlaceholderPattern: RegExp = /\{\{\s*\.window\s*\}\}|\$\{window\}|\$window(?![A-Za-z0-9_])/;

export function hasWindowPlaceholder(query: string): boolean {
  return windowPlaceholderPattern.test(query);
}

/** Replaces every placeholder with `window`, keeping a map back to the original offsets. */
export function substituteWindowMapped(query: string, window: string): { text: string; map: OffsetMap } {
  const edits: Edit[] = [];
  for (const m of query.matchAll(new RegExp(windowPlaceholderPattern.source, 'g'))) {
    const from = m.index ?? 0;
    edits.push({ from, to: from + m[0].length, insert: window });
  }
  return applyEdits(query, edits);
}

/**
 * Replaces each window placeholder with `window` (e.g. `5m`). `toOriginal` maps an offset in the
 * substituted text to the original one; an offset inside a replaced span maps to the placeholder start.
 */
export function substituteWindow(query: string, window: string): { text: string; toOriginal(offset: number): number } {
  const { text, map } = substituteWindowMapped(query, window);
  return { text, toOriginal: (offset: number) => map.toOriginal(offset) };
}
