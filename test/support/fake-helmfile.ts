/**
 * Stand-in `helmfile` and `helm` executables for tests, written into a temp bin directory that goes
 * first on PATH. Each run records its argv, cwd, environment, pid, start/end time and exit code, then
 * prints realistic helm-diff / helmfile apply output — including a fake secret value that must never
 * reach chat — and exits as the control file says (diff: 2 = changes, 0 = none, 1 = error).
 * helm also answers `history <release> -o json` and `rollback <release> [revision]` like helm 3: each
 * release's revisions live in the control directory (hist-<release>: 41 superseded and 42 deployed to
 * begin with); an upgrade or apply adds "Upgrade complete", a rollback "Rollback to <n>".
 *
 *   const tools = await installFakeTools();
 *   process.env.PATH = tools.pathEnv;
 *   tools.control({ applyExit: 1, failIn: ['airflow-search'] });
 *   …
 *   expect(tools.calls().map((c) => c.argv)).toEqual([...]);
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Control {
  /** diff exit code where not overridden by noChangesIn/diffFailIn (2 = changes). */
  diffExit: number;
  applyExit: number;
  /** Seconds the apply (or diff) takes; fractions allowed. */
  applySleep: number;
  diffSleep: number;
  /** Directory basenames (helmfile dir, or the cwd for helm) where the apply fails with exit 1. */
  failIn: string[];
  /** …where the diff finds nothing (exit 0). */
  noChangesIn: string[];
  /** apply starts a background `sleep 300` in its process group (to check the group is stopped). */
  spawnChild: boolean;
  /** helmfile/helm and its child ignore SIGTERM (only SIGKILL stops them). */
  ignoreTerm: boolean;
  /** A marker changing the diff output (so its digest changes). */
  diffVariant: string;
}

export interface Call {
  tool: 'helmfile' | 'helm';
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  pid: number;
  /** ms since epoch (from date +%s%N inside the stand-in). */
  start: number;
  end?: number;
  exit?: number;
  childPid?: number;
  sub: string;
}

export interface FakeTools {
  dir: string;
  bin: string;
  /** The fake secret printed in diff output (as a DB password, a Secret key, a bare comment). */
  secret: string;
  /** A PEM body line and a key-length base64 blob also printed. */
  pemLine: string;
  base64Blob: string;
  /** bin first, then the current PATH. */
  pathEnv: string;
  control(c: Partial<Control>): void;
  calls(): Call[];
  reset(): void;
  cleanup(): void;
}

const DEFAULTS: Control = {
  diffExit: 2,
  applyExit: 0,
  applySleep: 0,
  diffSleep: 0,
  failIn: [],
  noChangesIn: [],
  spawnChild: false,
  ignoreTerm: false,
  diffVariant: '',
};

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function controlSh(c: Control): string {
  return [
    `DIFF_EXIT=${c.diffExit}`,
    `APPLY_EXIT=${c.applyExit}`,
    `APPLY_SLEEP=${c.applySleep}`,
    `DIFF_SLEEP=${c.diffSleep}`,
    `FAIL_IN=${q(' ' + c.failIn.join(' ') + ' ')}`,
    `NO_CHANGES_IN=${q(' ' + c.noChangesIn.join(' ') + ' ')}`,
    `SPAWN_CHILD=${c.spawnChild ? 1 : 0}`,
    `IGNORE_TERM=${c.ignoreTerm ? 1 : 0}`,
    `DIFF_VARIANT=${q(c.diffVariant)}`,
    '',
  ].join('\n');
}

