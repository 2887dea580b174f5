import { distance } from 'fastest-levenshtein';

/** The valid choices closest to what was typed; all of them when there are only a few. */
export function closest(given: string, choices: string[], max = 3): string[] {
  if (choices.length <= max) return [...choices];
  const g = given.toLowerCase();
  const scored = choices
    .map((c) => ({ c, d: c.startsWith(g) && g.length > 0 ? 0 : distance(g, c) }))
    .filter(({ c, d }) => d <= Math.max(2, Math.floor(c.length / 3)))
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c));
  return (scored.length ? scored.map((s) => s.c) : choices).slice(0, max);
}
