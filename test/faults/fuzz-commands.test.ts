// Fuzzing the command path up to the enqueue (the generators and the check: scenarios/fuzz.ts): with
// 104,000 generated lines, nothing crashes, every refusal is one IRC line of at most 400 bytes with no
// control character, and no control character reaches a job.
import { describe, expect, test } from '@jest/globals';
import { FAMILIES, realish, run } from './scenarios/fuzz.js';

describe('the command path under 100,000+ generated lines', () => {
  // numRuns add up to 104,000
  test.each(FAMILIES)('%s: no crash, every refusal one clean IRC line ≤ 400 bytes', (_what, arb, numRuns) => {
    const out = run(arb, numRuns);
    expect(out.crashes.slice(0, 5)).toEqual([]);
    expect(out.refused + out.accepted).toBe(numRuns);
  });

  test('the generators reach the verbs: some lines pass the parser and a verb accepts them', () => {
    const out = run(realish, 3000);
    expect(out.accepted).toBeGreaterThan(100);
    expect(out.refused).toBeGreaterThan(100);
  });
});
