// Effective feature flags per environment and the plan of a toggle, on a deployment-charts-shaped checkout.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FlagRefusedError, InvalidFlagNameError, ValuesFileError } from '../src/charts/errors.js';
import { planFlag, readFlags, type FlagsSpec } from '../src/charts/flags.js';
import { changedLines, createDeploymentCharts, PATHS, STAGING_VALUES, type DeploymentCharts } from './support/deployment-charts.js';

let dc: DeploymentCharts;
beforeAll(() => {
  dc = createDeploymentCharts();
});
afterAll(() => dc?.cleanup());

const spec = (file: string, more: Partial<FlagsSpec> = {}): FlagsSpec => ({
  label: 'superset staging',
  file,
  path: 'config.superset.extra_feature_flags',
  shape: 'list',
  defaults: { file: PATHS.chart, path: 'config.superset.feature_flags' },
  overrideDefaults: false,
  ...more,
});
const staging = () => spec(PATHS.staging);

describe('flags', () => {
  it('lists the effective flags of an environment, each with the file, key and line it comes from', () => {
    const v = readFlags(dc.checkout, staging());
    expect(v.flags.map((f) => [f.name, f.on, `${f.from.real}:${f.from.line}`, f.from.path])).toEqual([
      ['ENABLE_TEMPLATE_PROCESSING', true, `${PATHS.chart}:32`, 'config.superset.feature_flags'],
      ['DASHBOARD_NATIVE_FILTERS', true, `${PATHS.chart}:33`, 'config.superset.feature_flags'],
      ['ENABLE_FILTER_BOX_MIGRATION', true, `${PATHS.chart}:34`, 'config.superset.feature_flags'],
      ['PRESTO_EXPAND_DATA', true, `${PATHS.chart}:35`, 'config.superset.feature_flags'],
      // in both lists (the real 2024 staging file): the last mention, the instance's, decides
      ['CACHE_QUERY_BY_USER', true, `${PATHS.staging}:7`, 'config.superset.extra_feature_flags'],
      ['CACHE_IMPERSONATION', true, `${PATHS.staging}:7`, 'config.superset.extra_feature_flags'],
    ]);
    expect(v.flags.find((f) => f.name === 'CACHE_QUERY_BY_USER')!.mentions.map((m) => m.real)).toEqual([PATHS.chart, PATHS.staging]);
    expect(v.sources).toEqual([
      { path: 'config.superset.feature_flags', shape: 'list', file: PATHS.chart, real: PATHS.chart, names: expect.any(Array) },
      {
        path: 'config.superset.extra_feature_flags',
        shape: 'list',
        file: PATHS.staging,
        real: PATHS.staging,
        names: ['CACHE_IMPERSONATION', 'CACHE_QUERY_BY_USER'],
      },
    ]);
  });

  it('turning a flag on is one changed line in the environment file', () => {
    const p = planFlag(dc.checkout, staging(), 'ALERT_REPORTS', true);
    if (p.kind !== 'edit') throw new Error(p.reason);
    expect(p.real).toBe(PATHS.staging);
    expect(p.summary).toBe('enable ALERT_REPORTS');
    expect(p.description).toBe(`enable ALERT_REPORTS for superset staging in ${PATHS.staging} (config.superset.extra_feature_flags)`);
    expect(p.after).toBe(STAGING_VALUES.replace('CACHE_QUERY_BY_USER]', 'CACHE_QUERY_BY_USER, ALERT_REPORTS]'));
    expect(changedLines(p.before, p.after)).toEqual({
      removed: ['    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]'],
      added: ['    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]'],
    });
  });

  it('on when already on, off when already off: no change, saying where it comes from', () => {
    expect(planFlag(dc.checkout, staging(), 'DASHBOARD_NATIVE_FILTERS', true)).toMatchObject({
      kind: 'no-change',
      reason: `DASHBOARD_NATIVE_FILTERS is already on for superset staging (${PATHS.chart}:33 (config.superset.feature_flags))`,
    });
    expect(planFlag(dc.checkout, staging(), 'CACHE_IMPERSONATION', true)).toMatchObject({ kind: 'no-change' });
    expect(planFlag(dc.checkout, staging(), 'ALERT_REPORTS', false)).toMatchObject({
      kind: 'no-change',
      reason: 'ALERT_REPORTS is already off for superset staging (not set anywhere)',
    });
  });

  it("turning off the environment's own flag removes it from its list", () => {
    const p = planFlag(dc.checkout, staging(), 'CACHE_IMPERSONATION', false);
    expect(p).toMatchObject({ kind: 'edit', summary: 'disable CACHE_IMPERSONATION' });
    if (p.kind === 'edit') expect(changedLines(p.before, p.after).added).toEqual(['    extra_feature_flags: [CACHE_QUERY_BY_USER]']);
  });

  it('refuses plainly to turn off a chart default for one environment (Helm replaces lists)', () => {
    const p = planFlag(dc.checkout, staging(), 'DASHBOARD_NATIVE_FILTERS', false);
    expect(p.kind).toBe('refused');
    if (p.kind !== 'refused') return;
    expect(p.error).toBeInstanceOf(FlagRefusedError);
    expect(p.reason).toBe(
      `DASHBOARD_NATIVE_FILTERS cannot be turned off for superset staging alone: it is on through the list config.superset.feature_flags in ${PATHS.chart}:33, ` +
        'and Helm replaces lists instead of merging them, so config.superset.extra_feature_flags cannot take it out — turn it off there (for every environment that uses it), ' +
        `or allow overriding the whole list in ${PATHS.staging} (flags.overrideDefaults in the config)`,
    );
    // in both lists: still refused, because the chart's list would keep it on
    expect(planFlag(dc.checkout, staging(), 'CACHE_QUERY_BY_USER', false).kind).toBe('refused');
  });

  it('with overrideDefaults, turning a chart default off writes the whole list minus it into the environment file', () => {
    const p = planFlag(dc.checkout, spec(PATHS.staging, { overrideDefaults: true }), 'CACHE_QUERY_BY_USER', false);
    if (p.kind !== 'edit') throw new Error(p.kind);
    expect(p.overridden).toEqual(['config.superset.feature_flags']);
    expect(p.after).toBe(
      STAGING_VALUES.replace('[CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]', '[CACHE_IMPERSONATION]') +
        '    feature_flags: [ENABLE_TEMPLATE_PROCESSING, DASHBOARD_NATIVE_FILTERS, ENABLE_FILTER_BOX_MIGRATION, PRESTO_EXPAND_DATA]\n',
    );
  });

  it('production, whose list is empty, and a file without the key yet', () => {
    const p = planFlag(dc.checkout, spec(PATHS.production), 'ALERT_REPORTS', true);
    if (p.kind !== 'edit') throw new Error(p.kind);
    expect(changedLines(p.before, p.after)).toEqual({ removed: ['    extra_feature_flags: []'], added: ['    extra_feature_flags: [ALERT_REPORTS]'] });
    // airflow-test-k8s has no superset key at all: the path is created (the chart's `[]` copied: empty)
    const q = planFlag(dc.checkout, spec(PATHS.airflowTest), 'ALERT_REPORTS', true);
    if (q.kind !== 'edit') throw new Error(q.kind);
    expect(q.after).toBe('config:\n  airflow:\n    instance_name: test-k8s\n  superset:\n    extra_feature_flags: [ALERT_REPORTS]\n');
  });

  it('checks the name before reading any file', () => {
    for (const bad of ['alert_reports', '-rf', 'A B', 'A;rm', '', 'ALERT-REPORTS', 'A\nB', 'X'.repeat(101)]) {
      expect(() => planFlag('/nonexistent', staging(), bad, true)).toThrow(InvalidFlagNameError);
    }
    expect(() => planFlag('/nonexistent', staging(), 'alert_reports', true)).toThrow(
      'refused: "alert_reports" is not a feature flag name (capital letters, digits and _, starting with a letter, e.g. ALERT_REPORTS)',
    );
    expect(() => planFlag(dc.checkout, spec('helmfile.d/nope.yaml'), 'ALERT_REPORTS', true)).toThrow(ValuesFileError);
  });
});

