// `approvals:` of an environment: validated strictly, like every fixed-shape part of the config; the
// example in config/example.yaml (commented out there) is a valid one.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ConfigError, parseConfig } from '../src/config/load.js';
import { repoRoot } from './support/config.js';

const withApprovals = (approvals: unknown) => ({
  services: { superset: { environments: { production: { namespace: 'superset', selector: 'app=superset', approvals } } } },
});

function problems(raw: unknown): string[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error('should not parse');
}

describe('approvals config', () => {
  it('reads required, groups and selfApproval (default false)', () => {
    const c = parseConfig(withApprovals({ required: 2, groups: ['wmf', 'ops'] }));
    expect(c.services.superset!.environments.production!.approvals).toEqual({ required: 2, groups: ['wmf', 'ops'], selfApproval: false });
  });

  it('refuses what cannot be meant, one line per problem', () => {
    expect(problems(withApprovals({ required: 0, groups: ['wmf'] }))).toEqual([
      'services.superset.environments.production.approvals.required: Too small: expected number to be >=1',
    ]);
    expect(problems(withApprovals({ required: 1, groups: [] }))).toEqual([
      'services.superset.environments.production.approvals.groups: needs at least one group',
    ]);
    expect(problems(withApprovals({ required: 1.5, groups: ['wmf'] }))).toEqual([
      'services.superset.environments.production.approvals.required: Invalid input: expected int, received number',
    ]);
    expect(problems(withApprovals({ required: 1, groups: ['wmf'], selfapproval: true }))).toEqual([
      'services.superset.environments.production.approvals.selfapproval: unknown key (did you mean selfApproval?)',
    ]);
  });

  it('the example in config/example.yaml is valid', () => {
    const text = readFileSync(join(repoRoot(), 'config/example.yaml'), 'utf8');
    const example = /^\s*# approvals: (\{.*\})\s*$/m.exec(text)?.[1];
    expect(example).toBeDefined();
    const c = parseConfig(withApprovals(parse(example!)));
    expect(c.services.superset!.environments.production!.approvals).toEqual({ required: 1, groups: ['superset-admins', 'ops'], selfApproval: false });
  });
});
