import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { stringify } from 'yaml';
import { checkKubeconfig } from '../src/config/kubeconfig.js';
import { ConfigError, loadSettings, parseConfig, readSecrets, secretFromEnv } from '../src/config/load.js';
import { exampleConfig } from './support/config.js';

const minimal = { services: { superset: { environments: { production: { namespace: 'superset', selector: 'app=superset' } } } } };

describe('configuration', () => {
  it('accepts the shipped example with Superset, Airflow and PAWS', () => {
    const c = exampleConfig();
    expect(Object.keys(c.services)).toEqual(['superset', 'airflow-search', 'airflow-test-k8s', 'paws']);
    expect(c.services.superset!.environments.staging!.namespace).toBe('superset-next');
    expect(c.services.paws!.environments.production).toMatchObject({ namespace: 'prod', selector: 'component=hub' });
  });

  it('names the key and what is wrong', () => {
    const bad = { services: { superset: { environments: { production: { selector: 'app=superset' } } } } };
    expect(() => parseConfig(bad)).toThrow(new ConfigError('config is invalid:\nservices.superset.environments.production.namespace: required'));
  });

  it('lists every problem, one per line', () => {
    try {
      parseConfig({ irc: { host: 'irc.example.org', port: 70000, channels: ['nohash'] }, services: {} });
      throw new Error('should not parse');
    } catch (e) {
      const lines = (e as Error).message.split('\n').slice(1);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^irc\.port: /),
          'irc.channels.0: must be a channel name like #name',
          'services: needs at least one service',
        ]),
      );
    }
  });

  it('refuses service and environment names that could reach a shell or a path', () => {
    expect(() => parseConfig({ services: { 'super;set': minimal.services.superset } })).toThrow(/services\.super;set: /);
    expect(() => parseConfig({ services: { superset: { environments: { '../prod': { namespace: 'x', selector: 'a=b' } } } } })).toThrow(
      /services\.superset\.environments\.\.\.\/prod/,
    );
  });

  it('reads secrets from the environment and says which variable is missing', () => {
    expect(secretFromEnv('IRC_PASSWORD', 'irc.sasl.passwordEnv', { IRC_PASSWORD: 's3cret' })).toBe('s3cret');
    expect(() => secretFromEnv('IRC_PASSWORD', 'irc.sasl.passwordEnv', {})).toThrow('irc.sasl.passwordEnv: environment variable IRC_PASSWORD is not set');
  });
});