// Shared by both tools: record the call, work out the release, print, sleep, exit.
function script(tool: 'helmfile' | 'helm', dir: string, secret: string, pemLine: string, blob: string): string {
  return `#!/bin/bash
# stand-in ${tool}, written by test/support/fake-helmfile.ts
D=${q(dir)}
. "$D/control.sh"
[ "$IGNORE_TERM" = 1 ] && trap '' TERM
start=$(date +%s%N)
call=$(mktemp -d "$D/calls/c.XXXXXXXX")
printf '%s\\0' "$@" > "$call/argv"
pwd > "$call/cwd"
env -0 > "$call/env"
echo $$ > "$call/pid"
echo "$start" > "$call/start"
echo ${tool} > "$call/tool"
finish() { echo "$1" > "$call/exit"; date +%s%N > "$call/end"; exit "$1"; }
here=$(basename "$PWD")
sub=""
if [ ${q(tool)} = helmfile ]; then
  for a in "$@"; do case "$a" in diff|apply|sync|template|destroy) sub=$a; break;; esac; done
  release=$(sed -n 's/^  - name: *//p' helmfile.yaml 2>/dev/null | head -1)
  namespace=$(sed -n 's/^    namespace: *//p' helmfile.yaml 2>/dev/null | head -1)
  chart=$(sed -n 's/^    chart: *//p' helmfile.yaml 2>/dev/null | head -1)
else
  case "$1" in diff) sub=diff; release=$3;; history|rollback) sub=$1; release=$2;; *) sub=apply; release=$2;; esac
  namespace=default; prev=""
  for a in "$@"; do case "$prev" in --namespace|-n) namespace=$a;; esac; prev=$a; done
  chart=./$release
  [ -f helmfile.yaml ] && chart=$(sed -n 's/^    chart: *//p' helmfile.yaml | head -1)
fi
echo "$sub" > "$call/sub"
release=\${release:-main}; namespace=\${namespace:-default}; chart=\${chart:-wmf-stable/unknown}
SECRET=${q(secret)}

# revisions: rev<TAB>updated<TAB>status<TAB>chart<TAB>app_version<TAB>description, oldest first
hist="$D/hist-$release"
chartname=\${chart##*/}; chartname=\${chartname#./}
seed() {
  [ -f "$hist" ] && return
  printf '41\t2026-11-20T10:02:11.12+00:00\tsuperseded\t%s-0.12.5\t4.1.0\tInstall complete\n' "$chartname" > "$hist"
  printf '42\t2026-11-25T09:14:52.481+00:00\tdeployed\t%s-0.12.6\t4.1.1\tUpgrade complete\n' "$chartname" >> "$hist"
}
# add_revision REV CHART APP DESCRIPTION: the deployed one becomes superseded
add_revision() {
  seed
  sed -i 's/\tdeployed\t/\tsuperseded\t/' "$hist"
  printf '%s\t%s\tdeployed\t%s\t%s\t%s\n' "$1" "$(date -u +%Y-%m-%dT%H:%M:%S.%N+00:00)" "$2" "$3" "$4" >> "$hist"
}
next_rev() { revfile="$D/rev-$here"; rev=$(( $(cat "$revfile" 2>/dev/null || echo 42) + 1 )); echo $rev > "$revfile"; }

if [ "$sub" = history ]; then
  seed
  awk -F'\t' 'BEGIN { printf "[" } { if (NR > 1) printf ","; printf "{\\"revision\\":%d,\\"updated\\":\\"%s\\",\\"status\\":\\"%s\\",\\"chart\\":\\"%s\\",\\"app_version\\":\\"%s\\",\\"description\\":\\"%s\\"}", $1, $2, $3, $4, $5, $6 } END { print "]" }' "$hist"
  finish 0
fi
if [ "$sub" = rollback ]; then
  seed
  sleep "$APPLY_SLEEP"
  to=$3
  case "$to" in ''|-*) to=$(awk -F'\t' '$3 == "deployed" { print $1 - 1 }' "$hist");; esac
  line=$(awk -F'\t' -v r="$to" '$1 == r' "$hist")
  if [ -z "$line" ]; then echo "Error: release has no $to version" >&2; finish 1; fi
  case "$FAIL_IN" in *" $here "*) echo "Error: timed out waiting for the condition" >&2; finish 1;; esac
  if [ "$APPLY_EXIT" != 0 ]; then echo "Error: another operation (install/upgrade/rollback) is in progress" >&2; finish "$APPLY_EXIT"; fi
  next_rev
  add_revision "$rev" "$(echo "$line" | cut -f4)" "$(echo "$line" | cut -f5)" "Rollback to $to"
  echo "Rollback was a success! Happy Helming!"
  finish 0
fi

print_diff() {
cat <<OUT
Comparing release=$release, chart=$chart, namespace=$namespace
$namespace, $release-deployment, Deployment (apps) has changed:
  # Source: $here/templates/deployment.yaml
  apiVersion: apps/v1
  kind: Deployment
  metadata:
    name: $release-deployment
  spec:
-   replicas: 4
+   replicas: 6
    template:
      spec:
        containers:
          - name: $here
-           image: docker-registry.discovery.wmnet/repos/data-engineering/$here:2026-02-16-150514-b1a59e3aa1338ab93a8fff9291fb01936bba3c5c@sha256:4f1c2d3e4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0
+           image: docker-registry.discovery.wmnet/repos/data-engineering/$here:2026-06-02-091245-5c1d0b6e8f4a2b7c9d1e3f5a7b9c0d2e4f6a8b0c@sha256:9a8b7c6d5e4f30211203f4e5d6c7b8a9900112233445566778899aabbccddeeff
$namespace, $release-config, ConfigMap (v1) has changed:
  # Source: $here/templates/configmap.yaml
  data:
    superset_config.py: |
-     SUPERSET_WEBSERVER_TIMEOUT = 60
+     SUPERSET_WEBSERVER_TIMEOUT = 180$DIFF_VARIANT
-     SQLALCHEMY_DATABASE_URI = "mysql://superset:$SECRET@an-mariadb1001.eqiad.wmnet/superset_production"
+     SQLALCHEMY_DATABASE_URI = "mysql://superset:$SECRET@an-mariadb1002.eqiad.wmnet/superset_production"
+     SECRET_KEY = '$SECRET'
+     # rotated 2026-08-01, previous value $SECRET
+     SLACK_API_TOKEN = "${blob}"
+     OAUTH_SIGNING = ${blob}
+     ca.key: |
+       -----BEGIN PRIVATE KEY-----
+       ${pemLine}
+       -----END PRIVATE KEY-----
$namespace, $release-secret-config, Secret (v1) has changed:
+ Changes suppressed on sensitive content of type Secret
OUT
}

if [ "$sub" = diff ]; then
  echo "Building dependency release=$release, chart=$chart" >&2
  sleep "$DIFF_SLEEP"
  case "$NO_CHANGES_IN" in *" $here "*) echo "Comparing release=$release, chart=$chart, namespace=$namespace"; finish 0;; esac
  if [ "$DIFF_EXIT" = 1 ]; then
    echo "in ./helmfile.yaml: command \\"/usr/bin/helm\\" exited with non-zero status: Error: Kubernetes cluster unreachable: Get \\"https://dse-k8s-ctrl.svc.eqiad.wmnet:6443/version\\": dial tcp: i/o timeout" >&2
    finish 1
  fi
  [ "$DIFF_EXIT" = 2 ] && print_diff
  finish "$DIFF_EXIT"
fi

# apply / upgrade
if [ "$SPAWN_CHILD" = 1 ]; then sleep 300 & echo $! > "$call/child"; fi
[ ${q(tool)} = helmfile ] && print_diff
echo "Upgrading release=$release, chart=$chart, namespace=$namespace"
sleep "$APPLY_SLEEP"
case "$FAIL_IN" in *" $here "*)
  echo "Error: UPGRADE FAILED: release $release failed, and has been rolled back due to atomic being set: timed out waiting for the condition" >&2
  echo ""
  echo "FAILED RELEASES:"
  echo "NAME         NAMESPACE        CHART               VERSION   DURATION"
  echo "$release   $namespace   $chart   0.1.2   10m1s"
  echo "in ./helmfile.yaml: failed processing release $release: command \\"/usr/bin/helm\\" exited with non-zero status" >&2
  finish 1;;
esac
if [ "$APPLY_EXIT" != 0 ]; then echo "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress" >&2; finish "$APPLY_EXIT"; fi
next_rev
add_revision "$rev" "$chartname-0.12.$((rev - 36))" "4.1.$((rev - 41))" "Upgrade complete"
cat <<OUT
Release "$release" has been upgraded. Happy Helming!
NAME: $release
LAST DEPLOYED: Thu Aug 20 14:02:11 2026
NAMESPACE: $namespace
STATUS: deployed
REVISION: $rev
TEST SUITE: None
OUT
if [ ${q(tool)} = helmfile ]; then
cat <<OUT

UPDATED RELEASES:
NAME         NAMESPACE   CHART                 VERSION   DURATION
$release   $namespace   $chart   0.9.4          2s
OUT
fi
finish 0
`;
}

