import { describe, expect, it } from '@jest/globals';
import { UsageError, UserError } from '../src/core/errors.js';
import { ServiceRegistry } from '../src/core/registry.js';
import { parseMaintArgs } from '../src/maintenance/args.js';
import { formatDuration, parseDuration, relative } from '../src/maintenance/duration.js';
import { utc, utcRange } from '../src/maintenance/when.js';
import { exampleConfig } from './support/config.js';

const registry = new ServiceRegistry(exampleConfig());
const NOW = Date.parse('2026-06-10T11:55:00Z');
const parse = (text: string, now = NOW) => parseMaintArgs(text.split(/\s+/).filter(Boolean), registry, now);
const fails = (text: string): string => {
  try {
    parse(text);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error(`parsed: ${text}`);
};

describe('durations', () => {
  it('reads what people type and says it back short', () => {
    expect(parseDuration('30m')).toBe(30 * 60_000);
    expect(parseDuration('1h30m')).toBe(90 * 60_000);
    expect(parseDuration('2d')).toBe(2 * 86400_000);
    expect(parseDuration('PT45M')).toBe(45 * 60_000);
    expect(parseDuration('0m')).toBe(0);
    expect(parseDuration('DB')).toBeUndefined();
    expect(parseDuration('h')).toBeUndefined();
    expect(formatDuration(125 * 60_000)).toBe('2h 5m');
    expect(formatDuration(30 * 60_000)).toBe('30m');
    expect(formatDuration(26 * 3600_000)).toBe('1d 2h');
    expect(relative(NOW + 125 * 60_000, NOW)).toBe('in 2h 5m');
    expect(relative(NOW - 12 * 60_000, NOW)).toBe('12m ago');
  });
  it('shows UTC, with the date only when it is not today', () => {
    expect(utc(Date.parse('2026-06-10T14:00:00Z'), NOW)).toBe('14:00 UTC');
    expect(utc(Date.parse('2026-12-01T14:00:00Z'), NOW)).toBe('2026-12-01 14:00 UTC');
    expect(utcRange(Date.parse('2026-06-10T14:00:00Z'), Date.parse('2026-06-10T14:30:00Z'), NOW)).toBe('14:00–14:30 UTC');
    expect(utcRange(Date.parse('2026-06-10T23:00:00Z'), Date.parse('2026-06-11T01:00:00Z'), NOW)).toBe('23:00 UTC – 2026-06-11 01:00 UTC');
  });
});

describe('maint <service> <start> <duration> <reason…>', () => {
  it.each([
    ['superset 2026-12-01T14:00Z 30m DB upgrade', '2026-12-01T14:00:00.000Z', 30],
    ['superset 2026-12-01T16:00+02:00 30m DB upgrade', '2026-12-01T14:00:00.000Z', 30],
    ['superset now 1h DB upgrade', '2026-06-10T11:55:00.000Z', 60],
    ['superset 14:00 UTC 30m DB upgrade', '2026-06-10T14:00:00.000Z', 30],
    ['superset 14:00 30m DB upgrade', '2026-06-10T14:00:00.000Z', 30],
    ['superset tomorrow 09:30 UTC 45m DB upgrade', '2026-06-11T09:30:00.000Z', 45],
    ['superset in 2h 30m DB upgrade', '2026-06-10T13:55:00.000Z', 30],
  ])('%s', (text, start, minutes) => {
    const r = parse(text);
    expect(r).toMatchObject({ action: 'create', service: 'superset', start: Date.parse(start), end: Date.parse(start) + minutes * 60_000 });
    if (r.action === 'create') expect(r.reason).toMatch(/DB upgrade|30m of downtime/);
  });

  it('takes an environment when the second word names one', () => {
    expect(parse('superset staging now 30m reindex')).toMatchObject({ service: 'superset', environment: 'staging' });
  });

  it('reads a start a moment ago as now', () => {
    expect(parse('superset 11:54 UTC 30m x')).toMatchObject({ start: NOW });
  });

  it('reads list, cancel and extend', () => {
    expect(parse('list')).toEqual({ action: 'list' });
    expect(parse('list superset')).toEqual({ action: 'list', service: 'superset' });
    expect(parse('cancel #3')).toEqual({ action: 'cancel', id: 3 });
    expect(parse('extend 3 30m')).toEqual({ action: 'extend', id: 3, byMs: 30 * 60_000 });
  });

  it.each([
    ['superset 10:00 UTC 30m DB upgrade', /^start 10:00 UTC is in the past \(it is 11:55 UTC now\): use now or a later time$/],
    ['superset now 0m DB upgrade', /^duration must be longer than 0 \(e\.g\. 30m\)$/],
    ['superset now 90d DB upgrade', /^duration 90d is longer than the limit of 7d \(maintenance\.maxDuration\)$/],
    ['supreset now 30m DB upgrade', /^unknown service "supreset" \(did you mean superset\?\)$/],
    ['lsit', /^unknown service "lsit" \(did you mean list\b/],
    ['superset now thirty DB upgrade', /^duration "thirty" not understood: say 30m, 2h or 1h30m$/],
    ['superset whenever 30m DB upgrade', /^start "whenever 30m DB" not understood: say now, 14:00 UTC/],
    ['superset tomorrow 30m DB upgrade', /^start "tomorrow" needs a time of day, e\.g\. tomorrow 09:30 UTC$/],
    ['superset now 30m', /^say why: maint superset now 30m <reason…>/],
    ['superset', /^maint superset <start> <duration> <reason…>: when\?/],
    ['cancel', /^maint cancel: which window\? give its number/],
    ['extend 3', /^maint extend 3: how long\?/],
    ['extend 3 0m', /^duration must be longer than 0/],
    ['', /^usage: maint <service>/],
    [`superset now 30m ${'x'.repeat(300)}`, /^reason too long \(300 characters; at most 200\)/],
  ])('%s → one clear line', (text, expected) => {
    const line = fails(text);
    expect(line).toMatch(expected);
    expect(line).not.toMatch(/[\r\n]/);
  });

  it('is a UsageError for bad input, never a crash', () => {
    expect(() => parse('superset now 30m')).toThrow(UsageError);
  });
});
