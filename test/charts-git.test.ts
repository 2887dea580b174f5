// Flag and version edits committed to a real git repository: a bare remote and a deployment-charts-shaped
// checkout in a temp directory, other clones playing colleagues who push meanwhile.
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { toggleFlag, upgradeVersion, type EditOutcome } from '../src/charts/change.js';
import { flagTarget, gitSettings, versionTarget, type ChartsServices } from '../src/charts/config.js';
import { CheckoutDirtyError, FlagRefusedError, GitConflictError, InvalidFlagNameError, InvalidVersionError, SharedFileError } from '../src/charts/errors.js';
import type { Committed, GitSettings } from '../src/charts/git.js';
import {
  AIRFLOW_IMAGE,
  createDeploymentCharts,
  IMAGE,
  NEXT_IMAGE,
  PATHS,
  STAGING_VALUES,
  SUPERSET_SHARED,
  type DeploymentCharts,
} from './support/deployment-charts.js';

const D = 'helmfile.d/dse-k8s-services';
const services: ChartsServices = {
  superset: {
    flags: { path: 'config.superset.extra_feature_flags', defaults: { file: PATHS.chart, path: 'config.superset.feature_flags' } },
    upgrade: { file: '{dir}/values-dse-k8s-eqiad.yaml' },
    environments: {
      production: { values: PATHS.production, deploy: { dir: `${D}/superset` } },
      staging: { values: PATHS.staging, deploy: { dir: `${D}/superset-next` } },
    },
  },
  'airflow-test-k8s': {
    upgrade: { file: '{dir}/values-dse-k8s-eqiad.yaml', keys: ['app.version'], onShared: 'own-file' },
    environments: { production: { values: PATHS.airflowTest, deploy: { dir: `${D}/airflow-test-k8s` } } },
  },
  'airflow-search': {
    upgrade: { file: '{dir}/values-dse-k8s-eqiad.yaml', keys: ['app.version'], onShared: 'own-file' },
    environments: { production: { values: PATHS.airflowSearch, deploy: { dir: `${D}/airflow-search` } } },
  },
};
const ALICE = { name: 'Alice Example', email: 'alice@example.org' };
const BOB = { name: 'Bob Builder', email: 'bob@example.org' };

let dc: DeploymentCharts;
beforeEach(() => {
  dc = createDeploymentCharts();
});
afterEach(() => dc?.cleanup());

function settings(more: Record<string, unknown> = {}): GitSettings {
  return gitSettings(
    {
      checkout: dc.checkout,
      push: 'direct',
      worktrees: path.join(dc.root, 'worktrees'),
      committer: { name: 'Deckhand', email: 'deckhand@example.org' },
      gitTimeoutSeconds: 20,
      ...more,
    },
    dc.env,
  );
}
const staging = () => flagTarget(services, 'superset', 'staging');
const production = () => flagTarget(services, 'superset', 'production');
const head = (cwd: string, ref = 'HEAD') => dc.git(cwd, 'rev-parse', ref).trim();
const remoteHead = () => dc.git(dc.remote, 'rev-parse', 'refs/heads/master').trim();
const committed = (r: EditOutcome): Committed & EditOutcome => {
  if (r.kind !== 'committed') throw new Error(`expected a commit, got: ${r.reason}`);
  return r;
};
function expectClean(): void {
  expect(dc.git(dc.checkout, 'status', '--porcelain')).toBe('');
  expect(dc.git(dc.checkout, 'worktree', 'list', '--porcelain').match(/^worktree /gm)).toHaveLength(1);
  expect(existsSync(path.join(dc.root, 'worktrees')) ? readdirSync(path.join(dc.root, 'worktrees')) : []).toEqual([]);
  expect(existsSync(path.join(dc.checkout, '.git', 'rebase-merge'))).toBe(false);
}

