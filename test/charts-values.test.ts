// Values-file edits: byte-exact results, comments and layout kept, duplicate keys read like Helm.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parse, parseDocument } from 'yaml';
import { UnsafeEditError, ValuesFileError } from '../src/charts/errors.js';
import { getIn, lookup, readValues, setIn, toPlain } from '../src/charts/values.js';
import { CHART_VALUES, changedLines, STAGING_VALUES } from './support/deployment-charts.js';

const set = (text: string, path: string, value: Parameters<typeof setIn>[2]) => setIn(readValues(text, 'values.yaml'), path.split('.'), value);

describe('reading', () => {
  it('reads the chart values with the duplicated extra_feature_flags key, last one wins like Helm', () => {
    expect(() => parse(CHART_VALUES)).toThrow(/Map keys must be unique/);
    const vf = readValues(CHART_VALUES, 'charts/superset/values.yaml');
    expect(getIn(vf, ['config', 'superset', 'extra_feature_flags'])).toEqual([]);
    expect(lookup(vf, ['config', 'superset', 'extra_feature_flags'])?.line).toBe(39);
    expect(getIn(vf, ['config', 'superset', 'feature_flags'])).toEqual([
      'ENABLE_TEMPLATE_PROCESSING',
      'DASHBOARD_NATIVE_FILTERS',
      'ENABLE_FILTER_BOX_MIGRATION',
      'PRESTO_EXPAND_DATA',
      'CACHE_QUERY_BY_USER',
    ]);
    expect(getIn(vf, ['app', 'version'])).toBe('latest');
    expect(getIn(vf, ['config', 'nothing'])).toBeUndefined();
  });

  it('refuses what is not a values file', () => {
    expect(() => readValues('a: [1\n', 'x.yaml')).toThrow(ValuesFileError);
    expect(() => readValues('a: 1\n---\nb: 2\n', 'x.yaml')).toThrow(/x.yaml is not valid YAML: Source contains multiple documents/);
    expect(() => readValues('- a\n', 'x.yaml')).toThrow('x.yaml: the top level is not a map');
  });
});

describe('editing keeps every other byte', () => {
  it('appends to a one-line flow list: one line changes', () => {
    const out = set(STAGING_VALUES, 'config.superset.extra_feature_flags', ['CACHE_IMPERSONATION', 'CACHE_QUERY_BY_USER', 'ALERT_REPORTS']);
    expect(out).toBe(STAGING_VALUES.replace('[CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]', '[CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]'));
    expect(changedLines(STAGING_VALUES, out)).toEqual({
      removed: ['    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]'],
      added: ['    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]'],
    });
  });

  it('keeps the spacing and quoting of a flow list', () => {
    expect(set('f: [ "A", B ]  # two\n', 'f', ['A', 'B', 'C'])).toBe('f: [ "A", B, C ]  # two\n');
    expect(set('f: [ "A", B ]  # two\n', 'f', ['B'])).toBe('f: [ B ]  # two\n');
    expect(set('f: []\n', 'f', ['A'])).toBe('f: [A]\n');
    expect(set('f: [A]\n', 'f', [])).toBe('f: []\n');
  });

  it('adds one line to a block list, with the indentation of its items; comments stay', () => {
    const text = 'a:\n    # the list\n    flags:\n    - X   # first\n    - Y\n    other: 1\n';
    const out = set(text, 'a.flags', ['X', 'Y', 'Z']);
    expect(out).toBe('a:\n    # the list\n    flags:\n    - X   # first\n    - Y\n    - Z\n    other: 1\n');
    expect(changedLines(text, out)).toEqual({ removed: [], added: ['    - Z'] });
  });

  it('removes one line from a block list; the last item leaves an empty list, not null', () => {
    const text = 'flags:\n  - X # first\n  - Y\n  - Z\nnext: 1\n';
    expect(set(text, 'flags', ['Y', 'Z'])).toBe('flags:\n  - Y\n  - Z\nnext: 1\n');
    expect(set(text, 'flags', ['X', 'Z'])).toBe('flags:\n  - X # first\n  - Z\nnext: 1\n');
    expect(set('flags:\n  - X\nnext: 1\n', 'flags', [])).toBe('flags: []\nnext: 1\n');
  });

  it('sets a scalar keeping its quoting and trailing comment', () => {
    expect(set('app:\n  version: latest # we use latest\n', 'app.version', 'v2')).toBe('app:\n  version: v2 # we use latest\n');
    expect(set("app:\n  version: 'latest'\n", 'app.version', 'v2')).toBe("app:\n  version: 'v2'\n");
    expect(set('app:\n  version: "latest"\n', 'app.version', 'v2')).toBe('app:\n  version: "v2"\n');
  });

  it('quotes a new value that YAML 1.1 (Helm) or 1.2 would read as something else', () => {
    expect(set('v: x\n', 'v', 'on')).toBe('v: "on"\n');
    expect(set('v: x\n', 'v', '1.10')).toBe('v: "1.10"\n');
    expect(set('v: x\n', 'v', '2026-02-16')).toBe('v: "2026-02-16"\n');
    expect(set('v: x\n', 'v', '2026-02-16-150514')).toBe('v: 2026-02-16-150514\n');
    expect(set('v: x\n', 'v', true)).toBe('v: true\n');
  });

  it('creates missing keys with the indentation the file uses', () => {
    const text = '# four spaces here\nresources:\n    replicas: 2\n';
    expect(set(text, 'config.superset.extra_feature_flags', ['A'])).toBe(
      '# four spaces here\nresources:\n    replicas: 2\nconfig:\n    superset:\n        extra_feature_flags: [A]\n',
    );
    expect(set('config:\n  superset:\n    x: 1\n', 'config.superset.flags', ['A'])).toBe('config:\n  superset:\n    x: 1\n    flags: [A]\n');
    expect(set('config:\n  superset:\n', 'config.superset.flags', ['A'])).toBe('config:\n  superset:\n    flags: [A]\n');
    expect(set('', 'a.b', 'c')).toBe('a:\n  b: c\n');
    expect(set('# nothing yet\n', 'a', 'c')).toBe('# nothing yet\na: c\n');
    expect(set('m: {a: 1}\n', 'm.b', 2)).toBe('m: {a: 1, b: 2}\n');
  });

  it('fills an empty value on its own line', () => {
    expect(set('flags:   # none yet\nx: 1\n', 'flags', ['A'])).toBe('flags: [A]   # none yet\nx: 1\n');
  });

  it('editing a duplicated key edits the last one (what Helm reads) and removes the earlier, dead one', () => {
    const out = set(CHART_VALUES, 'config.superset.extra_feature_flags', ['ALERT_REPORTS']);
    expect(changedLines(CHART_VALUES, out)).toEqual({
      removed: ['    extra_feature_flags:', '    # Per-instance feature flags, rendered after feature_flags', '    extra_feature_flags: []'],
      added: ['    # Per-instance feature flags, rendered after feature_flags', '    extra_feature_flags: [ALERT_REPORTS]'],
    });
    expect(() => parse(out)).not.toThrow();
    expect(parse(out).config.superset.extra_feature_flags).toEqual(['ALERT_REPORTS']);
    expect(parseDocument(out).errors).toEqual([]);
  });

  it('keeps CRLF line ends', () => {
    expect(set('flags:\r\n  - A\r\nx: 1\r\n', 'flags', ['A', 'B'])).toBe('flags:\r\n  - A\r\n  - B\r\nx: 1\r\n');
  });

  it('refuses paths through something that is not a map, and aliases', () => {
    expect(() => set('config: 3\n', 'config.superset.x', 'y')).toThrow('values.yaml: config is not a map');
    expect(() => set('base: &b {x: 1}\nconfig: *b\n', 'config.x', 2)).toThrow(/config is an alias/);
  });

  it('never returns a text that changes more than asked', () => {
    // the list is an anchor another key aliases: editing it would change that key too — refused, nothing written
    const text = 'base: &flags [A, B]\nother: *flags\n';
    expect(() => set(text, 'base', ['A', 'B', 'C'])).toThrow(UnsafeEditError);
    expect(() => set(text, 'base', ['A', 'B', 'C'])).toThrow(
      'could not edit base in values.yaml safely (the result would change other values); nothing was written — edit it by hand',
    );
  });
});

