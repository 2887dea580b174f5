import { oneLine } from '../core/sanitize.js';

// ICU's grapheme segmenter costs ~2.6 MB of memory (measured here): it is made the first time a line
// to split has text beyond ASCII, where every character is a grapheme of its own (CR/LF never remain).
let segmenter: Intl.Segmenter | undefined;
function* graphemes(text: string): Generator<string> {
  if (/^[\x00-\x7f]*$/.test(text)) return yield* text;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  for (const { segment } of segmenter.segment(text)) yield segment;
}
const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/**
 * Split text into chunks of at most `maxBytes` UTF-8 bytes, breaking at a space when one is near,
 * never inside a character (or a grapheme such as an emoji with modifiers).
 * Control characters are removed first: no CR/LF from data ever reaches a protocol line.
 */
export function splitLine(text: string, maxBytes: number): string[] {
  const clean = oneLine(text);
  if (bytes(clean) <= maxBytes) return [clean];
  const out: string[] = [];
  let current = '';
  let size = 0;
  let lastSpace = -1; // index in `current` after the last space
  for (const segment of graphemes(clean)) {
    const n = bytes(segment);
    if (size + n > maxBytes && current) {
      // prefer the last space if it keeps at least half the line
      if (lastSpace > 0 && bytes(current.slice(0, lastSpace)) >= maxBytes / 2) {
        out.push(current.slice(0, lastSpace).trimEnd());
        current = current.slice(lastSpace);
      } else {
        out.push(current);
        current = '';
      }
      size = bytes(current);
      lastSpace = -1;
    }
    current += segment;
    size += n;
    if (segment === ' ') lastSpace = current.length;
  }
  if (current.trim()) out.push(current);
  return out.filter((l) => l.length > 0);
}
