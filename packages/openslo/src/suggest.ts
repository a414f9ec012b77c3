import { distance } from 'fastest-levenshtein';

/** The closest candidate to a misspelt word, if it is close enough to be a likely typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const lower = word.toLowerCase();
  const exactCase = candidates.find((c) => c.toLowerCase() === lower);
  if (exactCase) return exactCase;
  let best: string | undefined;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = distance(lower, c.toLowerCase());
    if (d < bestDist) {
      bestDist = d;
      best = c;
    }
  }
  const limit = Math.max(1, Math.min(3, Math.floor(word.length / 3)));
  if (best !== undefined && bestDist <= limit) return best;
  return candidates.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase())) && lower.length >= 3
    ? candidates.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()))
    : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const c = closest(word, candidates);
  return c !== undefined && c !== word ? `did you mean "${c}"?` : undefined;
}
