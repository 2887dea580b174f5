/**
 * A private InspIRCd 3 + Anope 2.0 pair on loopback for tests (see /work/shared/notes/test-servers.md).
 *
 * Each startIrcd() gets a fresh temp directory and its own free ports, so parallel jest workers never share a
 * server. Both daemons run as user `irc` (setpriv) in the foreground (--nofork) as children of the test process,
 * with a parent-death signal: if the test process dies without calling stop(), they die with it.
 *
 *   const ircd = await startIrcd();
 *   await Promise.all([registerAccount(ircd, 'alice', 'alice-pass'), registerAccount(ircd, 'bob', 'bob-pass')]);
 *   const [alice, eve] = await Promise.all([
 *     connectClient(ircd, { nick: 'alice', sasl: { account: 'alice', password: 'alice-pass' } }),
 *     connectClient(ircd, { nick: 'eve' }),
 *   ]);
 *   …
 *   await ircd.stop();   // also quits every client still connected
 *
 * Client registration takes ~1 s (InspIRCd's 1-s tick): connect clients in parallel and reuse them in a file.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { promises as fsp, openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import IRC from 'irc-framework';
import type { Client, MessageEvent } from 'irc-framework';

export interface Ircd {
  host: string;
  /** Client port (plain text). */
  port: number;
  /** Server-link port Anope uses. */
  linkPort: number;
  /** Temp directory holding configs, logs, pid files and Anope's database. */
  dir: string;
  /** Quits open test clients, stops both daemons, removes dir. Safe to call more than once. */
  stop(): Promise<void>;
  /** An outage: InspIRCd stops (every client is dropped); Anope keeps running. */
  down(): Promise<void>;
  /** InspIRCd starts again on the same ports; resolves once Anope has linked again. */
  up(): Promise<void>;
}

export interface Received {
  kind: 'privmsg' | 'notice';
  /** Sender nick (server name for server notices). */
  from: string;
  /** Channel, or our own nick for a private message. */
  target: string;
  text: string;
  /** Sender's services account (account-tag); undefined when the sender is not logged in. */
  account?: string;
  /** Message tags as received. */
  tags: Record<string, string>;
  /** Local receipt time, Date.now(). */
  time: number;
}

export interface TestClient {
  nick: string;
  client: Client;
  /** Every PRIVMSG/NOTICE received since connect, oldest first (including NickServ's notices). */
  messages: Received[];
  /** JOIN and resolve once the server confirms our own join. */
  join(channel: string): Promise<void>;
  say(target: string, text: string): void;
  /** Resolve with the first message (already received or future) matching pred; reject after timeoutMs. */
  waitFor(pred: (m: Received) => boolean, timeoutMs?: number): Promise<Received>;
  /** Forget received messages (so a later waitFor only sees new ones). */
  clearMessages(): void;
  /** QUIT and resolve once the socket is closed. Safe to call more than once. */
  quit(): Promise<void>;
}

export interface ConnectOptions {
  nick: string;
  sasl?: { account: string; password: string };
  /** Extra irc-framework options (e.g. enable_echomessage). */
  options?: Record<string, unknown>;
  timeoutMs?: number;
}

const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;
const NETBURST = 'Received end of netburst from';

interface IrcdInternal extends Ircd {
  clients: Set<TestClient>;
}

export interface IrcdOptions {
  /** Load ircv3_accounttag (default true); false: a network without account-tag (extended-join and account-notify stay). */
  accountTag?: boolean;
  /**
   * 'default': InspIRCd's shipped connect class (fakelag on, threshold 10, commandrate 1000 = a line a second,
   * recvq 10K, softsendq 10240; only localmax/globalmax raised for the tests' clients from 127.0.0.1).
   * Default 'relaxed': no fake lag, large queues (tests that are not about flood control).
   */
  connectClass?: 'relaxed' | 'default';
}

/** Start a fresh InspIRCd + Anope pair; resolves once Anope has linked (SASL and NickServ usable). */
export async function startIrcd(options: IrcdOptions = {}): Promise<Ircd> {
  let lastError: unknown;
  // Free ports are picked then released before the daemons bind them: retry on the rare collision.
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(options);
    } catch (err) {
      lastError = err;
      if (!(err instanceof PortInUseError)) throw err;
    }
  }
  throw new Error(`startIrcd failed 3 times: ${(lastError as Error).message}`);
}

class PortInUseError extends Error {}

