// Fault case 7 (issue 18): dependencies down — the Kubernetes API not listening or not answering, Redis
// stopped for 10 s, the git remote unreachable during a flag edit, the Slack Web API answering 500:
// one clear line to the asker, no crash, the same request works once it is back.
// LDAP down is covered by test/permissions.e2e.test.ts and test/directory-outage.test.ts.
// Scenarios: test/faults/scenarios/dependencies.ts (also run by `npm run bench -- faults`).
import { expect, it } from '@jest/globals';
import { dependenciesScenario, QUEUE_LINE, slackOutageScenario } from './scenarios/dependencies.js';

it('Kubernetes API down or hung, Redis down 10 s, git remote unreachable: one clear line each, then recovery', async () => {
  const f = await dependenciesScenario();
  expect(f.kubeDown).toMatchObject({ lines: 1, recovered: true });
  expect(f.kubeSlow).toMatchObject({ lines: 1, recovered: true });
  expect(f.redisDown).toMatchObject({ line: QUEUE_LINE, lines: 1, recovered: true, ranLater: false });
  expect(f.redisDown.lineMs).toBeLessThan(3000);
  expect(f.kubeDown.line).toBe('alice: superset production: cannot reach the Kubernetes API for superset on dse-k8s-eqiad (connection refused)');
  expect(f.kubeSlow.line).toBe('alice: superset production: cannot reach the Kubernetes API for superset on dse-k8s-eqiad (timed out after 1s)');
  expect(f.gitRemoteDown.line).toMatch(/^alice: git fetch failed: fatal: '.*remote\.git' does not appear to be a git repository$/);
  expect(f.gitRemoteDown).toMatchObject({ lines: 1, recovered: true, deployed: false, checkoutClean: true });
}, 60_000);

it('Slack Web API answering 500: the answer is posted once when it is back, and the next command is answered', async () => {
  const f = await slackOutageScenario({ failures: 6 });
  expect(f.failures).toBe(6);
  expect(f.posted).toBe(1);
  expect(f.recovered).toBe(true);
}, 60_000);