describe('unknown keys, ports, secrets and the environment (read once, in config/load)', () => {
  const problems = (raw: unknown): string[] => {
    try {
      parseConfig(raw);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
    throw new Error('should not parse');
  };
  const superset = minimal.services.superset;

  it('names an unknown top-level key and the closest valid one', () => {
    expect(problems({ ...minimal, reddis: { url: 'redis://x' } })).toEqual(['reddis: unknown key (did you mean redis?)']);
  });

  it('names a misspelt nested key and the closest valid one', () => {
    expect(problems({ services: { superset: { ...superset, anounce: { irc: ['#a'] } } } })).toEqual([
      'services.superset.anounce: unknown key (did you mean announce?)',
    ]);
    const env = { namespace: 'x', selector: 'a=b', deploy: { tool: 'helm', release: 'paws', chart: './paws', valuesFile: ['a.yaml'] } };
    expect(problems({ services: { paws: { environments: { production: env } } } })).toEqual([
      'services.paws.environments.production.deploy.valuesFile: unknown key (did you mean valuesFiles?)',
    ]);
    expect(problems({ ...minimal, slack: { mode: 'http', rate: { brust: 4 } } })).toEqual(['slack.rate.brust: unknown key (did you mean burst?)']);
  });

  it('lists the valid keys when nothing is close', () => {
    expect(problems({ ...minimal, kubernetes: { zzzzzzzz: 1 } })).toEqual(['kubernetes.zzzzzzzz: unknown key (valid keys: kubeconfig, timeoutMs)']);
  });

  it('takes any name where the operator chooses names (services, environments, permissions, rollouts)', () => {
    const c = parseConfig({
      services: { 'my-svc': { permissions: { anything: ['g'] }, environments: { 'any-env': { namespace: 'x', selector: 'a=b' } } } },
      rollouts: { mine: ['my-svc'] },
    });
    expect(Object.keys(c.services)).toEqual(['my-svc']);
  });

  it('checks every port range', () => {
    expect(problems({ ...minimal, irc: { host: 'irc.example.org', port: 0 } })).toEqual(['irc.port: must be a port, 1–65535']);
    expect(problems({ ...minimal, slack: { port: 70000 } })).toEqual(['slack.port: must be a port, 1–65535 (or 0 for any free port)']);
    expect(problems({ ...minimal, http: { port: -1 } })).toEqual(['http.port: must be a port, 1–65535 (or 0 for any free port)']);
    expect(problems({ ...minimal, redis: { url: 'redis://127.0.0.1:70000' } })).toEqual(['redis.url: port must be 1–65535']);
    expect(problems({ ...minimal, ldap: { url: 'ldaps://ldap.example.org:0', bindDn: 'cn=x', bindPasswordEnv: 'P', base: 'dc=x' } })).toEqual([
      'ldap.url: port must be 1–65535',
    ]);
    expect(parseConfig({ ...minimal, slack: { port: 0 }, http: { port: 0 } }).http!.port).toBe(0);
  });

  it('gives the Slack settings their defaults', () => {
    expect(parseConfig({ ...minimal, slack: {} }).slack).toMatchObject({
      mainCommand: 'deckhand',
      rate: { burst: 4, perSecond: 1 },
      retries: 6,
      requestTimeoutMs: 10000,
      dedupTtlSeconds: 7200,
      contextTtlSeconds: 172800,
      userCacheTtlSeconds: 600,
      userCacheMax: 5000,
      port: 3000,
      mode: 'http',
    });
  });

  it('reports every missing secret in one line, naming the key and its variable', () => {
    const c = parseConfig({
      ...minimal,
      irc: { host: 'irc.example.org', sasl: { account: 'deckhand', passwordEnv: 'T_IRC' } },
      ldap: { url: 'ldaps://ldap.example.org', bindDn: 'cn=x', bindPasswordEnv: 'T_LDAP', base: 'dc=x' },
      slack: { botTokenEnv: 'T_BOT', signingSecretEnv: 'T_SIGN' },
      http: { linkSecretEnv: 'T_LINK' },
    });
    expect(() => readSecrets(c, {}, 'all')).toThrow(
      new ConfigError(
        'missing secrets: T_LDAP is not set (ldap.bindPasswordEnv), T_IRC is not set (irc.sasl.passwordEnv), T_BOT is not set (slack.botTokenEnv), T_SIGN is not set (slack.signingSecretEnv)',
      ),
    );
    // a worker holds no chat connection; the link secret is optional everywhere
    expect(() => readSecrets(c, {}, 'worker')).toThrow(new ConfigError('missing secrets: T_LDAP is not set (ldap.bindPasswordEnv)'));
    expect(readSecrets(c, { T_LDAP: 'l', T_IRC: 'i', T_BOT: 'b', T_SIGN: 's', T_LINK: 'k' }, 'gateway')).toEqual({
      ldapPassword: 'l',
      ircPassword: 'i',
      slackBotToken: 'b',
      slackSigningSecret: 's',
      linkSecret: 'k',
    });
    expect(readSecrets(c, {})).toEqual({});
  });

  it('applies REDIS_URL and LOG_LEVEL in the one place that reads the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'deckhand-config-'));
    const file = join(dir, 'd.yaml');
    writeFileSync(file, stringify({ ...minimal, log: { level: 'debug' }, http: { linkSecretEnv: 'T_LINK' } }));
    const s = loadSettings({ given: file, env: { REDIS_URL: 'redis://10.0.0.1:6380', T_LINK: 'k'.repeat(16), HOME: dir }, role: 'all' });
    expect(s.config.redis.url).toBe('redis://10.0.0.1:6380');
    expect(s.logLevel).toBe('debug');
    expect(s.secrets.linkSecret).toBe('k'.repeat(16));
    expect(s.kubeconfig).toEqual({ origin: 'none', files: [] });
    expect(loadSettings({ given: file, env: { LOG_LEVEL: 'trace', KUBECONFIG: `/a${delimiter}/b` } })).toMatchObject({
      logLevel: 'trace',
      kubeconfig: { origin: 'KUBECONFIG', files: ['/a', '/b'] },
    });
    expect(() => loadSettings({ given: file, env: { LOG_LEVEL: 'loud' } })).toThrow('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
    expect(() => loadSettings({ given: file, env: { REDIS_URL: 'redis://h:99999' } })).toThrow('REDIS_URL: port must be 1–65535');
    expect(loadSettings({ given: file, env: { DECKHAND_CONFIG: '/nope' } }).path).toBe(file);
    expect(() => loadSettings({ env: { DECKHAND_CONFIG: join(dir, 'missing.yaml') } })).toThrow(/cannot read .*missing\.yaml/);
  });
});

describe('the kubeconfig, checked at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-kube-'));
  const config = exampleConfig();
  const write = (name: string, text: string): string => {
    const f = join(dir, name);
    writeFileSync(f, text);
    return f;
  };
  const kubeconfig = (contexts: string[], current?: string): string =>
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: 'https://127.0.0.1:6443' } }],
      users: [{ name: 'u', user: { token: 't' } }],
      contexts: contexts.map((name) => ({ name, context: { cluster: 'c', user: 'u' } })),
      ...(current ? { 'current-context': current } : {}),
    });
  const problems = (f: () => void): string[] => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).lines();
    }
    throw new Error('should have failed');
  };

  it('accepts a kubeconfig with every context the config names', () => {
    const f = write('good', kubeconfig(['dse-k8s-eqiad', 'other'], 'other'));
    expect(() => checkKubeconfig({ origin: 'config', files: [f] }, config)).not.toThrow();
  });

  it('refuses a plain http:// cluster (kubectl proxy) unless it skips TLS verification, in one line naming the environment', () => {
    const proxy = (insecure: boolean) =>
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'proxy', cluster: { server: 'http://127.0.0.1:8001', ...(insecure ? { 'insecure-skip-tls-verify': true } : {}) } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'dse-k8s-eqiad', context: { cluster: 'proxy', user: 'u' } }],
        'current-context': 'dse-k8s-eqiad',
      });
    const lines = problems(() => checkKubeconfig({ origin: 'config', files: [write('proxy', proxy(false))] }, config));
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^services\.\S+\.environments\.\S+\.context \(and \d+ more\): context "dse-k8s-eqiad" uses cluster "proxy" at plain http:\/\/127\.0\.0\.1:8001, which the Kubernetes client only talks to with insecure-skip-tls-verify: true on that cluster \(as for kubectl proxy\)$/,
      ),
    );
    expect(() => checkKubeconfig({ origin: 'config', files: [write('proxy-ok', proxy(true))] }, config)).not.toThrow();
  });

  it('names kubernetes.kubeconfig when the file is missing or not YAML', () => {
    expect(problems(() => checkKubeconfig({ origin: 'config', files: [join(dir, 'nope')] }, config))).toEqual([
      `kubernetes.kubeconfig: ${join(dir, 'nope')} does not exist`,
    ]);
    const bad = write('bad', 'clusters: [\n  - name: x\n  : :\n');
    expect(problems(() => checkKubeconfig({ origin: 'config', files: [bad] }, config))).toEqual([
      expect.stringMatching(new RegExp(`^kubernetes\\.kubeconfig: ${bad} is not YAML \\(.+\\)$`)),
    ]);
    const text = write('text', 'just some words\n');
    expect(problems(() => checkKubeconfig({ origin: 'config', files: [text] }, config))).toEqual([
      `kubernetes.kubeconfig: ${text} is not a kubeconfig (no list of contexts)`,
    ]);
    expect(problems(() => checkKubeconfig({ origin: 'none', files: [] }, config))).toEqual([
      expect.stringMatching(/^kubernetes\.kubeconfig: not set, and there is no KUBECONFIG/),
    ]);
  });

  it("names the environment's context when the kubeconfig lacks it, once per missing context", () => {
    const f = write('other', kubeconfig(['other'], 'other'));
    expect(problems(() => checkKubeconfig({ origin: 'config', files: [f] }, config))).toEqual([
      `services.superset.environments.production.context (and 3 more): no context "dse-k8s-eqiad" in ${f}; it has other`,
    ]);
    // paws names no context: it needs a current-context
    const none = write('nocurrent', kubeconfig(['dse-k8s-eqiad']));
    expect(problems(() => checkKubeconfig({ origin: 'config', files: [none] }, config))).toEqual([
      `services.paws.environments.production: names no context, and ${none} has no current-context`,
    ]);
  });

  it('merges the files of a KUBECONFIG list and skips the ones that do not exist, as kubectl does', () => {
    const a = write('a', kubeconfig(['dse-k8s-eqiad']));
    const b = write('b', kubeconfig(['other'], 'other'));
    expect(() => checkKubeconfig({ origin: 'KUBECONFIG', files: [a, join(dir, 'missing'), b] }, config)).not.toThrow();
    expect(problems(() => checkKubeconfig({ origin: 'KUBECONFIG', files: [join(dir, 'missing')] }, config))).toEqual([
      expect.stringMatching(/^kubernetes\.kubeconfig: not set, and none of the files KUBECONFIG names exists/),
    ]);
  });
});