describe('a toggle', () => {
  it('is one commit of one changed line, authored by the requester, pushed to master, and the checkout follows', async () => {
    const before = remoteHead();
    const r = committed(await toggleFlag(settings(), staging(), { jobId: '42', author: ALICE }, 'ALERT_REPORTS', true));
    const blob = (rev: string) => dc.git(dc.checkout, 'rev-parse', '--short', `${rev}:${PATHS.staging}`).trim();
    expect(r.diff).toBe(
      [
        `diff --git a/${PATHS.staging} b/${PATHS.staging}`,
        `index ${blob(before)}..${blob(r.commit)} 100644`,
        `--- a/${PATHS.staging}`,
        `+++ b/${PATHS.staging}`,
        '@@ -4,4 +4,4 @@ resources:',
        ' config:',
        '   superset:',
        '     # Try new features here before enabling them for everyone in charts/superset/values.yaml',
        '-    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]',
        '+    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]',
        '',
      ].join('\n'),
    );
    expect(r).toMatchObject({
      parent: before,
      file: PATHS.staging,
      message: 'superset-next: enable ALERT_REPORTS (via deckhand, job 42)\n',
      author: 'Alice Example <alice@example.org>',
      pushed: { remote: 'origin', ref: 'refs/heads/master' },
      checkout: { updated: true },
      attempts: 1,
      description: `enable ALERT_REPORTS for superset staging in ${PATHS.staging} (config.superset.extra_feature_flags)`,
      shared: [],
      undo: { kind: 'flag', name: 'ALERT_REPORTS', on: false },
    });
    // in the remote: that commit, by Alice, committed by the bot, touching one file
    expect(remoteHead()).toBe(r.commit);
    expect(dc.git(dc.remote, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%s', r.commit).trim()).toBe(
      'Alice Example <alice@example.org>|Deckhand <deckhand@example.org>|superset-next: enable ALERT_REPORTS (via deckhand, job 42)',
    );
    expect(dc.git(dc.remote, 'show', '--format=', '--name-only', r.commit).trim()).toBe(PATHS.staging);
    // the checkout (where deploys run) has it, comments and all, and nothing is left behind
    expect(head(dc.checkout)).toBe(r.commit);
    expect(dc.read(PATHS.staging)).toBe(STAGING_VALUES.replace('CACHE_QUERY_BY_USER]', 'CACHE_QUERY_BY_USER, ALERT_REPORTS]'));
    expectClean();
  });

  it('on when already on, off when already off: no change, no commit, no push', async () => {
    const before = remoteHead();
    await expect(toggleFlag(settings(), staging(), { jobId: '43', author: ALICE }, 'DASHBOARD_NATIVE_FILTERS', true)).resolves.toEqual({
      kind: 'no-change',
      reason: `DASHBOARD_NATIVE_FILTERS is already on for superset staging (${PATHS.chart}:33 (config.superset.feature_flags))`,
    });
    await expect(toggleFlag(settings(), staging(), { jobId: '44', author: ALICE }, 'ALERT_REPORTS', false)).resolves.toMatchObject({ kind: 'no-change' });
    expect(remoteHead()).toBe(before);
    expect(head(dc.checkout)).toBe(before);
    expectClean();
  });

  it('a refusal (a chart default off for one environment) commits nothing and leaves no worktree', async () => {
    const before = remoteHead();
    await expect(toggleFlag(settings(), staging(), { jobId: '45', author: ALICE }, 'PRESTO_EXPAND_DATA', false)).rejects.toThrow(FlagRefusedError);
    expect(remoteHead()).toBe(before);
    expectClean();
  });

  it('refuses a bad name or version before any file or process is touched', async () => {
    const nowhere = { ...settings(), checkout: '/nonexistent/deployment-charts' };
    await expect(toggleFlag(nowhere, staging(), { jobId: '46', author: ALICE }, '--upload-pack=evil', true)).rejects.toThrow(InvalidFlagNameError);
    await expect(
      upgradeVersion(nowhere, versionTarget(services, 'superset', 'staging'), { jobId: '47', author: ALICE }, '-c core.sshCommand=x'),
    ).rejects.toThrow(InvalidVersionError);
  });

  it('pushes to a review ref when configured: master and the checkout stay as they were', async () => {
    const before = remoteHead();
    const r = committed(await toggleFlag(settings({ push: 'review' }), staging(), { jobId: '48', author: ALICE }, 'ALERT_REPORTS', true));
    expect(r.pushed).toEqual({ remote: 'origin', ref: 'refs/for/master' });
    expect(dc.git(dc.remote, 'rev-parse', 'refs/for/master').trim()).toBe(r.commit);
    expect(r.message).toMatch(/^superset-next: enable ALERT_REPORTS \(via deckhand, job 48\)\n\nChange-Id: I[0-9a-f]{40}\n$/);
    expect(r.checkout).toEqual({ updated: false, reason: 'pushed for review to refs/for/master; the checkout follows once it is merged' });
    expect(remoteHead()).toBe(before);
    expect(head(dc.checkout)).toBe(before);
    // a plain git server: a branch per change
    const b = committed(
      await toggleFlag(
        settings({ push: 'review', reviewRef: 'refs/heads/deckhand/{label}-{job}', changeId: false }),
        staging(),
        { jobId: '49', author: ALICE },
        'ALERT_REPORTS',
        true,
      ),
    );
    expect(b.pushed).toEqual({ remote: 'origin', ref: 'refs/heads/deckhand/superset-next-49' });
    expect(b.message).toBe('superset-next: enable ALERT_REPORTS (via deckhand, job 49)\n');
    expectClean();
  });

  it('kept local: committed in the checkout only', async () => {
    const before = remoteHead();
    const r = committed(await toggleFlag(settings({ push: 'local' }), staging(), { jobId: '50', author: ALICE }, 'ALERT_REPORTS', true));
    expect(r.pushed).toBeNull();
    expect(remoteHead()).toBe(before);
    expect(head(dc.checkout)).toBe(r.commit);
    expect(head(dc.checkout, 'master')).toBe(r.commit);
    expectClean();
  });

  it('clears worktrees a dead worker left behind, but not one of a job still running', async () => {
    const wts = path.join(dc.root, 'worktrees');
    mkdirSync(wts, { recursive: true });
    const [dead, running] = [path.join(wts, 'job-7-dead'), path.join(wts, 'job-8-running')];
    dc.git(dc.checkout, 'worktree', 'add', '--detach', '-q', dead, 'HEAD');
    dc.git(dc.checkout, 'worktree', 'add', '--detach', '-q', running, 'HEAD');
    const old = new Date(Date.now() - 7 * 3600_000);
    utimesSync(dead, old, old);
    committed(await toggleFlag(settings(), staging(), { jobId: '52', author: ALICE }, 'ALERT_REPORTS', true));
    expect(readdirSync(wts)).toEqual(['job-8-running']);
    dc.git(dc.checkout, 'worktree', 'remove', '--force', running);
    expectClean();
  });

  it('refuses when the checkout has uncommitted edits of that file', async () => {
    writeFileSync(path.join(dc.checkout, PATHS.staging), STAGING_VALUES + '# local hack\n');
    const before = remoteHead();
    await expect(toggleFlag(settings(), staging(), { jobId: '51', author: ALICE }, 'ALERT_REPORTS', true)).rejects.toThrow(CheckoutDirtyError);
    expect(remoteHead()).toBe(before);
  });
});

describe('when others push too', () => {
  it('remote moved ahead before the job: the change lands on top, and the checkout gets both', async () => {
    const laptop = dc.clone('laptop');
    const theirs = dc.commit(
      laptop,
      PATHS.production,
      'resources:\n  replicas: 6\nconfig:\n  superset:\n    extra_feature_flags: []\n',
      'superset: 6 replicas',
    );
    dc.git(laptop, 'push', '-q', 'origin', 'master');
    const r = committed(await toggleFlag(settings(), staging(), { jobId: '60', author: ALICE }, 'ALERT_REPORTS', true));
    expect(r.parent).toBe(theirs);
    expect(remoteHead()).toBe(r.commit);
    expect(dc.read(PATHS.production)).toContain('replicas: 6');
    expectClean();
  });

  it('remote moved between our commit and our push: planned again on top of it, still one line', async () => {
    const laptop = dc.clone('laptop');
    let theirs = '';
    const r = committed(
      await toggleFlag(settings(), staging(), { jobId: '61', author: ALICE }, 'ALERT_REPORTS', true, {
        afterCommit: ({ attempt }) => {
          if (attempt !== 1) return;
          theirs = dc.commit(laptop, PATHS.staging, STAGING_VALUES.replace('replicas: 2', 'replicas: 3'), 'superset-next: 3 replicas');
          dc.git(laptop, 'push', '-q', 'origin', 'master');
        },
      }),
    );
    expect(r.attempts).toBe(2);
    expect(r.parent).toBe(theirs);
    expect(r.diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      '-    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER]',
      '+    extra_feature_flags: [CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]',
    ]);
    expect(dc.read(PATHS.staging)).toBe(
      STAGING_VALUES.replace('replicas: 2', 'replicas: 3').replace('CACHE_QUERY_BY_USER]', 'CACHE_QUERY_BY_USER, ALERT_REPORTS]'),
    );
    expectClean();
  });

  it('someone enabled the same flag meanwhile: planned again, no change, nothing pushed', async () => {
    const laptop = dc.clone('laptop');
    let theirs = '';
    const r = await toggleFlag(settings(), staging(), { jobId: '62', author: ALICE }, 'ALERT_REPORTS', true, {
      afterCommit: () => {
        theirs = dc.commit(
          laptop,
          PATHS.staging,
          STAGING_VALUES.replace('extra_feature_flags: [', 'extra_feature_flags: [ALERT_REPORTS, '),
          'enable ALERT_REPORTS by hand',
        );
        dc.git(laptop, 'push', '-q', 'origin', 'master');
      },
    });
    expect(r).toEqual({
      kind: 'no-change',
      reason: `ALERT_REPORTS is already on for superset staging (${PATHS.staging}:7 (config.superset.extra_feature_flags))`,
    });
    expect(remoteHead()).toBe(theirs);
    expectClean();
  });

  it('a conflict is a clear refusal, with the checkout as it was and nothing pushed', async () => {
    // a change kept local in the checkout, then a colleague pushes another edit of the same line
    const local = committed(await toggleFlag(settings({ push: 'local' }), staging(), { jobId: '63', author: ALICE }, 'ALERT_REPORTS', true));
    const laptop = dc.clone('laptop');
    dc.commit(laptop, PATHS.staging, STAGING_VALUES.replace('CACHE_QUERY_BY_USER]', 'CACHE_QUERY_BY_USER, THUMBNAILS]'), 'superset-next: enable THUMBNAILS');
    dc.git(laptop, 'push', '-q', 'origin', 'master');
    const pushed = remoteHead();
    const err = await toggleFlag(settings(), staging(), { jobId: '64', author: BOB }, 'EMBEDDED_SUPERSET', true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitConflictError);
    expect((err as Error).message).toBe(
      `refused: the change conflicts with origin/master in ${PATHS.staging}; nothing was committed or pushed, the checkout is as it was — resolve it by hand in the deployment-charts checkout`,
    );
    expect(head(dc.checkout)).toBe(local.commit);
    expect(remoteHead()).toBe(pushed);
    expectClean();
  });

  it('concurrent toggles of two environments both land, neither conflicts', async () => {
    const [a, b] = await Promise.all([
      toggleFlag(settings(), staging(), { jobId: '70', author: ALICE }, 'ALERT_REPORTS', true),
      toggleFlag(settings(), production(), { jobId: '71', author: BOB }, 'ALERT_REPORTS', true),
    ]);
    const [ca, cb] = [committed(a), committed(b)];
    const log = dc.git(dc.remote, 'log', '--format=%s', 'master').trim().split('\n');
    expect(log.slice(0, 2).sort()).toEqual(
      ['superset-next: enable ALERT_REPORTS (via deckhand, job 42)'.replace('42', '70'), 'superset: enable ALERT_REPORTS (via deckhand, job 71)'].sort(),
    );
    expect([ca.attempts, cb.attempts].sort()).toEqual(expect.arrayContaining([1]));
    expect(dc.read(PATHS.staging)).toContain('[CACHE_IMPERSONATION, CACHE_QUERY_BY_USER, ALERT_REPORTS]');
    expect(dc.read(PATHS.production)).toContain('extra_feature_flags: [ALERT_REPORTS]');
    expect(head(dc.checkout)).toBe(remoteHead());
    expectClean();
  });

  it('concurrent toggles kept local both land in the checkout', async () => {
    const s = settings({ push: 'local' });
    const rs = await Promise.all([
      toggleFlag(s, staging(), { jobId: '72', author: ALICE }, 'ALERT_REPORTS', true),
      toggleFlag(s, production(), { jobId: '73', author: BOB }, 'ALERT_REPORTS', true),
    ]);
    rs.forEach(committed);
    expect(dc.git(dc.checkout, 'log', '--format=%s', '-2').trim().split('\n').sort()).toEqual([
      'superset-next: enable ALERT_REPORTS (via deckhand, job 72)',
      'superset: enable ALERT_REPORTS (via deckhand, job 73)',
    ]);
    expect(dc.read(PATHS.staging)).toContain('ALERT_REPORTS]');
    expect(dc.read(PATHS.production)).toContain('[ALERT_REPORTS]');
    expectClean();
  });
});

