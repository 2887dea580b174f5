// The DOWN/RECOVERED decision, as a pure function of the stored state, what is seen now, and the time:
// DOWN only once the condition has held `downAfterMs`, RECOVERED once it has been clear `upAfterMs`. A
// pod flapping faster than that never changes the state, so it never floods a channel.

export interface EnvState {
  status: 'up' | 'down';
  /** When the current status began (down: when the condition was first seen). */
  since: number;
  /** The opposite condition first seen at (cleared when it goes away before the threshold). */
  pendingSince?: number;
  /** Bumped on every write (compare-and-set across monitor processes). */
  version: number;
  /** The last DOWN's facts, for the RECOVERED line. */
  detail?: string;
  /** The DOWN was expected and not announced (monitor.expected: quiet): neither is its recovery. */
  quiet?: boolean;
}

export interface Thresholds {
  downAfterMs: number;
  upAfterMs: number;
}

export type Transition = { to: 'down'; since: number } | { to: 'up'; downSince: number; outageMs: number; at: number };

export function initialState(now: number): EnvState {
  return { status: 'up', since: now, version: 0 };
}

/** The next state; `changed` says whether it must be written, `transition` whether to announce. */
export function step(s: EnvState, healthy: boolean, now: number, t: Thresholds): { state: EnvState; changed: boolean; transition?: Transition } {
  const bad = s.status === 'up' ? !healthy : healthy;
  if (!bad) {
    if (s.pendingSince === undefined) return { state: s, changed: false };
    const { pendingSince: _p, ...rest } = s;
    return { state: rest, changed: true };
  }
  const pendingSince = s.pendingSince ?? now;
  const threshold = s.status === 'up' ? t.downAfterMs : t.upAfterMs;
  if (now - pendingSince < threshold) {
    return s.pendingSince === undefined ? { state: { ...s, pendingSince }, changed: true } : { state: s, changed: false };
  }
  if (s.status === 'up') {
    return { state: { status: 'down', since: pendingSince, version: s.version }, changed: true, transition: { to: 'down', since: pendingSince } };
  }
  return {
    state: { status: 'up', since: pendingSince, version: s.version },
    changed: true,
    transition: { to: 'up', downSince: s.since, outageMs: Math.max(0, pendingSince - s.since), at: pendingSince },
  };
}
