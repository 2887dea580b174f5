// Version validation and edits, shared files through git symlinks, and the config fragments.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { flagTarget, gitSettings, versionTarget, type ChartsServices } from '../src/charts/config.js';
import { deploymentChartsSchema, flagsSchema, upgradeSchema } from '../src/config/charts.js';
import { ChartsNotConfiguredError, InvalidVersionError, ValuesFileError } from '../src/charts/errors.js';
import { resolveFile, sharedWith } from '../src/charts/files.js';
import { checkVersion, IMAGE_VERSION } from '../src/charts/validate.js';
import { planVersion, shortVersion } from '../src/charts/version.js';
import {
  AIRFLOW_IMAGE,
  changedLines,
  createDeploymentCharts,
  IMAGE,
  NEXT_IMAGE,
  PATHS,
  SUPERSET_SHARED,
  type DeploymentCharts,
} from './support/deployment-charts.js';

let dc: DeploymentCharts;
beforeAll(() => {
  dc = createDeploymentCharts();
});
afterAll(() => dc?.cleanup());

describe('versions', () => {
  it('accepts image tags with or without a digest, refuses everything else', () => {
    for (const ok of [IMAGE, NEXT_IMAGE, AIRFLOW_IMAGE, 'latest', '2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c', 'v1.2.3', 'X'.repeat(128)]) {
      expect(checkVersion(ok)).toBe(ok);
    }
    for (const bad of [
      '',
      '-rf',
      '.hidden',
      '_x',
      'a b',
      'a\nb',
      '$(id)',
      'a;b',
      '../x',
      'a/b',
      'X'.repeat(129),
      'latest@sha256:abc',
      `latest@sha256:${'A'.repeat(64)}`,
      `${IMAGE}@sha256:${'0'.repeat(64)}`,
      'tag@md5:00',
    ]) {
      expect(() => checkVersion(bad)).toThrow(InvalidVersionError);
    }
    expect(IMAGE_VERSION.test(IMAGE)).toBe(true);
    expect(IMAGE_VERSION.test(AIRFLOW_IMAGE)).toBe(false); // its build stamp has no git sha: a plain tag with a digest
    expect(shortVersion(IMAGE)).toBe('2026-02-16-150514-b1a59e3aa133');
    expect(shortVersion(AIRFLOW_IMAGE)).toBe('airflow-2.11.2-py3.11-2026-06-10-101010');
  });

  it('sets app.version and assets.version through the symlink, in the real file: one line each', () => {
    const p = planVersion(dc.checkout, { file: PATHS.nextLink, keys: ['app.version', 'assets.version'] }, NEXT_IMAGE);
    if (p.kind !== 'edit') throw new Error(p.kind);
    expect(p.real).toBe(PATHS.supersetShared);
    expect(p.after).toBe(SUPERSET_SHARED.replaceAll(IMAGE, NEXT_IMAGE));
    expect(changedLines(p.before, p.after).removed).toHaveLength(3); // lines 3 and 5 changed, line 4 between them kept
    expect(p.previous).toEqual({ 'app.version': IMAGE, 'assets.version': IMAGE });
    expect(p.undo).toBe(IMAGE);
    expect(p.summary).toBe('upgrade to 2026-06-02-091245-0c5d8e1f2a3b');
    expect(planVersion(dc.checkout, { file: PATHS.nextLink, keys: ['app.version', 'assets.version'] }, IMAGE)).toMatchObject({ kind: 'no-change' });
    expect(() => planVersion('/nonexistent', { file: PATHS.nextLink, keys: ['app.version'] }, '--help')).toThrow(InvalidVersionError);
  });

  it('offers the previous value as the undo when every key held the same valid version', () => {
    const p = planVersion(dc.checkout, { file: PATHS.chart, keys: ['app.version', 'assets.version'] }, IMAGE);
    expect(p).toMatchObject({ kind: 'edit', undo: 'latest' });
  });
});

