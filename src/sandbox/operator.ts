// The sandbox's operator: the person at the console of a sandbox is a directory user of one group,
// sandbox-operators, which the sandbox's copy of the config grants every verb of every service. So
// every verb can be tried, the permission checks still run (and whoami shows where the rights come
// from), and nothing of this reaches a real directory or a real config file.
import { deploymentChartsSchema } from '../config/charts.js';
import type { Config } from '../config/schema.js';
import type { Identity } from '../core/types.js';
import type { VerbSpec } from '../core/verb.js';
import type { DirectoryAnswer, DirectoryLookup } from '../auth/access.js';

export const SANDBOX_GROUP = 'sandbox-operators';

/** The config the sandbox runs with: every permission granted to sandbox-operators, deploys in the sandbox checkout, announcements on the console. */
export function sandboxConfig(config: Config, verbs: readonly VerbSpec[], checkout: string, onConsole = true): Config {
  const c = structuredClone(config);
  const keys = new Set(verbs.filter((v) => v.scope === 'service').map((v) => v.permission ?? v.verb));
  // what global verbs check per service (maint: services.<s>.permissions.maint)
  const needed = new Set(verbs.flatMap((v) => (v.needs && v.needs !== 'any' ? [v.needs] : [])));
  for (const k of needed) keys.add(k);
  for (const service of Object.values(c.services)) {
    for (const k of keys) {
      const had = service.permissions[k];
      // read-only verbs left public stay public; every restricted or mutating one gains the sandbox group
      const spec = verbs.find((v) => v.scope === 'service' && (v.permission ?? v.verb) === k);
      if (had || spec?.mutating || needed.has(k)) service.permissions[k] = [...new Set([...(had ?? []), SANDBOX_GROUP])];
    }
    // only a console process drains the console's outbox (`all --sandbox` has none)
    if (onConsole) service.announce = { ...service.announce, console: ['console'] };
  }
  // its jobs, locks and windows apart from a real deployment's on the same Redis (and still under its prefix)
  c.redis = { ...c.redis, prefix: `${c.redis.prefix}:sandbox` };
  // the downtime monitor runs, quicker than in production: the crash-looping staging pod is announced, and its recovery after a deploy
  c.monitor = {
    ...c.monitor,
    enabled: true,
    downAfterSeconds: Math.min(c.monitor.downAfterSeconds, 20),
    upAfterSeconds: Math.min(c.monitor.upAfterSeconds, 10),
  };
  // a tour is many commands in a few minutes, from one person trying things: no per-user limit here
  c.rateLimit = { perMinute: 0 };
  c.deploymentCharts = deploymentChartsSchema.parse({ checkout, push: 'local', committer: { name: 'Deckhand sandbox', email: 'sandbox@deckhand.invalid' } });
  return c;
}

/** Who the console user is in the sandbox: `<name> (sandbox operator)`, in sandbox-operators. Anyone else: nobody. */
export class SandboxDirectory implements DirectoryLookup {
  constructor(private readonly network = 'console') {}

  async lookup(identity: Identity): Promise<DirectoryAnswer | null> {
    if (identity.network !== this.network || !identity.account) return null;
    const user = identity.account;
    return { user, groups: [SANDBOX_GROUP], name: `${user} (sandbox operator)`, mail: `${user}@sandbox.invalid` };
  }
}
