// A Kubernetes coordination.k8s.io/v1 Lease as the leader lease, the way client-go's leader election
// does it: the holder renews `renewTime` by an update carrying the resourceVersion it read (optimistic
// concurrency: a conflicting write is 409 and loses). A standby takes over a lease whose record has not
// changed for leaseDurationSeconds by its own clock (not by the timestamps, which another machine wrote:
// clocks differ). The fencing token is leaseTransitions, which grows with every change of holder.
import type { CoordinationV1Api, V1Lease } from '@kubernetes/client-node';
import type { LeaseBackend } from './elector.js';

const statusOf = (e: unknown): number | undefined => {
  const c = (e as { code?: unknown }).code;
  return typeof c === 'number' ? c : undefined;
};

/** The time as the API writes MicroTime (RFC 3339 with microseconds). */
const microTime = (ms: number): Date => new Date(ms);

export class KubeLease implements LeaseBackend {
  /** The record as last read, and when (local clock) it was first seen in that version. */
  private seen?: { resourceVersion: string; at: number };

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly namespace: string,
    private readonly name: string,
    private readonly now: () => number = Date.now,
  ) {}

  get describe(): string {
    return `lease ${this.namespace}/${this.name}`;
  }

  private async read(): Promise<V1Lease | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.name, namespace: this.namespace });
      const rv = lease.metadata?.resourceVersion ?? '';
      if (this.seen?.resourceVersion !== rv) this.seen = { resourceVersion: rv, at: this.now() };
      return lease;
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  private spec(identity: string, leaseMs: number, transitions: number, acquiredAt?: Date) {
    const now = microTime(this.now());
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.max(1, Math.ceil(leaseMs / 1000)),
      acquireTime: acquiredAt ?? now,
      renewTime: now,
      leaseTransitions: transitions,
    };
  }

  async acquire(identity: string, leaseMs: number): Promise<number | undefined> {
    const lease = await this.read();
    if (!lease) {
      try {
        await this.api.createNamespacedLease({
          namespace: this.namespace,
          body: {
            apiVersion: 'coordination.k8s.io/v1',
            kind: 'Lease',
            metadata: { name: this.name, namespace: this.namespace },
            spec: this.spec(identity, leaseMs, 1),
          },
        });
        return 1;
      } catch (e) {
        if (statusOf(e) === 409) return undefined; // another created it first
        throw e;
      }
    }
    const s = lease.spec ?? {};
    const transitions = s.leaseTransitions ?? 0;
    if (s.holderIdentity === identity) return (await this.renew(identity, transitions, leaseMs)) ? transitions : undefined;
    const heldFor = (s.leaseDurationSeconds ?? 0) * 1000;
    const free = !s.holderIdentity || this.now() - (this.seen?.at ?? 0) >= heldFor;
    if (!free) return undefined;
    const next = transitions + 1;
    try {
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: { ...lease, spec: this.spec(identity, leaseMs, next) },
      });
      return next;
    } catch (e) {
      if (statusOf(e) === 409) return undefined; // someone else took it in between
      throw e;
    }
  }

  async renew(identity: string, token: number, leaseMs: number): Promise<boolean> {
    const lease = await this.read();
    const s = lease?.spec;
    if (!lease || s?.holderIdentity !== identity || (s.leaseTransitions ?? 0) !== token) return false;
    try {
      await this.api.replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: { ...lease, spec: this.spec(identity, leaseMs, token, s.acquireTime) },
      });
      return true;
    } catch (e) {
      if (statusOf(e) === 409) return false;
      throw e;
    }
  }

  async check(identity: string, token: number): Promise<boolean> {
    // The elector's own clock bounds a holder to its last renewal that the API server accepted (a standby
    // waits a whole lease duration past it); asking the server before every write would add a round trip to
    // every IRC line.
    void identity;
    void token;
    return true;
  }

  async release(identity: string, token: number): Promise<void> {
    const lease = await this.read();
    const s = lease?.spec;
    if (!lease || s?.holderIdentity !== identity || (s.leaseTransitions ?? 0) !== token) return;
    // as client-go does on release: no holder, a one-second duration, so a standby takes over at once
    await this.api
      .replaceNamespacedLease({
        name: this.name,
        namespace: this.namespace,
        body: { ...lease, spec: { ...s, holderIdentity: undefined, leaseDurationSeconds: 1 } },
      })
      .catch(() => {});
  }
}
