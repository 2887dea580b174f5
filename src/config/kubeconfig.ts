// The kubeconfig, checked once at start in the roles that talk to Kubernetes: the file is there,
// is YAML, and has every context the config names. One line per problem, naming the key to fix
// (kubernetes.kubeconfig, or services.<s>.environments.<e>.context), instead of a stack trace at
// start or a failure at the first command. Plain YAML: the Kubernetes client is not loaded for this.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Config } from './schema.js';
import { ConfigError, type KubeconfigSource } from './load.js';

interface KubeconfigFile {
  contexts?: { name?: unknown; context?: { cluster?: unknown } }[];
  clusters?: { name?: unknown; cluster?: { server?: unknown; 'insecure-skip-tls-verify'?: unknown } }[];
  'current-context'?: unknown;
}

/** Where the kubeconfig came from, for the start of a line. */
function origin(source: KubeconfigSource, file: string): string {
  switch (source.origin) {
    case 'config':
      return `kubernetes.kubeconfig: ${file}`;
    case 'KUBECONFIG':
      return `kubernetes.kubeconfig: not set, and ${file} (from KUBECONFIG)`;
    default:
      return `kubernetes.kubeconfig: not set, and ${file}`;
  }
}

const firstLine = (s: string): string => s.split('\n')[0]!.trim();

/** The same advice as kube/errors.ts gives when a kubeconfig changed after start. */
function plainHttpProblem(cluster: string, server: string): string {
  return `cluster "${cluster}" at plain ${server}, which the Kubernetes client only talks to with insecure-skip-tls-verify: true on that cluster (as for kubectl proxy)`;
}

/**
 * Throws a ConfigError (one line per problem) unless the kubeconfig can serve every environment.
 * In-cluster configuration (a service account, no file) is not checked here.
 */
export function checkKubeconfig(source: KubeconfigSource, config: Config): void {
  if (source.origin === 'in-cluster') return;
  if (source.origin === 'none') {
    throw new ConfigError(
      'kubernetes.kubeconfig: not set, and there is no KUBECONFIG, ~/.kube/config or in-cluster service account (set kubernetes.kubeconfig, or run with --sandbox)',
    );
  }
  const problems: string[] = [];
  const contexts = new Map<string, string>(); // name → cluster
  const clusters = new Set<string>();
  const plainHttp = new Map<string, string>(); // cluster → its http:// server, when client-node will refuse it
  let current: string | undefined;
  let read = 0;
  for (const file of source.files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // kubectl skips the files of a KUBECONFIG list that do not exist; a file named in the config must exist
      if (code === 'ENOENT' && source.origin === 'KUBECONFIG') continue;
      problems.push(`${origin(source, file)} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? firstLine((e as Error).message)})`}`);
      continue;
    }
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (e) {
      problems.push(`${origin(source, file)} is not YAML (${firstLine((e as Error).message)})`);
      continue;
    }
    if (!doc || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray((doc as KubeconfigFile).contexts)) {
      problems.push(`${origin(source, file)} is not a kubeconfig (no list of contexts)`);
      continue;
    }
    read++;
    const k = doc as KubeconfigFile;
    for (const c of k.clusters ?? []) {
      if (typeof c?.name !== 'string') continue;
      clusters.add(c.name);
      const server = c.cluster?.server;
      // client-node refuses http:// unless the cluster skips TLS verification; kubectl does not mind, so say it here
      if (typeof server === 'string' && /^http:/i.test(server) && c.cluster?.['insecure-skip-tls-verify'] !== true) plainHttp.set(c.name, server);
    }
    for (const c of k.contexts ?? []) {
      // the first file that names a context wins, as in kubectl
      if (typeof c?.name === 'string' && !contexts.has(c.name)) contexts.set(c.name, typeof c.context?.cluster === 'string' ? c.context.cluster : '');
    }
    const cur = k['current-context'];
    if (current === undefined && typeof cur === 'string' && cur) current = cur;
  }
  if (problems.length) throw new ConfigError(problems.join('\n'), { problems });
  if (!read) throw new ConfigError(`kubernetes.kubeconfig: not set, and none of the files KUBECONFIG names exists (${source.files.join(', ')})`);

  const where = source.files.length === 1 ? source.files[0]! : `the KUBECONFIG files (${source.files.join(', ')})`;
  const have = [...contexts.keys()];
  const has = have.length ? `; it has ${have.slice(0, 8).join(', ')}${have.length > 8 ? `, +${have.length - 8} more` : ''}` : '; it has none';
  // one line per missing context, naming the first environment that uses it
  const uses = new Map<string, string[]>();
  for (const [s, svc] of Object.entries(config.services)) {
    for (const [e, env] of Object.entries(svc.environments)) {
      const name = env.context ?? '';
      uses.set(name, [...(uses.get(name) ?? []), env.context ? `services.${s}.environments.${e}.context` : `services.${s}.environments.${e}`]);
    }
  }
  for (const [name, keys] of uses) {
    const key = `${keys[0]}${keys.length > 1 ? ` (and ${keys.length - 1} more)` : ''}`;
    if (!name) {
      // environments without a context use the current one
      if (!current) problems.push(`${key}: names no context, and ${where} has no current-context`);
      else if (!contexts.has(current)) problems.push(`${key}: names no context, and the current-context "${current}" is not in ${where}${has}`);
      continue;
    }
    const cluster = contexts.get(name);
    if (cluster === undefined) problems.push(`${key}: no context "${name}" in ${where}${has}`);
    else if (cluster && clusters.size && !clusters.has(cluster))
      problems.push(`${key}: context "${name}" names cluster "${cluster}", which is not in ${where}`);
    else if (cluster && plainHttp.has(cluster)) problems.push(`${key}: context "${name}" uses ${plainHttpProblem(cluster, plainHttp.get(cluster)!)}`);
  }
  if (problems.length) throw new ConfigError(problems.join('\n'), { problems });
}
