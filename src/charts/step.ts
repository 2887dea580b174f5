// Values-file edits as the deploy's change step: the edit and its commit happen inside the deploy
// lock of the environment, then the deploy shows the diff (and asks for a confirmation where needed).
import type { Config } from '../config/schema.js';
import { cmd, plain, type Line } from '../core/parts.js';
import type { Identity } from '../core/types.js';
import type { ChangeOutcome, ChangeStep } from '../deploy/engine.js';
import { toggleFlag, upgradeVersion, type EditOutcome } from './change.js';
import { flagTarget, gitSettings, versionTarget } from './config.js';
import { AuthorError } from './errors.js';
import type { Person } from './git.js';
import { shortVersion } from './version.js';

/** The person a commit is authored by: their directory name and mail. */
function author(who: Identity & { user: string }): Person {
  if (!who.mail) throw new AuthorError(`the directory has no mail for ${who.user}: a commit needs an author (Name <mail>)`);
  return { name: who.name ?? who.user, email: who.mail };
}

function where(o: EditOutcome & { kind: 'committed' }): string {
  if (o.pushed) return `pushed to ${o.pushed.remote} ${o.pushed.ref.replace(/^refs\/heads\//, '')}`;
  return 'kept in the checkout (not pushed)';
}

function outcome(o: EditOutcome, label: string, undo: string): ChangeOutcome {
  if (o.kind === 'no-change') return { changed: false, line: `${label}: no change (${o.reason}); nothing committed, nothing deployed` };
  const shared = o.shared.length ? ` (shared with ${o.shared.join(', ')})` : '';
  const head: Line = `${o.description}${shared}: commit ${o.commit.slice(0, 12)} by ${o.author}, ${where(o)}`;
  if (!o.checkout.updated) {
    return {
      changed: true,
      commit: o.commit,
      deploy: false,
      line: `${head}; not deployed: ${o.checkout.reason ?? 'the checkout does not have it yet'} (deploy it once it is merged)`,
    };
  }
  return { changed: true, commit: o.commit, line: head, undo: [cmd(undo)] };
}

export interface FlagChange {
  service: string;
  environment: string;
  name: string;
  on: boolean;
  shared: boolean;
}

export function flagStep(config: Config, jobId: string, c: FlagChange): ChangeStep {
  const label = `${c.service} ${c.environment}`;
  return {
    describe: `${c.on ? 'enable' : 'disable'} ${c.name}`,
    async run(who) {
      const git = gitSettings(config.deploymentCharts);
      const o = await toggleFlag(git, flagTarget(config.services, c.service, c.environment), { jobId, author: author(who), shared: c.shared }, c.name, c.on);
      return outcome(o, label, `${c.service} flag ${c.name} ${c.on ? 'off' : 'on'} ${c.environment}${c.shared ? ' --shared' : ''}`);
    },
  };
}

export interface VersionChange {
  service: string;
  environment: string;
  version: string;
  shared: boolean;
}

export function versionStep(config: Config, jobId: string, c: VersionChange): ChangeStep {
  const label = `${c.service} ${c.environment}`;
  let previous: string | undefined;
  return {
    describe: `upgrade to ${shortVersion(c.version)}`,
    async run(who) {
      const git = gitSettings(config.deploymentCharts);
      const o = await upgradeVersion(
        git,
        versionTarget(config.services, c.service, c.environment),
        { jobId, author: author(who), shared: c.shared },
        c.version,
      );
      if (o.kind === 'committed' && o.undo?.kind === 'upgrade') previous = o.undo.version;
      const out = outcome(o, label, `${c.service} upgrade ${previous ?? '<previous version>'} ${c.environment}${c.shared ? ' --shared' : ''}`);
      if (o.kind === 'committed' && o.shadowed.length && out.changed) {
        const names = [...new Set(o.shadowed.map((s) => s.name))].join(', ');
        return { ...out, line: `${plain(out.line)}; not followed by ${names} (their own values file sets the version)` };
      }
      return out;
    },
  };
}
