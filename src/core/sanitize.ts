// Nothing from data (pod names, tool output, user text) may reach a chat line with a
// control character in it: CR/LF would let data inject IRC commands, and C0/C1 codes,
// bidi controls and invisible format characters garble or disguise what people read
// ("deploy staging" that displays as "deploy production", a nick with a hidden mark in it).
//
// What is stripped: every C0/C1 control and DEL (Unicode Cc), the line and paragraph separators,
// lone surrogates (Cs: they would reach the wire as U+FFFD), and every format character (Cf). Cf is
// where all bidi and invisible controls live: the marks U+200E/U+200F and U+061C, the embeddings and
// overrides U+202A–U+202E, the isolates U+2066–U+2069, zero-width space/joiners U+200B–U+200D, word
// joiner and invisible operators U+2060–U+2064, U+FEFF, the soft hyphen, the Mongolian vowel
// separator, interlinear annotation, and the tag characters U+E0000–U+E007F (which can carry text
// no one sees). None of them is needed to read a pod name, a log line or a command.
//
// Two exceptions, both inside emoji, where the character cannot reorder, hide or disguise text:
// - U+200D ZERO WIDTH JOINER between two emoji (👩‍💻, 🏳️‍🌈, 👨‍👩‍👧): there it only asks the font
//   for a combined glyph, and a font without one shows the emoji side by side. Stripping it would
//   turn one emoji people typed into two. Anywhere else (between letters, at an edge) it goes: it can
//   make two different strings look identical.
// - a subdivision-flag tag sequence (🏴 + tag letters/digits + CANCEL TAG, e.g. the flag of
//   Scotland): a fixed shape of at most six tags, so it cannot smuggle a message; any other tag goes.
// Scripts that use ZWNJ/ZWJ between letters (Persian, some Indic) render slightly differently
// without them; that is the price of never showing a disguised line.

const KEEP = String.raw`(?<=[\p{Extended_Pictographic}\p{Emoji_Modifier}\uFE0F])\u200D(?=\p{Extended_Pictographic})|\u{1F3F4}[\u{E0030}-\u{E0039}\u{E0061}-\u{E007A}]{1,6}\u{E007F}`;
const CONTROL = new RegExp(String.raw`(${KEEP})|[\p{Cc}\p{Cf}\p{Cs}\u2028\u2029]`, 'gu');
const BREAKING = /[\t\r\n\u000b\u000c\u0085\u2028\u2029]+/g;

function strip(text: string): string {
  return text.replace(CONTROL, (_m, keep: string | undefined) => keep ?? '');
}

/** One line of plain text: line breaks and tabs become a space, every other control character is dropped. */
export function oneLine(text: string): string {
  return strip(text.replace(BREAKING, ' '));
}

/** At most `max` characters (code points, so an emoji is never cut in half), with … when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  // a cut inside an emoji ZWJ or flag sequence would leave a joiner or tags that no longer belong to one
  return (
    chars
      .slice(0, max - 1)
      .join('')
      .replace(/(?:\u200D|[\u{E0020}-\u{E007E}]+)$/u, '') + '…'
  );
}

/** User text quoted back in an error: one line, and short. */
export function quoteBack(text: string, max = 40): string {
  return clip(oneLine(text), max);
}

/** Does text hold anything oneLine() would remove (or turn into a space)? */
export function hasControl(text: string): boolean {
  return strip(text) !== text;
}