describe('a layer between the chart and the environment file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deckhand-flags-layer-'));
    const w = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    w('charts/x/values.yaml', 'config:\n  superset:\n    feature_flags: [A]\n    extra_feature_flags: []\n');
    w('common/values-dse-k8s-eqiad.yaml', 'config:\n  superset:\n    extra_feature_flags: [SHARED_ONE]\n');
    w('env/values-staging.yaml', 'resources:\n  replicas: 2\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const lspec = (more: Partial<FlagsSpec> = {}): FlagsSpec => ({
    file: 'env/values-staging.yaml',
    path: 'config.superset.extra_feature_flags',
    shape: 'list',
    defaults: { file: 'charts/x/values.yaml', path: 'config.superset.feature_flags' },
    layers: ['common/values-dse-k8s-eqiad.yaml'],
    overrideDefaults: false,
    ...more,
  });

  it('counts what the layer sets, and will not silently drop it by writing a new list', () => {
    expect(readFlags(dir, lspec()).flags.map((f) => [f.name, f.on, f.from.real])).toEqual([
      ['A', true, 'charts/x/values.yaml'],
      ['SHARED_ONE', true, 'common/values-dse-k8s-eqiad.yaml'],
    ]);
    const p = planFlag(dir, lspec(), 'NEW_ONE', true);
    expect(p.kind).toBe('refused');
    const q = planFlag(dir, lspec({ overrideDefaults: true }), 'NEW_ONE', true);
    if (q.kind !== 'edit') throw new Error(q.kind);
    expect(q.after).toBe('resources:\n  replicas: 2\nconfig:\n  superset:\n    extra_feature_flags: [SHARED_ONE, NEW_ONE]\n');
    expect(q.overridden).toEqual(['config.superset.extra_feature_flags']);
  });
});