describe('upgrades and shared files', () => {
  it('the version file is a symlink shared with production: refused without --shared, saying with whom', async () => {
    const t = versionTarget(services, 'superset', 'staging');
    expect(t.spec.file).toBe(PATHS.nextLink);
    await expect(upgradeVersion(settings(), t, { jobId: '80', author: ALICE }, NEXT_IMAGE)).rejects.toThrow(SharedFileError);
    await expect(upgradeVersion(settings(), t, { jobId: '80', author: ALICE }, NEXT_IMAGE)).rejects.toThrow(
      `${PATHS.nextLink} is shared with superset production: editing it changes that environment too; add --shared (or --all) to edit it for all of them`,
    );
    expectClean();
  });

  it('with --shared: the real file is edited (two lines), the symlinks stay symlinks', async () => {
    const r = committed(
      await upgradeVersion(settings(), versionTarget(services, 'superset', 'staging'), { jobId: '81', author: ALICE, shared: true }, NEXT_IMAGE),
    );
    expect(r.file).toBe(PATHS.supersetShared);
    expect(r.shared).toEqual(['superset production']);
    expect(r.message).toBe(
      `_superset_common_: upgrade to 2026-06-02-091245-0c5d8e1f2a3b (via deckhand, job 81)\n\napp.version: ${NEXT_IMAGE}\nassets.version: ${NEXT_IMAGE}\n`,
    );
    expect(r.undo).toEqual({ kind: 'upgrade', version: IMAGE });
    expect(r.diff.split('\n').filter((l) => /^[-+][^-+]/.test(l))).toEqual([
      `-  version: ${IMAGE}`,
      `+  version: ${NEXT_IMAGE}`,
      `-  version: ${IMAGE}`,
      `+  version: ${NEXT_IMAGE}`,
    ]);
    expect(dc.read(PATHS.supersetShared)).toBe(SUPERSET_SHARED.replaceAll(IMAGE, NEXT_IMAGE));
    expect(
      dc
        .git(dc.checkout, 'ls-files', '-s', '--', PATHS.supersetLink, PATHS.nextLink)
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split(' ')[0]),
    ).toEqual(['120000', '120000']);
    // again: no change
    await expect(
      upgradeVersion(settings(), versionTarget(services, 'superset', 'production'), { jobId: '82', author: ALICE, shared: true }, NEXT_IMAGE),
    ).resolves.toMatchObject({ kind: 'no-change' });
    expectClean();
  });

  it('Airflow: the test instance first in its own file, then the shared file for all, which says who still overrides it', async () => {
    const next = AIRFLOW_IMAGE.replace('2026-06-10-101010', '2026-07-01-080000');
    const own = committed(await upgradeVersion(settings(), versionTarget(services, 'airflow-test-k8s', 'production'), { jobId: '90', author: ALICE }, next));
    expect(own.file).toBe(PATHS.airflowTest);
    expect(dc.read(PATHS.airflowTest)).toBe(`config:\n  airflow:\n    instance_name: test-k8s\napp:\n  version: ${next}\n`);
    const all = committed(
      await upgradeVersion(settings(), versionTarget(services, 'airflow-search', 'production'), { jobId: '91', author: ALICE, shared: true }, next),
    );
    expect(all.file).toBe(PATHS.airflowShared);
    expect(all.shared).toEqual(['airflow-test-k8s production']);
    expect(all.shadowed).toEqual([{ name: 'airflow-test-k8s production', file: PATHS.airflowTest, key: 'app.version', value: next }]);
    expectClean();
  });
});
