import { distance } from 'fastest-levenshtein';

/** The last word of a camelCase or snake_case name, lower-cased: `metricSourceType` → `type`. */
function lastWord(word: string): string {
  const parts = word.split(/(?=[A-Z])|[-_.]/).filter(Boolean);
  return (parts[parts.length - 1] ?? '').toLowerCase();
}

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
  if (lower.length >= 3) {
    const prefix = candidates.find((c) => c.toLowerCase().startsWith(lower) || lower.startsWith(c.toLowerCase()));
    if (prefix) return prefix;
  }
  // a qualified name whose last word is a field here (metricSourceType → type): other tools prefix field names
  const last = lastWord(word);
  return last.length >= 3 && last !== lower ? candidates.find((c) => c.toLowerCase() === last) : undefined;
}

export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  const c = closest(word, candidates);
  return c !== undefined && c !== word ? `did you mean "${c}"?` : undefined;
}

/** Letters whose English name starts with a vowel sound (an "F", an "S"): the article of an acronym. */
const VOWEL_SOUND_LETTERS = new Set('AEFHILMNORSX');

/** "a" or "an" for a noun as written in messages: kinds (AlertPolicy, SLI, DataSource) and plain words. */
export function article(word: string): 'a' | 'an' {
  // an acronym (SLI, SLO, HTTP) is read letter by letter
  if (/^[A-Z]{2,}/.test(word)) return VOWEL_SOUND_LETTERS.has(word[0]!) ? 'an' : 'a';
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

/** The word with its article: `an AlertPolicy`, `a DataSource`, `an SLI`. */
export function withArticle(word: string): string {
  return `${article(word)} ${word}`;
}

/**
 * A name written with only the characters `allowed` matches, keeping the word's letters: accents are
 * dropped (NFKD splits é into e and a combining mark), and whatever is still not allowed becomes "-".
 */
export function transliterate(value: string, invalid: RegExp): string {
  return value
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(invalid, '-');
}
