import type { DirectoryAnswer, DirectoryLookup } from '../../src/auth/access.js';
import type { Identity } from '../../src/core/types.js';

/**
 * The users and groups of test/fixtures/directory.ldif, without a slapd: for tests about deploys rather
 * than the directory (the directory itself and end-to-end permissions are tested against a real slapd).
 */
export const TEST_USERS: Record<string, string[]> = {
  alice: ['superset-admins', 'wmf'],
  bob: ['nda', 'wmf'],
  mallory: [],
  carol: ['airflow-search-ops', 'ops'],
};

export class StaticDirectory implements DirectoryLookup {
  constructor(private readonly users: Record<string, string[]> = TEST_USERS) {}
  async lookup(identity: Identity): Promise<DirectoryAnswer | null> {
    if (!identity.account || !Object.hasOwn(this.users, identity.account)) return null;
    const u = identity.account;
    // cn and mail as in directory.ldif (commits are authored `cn <mail>`)
    return { user: u, groups: [...this.users[u]!], name: `${u[0]!.toUpperCase()}${u.slice(1)} Example`, mail: `${u}@wikimedia.org` };
  }
}
