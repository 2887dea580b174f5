// Nothing from data (pod names, tool output, user text) may reach a chat line with a
// control character in it: CR/LF would let data inject IRC commands, and C0/C1 codes
// and bidi overrides garble or disguise what people read.

// C0 + DEL + C1 controls, Unicode line/paragraph separators, bidi embeddings/overrides/isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const BREAKING = /[\t\r\n\u000b\u000c\u2028\u2029]+/g;

/** One line of plain text: line breaks and tabs become a space, every other control character is dropped. */
export function oneLine(text: string): string {
  return text.replace(BREAKING, ' ').replace(CONTROL, '');
}

/** At most `max` characters (code points, so an emoji is never cut in half), with … when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

/** User text quoted back in an error: one line, and short. */
export function quoteBack(text: string, max = 40): string {
  return clip(oneLine(text), max);
}

export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}
