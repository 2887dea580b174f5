import fc from 'fast-check';
import { Pacer } from '../src/bot/pacer.js';
import { splitLine } from '../src/bot/split.js';
import { hasControl, oneLine } from '../src/core/sanitize.js';

describe('splitLine', () => {
  it('keeps short lines whole and strips control characters', () => {
    expect(splitLine('a\r\nPRIVMSG #x :pwned\u0000', 400)).toEqual(['a PRIVMSG #x :pwned']);
  });

  it('breaks at spaces, under the byte limit, never inside a character', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 2000 }), fc.integer({ min: 50, max: 450 }), (text, max) => {
        const parts = splitLine(text, max);
        for (const p of parts) {
          expect(Buffer.byteLength(p)).toBeLessThanOrEqual(max);
          expect(hasControl(p)).toBe(false);
          // a cut inside a character would show as U+FFFD (unless the text had one already)
          if (!text.includes('\uFFFD')) expect(p).not.toContain('\uFFFD');
        }
        // nothing but whitespace is lost
        expect(parts.join('').replace(/\s/g, '')).toBe(oneLine(text).replace(/\s/g, ''));
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a grapheme whole where the line breaks: an emoji with a skin tone, a flag, a combining accent', () => {
    const segments = (t: string) => [...new Intl.Segmenter(undefined, { granularity: 'grapheme' }).segment(t)].map((g) => g.segment);
    for (const g of ['\u{1F44D}\u{1F3FD}', '\u{1F1EB}\u{1F1F7}', 'e\u0301']) {
      for (let pad = 50; pad <= 60; pad++) {
        const text = 'a'.repeat(pad) + g.repeat(3) + 'b'.repeat(40);
        const parts = splitLine(text, 60);
        expect(parts.join('')).toBe(text);
        for (const part of parts) for (const piece of segments(part)) expect(segments(text)).toContain(piece);
      }
    }
  });

  it('prefers word boundaries', () => {
    const parts = splitLine('alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu', 60);
    expect(parts.length).toBe(2);
    expect(parts[0]!.endsWith(' ')).toBe(false);
    expect(parts.join(' ')).toBe('alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu');
  });
});

describe('Pacer', () => {
  it('allows a burst then holds to the steady rate', async () => {
    const pacer = new Pacer(3, 20);
    const start = Date.now();
    const times: number[] = [];
    for (let i = 0; i < 7; i++) {
      await pacer.take();
      times.push(Date.now() - start);
    }
    expect(times[2]!).toBeLessThan(45); // the burst goes at once (a paced line would wait 50 ms)
    // 4 more lines at 20/s need about 200 ms
    expect(times[6]!).toBeGreaterThanOrEqual(180);
  });
});
