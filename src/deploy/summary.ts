// Reading helmfile/helm output as it streams (already redacted): what a diff would change, and what an
// apply did (releases upgraded, helm revisions, the first error).
import { createHash } from 'node:crypto';

export interface ChangedResource {
  release?: string;
  namespace: string;
  name: string;
  kind: string;
  change: 'changed' | 'added' | 'removed';
}

const COMPARING = /^Comparing release=([^,\s]+)/;
// helm-diff: "superset, superset-production, Deployment (apps) has changed:"
const RESOURCE = /^(\S+), (\S+), (\S+) \(([^)]*)\) has (changed|been added|been removed):/;
const SUPPRESSED = /Changes suppressed on sensitive content/;
const KEY = /^[+-]\s*(?:-\s+)?["']?([A-Za-z_][A-Za-z0-9_.\/-]*)["']?\s*(?::(?:\s|$)|=)/;

/** Streaming summary of a diff: counts and the first changed keys and lines. Memory is bounded. */
export class DiffSummary {
  readonly compared = new Set<string>();
  readonly resources: ChangedResource[] = [];
  plus = 0;
  minus = 0;
  readonly keys: string[] = [];
  readonly sample: string[] = [];
  private current?: string;
  private inResource = false;
  private readonly hash = createHash('sha256');

  constructor(
    private readonly maxSample = 40,
    private readonly maxKeys = 8,
    private readonly maxResources = 200,
  ) {}

  push(line: string): void {
    const cmp = COMPARING.exec(line);
    // The digest covers the diff itself (releases, resources, their +/- and context lines), not the tool's
    // progress on stderr, whose place among stdout lines varies from run to run.
    if (cmp || RESOURCE.test(line) || (this.inResource && /^[-+ ]/.test(line))) this.hash.update(line).update('\n');
    if (cmp) {
      this.current = cmp[1];
      this.compared.add(cmp[1]!);
      this.inResource = false;
      return;
    }
    const res = RESOURCE.exec(line);
    if (res) {
      this.inResource = true;
      if (this.resources.length < this.maxResources) {
        const change = res[5] === 'changed' ? 'changed' : res[5] === 'been added' ? 'added' : 'removed';
        this.resources.push({ ...(this.current ? { release: this.current } : {}), namespace: res[1]!, name: res[2]!, kind: res[3]!, change });
      }
      return;
    }
    if (!this.inResource || SUPPRESSED.test(line)) return;
    const sign = line[0];
    if ((sign !== '+' && sign !== '-') || line.startsWith('+++') || line.startsWith('---')) return;
    if (sign === '+') this.plus++;
    else this.minus++;
    if (this.sample.length < this.maxSample) this.sample.push(line.trimEnd());
    const key = KEY.exec(line)?.[1];
    if (key && !this.keys.includes(key) && this.keys.length < this.maxKeys) this.keys.push(key);
  }

  /** Releases with at least one changed resource (the release being compared when it was seen). */
  get releases(): string[] {
    return [...new Set(this.resources.map((r) => r.release).filter((r): r is string => !!r))];
  }

  /** Stable identity of the whole diff (what a confirmation confirms). */
  digest(): string {
    return this.hash.copy().digest('hex').slice(0, 16);
  }

  /** "1 release (production): 3 resources (Deployment superset-production, …), +4/-3 lines; keys: image, replicas" */
  text(): string {
    const rel = this.releases;
    const releases = rel.length ? `${rel.length} release${rel.length === 1 ? '' : 's'} (${rel.join(', ')})` : 'changes';
    const names = this.resources.slice(0, 3).map((r) => `${r.kind} ${r.name}${r.change === 'changed' ? '' : ` ${r.change}`}`);
    const more = this.resources.length > 3 ? `, +${this.resources.length - 3} more` : '';
    const resources = this.resources.length ? `: ${this.resources.length} resource${this.resources.length === 1 ? '' : 's'} (${names.join(', ')}${more})` : '';
    const keys = this.keys.length ? `; keys: ${this.keys.slice(0, 5).join(', ')}` : '';
    return `${releases}${resources}, +${this.plus}/-${this.minus} lines${keys}`;
  }
}

const UPGRADING = /^(?:Upgrading|Installing) release=([^,\s]+)/;
const UPGRADED = /^Release "([^"]+)" has been upgraded/;
const NAME = /^NAME:\s+(\S+)\s*$/;
const REVISION = /^REVISION:\s+(\d+)\s*$/;
// The most telling error line wins (stdout and stderr interleave unpredictably): helm's "Error: …",
// then helmfile's "in ./helmfile.yaml: …", then anything saying FAILED or error (not table headers).
const ERRORS = [/^(?:Error|err): .+/i, /^in \S*helmfile\.yaml(?:\.gotmpl)?: .+/, /^(?!(?:FAILED|UPDATED|DELETED) RELEASES:).*\b(?:FAILED|error)\b.*/i];

export type Milestone = { kind: 'applying'; release: string } | { kind: 'upgraded'; release: string; revision?: number };

/** Streaming reader of apply output: milestones as they happen, revisions, the first error line. */
export class ApplyProgress {
  readonly revisions: Record<string, number> = {};
  firstError?: string;
  private errorRank = Infinity;
  private name?: string;

  constructor(private readonly onMilestone?: (m: Milestone) => void) {}

  push(line: string): void {
    const t = line.trim();
    let m: RegExpExecArray | null;
    if ((m = UPGRADING.exec(t))) {
      this.onMilestone?.({ kind: 'applying', release: m[1]! });
    } else if ((m = UPGRADED.exec(t))) {
      this.name = m[1];
    } else if ((m = NAME.exec(t))) {
      this.name = m[1];
    } else if ((m = REVISION.exec(t)) && this.name) {
      this.revisions[this.name] = Number(m[1]);
      this.onMilestone?.({ kind: 'upgraded', release: this.name, revision: Number(m[1]) });
      this.name = undefined;
    } else {
      const rank = ERRORS.findIndex((re) => re.test(t));
      if (rank >= 0 && rank < this.errorRank) {
        this.firstError = t;
        this.errorRank = rank;
      }
    }
  }

  /** "release production → revision 43, release x → revision 7" */
  text(): string {
    return Object.entries(this.revisions)
      .map(([name, rev]) => `release ${name} → revision ${rev}`)
      .join(', ');
  }
}
