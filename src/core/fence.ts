/**
 * A fence: called right before a write only the leader may make; throws NotLeaderError when this process
 * no longer holds the lease (src/leader). Singletons take one; without leader election it is a no-op.
 */
export type Fence = () => Promise<void>;

export class NotLeaderError extends Error {
  override name = 'NotLeaderError';
}

export const noFence: Fence = async () => {};