describe('map-of-booleans shape', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'deckhand-flags-map-'));
    const w = (rel: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      writeFileSync(path.join(dir, rel), text);
    };
    w('charts/x/values.yaml', 'config:\n  superset:\n    feature_flags:\n      ALERT_REPORTS: true\n      THUMBNAILS: true # slow\n');
    w('env/values-staging.yaml', '# staging\nconfig:\n  superset:\n    feature_flags:\n      EMBEDDED_SUPERSET: true\n      THUMBNAILS: false\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const mspec: FlagsSpec = {
    file: 'env/values-staging.yaml',
    path: 'config.superset.feature_flags',
    shape: 'map',
    defaults: { file: 'charts/x/values.yaml', path: 'config.superset.feature_flags' },
    overrideDefaults: false,
  };

  it('merges maps key by key like Helm', () => {
    expect(readFlags(dir, mspec).flags.map((f) => [f.name, f.on, f.from.real])).toEqual([
      ['ALERT_REPORTS', true, 'charts/x/values.yaml'],
      ['THUMBNAILS', false, 'env/values-staging.yaml'],
      ['EMBEDDED_SUPERSET', true, 'env/values-staging.yaml'],
    ]);
  });

  it('a chart default goes off with one added line; an existing entry flips in place', () => {
    const off = planFlag(dir, mspec, 'ALERT_REPORTS', false);
    if (off.kind !== 'edit') throw new Error(off.kind);
    expect(changedLines(off.before, off.after)).toEqual({ removed: [], added: ['      ALERT_REPORTS: false'] });
    const on = planFlag(dir, mspec, 'THUMBNAILS', true);
    if (on.kind !== 'edit') throw new Error(on.kind);
    expect(changedLines(on.before, on.after)).toEqual({ removed: ['      THUMBNAILS: false'], added: ['      THUMBNAILS: true'] });
    expect(planFlag(dir, mspec, 'THUMBNAILS', false).kind).toBe('no-change');
  });
});
