// Leader election on real backends: the fenced Redis lease on the real Redis, and a Kubernetes Lease
// (coordination.k8s.io/v1) on the fake API server through @kubernetes/client-node. Two electors: one
// leads at a time; a leader cut off from its backend stops acting by its own clock before the other
// takes over; the old leader's fencing check fails once it is deposed, and the new token is higher.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { NotLeaderError } from '../src/core/fence.js';
import { kubeConfigForUrl } from '../src/kube/client.js';
import { LeaderElector, type LeaseBackend } from '../src/leader/elector.js';
import { KubeLease } from '../src/leader/kube-lease.js';
import { RedisLease } from '../src/leader/redis-lease.js';
import { startFakeKubeApi, type FakeKubeApi } from '../src/sandbox/kube-api.js';
import { sleep } from './support/irc-observe.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';

const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const LEASE_MS = 1500;

/** A backend that can be cut off (a partitioned gateway): every call fails while `cut`. */
function cuttable(b: LeaseBackend): LeaseBackend & { cut: boolean } {
  const w = {
    cut: false,
    describe: b.describe,
    acquire: (i: string, ms: number) => (w.cut ? Promise.reject(new Error('unreachable')) : b.acquire(i, ms)),
    renew: (i: string, t: number, ms: number) => (w.cut ? Promise.reject(new Error('unreachable')) : b.renew(i, t, ms)),
    check: (i: string, t: number) => (w.cut ? Promise.reject(new Error('unreachable')) : b.check(i, t)),
    release: (i: string, t: number) => (w.cut ? Promise.reject(new Error('unreachable')) : b.release(i, t)),
  };
  return w;
}

interface Seen {
  events: { who: string; what: 'elected' | 'deposed'; at: number; token?: number }[];
}

function elector(name: string, backend: LeaseBackend, seen: Seen): LeaderElector {
  const e = new LeaderElector({
    backend,
    identity: name,
    leaseMs: LEASE_MS,
    renewMs: 300,
    retryMs: 100,
    log,
    onElected: (token) => void seen.events.push({ who: name, what: 'elected', at: Date.now(), token }),
    onDeposed: () => void seen.events.push({ who: name, what: 'deposed', at: Date.now() }),
  });
  e.start();
  return e;
}

async function until(cond: () => boolean, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

/** The same story on either backend. */
async function failover(backends: [LeaseBackend & { cut: boolean }, LeaseBackend & { cut: boolean }]): Promise<void> {
  const seen: Seen = { events: [] };
  const a = elector('gw-a', backends[0], seen);
  await until(() => a.isLeader);
  const b = elector('gw-b', backends[1], seen);
  await sleep(LEASE_MS * 1.5);
  // one leader only, and it renews
  expect(a.isLeader).toBe(true);
  expect(b.isLeader).toBe(false);
  await expect(a.fence()).resolves.toBeUndefined();
  await expect(b.fence()).rejects.toBeInstanceOf(NotLeaderError);
  const tokenA = a.fencingToken!;

  // a is cut off: it stops by its own clock, then b takes over, with a higher token
  backends[0].cut = true;
  await until(() => b.isLeader);
  const deposedA = seen.events.find((e) => e.who === 'gw-a' && e.what === 'deposed')!;
  const electedB = seen.events.find((e) => e.who === 'gw-b' && e.what === 'elected')!;
  expect(deposedA).toBeDefined();
  expect(deposedA.at).toBeLessThanOrEqual(electedB.at);
  expect(electedB.token!).toBeGreaterThan(tokenA);
  expect(a.isLeader).toBe(false);
  await expect(a.fence()).rejects.toBeInstanceOf(NotLeaderError);

  // back: a stays a standby while b renews
  backends[0].cut = false;
  await sleep(LEASE_MS);
  expect(a.isLeader).toBe(false);
  expect(b.isLeader).toBe(true);

  // b stops and releases: a takes over without waiting a whole lease
  const stoppedAt = Date.now();
  await b.stop();
  await until(() => a.isLeader);
  expect(Date.now() - stoppedAt).toBeLessThan(LEASE_MS + 1500);
  await a.stop();
}

describe('fenced Redis lease', () => {
  const prefix = freshPrefix('leader');
  let r1: Redis;
  let r2: Redis;
  beforeAll(() => {
    r1 = new Redis(REDIS_URL);
    r2 = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    r1.disconnect();
    r2.disconnect();
    await dropPrefix(prefix);
  });

  it('one leader; a cut-off leader stops before the other takes over with a higher token', async () => {
    await failover([cuttable(new RedisLease(r1, prefix, 'gw')), cuttable(new RedisLease(r2, prefix, 'gw'))]);
  }, 20_000);

  it('the token check is the lease value itself: a stale holder fails it even with the right name', async () => {
    const lease = new RedisLease(r1, prefix, 'tok');
    const t1 = (await lease.acquire('x', 200))!;
    await sleep(300); // expired
    const t2 = (await lease.acquire('y', 5000))!;
    expect(t2).toBeGreaterThan(t1);
    expect(await lease.check('x', t1)).toBe(false);
    expect(await lease.renew('x', t1, 5000)).toBe(false);
    expect(await lease.check('y', t2)).toBe(true);
    expect(await lease.acquire('x', 5000)).toBeUndefined();
  });
});

describe('Kubernetes Lease (coordination.k8s.io/v1) on the fake API server', () => {
  let api: FakeKubeApi;
  beforeAll(async () => {
    api = await startFakeKubeApi({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await api.close();
  });
  const client = () => kubeConfigForUrl(api.url).makeApiClient(CoordinationV1Api);

  it('one leader; a cut-off leader stops before the other takes over with a higher token', async () => {
    await failover([cuttable(new KubeLease(client(), 'deckhand', 'gw')), cuttable(new KubeLease(client(), 'deckhand', 'gw'))]);
    const lease = api.leases.get('deckhand', 'gw')!;
    expect(lease.spec?.leaseTransitions).toBeGreaterThanOrEqual(3);
  }, 20_000);

  it('answers like the API server: 409 on a stale resourceVersion, 409 on a second create, 404 for a missing lease', async () => {
    const c = client();
    const body = { metadata: { name: 'occ', namespace: 'ns' }, spec: { holderIdentity: 'a', leaseDurationSeconds: 5 } };
    const created = await c.createNamespacedLease({ namespace: 'ns', body });
    await expect(c.createNamespacedLease({ namespace: 'ns', body })).rejects.toMatchObject({ code: 409 });
    const updated = await c.replaceNamespacedLease({ name: 'occ', namespace: 'ns', body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } } });
    expect(updated.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion);
    // a write based on the old version loses
    const stale = c.replaceNamespacedLease({ name: 'occ', namespace: 'ns', body: { ...created, spec: { ...created.spec, holderIdentity: 'c' } } });
    await expect(stale).rejects.toMatchObject({ code: 409 });
    expect((await c.readNamespacedLease({ name: 'occ', namespace: 'ns' })).spec?.holderIdentity).toBe('b');
    await expect(c.readNamespacedLease({ name: 'nope', namespace: 'ns' })).rejects.toMatchObject({ code: 404 });
  });
});
