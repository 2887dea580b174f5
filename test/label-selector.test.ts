import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { LabelSelectorError, matchesSelector, parseLabelSelector, selectorToString, type Requirement } from '../src/sandbox/label-selector.js';

const matches = (sel: string, labels: Record<string, string>): boolean => matchesSelector(parseLabelSelector(sel), labels);

describe('label selector parsing', () => {
  test.each([
    ['', []],
    ['app=superset', [{ key: 'app', operator: '=', values: ['superset'] }]],
    ['app==superset', [{ key: 'app', operator: '==', values: ['superset'] }]],
    ['app!=superset', [{ key: 'app', operator: '!=', values: ['superset'] }]],
    [' app in ( superset , airflow ) ', [{ key: 'app', operator: 'in', values: ['airflow', 'superset'] }]],
    ['app notin (x)', [{ key: 'app', operator: 'notin', values: ['x'] }]],
    ['component', [{ key: 'component', operator: 'exists', values: [] }]],
    ['!component', [{ key: 'component', operator: '!', values: [] }]],
    [
      'app.kubernetes.io/name=superset,release',
      [
        { key: 'app.kubernetes.io/name', operator: '=', values: ['superset'] },
        { key: 'release', operator: 'exists', values: [] },
      ],
    ],
    ['tier=', [{ key: 'tier', operator: '=', values: [''] }]],
    ['x in (a,,b)', [{ key: 'x', operator: 'in', values: ['', 'a', 'b'] }]],
    ['x in (a,)', [{ key: 'x', operator: 'in', values: ['', 'a'] }]],
    ['x in ()', [{ key: 'x', operator: 'in', values: [''] }]],
    ['in in (in,notin)', [{ key: 'in', operator: 'in', values: ['in', 'notin'] }]],
    ['replicas>2', [{ key: 'replicas', operator: 'gt', values: ['2'] }]],
    ['replicas<10', [{ key: 'replicas', operator: 'lt', values: ['10'] }]],
  ] as [string, Requirement[]][])('%j', (sel, reqs) => {
    expect(parseLabelSelector(sel)).toEqual(reqs);
  });

  test.each([
    ['app in superset', "unable to parse requirement: found 'superset', expected: '('"],
    ['app=superset,', "found '', expected: identifier after ','"],
    [',app', "found ',', expected: !, identifier, or 'end of string'"],
    ['app=superset release=production', "found 'release', expected: ',' or 'end of string'"],
    ['!app=superset', "found '=', expected: ',' or 'end of string'"],
    ['app in (a b)', "unable to parse requirement: found 'b', expected: ',' or ')'"],
    ['app in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['-app=x', 'unable to parse requirement: key: Invalid value: "-app"'],
    ['app=-x', 'unable to parse requirement: values[0]: Invalid value: "-x"'],
    ['a/b/c=x', 'Invalid value: "a/b/c"'],
    ['replicas>two', "for 'Gt', 'Lt' operators, the value must be an integer"],
    [`app=${'x'.repeat(64)}`, 'Invalid value'],
  ])('rejects %j', (sel, message) => {
    expect(() => parseLabelSelector(sel)).toThrow(LabelSelectorError);
    expect(() => parseLabelSelector(sel)).toThrow(message);
  });
});

describe('label selector matching', () => {
  const pod = { app: 'superset', release: 'production', 'pod-template-hash': '7f9c6d8b5d', replicas: '3' };
  test.each([
    ['app=superset', true],
    ['app=airflow', false],
    ['app!=airflow', true],
    ['missing!=x', true],
    ['app in (airflow,superset)', true],
    ['app notin (airflow,superset)', false],
    ['missing notin (x)', true],
    ['missing in (x)', false],
    ['release', true],
    ['!release', false],
    ['!missing', true],
    ['app=superset,release=staging', false],
    ['app=superset,release in (production)', true],
    ['replicas>2', true],
    ['replicas<3', false],
    ['app>2', false],
    ['', true],
  ])('%j → %s', (sel, expected) => {
    expect(matches(sel, pod)).toBe(expected);
  });

  const key = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
  const value = fc.stringMatching(/^[A-Za-z0-9]([-A-Za-z0-9_.]{0,6}[A-Za-z0-9])?$/);
  const labels = fc.dictionary(key, value, { maxKeys: 5 });
  const requirement: fc.Arbitrary<Requirement> = fc.oneof(
    fc.record({ key, operator: fc.constantFrom('=' as const, '==' as const, '!=' as const), values: fc.tuple(value) }),
    fc.record({
      key,
      operator: fc.constantFrom('in' as const, 'notin' as const),
      values: fc.uniqueArray(value, { minLength: 1, maxLength: 4 }).map((v) => v.sort()),
    }),
    fc.record({ key, operator: fc.constantFrom('exists' as const, '!' as const), values: fc.constant([] as string[]) }),
  );

  test('a set of labels is matched by its own equality selector', () => {
    fc.assert(
      fc.property(labels, (ls) => {
        const sel = Object.entries(ls)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        expect(matches(sel, ls)).toBe(true);
      }),
    );
  });

  test('printing and parsing again gives the same requirements', () => {
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 4 }), (reqs) => {
        const text = selectorToString(reqs);
        expect(parseLabelSelector(text)).toEqual([...reqs].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)));
      }),
    );
  });

  test('a comma is AND: a selector matches when every requirement does', () => {
    fc.assert(
      fc.property(fc.array(requirement, { minLength: 1, maxLength: 4 }), labels, (reqs, ls) => {
        const whole = matches(selectorToString(reqs), ls);
        expect(whole).toBe(reqs.every((r) => matches(selectorToString([r]), ls)));
      }),
    );
  });

  test('!= and notin are the complements of = and in; !k of k', () => {
    fc.assert(
      fc.property(key, fc.uniqueArray(value, { minLength: 1, maxLength: 3 }), labels, (k, vs, ls) => {
        expect(matches(`${k}!=${vs[0]}`, ls)).toBe(!matches(`${k}=${vs[0]}`, ls));
        expect(matches(`${k} notin (${vs.join(',')})`, ls)).toBe(!matches(`${k} in (${vs.join(',')})`, ls));
        expect(matches(`!${k}`, ls)).toBe(!matches(k, ls));
      }),
    );
  });

  test('arbitrary input either parses or fails with a LabelSelectorError', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'ab=!(), \tin/.-_<>0'.split('')), maxLength: 20 }), (s) => {
        try {
          parseLabelSelector(s);
        } catch (err) {
          expect(err).toBeInstanceOf(LabelSelectorError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