async function startOnce(options: IrcdOptions): Promise<Ircd> {
  const { uid, gid } = ircUser();
  const dir = await fsp.mkdtemp(join(tmpdir(), 'deckhand-ircd-'));
  const [port, linkPort] = await freePorts(2);
  const children: ChildProcess[] = [];
  const clients = new Set<TestClient>();
  let stopped: Promise<void> | undefined;

  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      await Promise.allSettled([...clients].map((c) => c.quit()));
      await Promise.all(children.map((child, i) => killChild(child, pidFile(dir, i === 0 ? 'inspircd' : 'anope'))));
      await fsp.rm(dir, { recursive: true, force: true });
    })();
    return stopped;
  };

  try {
    await writeConfigs(dir, port!, linkPort!, options);
    await chownR(dir, uid, gid);

    const inspLog = join(dir, 'logs', 'inspircd.log');
    const insp = launch(dir, 'inspircd', ['/usr/sbin/inspircd', `--config=${join(dir, 'inspircd.conf')}`, '--nofork']);
    children.push(insp);
    // Anope retries its uplink only every `retrywait` (1 s): start it once InspIRCd listens for servers.
    await waitUntil(() => fileContains(inspLog, 'Startup complete as'), 'InspIRCd to start', [insp]);
    const log = await fsp.readFile(inspLog, 'utf8');
    for (const p of [port!, linkPort!]) {
      if (!log.includes(`Added a listener on ${HOST}:${p} `)) throw new PortInUseError(`InspIRCd could not listen on ${p}`);
    }
    const anope = launch(dir, 'anope', [
      '/usr/sbin/anope',
      `--confdir=${join(dir, 'anope', 'conf')}`,
      `--dbdir=${join(dir, 'anope', 'data')}`,
      `--logdir=${join(dir, 'anope', 'logs')}`,
      '--modulesdir=/usr/lib/anope',
      '--localedir=/usr/share/anope/locale',
      '--nofork',
    ]);
    children.push(anope);
    await waitUntil(() => fileContains(inspLog, NETBURST), 'Anope to link (netburst)', [insp, anope]);
  } catch (err) {
    const logs = await logTail(dir);
    await stop();
    const msg = err instanceof Error ? err.message : String(err);
    if (err instanceof PortInUseError || /bind|in use/i.test(logs)) throw new PortInUseError(`${msg}\n${logs}`);
    throw new Error(`startIrcd failed: ${msg}\n${logs}`);
  }

  const inspLog = join(dir, 'logs', 'inspircd.log');
  const count = async (needle: string) => (await fsp.readFile(inspLog, 'utf8').catch(() => '')).split(needle).length - 1;
  const down = async (): Promise<void> => {
    await killChild(children[0]!, pidFile(dir, 'inspircd'));
    await fsp.rm(pidFile(dir, 'inspircd'), { force: true }); // its pid may be reused before stop()
  };
  const up = async (): Promise<void> => {
    const [started, linked] = [await count('Startup complete as'), await count(NETBURST)];
    const insp = launch(dir, 'inspircd', ['/usr/sbin/inspircd', `--config=${join(dir, 'inspircd.conf')}`, '--nofork']);
    children[0] = insp;
    await waitUntil(async () => (await count('Startup complete as')) > started, 'InspIRCd to start again', [insp]);
    await waitUntil(async () => (await count(NETBURST)) > linked, 'Anope to link again', [insp]);
  };
  const ircd: IrcdInternal = { host: HOST, port: port!, linkPort: linkPort!, dir, stop, down, up, clients };
  return ircd;
}

/** Register a NickServ account: connects as `account`, REGISTERs, waits for NickServ's confirmation, quits. */
export async function registerAccount(ircd: Ircd, account: string, password: string): Promise<void> {
  const c = await connectClient(ircd, { nick: account });
  try {
    c.say('NickServ', `REGISTER ${password} ${account}@example.org`);
    const reply = await c.waitFor((m) => m.kind === 'notice' && m.from.toLowerCase() === 'nickserv' && !/^This nickname is registered/i.test(m.text), 10_000);
    if (!/\bregistered\b/i.test(reply.text) || /already|not|denied|invalid/i.test(reply.text)) {
      throw new Error(`NickServ REGISTER ${account} failed: ${reply.text}`);
    }
  } finally {
    await c.quit();
  }
}