export async function installFakeTools(): Promise<FakeTools> {
  const dir = mkdtempSync(path.join(tmpdir(), 'deckhand-fake-helm-'));
  const bin = path.join(dir, 'bin');
  mkdirSync(bin);
  mkdirSync(path.join(dir, 'calls'));
  const secret = `hunter2-FAKE-${Math.random().toString(36).slice(2, 10)}`;
  const pemLine = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
  const base64Blob = 'xoxb-FAKE-1234567890-aBcDeFgHiJkLmNoPqRsTuVwXyZ012345';
  for (const tool of ['helmfile', 'helm'] as const) {
    const p = path.join(bin, tool);
    writeFileSync(p, script(tool, dir, secret, pemLine, base64Blob));
    chmodSync(p, 0o755);
  }
  let current = { ...DEFAULTS };
  const write = () => writeFileSync(path.join(dir, 'control.sh'), controlSh(current));
  write();
  return {
    dir,
    bin,
    secret,
    pemLine,
    base64Blob,
    pathEnv: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    control(c) {
      current = { ...current, ...c };
      write();
    },
    reset() {
      current = { ...DEFAULTS };
      write();
      rmSync(path.join(dir, 'calls'), { recursive: true, force: true });
      mkdirSync(path.join(dir, 'calls'));
      for (const f of readdirSync(dir)) if (f.startsWith('rev-') || f.startsWith('hist-')) rmSync(path.join(dir, f));
    },
    calls() {
      const root = path.join(dir, 'calls');
      const out: Call[] = [];
      for (const c of readdirSync(root)) {
        const f = (name: string) => {
          const p = path.join(root, c, name);
          return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
        };
        const start = f('start');
        if (!start) continue;
        const env: Record<string, string> = {};
        for (const kv of (f('env') ?? '').split('\0')) {
          const i = kv.indexOf('=');
          if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
        }
        const end = f('end');
        const exit = f('exit');
        const child = f('child');
        out.push({
          tool: f('tool')!.trim() as 'helmfile' | 'helm',
          argv: (f('argv') ?? '').split('\0').slice(0, -1),
          cwd: f('cwd')!.trim(),
          env,
          pid: Number(f('pid')),
          start: Number(BigInt(start.trim()) / 1000n) / 1000,
          ...(end ? { end: Number(BigInt(end.trim()) / 1000n) / 1000 } : {}),
          ...(exit ? { exit: Number(exit) } : {}),
          ...(child ? { childPid: Number(child) } : {}),
          sub: (f('sub') ?? '').trim(),
        });
      }
      return out.sort((a, b) => a.start - b.start);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
