import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { repoRoot } from './support/config.js';
import { dropPrefix, freshPrefix } from './support/redis.js';

// The real CLI, as `npm start` runs it (built with tsc first by the test's beforeAll).
const run = promisify(execFile);
const root = repoRoot();
const cli = join(root, 'dist/src/cli.js');

beforeAll(async () => {
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root });
}, 120000);

async function deckhand(args: string[], env: Record<string, string> = {}, input = ''): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [cli, ...args], { cwd: root, env: { ...process.env, ...env }, timeout: 20000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin!.end(input);
  });
}

it('says in one line how to start Redis when none is reachable', async () => {
  const r = await deckhand([], { REDIS_URL: 'redis://127.0.0.1:1' });
  expect(r.code).toBe(1);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(
    /^deckhand: cannot reach Redis at redis:\/\/127\.0\.0\.1:1 .*Start one with `redis-server --daemonize yes` or point REDIS_URL at yours\.$/m,
  );
});

it('names the bad key of a broken config file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-cli-'));
  writeFileSync(join(dir, 'bad.yaml'), 'services:\n  superset:\n    environments:\n      production: { selector: app=superset }\n');
  const r = await deckhand(['--config', join(dir, 'bad.yaml')]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('services.superset.environments.production.namespace: required');
});

it('answers typed commands on the console from the sandbox cluster when there is no kube context', async () => {
  const home = mkdtempSync(join(tmpdir(), 'deckhand-home-'));
  const prefix = freshPrefix('cli');
  const config = parse(readFileSync(join(root, 'config/example.yaml'), 'utf8')) as { redis: { prefix: string } };
  config.redis.prefix = prefix;
  writeFileSync(join(home, 'deckhand.yaml'), stringify(config));
  const r = await deckhand(
    ['--config', join(home, 'deckhand.yaml')],
    { HOME: home, KUBECONFIG: '', USER: 'newcomer', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    'superset status\nsupreset status\n',
  );
  expect(r.stderr).toMatch(/\[sandbox\] no kube context found/);
  expect(r.stdout).toContain('superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
  expect(r.stdout).toContain('unknown service "supreset" (did you mean superset?)');
  await dropPrefix(prefix);
}, 30000);

describe('a broken configuration is one line naming the key, exit code 1, no stack trace', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-cli-config-'));
  let n = 0;
  /** The shipped example, changed by `edit`, written to a file of its own. */
  function configFile(edit: (c: Record<string, any>) => void): string {
    const c = parse(readFileSync(join(root, 'config/example.yaml'), 'utf8')) as Record<string, any>;
    edit(c);
    const f = join(dir, `deckhand-${++n}.yaml`);
    writeFileSync(f, stringify(c));
    return f;
  }
  async function oneLine(args: string[], env: Record<string, string> = {}): Promise<string> {
    // HOME without ~/.kube/config, no KUBECONFIG: only what the config names
    const r = await deckhand(args, { HOME: dir, KUBECONFIG: '', REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', ...env });
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    return lines[0]!;
  }
  const kubeconfig = (contexts: string[]): string => {
    const f = join(dir, `kubeconfig-${++n}`);
    writeFileSync(
      f,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': contexts[0],
        clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
      }),
    );
    return f;
  };

  it('an unknown top-level key', async () => {
    const f = configFile((c) => (c.kubernetes_ = { timeoutMs: 1 }));
    expect(await oneLine(['--config', f])).toBe(`deckhand: ${f}: kubernetes_: unknown key (did you mean kubernetes?)`);
  });

  it('a misspelt nested key', async () => {
    const f = configFile((c) => {
      c.services.superset.anounce = c.services.superset.announce;
      delete c.services.superset.announce;
    });
    expect(await oneLine(['--config', f, 'worker'])).toBe(`deckhand: ${f}: services.superset.anounce: unknown key (did you mean announce?)`);
  });

  it('a port out of range', async () => {
    const f = configFile((c) => (c.http = { port: 70000 }));
    expect(await oneLine(['--config', f, 'gateway'])).toBe(`deckhand: ${f}: http.port: must be a port, 1–65535 (or 0 for any free port)`);
  });

  it('every missing secret, in one list', async () => {
    const f = configFile((c) => {
      c.irc = { host: 'irc.example.org', sasl: { account: 'deckhand', passwordEnv: 'DH_CLI_IRC_PASSWORD' } };
      c.ldap = { url: 'ldaps://ldap.example.org', bindDn: 'cn=deckhand', bindPasswordEnv: 'DH_CLI_LDAP_PASSWORD', base: 'dc=example' };
      c.slack = { botTokenEnv: 'DH_CLI_SLACK_BOT', signingSecretEnv: 'DH_CLI_SLACK_SIGNING' };
    });
    expect(await oneLine(['--config', f, 'gateway'])).toBe(
      'deckhand: missing secrets: DH_CLI_LDAP_PASSWORD is not set (ldap.bindPasswordEnv), DH_CLI_IRC_PASSWORD is not set (irc.sasl.passwordEnv), DH_CLI_SLACK_BOT is not set (slack.botTokenEnv), DH_CLI_SLACK_SIGNING is not set (slack.signingSecretEnv)',
    );
  });

  it('a kubeconfig the config names that does not exist (the console does not fall back to the sandbox)', async () => {
    const missing = join(dir, 'no-such-kubeconfig');
    const f = configFile((c) => (c.kubernetes.kubeconfig = missing));
    expect(await oneLine(['--config', f], { REDIS_URL: 'redis://127.0.0.1:1' })).toBe(`deckhand: kubernetes.kubeconfig: ${missing} does not exist`);
    expect(await oneLine(['--config', f, 'worker'])).toBe(`deckhand: kubernetes.kubeconfig: ${missing} does not exist`);
  });

  it('a kubeconfig that is not YAML', async () => {
    const bad = join(dir, 'kubeconfig-bad');
    writeFileSync(bad, 'clusters: [\n  - name: x\n  : :\n');
    const f = configFile((c) => (c.kubernetes.kubeconfig = bad));
    expect(await oneLine(['--config', f, 'all'])).toMatch(new RegExp(`^deckhand: kubernetes\\.kubeconfig: ${bad} is not YAML \\(.+\\)$`));
  });

  it('a kubeconfig without the context an environment names', async () => {
    const kc = kubeconfig(['somewhere-else']);
    const f = configFile((c) => (c.kubernetes.kubeconfig = kc));
    expect(await oneLine(['--config', f, 'worker'])).toBe(
      `deckhand: services.superset.environments.production.context (and 3 more): no context "dse-k8s-eqiad" in ${kc}; it has somewhere-else`,
    );
    // the same through KUBECONFIG
    expect(await oneLine(['--config', configFile(() => {})], { KUBECONFIG: kc })).toBe(
      `deckhand: services.superset.environments.production.context (and 3 more): no context "dse-k8s-eqiad" in ${kc}; it has somewhere-else`,
    );
  });

  it('a bad LOG_LEVEL or REDIS_URL names the variable', async () => {
    const f = configFile(() => {});
    expect(await oneLine(['--config', f], { LOG_LEVEL: 'loud' })).toBe('deckhand: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
    expect(await oneLine(['--config', f], { REDIS_URL: 'redis://127.0.0.1:99999' })).toBe('deckhand: REDIS_URL: port must be 1–65535');
  });
});