/** Connect and register a test client (SASL PLAIN when `sasl` is given; rejects if SASL fails). */
export async function connectClient(ircd: Ircd, opts: ConnectOptions): Promise<TestClient> {
  const client = new IRC.Client();
  const messages: Received[] = [];
  const waiters = new Set<{ pred: (m: Received) => boolean; resolve: (m: Received) => void }>();
  let closed = false;
  let closedPromise: Promise<void> | undefined;
  const internal = ircd as IrcdInternal;

  const onMessage = (kind: Received['kind']) => (e: MessageEvent) => {
    const m: Received = {
      kind,
      from: e.nick || client.network.server || '',
      target: e.target,
      text: e.message,
      tags: e.tags ?? {},
      time: Date.now(),
    };
    if (e.account !== undefined) m.account = e.account;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.delete(w);
        w.resolve(m);
      }
    }
  };
  client.on('privmsg', onMessage('privmsg'));
  client.on('notice', onMessage('notice'));

  const closedEvent = new Promise<void>((resolve) => client.once('close', () => resolve()));
  void closedEvent.then(() => (closed = true));

  const tc: TestClient = {
    nick: opts.nick,
    client,
    messages,
    join(channel) {
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          client.off('join', onJoin);
          reject(new Error(`${opts.nick}: no JOIN confirmation for ${channel}`));
        }, 10_000);
        const onJoin = (e: { nick: string; channel: string }) => {
          if (client.caseCompare(e.nick, client.user.nick) && client.caseCompare(e.channel, channel)) {
            clearTimeout(timer);
            client.off('join', onJoin);
            resolve();
          }
        };
        client.on('join', onJoin);
        client.join(channel);
      });
    },
    say(target, text) {
      client.say(target, text);
    },
    waitFor(pred, timeoutMs = 5_000) {
      const found = messages.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise<Received>((resolve, reject) => {
        const w = {
          pred,
          resolve: (m: Received) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(w);
          const seen = messages.map((m) => `  ${m.kind} ${m.from} -> ${m.target}: ${m.text}`).join('\n');
          reject(new Error(`${opts.nick}: no matching message within ${timeoutMs} ms; received:\n${seen}`));
        }, timeoutMs);
        waiters.add(w);
      });
    },
    clearMessages() {
      messages.length = 0;
    },
    quit() {
      closedPromise ??= (async () => {
        internal.clients?.delete(tc);
        if (!closed && client.connected) {
          client.quit('bye');
          const t = setTimeout(() => client.connection.end(), 2_000);
          await closedEvent;
          clearTimeout(t);
        } else if (!closed) {
          client.connection.end();
        }
        client.removeAllListeners();
      })();
      return closedPromise;
    },
  };

  const timeoutMs = opts.timeoutMs ?? 10_000;
  await new Promise<void>((resolve, reject) => {
    let loggedIn: string | undefined;
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.quit();
      client.connection.end();
      reject(new Error(`connectClient(${opts.nick}): ${why}`));
    };
    const timer = setTimeout(() => fail(`not registered within ${timeoutMs} ms`), timeoutMs);
    client.on('loggedin', (e) => (loggedIn = typeof e.account === 'string' ? e.account : undefined));
    client.once('sasl failed', (e) => fail(`SASL failed (${e.reason}${e.message ? `: ${e.message}` : ''})`));
    client.once('nick in use', () => fail(`nick ${opts.nick} in use`));
    client.once('nick invalid', (e) => fail(`nick invalid: ${e.reason}`));
    client.once('close', () => fail('connection closed before registration'));
    client.once('registered', () => {
      if (opts.sasl && !loggedIn) return fail('registered without a SASL login');
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve();
    });
    client.connect({
      host: ircd.host,
      port: ircd.port,
      nick: opts.nick,
      username: opts.nick.replace(/[^A-Za-z0-9]/g, '').slice(0, 10) || 'test',
      gecos: `test client ${opts.nick}`,
      auto_reconnect: false,
      ping_interval: 0,
      ping_timeout: 0,
      enable_echomessage: false,
      ...(opts.sasl ? { account: { account: opts.sasl.account, password: opts.sasl.password }, sasl_disconnect_on_fail: true } : { account: {} }),
      ...opts.options,
    });
  });
  internal.clients?.add(tc);
  return tc;
}

// ---------------------------------------------------------------------------------------------------------------

function ircUser(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'irc'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'irc'], { encoding: 'utf8' }).trim());
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) throw new Error('startIrcd: user irc not found');
  return { uid, gid };
}

