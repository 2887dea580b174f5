import { assessEnvironment, capLines, formatEnvironment, imageVersion } from '../src/kube/summarize.js';
import { makeDeployment, makePod, manyPods, SUPERSET_IMAGE } from '../src/sandbox/fixtures.js';
import { hasControl } from '../src/core/sanitize.js';

const ids = { service: 'superset', environment: 'production', namespace: 'superset', selector: 'app=superset' };
const labels = { app: 'superset' };
const now = new Date('2026-11-22T12:00:00Z');

describe('status summary', () => {
  it('reads the version people know from an image reference', () => {
    expect(imageVersion(SUPERSET_IMAGE)).toBe('2026-02-16-150514');
    expect(
      imageVersion(
        'docker-registry.discovery.wmnet/repos/data-engineering/airflow:airflow-2.11.2-py3.11-2026-06-10-101532-7d2f9a4c1e8b6d3f0a5c9e2b7d4f1a8c6e3b0d95@sha256:' +
          'a'.repeat(64),
      ),
    ).toBe('airflow-2.11.2-py3.11-2026-06-10-101532');
    expect(imageVersion('registry:5000/hub')).toBe('latest');
  });

  it('gives one compact line for a healthy environment', () => {
    const pods = [0, 1, 2, 3].map((i) => makePod({ namespace: 'superset', labels, image: SUPERSET_IMAGE, seed: i, ageSeconds: 3 * 86400, now }));
    const h = assessEnvironment(
      ids,
      pods,
      [makeDeployment({ namespace: 'superset', name: 'superset', labels, image: SUPERSET_IMAGE, replicas: 4, now })],
      now.getTime(),
    );
    expect(h.healthy).toBe(true);
    expect(formatEnvironment(h)).toEqual(['superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 3d']);
  });

  it('details each unhealthy pod when there are few, and says when nothing matches', () => {
    const pods = [
      makePod({ namespace: 'superset', labels, image: SUPERSET_IMAGE, seed: 1, now }),
      makePod({ namespace: 'superset', labels, image: SUPERSET_IMAGE, seed: 2, waiting: 'CrashLoopBackOff', restarts: 12, now }),
      makePod({ namespace: 'superset', labels, image: SUPERSET_IMAGE, seed: 3, phase: 'Pending', waiting: 'ContainerCreating', now }),
    ];
    const lines = formatEnvironment(assessEnvironment(ids, pods, [], now.getTime()));
    expect(lines[0]).toMatch(/^superset production: 1\/3 ready, image 2026-02-16-150514, \d+ restarts/);
    expect(lines[1]).toMatch(/^  superset-.*: CrashLoopBackOff \(.*\), 12 restarts, /);
    expect(lines[2]).toMatch(/^  superset-.*: ContainerCreating/);
    expect(formatEnvironment(assessEnvironment(ids, [], [], now.getTime()))).toEqual(['superset production: no pods match app=superset in namespace superset']);
  });

  it('keeps 5,000 pods with many broken ones to two lines', () => {
    const pods = manyPods(5000, 'superset', labels, now);
    const h = assessEnvironment(ids, pods, [], now.getTime());
    const lines = formatEnvironment(h);
    expect(h.problems.length).toBeGreaterThan(3);
    expect(lines.length).toBe(2);
    expect(lines[1]).toMatch(/^  unhealthy: 5 CrashLoopBackOff \(.*, …\); 3 ImagePullBackOff/);
  });

  it('never lets a pod name or message put a control character in a line', () => {
    const pod = makePod({ namespace: 'superset', labels, image: SUPERSET_IMAGE, waiting: 'CrashLoopBackOff', now });
    pod.metadata!.name = 'evil\r\nPRIVMSG #x :hi';
    pod.status!.containerStatuses![0]!.state!.waiting!.message = 'line1\nline2\u0000\u0007';
    for (const l of formatEnvironment(assessEnvironment(ids, [pod], [], now.getTime()))) expect(hasControl(l)).toBe(false);
  });

  it('caps long replies and says how much was left out', () => {
    expect(capLines(['a', 'b', 'c', 'd', 'e'], 3)).toEqual(['a', 'b', '+3 more lines']);
    expect(capLines(['a', 'b'], 3)).toEqual(['a', 'b']);
  });
});
