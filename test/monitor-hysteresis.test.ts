import { describe, expect, it } from '@jest/globals';
import { initialState, step, type EnvState } from '../src/monitor/hysteresis.js';

const T = { downAfterMs: 60_000, upAfterMs: 60_000 };
const S = 1000;

/** Feed (time in s, healthy) observations; collect transitions. */
function run(seq: [number, boolean][], thresholds = T): { state: EnvState; transitions: string[] } {
  let state = initialState(0);
  const transitions: string[] = [];
  for (const [t, healthy] of seq) {
    const r = step(state, healthy, t * S, thresholds);
    state = r.state;
    if (r.transition?.to === 'down') transitions.push(`down@${t} since ${r.transition.since / S}`);
    if (r.transition?.to === 'up') transitions.push(`up@${t} after ${r.transition.outageMs / S}`);
  }
  return { state, transitions };
}

describe('hysteresis', () => {
  it('goes DOWN only once the condition held downAfter, and RECOVERED once clear upAfter, with the outage length', () => {
    const { transitions } = run([
      [0, true],
      [10, false],
      [40, false],
      [69, false],
      [70, false],
      [80, false],
      [700, true],
      [730, true],
      [760, true],
      [800, true],
    ]);
    expect(transitions).toEqual(['down@70 since 10', 'up@760 after 690']);
  });

  it('says nothing while a pod flaps faster than the thresholds', () => {
    const seq: [number, boolean][] = [];
    for (let t = 0; t < 3600; t += 30) seq.push([t, (t / 30) % 2 === 0]);
    expect(run(seq).transitions).toEqual([]);
  });

  it('does not recover on a short healthy blip while down', () => {
    const { transitions, state } = run([
      [0, false],
      [60, false],
      [100, true],
      [130, false],
      [200, true],
      [230, false],
    ]);
    expect(transitions).toEqual(['down@60 since 0']);
    expect(state.status).toBe('down');
  });

  it('with thresholds 0, turns on the first observation', () => {
    expect(
      run(
        [
          [0, false],
          [1, true],
        ],
        { downAfterMs: 0, upAfterMs: 0 },
      ).transitions,
    ).toEqual(['down@0 since 0', 'up@1 after 1']);
  });

  it('asks for a write only when something changed', () => {
    const s = initialState(0);
    expect(step(s, true, 1000, T).changed).toBe(false);
    const pending = step(s, false, 1000, T);
    expect(pending.changed).toBe(true);
    expect(step(pending.state, false, 2000, T).changed).toBe(false);
  });
});