async function freePorts(n: number): Promise<number[]> {
  // Hold all n listeners open at once so they are distinct.
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((resolve, reject) => {
          const s = createServer();
          s.once('error', reject);
          s.listen(0, HOST, () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}

async function fileContains(path: string, needle: string): Promise<boolean> {
  try {
    return (await fsp.readFile(path, 'utf8')).includes(needle);
  } catch {
    return false;
  }
}

async function waitUntil(check: () => Promise<boolean>, what: string, procs: ChildProcess[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (await check()) return;
    const dead = procs.find((p) => p.exitCode !== null || p.signalCode !== null);
    if (dead) throw new Error(`waiting for ${what}: ${dead.spawnargs[6] ?? 'daemon'} exited (${dead.exitCode ?? dead.signalCode})`);
    if (Date.now() > deadline) throw new Error(`timed out after ${START_TIMEOUT_MS} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function pidFile(dir: string, name: 'inspircd' | 'anope'): string {
  return join(dir, 'run', `${name}.pid`);
}

function launch(dir: string, name: string, argv: string[]): ChildProcess {
  const out = openSync(join(dir, 'logs', `${name}.out`), 'a');
  try {
    const child = spawn('setpriv', ['--reuid=irc', '--regid=irc', '--init-groups', '--pdeathsig', 'SIGTERM', ...argv], {
      cwd: dir,
      stdio: ['ignore', out, out],
      detached: false,
    });
    child.on('error', () => {}); // reported through exitCode / logs
    child.unref(); // never keep the test process alive; pdeathsig ends the daemon if we die
    return child;
  } finally {
    closeSync(out);
  }
}

async function killChild(child: ChildProcess, pidPath: string): Promise<void> {
  const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
  const pids = new Set<number>();
  if (child.pid) pids.add(child.pid);
  try {
    const p = Number(readFileSync(pidPath, 'utf8').trim());
    if (Number.isInteger(p) && p > 1) pids.add(p);
  } catch {
    /* no pid file */
  }
  if (exited() && pids.size <= 1) return;
  const gone = exited() ? Promise.resolve() : new Promise<void>((r) => child.once('exit', () => r()));
  for (const pid of pids) signal(pid, 'SIGTERM');
  const timer = setTimeout(() => {
    for (const pid of pids) signal(pid, 'SIGKILL');
  }, 3_000);
  await gone;
  clearTimeout(timer);
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

async function logTail(dir: string): Promise<string> {
  const files = [
    ['logs', 'inspircd.out'],
    ['logs', 'inspircd.log'],
    ['logs', 'anope.out'],
  ].map((p) => join(dir, ...p));
  try {
    for (const f of await fsp.readdir(join(dir, 'anope', 'logs'))) files.push(join(dir, 'anope', 'logs', f));
  } catch {
    /* none */
  }
  const parts: string[] = [];
  for (const f of files) {
    if (!existsSync(f)) continue;
    const lines = (await fsp.readFile(f, 'utf8')).split('\n').filter(Boolean).slice(-15);
    parts.push(`--- ${f.slice(dir.length + 1)} (last ${lines.length} lines)\n${lines.join('\n')}`);
  }
  return parts.join('\n') || '(no logs)';
}

async function chownR(path: string, uid: number, gid: number): Promise<void> {
  await fsp.chown(path, uid, gid);
  for (const entry of await fsp.readdir(path, { withFileTypes: true })) {
    const p = join(path, entry.name);
    if (entry.isDirectory()) await chownR(p, uid, gid);
    else await fsp.chown(p, uid, gid);
  }
}

async function writeConfigs(dir: string, port: number, linkPort: number, options: IrcdOptions): Promise<void> {
  for (const d of ['run', 'logs', 'anope/conf', 'anope/data', 'anope/logs']) await fsp.mkdir(join(dir, d), { recursive: true });
  await fsp.writeFile(join(dir, 'inspircd.motd'), 'Deckhand test server\n');
  await fsp.writeFile(join(dir, 'anope', 'conf', 'services.motd'), 'Deckhand test services\n');
  await fsp.writeFile(join(dir, 'inspircd.conf'), inspircdConf(dir, port, linkPort, options));
  await fsp.writeFile(join(dir, 'anope', 'conf', 'services.conf'), anopeConf(dir, linkPort));
}

function inspircdConf(base: string, port: number, linkPort: number, options: IrcdOptions): string {
  return `<define name="base" value="${base}">
<server name="irc.test" description="Test IRC server" network="TestNet" id="001">
<admin name="Test Admin" nick="admin" email="admin@localhost">

<bind address="${HOST}" port="${port}" type="clients">
<bind address="${HOST}" port="${linkPort}" type="servers">

<connect name="main" allow="${HOST}"
         timeout="20" pingfreq="120"
${
  options.connectClass === 'default'
    ? `         hardsendq="1M" softsendq="10240" recvq="10K"
         threshold="10" commandrate="1000" fakelag="yes"`
    : `         hardsendq="1M" softsendq="65536" recvq="65536"
         threshold="10000" commandrate="1000000" fakelag="no"`
}
         localmax="1000" globalmax="1000" maxconnwarn="no"
         resolvehostnames="no" useident="no" limit="5000"
         maxchans="100">

<pid file="&base;/run/inspircd.pid">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="&base;/logs/inspircd.log" flush="1">
<files motd="&base;/inspircd.motd">
<dns server="${HOST}" timeout="1">

<module name="spanningtree">
<link name="services.test" ipaddr="${HOST}" port="${linkPort}"
      allowmask="${HOST}/32" sendpass="linkpass" recvpass="linkpass" timeout="30">
<uline server="services.test" silent="yes">

<module name="services_account">
<module name="hidechans">
<module name="svshold">
<module name="chghost">
<module name="chgident">

<module name="cap">
<module name="ircv3">
${options.accountTag === false ? '' : '<module name="ircv3_accounttag">\n'}<module name="ircv3_servertime">
<module name="ircv3_echomessage">
<module name="ircv3_ctctags">
<module name="ircv3_msgid">
<module name="ircv3_batch">
<module name="ircv3_capnotify">
<module name="sasl">
<sasl target="services.test">
`;
}

function anopeConf(base: string, linkPort: number): string {
  return `/* Anope 2.0 minimal test services (generated by test/support/ircd.ts) */
uplink
{
	host = "${HOST}"
	ipv6 = no
	ssl = no
	port = ${linkPort}
	password = "linkpass"
}
serverinfo
{
	name = "services.test"
	description = "Test Services"
	id = "00A"
	pid = "${base}/run/anope.pid"
	motd = "${base}/anope/conf/services.motd"
}
module { name = "inspircd3"; use_server_side_mlock = yes; use_server_side_topiclock = yes }
networkinfo
{
	networkname = "TestNet"
	nicklen = 30
	userlen = 10
	hostlen = 64
	chanlen = 64
	modelistsize = 100
	vhost_chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
	allow_undotted_vhosts = false
	disallow_start_or_end = ".-"
}
options
{
	casemap = "rfc1459"
	seed = 9866235
	strictpasswords = no
	badpasslimit = 1000
	badpasstimeout = 1s
	updatetimeout = 5m
	expiretimeout = 30m
	readtimeout = 5s
	warningtimeout = 4h
	timeoutcheck = 3s
	retrywait = 1s
}
mail { usemail = no }
log { target = "services.log"; logage = 1; admin = "*"; override = "*"; commands = "*"; servers = "*"; users = "*"; other = "*"; rawio = no; debug = no }
module { name = "db_flatfile"; database = "anope.db"; keepbackups = 0; fork = no }
module { name = "enc_sha256" }
service { nick = "NickServ"; user = "services"; host = "services.test"; gecos = "Nickname Registration Service" }
module
{
	name = "nickserv"
	client = "NickServ"
	forceemail = no
	confirmemailchanges = no
	defaults = "ns_secure hide_email"
	regdelay = 0s
	expire = 0
	guestnickprefix = "Guest"
	nonicknameownership = no
	passlen = 32
}
command { service = "NickServ"; name = "HELP"; command = "generic/help"; }
module { name = "help" }
module { name = "ns_register"; registration = "none" }
command { service = "NickServ"; name = "REGISTER"; command = "nickserv/register"; }
module { name = "ns_identify"; maxlogins = 100 }
command { service = "NickServ"; name = "IDENTIFY"; command = "nickserv/identify"; }
module { name = "ns_logout" }
command { service = "NickServ"; name = "LOGOUT"; command = "nickserv/logout"; }
module { name = "ns_info" }
command { service = "NickServ"; name = "INFO"; command = "nickserv/info"; }
module { name = "ns_drop" }
command { service = "NickServ"; name = "DROP"; command = "nickserv/drop"; }
module { name = "m_sasl" }
`;
}
