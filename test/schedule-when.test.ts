// The time words of a scheduled change: split off the end of a command's words, then read with a clock.
import { describe, expect, it } from '@jest/globals';
import { resolveSchedule, splitSchedule } from '../src/commands/when.js';

const now = Date.parse('2026-12-01T12:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

describe('splitSchedule', () => {
  it.each([
    ['production at 14:00 UTC', ['production'], 'at 14:00 UTC'],
    ['production in 2h', ['production'], 'in 2h'],
    ['production tomorrow 09:30 UTC', ['production'], 'tomorrow 09:30 UTC'],
    ['production tomorrow at 09:30 UTC', ['production'], 'tomorrow at 09:30 UTC'],
    // the environment of a verb that takes it last stays last once the time is off
    ['ALERT_REPORTS on staging in 2h', ['ALERT_REPORTS', 'on', 'staging'], 'in 2h'],
    // options stay with the words wherever they were typed
    ['production at 2026-12-01T14:00:05Z --during-maintenance', ['production', '--during-maintenance'], 'at 2026-12-01T14:00:05Z'],
    // a time it cannot read is still taken as the time (the asker hears why), not as arguments
    ['production at noonish', ['production'], 'at noonish'],
  ])('%s', (text, words, schedule) => {
    expect(splitSchedule(text.split(' '))).toEqual({ words, schedule });
  });

  it('leaves words without a time alone', () => {
    expect(splitSchedule(['production'])).toEqual({ words: ['production'] });
    expect(splitSchedule(['4.1.2', 'staging', '--shared'])).toEqual({ words: ['4.1.2', 'staging', '--shared'] });
    // an image version that looks like a date is a version
    expect(splitSchedule(['2026-02-16-150514', 'staging'])).toEqual({ words: ['2026-02-16-150514', 'staging'] });
    expect(splitSchedule(['2026-02-16-150514', 'staging', 'in', '2h'])).toEqual({ words: ['2026-02-16-150514', 'staging'], schedule: 'in 2h' });
  });
});

describe('resolveSchedule', () => {
  it('reads the maintenance time forms, in UTC', () => {
    expect(iso(resolveSchedule('at 14:00 UTC', now))).toBe('2026-12-01T14:00:00.000Z');
    expect(iso(resolveSchedule('in 2h', now))).toBe('2026-12-01T14:00:00.000Z');
    expect(iso(resolveSchedule('tomorrow 09:30 UTC', now))).toBe('2026-12-02T09:30:00.000Z');
    expect(iso(resolveSchedule('at 2026-12-01T12:00:02Z', now))).toBe('2026-12-01T12:00:02.000Z');
  });

  it.each([
    ['at 11:00 UTC', '11:00 UTC is in the past (it is 12:00 UTC now): give a later time, or leave the time out to do it now'],
    ['at 12:00 UTC', '12:00 UTC is in the past (it is 12:00 UTC now): give a later time, or leave the time out to do it now'],
    ['in 31d', '2027-01-01 12:00 UTC is more than 30d ahead: schedule changes at most that far'],
    ['tomorrow', 'time "tomorrow" needs a time of day, e.g. tomorrow 09:30 UTC'],
    ['at 25:00', 'time "at 25:00" not understood: say at 14:00 UTC, in 2h, tomorrow 09:30 UTC or at 2026-12-01T14:00Z'],
  ])('%s → one clear line', (text, message) => {
    expect(() => resolveSchedule(text, now)).toThrow(message);
  });

  it('takes 30 days ahead, not a minute more', () => {
    expect(iso(resolveSchedule('in 30d', now))).toBe('2026-12-31T12:00:00.000Z');
    expect(() => resolveSchedule('in 30d 1m', now)).toThrow(/more than 30d ahead/);
  });
});
