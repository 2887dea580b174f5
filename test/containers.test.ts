// The container files, checked as far as a machine without a Docker engine allows: the compose file
// parses and every file, variable and port it names exists or is made from a template that does; the
// config template loads through the real loader and points at what compose mounts; the healthchecks
// ask the HTTP server's own endpoints; the Dockerfile's downloads are pinned and verified, and what it
// copies and runs exists. Not checked here: building the image, running it, the downloads themselves.
import { expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkKubeconfig } from '../src/config/kubeconfig.js';
import { loadSettings } from '../src/config/load.js';
import { startHttpServer } from '../src/http/server.js';
import { Redis } from 'ioredis';
import { repoRoot } from './support/config.js';
import { REDIS_URL } from './support/redis.js';

const root = repoRoot();
const read = (f: string) => readFileSync(join(root, f), 'utf8');

interface Bind {
  type: string;
  source: string;
  target: string;
  read_only?: boolean;
  bind?: { create_host_path?: boolean };
}
interface Service {
  build?: string;
  image?: string;
  command: string[];
  env_file?: string[];
  environment?: Record<string, string>;
  volumes?: (Bind | string)[];
  ports?: string[];
  healthcheck?: { test: string[] };
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { redis, gateway, worker } = compose.services as { redis: Service; gateway: Service; worker: Service };
/** What a person copies before `docker compose up` (the compose file's header says so), and from what. */
const FROM_TEMPLATE: Record<string, string | undefined> = { './deckhand.yaml': 'config/deckhand.compose.yaml', './.env': '.env.example' };
/** What the person provides: their clusters' kubeconfig and their deployment-charts checkout. */
const THEIRS = ['./kubeconfig', './deployment-charts'];

test('compose runs Redis with AOF, a gateway and a worker from this image', () => {
  expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'redis', 'worker']);
  expect(redis.command.join(' ')).toMatch(/--appendonly yes/);
  expect(gateway.build).toBe('.');
  expect(worker.build).toBe('.');
  expect(gateway.command).toEqual(['gateway']);
  expect(worker.command).toEqual(['worker']);
});

test('every bind mount comes from a template, or is the kubeconfig/checkout the header asks for, and is never created as a directory', () => {
  for (const s of [gateway, worker]) {
    for (const v of s.volumes ?? []) {
      expect(typeof v).toBe('object'); // long syntax: create_host_path can be said
      const b = v as Bind;
      expect(b.bind?.create_host_path).toBe(false);
      const template = FROM_TEMPLATE[b.source];
      if (template) expect(existsSync(join(root, template))).toBe(true);
      else expect(THEIRS).toContain(b.source);
    }
  }
  const header = read('docker-compose.yml')
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .join('\n');
  for (const [to, from] of Object.entries(FROM_TEMPLATE)) expect(header).toContain(`cp ${from} ${to.slice(2)}`);
  for (const f of THEIRS) expect(header).toContain(f);
});

test('the config template loads through the real loader and uses what compose mounts and sets', () => {
  const secrets = Object.fromEntries(
    read('.env.example')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), 'x'.repeat(24)]),
  );
  const env = { ...gateway.environment!, ...secrets };
  const template = join(root, FROM_TEMPLATE['./deckhand.yaml']!);
  for (const role of ['gateway', 'worker'] as const) {
    const s = loadSettings({ given: template, role, env });
    const mounts = (role === 'gateway' ? gateway : worker).volumes as Bind[];
    expect(mounts.find((m) => m.source === './deckhand.yaml')!.target).toBe(env.DECKHAND_CONFIG);
    expect(s.config.redis.url).toBe(env.REDIS_URL);
    expect(s.config.http).toMatchObject({ host: '0.0.0.0' });
  }
  const s = loadSettings({ given: template, role: 'worker', env });
  const mounted = (worker.volumes as Bind[]).map((m) => m.target);
  // the kubeconfig the config reads, and every deploy's, is the one mounted into the worker
  expect(mounted).toContain(s.config.kubernetes.kubeconfig);
  for (const e of Object.values(s.config.services.superset!.environments)) expect(mounted).toContain(e.deploy!.kubeconfig);
  expect(mounted).toContain(s.config.deploymentCharts!.checkout);
  // and its contexts are what that kubeconfig must hold: checked with a kubeconfig that has them
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-compose-'));
  const kc = join(dir, 'kubeconfig');
  writeFileSync(
    kc,
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://k8s.example.org:6443"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: dse-k8s-eqiad, context: {cluster: c, user: u}}]\ncurrent-context: dse-k8s-eqiad\n',
  );
  expect(() => checkKubeconfig({ origin: 'config', files: [kc] }, s.config)).not.toThrow();
  // every secret the template names is in .env.example, which compose reads as .env
  for (const key of Object.keys(s.secrets)) expect(s.secrets[key as keyof typeof s.secrets]).toBe('x'.repeat(24));
  for (const svc of [gateway, worker]) expect(svc.env_file).toEqual(['.env']);
});