describe('a toggle never touches another line (property)', () => {
  const flag = fc.stringMatching(/^[A-Z][A-Z0-9_]{0,12}$/);
  const layout = fc.record({
    flags: fc.uniqueArray(flag, { minLength: 0, maxLength: 6 }),
    flow: fc.boolean(),
    indent: fc.constantFrom(2, 4),
    seqIndent: fc.boolean(),
    comments: fc.boolean(),
    before: fc.array(fc.constantFrom('replicas: 2', '# a comment', 'name: "quoted"', 'ports: [80, 443]', ''), { maxLength: 3 }),
  });

  function render(l: { flags: string[]; flow: boolean; indent: number; seqIndent: boolean; comments: boolean; before: string[] }): string {
    const i1 = ' '.repeat(l.indent);
    const i2 = i1 + i1;
    const lines = ['# staging values', 'config:', `${i1}superset:`, ...l.before.map((b) => (b ? `${i2}${b}` : ''))];
    if (l.comments) lines.push(`${i2}# per-instance flags`);
    if (l.flow || !l.flags.length) lines.push(`${i2}extra_feature_flags: [${l.flags.join(', ')}]${l.comments ? ' # flow' : ''}`);
    else {
      lines.push(`${i2}extra_feature_flags:`);
      l.flags.forEach((f, k) => lines.push(`${i2}${l.seqIndent ? i1 : ''}- ${f}${l.comments && k === 0 ? '  # first' : ''}`));
    }
    lines.push(`${i2}auth_user_registration_role: Alpha`, 'resources:', `${i1}replicas: 2`, '');
    return lines.join('\n');
  }

  it('adding or removing one flag changes one line (or adds/removes one line of a block list), and nothing else', () => {
    fc.assert(
      fc.property(layout, flag, fc.nat(), (l, extra, pick) => {
        const text = render(l);
        const vf = readValues(text, 'v.yaml');
        const keys = ['config', 'superset', 'extra_feature_flags'];
        const removing = l.flags.length > 0 && pick % 2 === 0;
        const want = removing ? l.flags.filter((_, k) => k !== pick % l.flags.length) : l.flags.includes(extra) ? l.flags : [...l.flags, extra];
        const out = setIn(vf, keys, want);
        const before = toPlain(vf);
        const after = toPlain(readValues(out, 'v.yaml'));
        (before.config as any).superset.extra_feature_flags = want;
        expect(after).toEqual(before);
        const d = changedLines(text, out);
        if (want.length === l.flags.length) expect(d).toEqual({ removed: [], added: [] });
        else if (l.flow || !l.flags.length) expect([d.removed.length, d.added.length]).toEqual([1, 1]);
        else if (!want.length) expect([d.removed.length, d.added.length]).toEqual([2, 1]);
        else expect(d.removed.length + d.added.length).toBe(1);
        for (const line of d.added) expect(line).toMatch(/extra_feature_flags|^\s*- "?[A-Z]/);
      }),
      { numRuns: 300 },
    );
  });
});
