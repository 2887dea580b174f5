import fc from 'fast-check';
import { splitLine } from '../src/bot/split.js';
import { clip, hasControl, oneLine, quoteBack } from '../src/core/sanitize.js';

// Every bidi and invisible control the README promises to strip, and what is kept on purpose.
const BIDI = ['\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', '\u202E', '\u2066', '\u2067', '\u2068', '\u2069'];
const INVISIBLE = ['\u00AD', '\u180E', '\u200B', '\u200C', '\u200D', '\u2060', '\u2061', '\u2064', '\uFEFF', '\uFFF9', '\u{E0001}', '\u{E0041}', '\u{E007F}'];

const FLAG_SCOTLAND = '\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}';
const TECHNOLOGIST = '\u{1F469}\u200D\u{1F4BB}'; // 👩‍💻
const RAINBOW_FLAG = '\u{1F3F3}\uFE0F\u200D\u{1F308}'; // 🏳️‍🌈
const FAMILY = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}'; // 👨‍👩‍👧
const TONED = '\u{1F469}\u{1F3FD}\u200D\u{1F4BB}'; // 👩🏽‍💻

describe('oneLine', () => {
  it.each(BIDI.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))('strips the bidi control %s', (_name, c) => {
    expect(oneLine(`deploy ${c}staging${c}`)).toBe('deploy staging');
    expect(hasControl(`a${c}b`)).toBe(true);
  });

  it.each(INVISIBLE.map((c) => [`U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`, c]))(
    'strips the invisible format character %s',
    (_name, c) => {
      expect(oneLine(`pro${c}duction`)).toBe('production');
    },
  );

  it('strips every format character (Unicode Cf) outside the emoji exceptions', () => {
    const cf: string[] = [];
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (/\p{Cf}/u.test(c)) cf.push(c);
    }
    expect(cf.length).toBeGreaterThan(150);
    const stripped = oneLine(`x${cf.join('x')}x`);
    expect(stripped).toBe('x'.repeat(cf.length + 1));
  });

  it('keeps a joiner inside emoji sequences and a subdivision flag, so emoji stay one emoji', () => {
    for (const e of [TECHNOLOGIST, RAINBOW_FLAG, FAMILY, TONED, FLAG_SCOTLAND, '\u{1F3F4}\u200D\u2620\uFE0F']) {
      expect(oneLine(`done ${e} ok`)).toBe(`done ${e} ok`);
      expect(hasControl(e)).toBe(false);
    }
  });

  it('strips a joiner between letters or at an edge, and tags that are not a flag (hidden text)', () => {
    expect(oneLine('al\u200Dice')).toBe('alice');
    expect(oneLine('\u200D\u{1F469}')).toBe('\u{1F469}');
    expect(oneLine('\u{1F469}\u200D')).toBe('\u{1F469}');
    expect(oneLine('a\u200D\u{1F4BB}')).toBe('a\u{1F4BB}');
    // "ok" followed by invisible tag characters spelling "rm -rf"
    const smuggled = 'ok' + [...'rm -rf'].map((ch) => String.fromCodePoint(0xe0000 + ch.charCodeAt(0))).join('');
    expect(oneLine(smuggled)).toBe('ok');
    // a flag shape with too many tags is no flag
    expect(oneLine('\u{1F3F4}' + '\u{E0061}'.repeat(7) + '\u{E007F}')).toBe('\u{1F3F4}');
  });

  it('keeps CR/LF/NUL/C1 out, as before, and lone surrogates too', () => {
    expect(oneLine('a\r\nb\u0000c\u0085d\u009be\uD800f')).toBe('a bc def');
  });

  it('never leaves a joiner or tag half of a cut emoji at the end of a clipped line', () => {
    expect(clip(`ab${TECHNOLOGIST}`, 4)).toBe('ab\u{1F469}…');
    expect(hasControl(quoteBack(`${'x'.repeat(37)}${FLAG_SCOTLAND}`))).toBe(false);
  });

  it('what reaches IRC (splitLine) carries no bidi or invisible control, whatever the input', () => {
    const nasty = fc.constantFrom(...BIDI, ...INVISIBLE, '\u{1F469}', '\u{1F4BB}', '\uFE0F', '\u{1F3F4}', '\u{E0067}', ' ', 'a');
    fc.assert(
      fc.property(
        fc.array(fc.oneof(nasty, fc.string({ unit: 'binary', maxLength: 4 })), { maxLength: 200 }),
        fc.integer({ min: 20, max: 400 }),
        (parts, max) => {
          for (const p of splitLine(parts.join(''), max)) {
            expect(hasControl(p)).toBe(false);
            for (const c of [...BIDI, '\u200B', '\uFEFF']) expect(p).not.toContain(c);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