test('a config path Docker made a directory of is one line saying what to copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'deckhand-eisdir-'));
  expect(() => loadSettings({ given: dir, env: {} })).toThrow(
    `${dir} is a directory, not a config file (with docker compose: copy config/deckhand.compose.yaml to ./deckhand.yaml)`,
  );
});

test("the healthchecks ask the HTTP server's /readyz and /healthz on the template's port", async () => {
  const port = (parse(read('config/deckhand.compose.yaml')) as { http: { port: number } }).http.port;
  const urls = [gateway, worker].map((s) => /fetch\('([^']+)'\)/.exec(s.healthcheck!.test.join(' '))![1]!);
  expect(urls).toEqual([`http://127.0.0.1:${port}/readyz`, `http://127.0.0.1:${port}/healthz`]);
  // the real server answers both paths (here on a free port, with the real Redis)
  const redis = new Redis(REDIS_URL);
  const server = await startHttpServer({ port: 0, host: '127.0.0.1', redis });
  try {
    for (const u of urls) expect((await fetch(new URL(new URL(u).pathname, server.url))).status).toBe(200);
  } finally {
    await server.close();
    redis.disconnect();
  }
});

test('the Dockerfile pins and verifies helm, helmfile and helm-diff, installs git, and runs the built entry', () => {
  const docker = read('Dockerfile');
  const arg = (name: string) => new RegExp(`^ARG ${name}=(\\S+)$`, 'm').exec(docker)?.[1];
  expect(arg('HELM_VERSION')).toMatch(/^v3\.\d+\.\d+$/);
  expect(arg('HELMFILE_VERSION')).toMatch(/^\d+\.\d+\.\d+$/);
  expect(arg('HELM_DIFF_VERSION')).toMatch(/^v3\.\d+\.\d+$/);
  for (const sum of ['HELM_SHA256', 'HELMFILE_SHA256']) expect(arg(sum)).toMatch(/^[0-9a-f]{64}$/);
  // every download is followed by a checksum check of exactly that file, before it is unpacked
  const runs = docker
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((l) => /^RUN .*curl -/.test(l)); // a download (not the apt-get that installs curl)
  expect(runs).toHaveLength(2);
  for (const r of runs) {
    const file = /curl -fsSLo (\S+) /.exec(r)![1]!;
    expect(r).toMatch(new RegExp(`sha256sum -c - .*tar -xzf ${file.replace('.', '\\.')}`));
    expect(r.indexOf(`sha256sum -c`)).toBeLessThan(r.indexOf('tar -xzf'));
  }
  expect(runs[0]).toContain('https://get.helm.sh/helm-${HELM_VERSION}-linux-amd64.tar.gz');
  expect(runs[1]).toContain('https://github.com/helmfile/helmfile/releases/download/v${HELMFILE_VERSION}/helmfile_${HELMFILE_VERSION}_linux_amd64.tar.gz');
  // helm-diff from its Go module (go install checks it against the checksum database: GONOSUMDB/GOFLAGS must not switch that off)
  expect(docker).toMatch(/go install "github\.com\/databus23\/helm-diff\/v3@\$\{HELM_DIFF_VERSION\}"/);
  expect(docker).not.toMatch(/GONOSUMDB|GONOSUMCHECK|GOSUMDB=off|GOFLAGS=[^\n]*-insecure/);
  expect(docker).toMatch(/ENV HELM_PLUGINS=\/usr\/local\/share\/helm\/plugins/);
  expect(docker).toMatch(/apt-get install -y --no-install-recommends git /);
  // what it copies exists, and the entry it runs is the one the build makes (src/main.ts → dist/src/main.js)
  for (const m of docker.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) for (const f of m[1]!.split(' ')) expect(existsSync(join(root, f))).toBe(true);
  expect(docker).toMatch(/ENTRYPOINT \[.*"dist\/src\/main\.js"\]/);
  expect(existsSync(join(root, 'src/main.ts'))).toBe(true);
  const ignored = read('.dockerignore').split('\n');
  for (const f of ['node_modules', 'dist', '.env', 'deckhand.yaml', 'kubeconfig', '.git']) expect(ignored).toContain(f);
});