describe('shared files', () => {
  const everyone = [
    { name: 'superset production', file: PATHS.supersetLink },
    { name: 'superset staging', file: PATHS.nextLink },
    { name: 'airflow-test-k8s production', file: PATHS.airflowTestLink },
    { name: 'airflow-search production', file: PATHS.airflowSearchLink },
  ];

  it('resolves git symlinks and says who else uses the file', () => {
    expect(dc.git(dc.checkout, 'ls-files', '-s', '--', PATHS.nextLink).split(' ')[0]).toBe('120000');
    expect(resolveFile(dc.checkout, PATHS.nextLink)).toMatchObject({ file: PATHS.nextLink, real: PATHS.supersetShared });
    expect(sharedWith(dc.checkout, PATHS.nextLink, everyone, 'superset staging')).toEqual(['superset production']);
    expect(sharedWith(dc.checkout, PATHS.airflowSearchLink, everyone, 'airflow-search production')).toEqual(['airflow-test-k8s production']);
    expect(sharedWith(dc.checkout, PATHS.staging, everyone, 'superset staging')).toEqual([]);
  });

  it('refuses paths that leave the checkout or do not exist', () => {
    expect(() => resolveFile(dc.checkout, '../etc/passwd')).toThrow(ChartsNotConfiguredError);
    expect(() => resolveFile(dc.checkout, '/etc/passwd')).toThrow(ChartsNotConfiguredError);
    expect(() => resolveFile(dc.checkout, 'helmfile.d/missing.yaml')).toThrow(ValuesFileError);
  });
});

describe('config fragments', () => {
  it('keeps the existing deploymentCharts keys working; push true/false mean direct/local', () => {
    expect(deploymentChartsSchema.parse({ checkout: '/srv/deployment-charts', push: false })).toMatchObject({
      remote: 'origin',
      branch: 'master',
      push: 'local',
      attempts: 3,
    });
    expect(deploymentChartsSchema.parse({ checkout: '/srv/deployment-charts', push: true }).push).toBe('direct');
    expect(gitSettings({ checkout: '/srv/dc', push: 'review' })).toMatchObject({ reviewRef: 'refs/for/{branch}', changeId: true, timeoutMs: 60000 });
    expect(gitSettings({ checkout: '/srv/dc', push: 'direct' }).changeId).toBe(false);
    expect(() => gitSettings({ checkout: '/srv/dc', remote: '--upload-pack=x' })).toThrow('deploymentCharts.remote: must be a plain git remote name');
    expect(() => gitSettings(undefined)).toThrow(ChartsNotConfiguredError);
    expect(flagsSchema.parse({ path: 'config.superset.extra_feature_flags' })).toEqual({
      path: 'config.superset.extra_feature_flags',
      shape: 'list',
      layers: [],
      overrideDefaults: false,
    });
    expect(upgradeSchema.parse({})).toEqual({ keys: ['app.version', 'assets.version'], onShared: 'refuse' });
    expect(flagsSchema.safeParse({ path: 'config..x' }).success).toBe(false);
    expect(upgradeSchema.safeParse({ file: '{dir}/../../etc/passwd' }).success).toBe(false);
  });

  it('turns a service config into targets: {dir} expanded, labels from the deploy dir', () => {
    const services: ChartsServices = {
      superset: {
        flags: { path: 'config.superset.extra_feature_flags' },
        upgrade: { file: '{dir}/values-dse-k8s-eqiad.yaml' },
        environments: {
          production: { values: PATHS.production, deploy: { dir: 'helmfile.d/dse-k8s-services/superset' } },
          staging: { values: PATHS.staging, deploy: { dir: 'helmfile.d/dse-k8s-services/superset-next' } },
        },
      },
    };
    expect(flagTarget(services, 'superset', 'staging')).toMatchObject({
      name: 'superset staging',
      label: 'superset-next',
      spec: { file: PATHS.staging, shape: 'list' },
    });
    const v = versionTarget(services, 'superset', 'staging');
    expect(v).toMatchObject({ label: 'superset-next', spec: { file: PATHS.nextLink }, onShared: 'refuse', ownFile: PATHS.staging });
    expect(v.others.map((o) => o.name)).toEqual(['superset production', 'superset staging']);
    expect(() => versionTarget({ x: { environments: { a: {} } } }, 'x', 'a')).toThrow('x has no upgrades configured (services.x.upgrade)');
    expect(() => flagTarget({ x: { flags: { path: 'a.b' }, environments: { a: {} } } }, 'x', 'a')).toThrow(
      'x a has no values file for its flags (services.x.environments.a.values)',
    );
  });
});
