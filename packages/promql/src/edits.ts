/**
 * Text replacement that remembers where things came from, so problems found in the rewritten
 * text can be reported at the right place in the text the user wrote.
 */

export interface Edit {
  from: number;
  to: number;
  insert: string;
}

/** Maps offsets in a rewritten text back to the text it was made from. */
export interface OffsetMap {
  /** Start of a range: an offset inside a replaced span maps to the start of what it replaced. */
  toOriginal(offset: number): number;
  /** End of a range: an offset inside (or at the end of) a replaced span maps to the end of what it replaced. */
  toOriginalEnd(offset: number): number;
}

interface Span {
  /** Position of the inserted text in the new text. */
  from: number;
  to: number;
  /** Position of the replaced text in the old text. */
  origFrom: number;
  origTo: number;
}

export const identityMap: OffsetMap = {
  toOriginal: (offset) => offset,
  toOriginalEnd: (offset) => offset,
};

/** Applies non-overlapping edits (overlapping or out-of-range ones are skipped). */
export function applyEdits(text: string, edits: readonly Edit[]): { text: string; map: OffsetMap } {
  const sorted = [...edits].sort((a, b) => a.from - b.from || a.to - b.to);
  const spans: Span[] = [];
  const parts: string[] = [];
  let last = 0;
  let outLen = 0;
  for (const e of sorted) {
    if (e.from < last || e.to < e.from || e.to > text.length) continue;
    const kept = text.slice(last, e.from);
    parts.push(kept, e.insert);
    outLen += kept.length;
    spans.push({ from: outLen, to: outLen + e.insert.length, origFrom: e.from, origTo: e.to });
    outLen += e.insert.length;
    last = e.to;
  }
  parts.push(text.slice(last));
  const newText = parts.join('');
  return { text: newText, map: spanMap(spans, newText.length) };
}

function spanMap(spans: readonly Span[], length: number): OffsetMap {
  if (spans.length === 0) return identityMap;
  const clamp = (o: number): number => (Number.isFinite(o) ? Math.min(Math.max(Math.trunc(o), 0), length) : 0);
  /** Index of the last span whose start satisfies `ok`, or -1 (spans are sorted by start). */
  const lastSpan = (ok: (s: Span) => boolean): number => {
    let lo = 0;
    let hi = spans.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = spans[mid] as Span;
      if (ok(s)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  return {
    toOriginal(offset) {
      const o = clamp(offset);
      const s = spans[lastSpan((sp) => sp.from <= o)];
      if (!s) return o;
      // `o === s.from` covers empty insertions, which still stand for the text they replaced.
      if (o < s.to || o === s.from) return s.origFrom;
      return s.origTo + (o - s.to);
    },
    toOriginalEnd(offset) {
      const o = clamp(offset);
      const s = spans[lastSpan((sp) => sp.from < o)];
      if (!s) return o;
      if (o <= s.to) return s.origTo;
      return s.origTo + (o - s.to);
    },
  };
}

/** `outer` maps middle→original and `inner` maps new→middle; the result maps new→original. */
export function composeMaps(outer: OffsetMap, inner: OffsetMap): OffsetMap {
  return {
    toOriginal: (o) => outer.toOriginal(inner.toOriginal(o)),
    toOriginalEnd: (o) => outer.toOriginalEnd(inner.toOriginalEnd(o)),
  };
}
