import { execFileSync } from 'node:child_process';
import { bullPrefix } from '../src/core/scope.js';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Access } from '../src/auth/access.js';
import { ServiceRegistry } from '../src/core/registry.js';
import type { JobData, JobResult, OutgoingMessage } from '../src/core/types.js';
import { verbRunner } from '../src/handlers/execute.js';
import { allVerbs } from '../src/handlers/index.js';
import { defineVerb } from '../src/handlers/verb.js';
import { systemClock } from '../src/maintenance/clock.js';
import { AuditLog } from '../src/history/audit.js';
import { commandQueue, outboxName } from '../src/jobs/queues.js';
import { startWorker } from '../src/jobs/worker.js';
import type { KubeClient } from '../src/kube/client.js';
import { exampleConfig } from './support/config.js';
import { directoryFor } from './support/directory.js';
import { dropPrefix, freshPrefix, REDIS_URL } from './support/redis.js';
import { startSlapd, type Slapd } from './support/slapd.js';

// The worker checks permissions again right before a mutating job runs: groups may have changed.
const touchVerb = (ran: string[]) =>
  defineVerb({
    verb: 'touch',
    scope: 'service',
    mutating: true,
    environment: 'required',
    usage: '',
    summary: '',
    parse: () => ({}),
    async run(_ctx, _args, d) {
      ran.push(d.requester.nick);
      return { ok: true, summary: 'touched', lines: ['touched'] };
    },
  });

let slapd: Slapd;
beforeAll(async () => {
  slapd = await startSlapd();
});
afterAll(async () => {
  await slapd?.close();
});

it('refuses a queued job when the requester lost the group meanwhile, without running it', async () => {
  const prefix = freshPrefix('recheck');
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const dir = directoryFor(slapd);
  const config = exampleConfig();
  config.services.superset!.permissions.touch = ['superset-admins'];
  const access = new Access(config, dir.lookup, new AuditLog({ connection: redis, prefix }));
  const ran: string[] = [];
  const queues = { connection: redis, prefix };
  const commands = commandQueue(queues);
  const eventsConnection = redis.duplicate();
  const events = new QueueEvents('commands', { connection: eventsConnection, prefix: bullPrefix(prefix, 'commands') });
  await events.waitUntilReady();
  const worker = startWorker({
    queues,
    runner: verbRunner([...allVerbs, touchVerb(ran)], {
      config,
      registry: new ServiceRegistry(config),
      kube: {} as KubeClient,
      access,
      clock: systemClock,
      scope: queues,
    }),
    log: pino({ level: 'silent' }),
  });
  const job = (nick: string): JobData => ({
    kind: 'touch',
    command: { service: 'superset', verb: 'touch', environment: 'staging', args: [], requestId: nick },
    args: {},
    // what the gateway saw when it allowed the command
    requester: { network: 'irc', nick, account: 'alice', user: 'alice', groups: ['superset-admins', 'wmf'] },
    replyTo: { network: 'irc', target: '#analytics', nick },
    queuedAt: Date.now(),
  });
  let removed = false;
  try {
    const first = await commands.add('touch', job('before'));
    expect((await first.waitUntilFinished(events, 5000)) as JobResult).toMatchObject({ ok: true });

    // alice leaves superset-admins in the directory after the gateway took the next command
    execFileSync('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword], {
      input: `dn: cn=superset-admins,ou=groups,dc=wikimedia,dc=org\nchangetype: modify\nadd: member\nmember: uid=carol,ou=people,dc=wikimedia,dc=org\n-\ndelete: member\nmember: uid=alice,ou=people,dc=wikimedia,dc=org\n`,
    });
    removed = true;
    dir.resolver.clear();
    const second = await commands.add('touch', job('after'));
    const result = (await second.waitUntilFinished(events, 5000)) as JobResult;
    expect(result.ok).toBe(false);
    expect(result.summary).toBe('touch superset staging needs one of superset-admins (you: wmf)');
    expect(ran).toEqual(['before']);
    const outbox = new Queue<OutgoingMessage>(outboxName('irc'), { connection: redis, prefix: bullPrefix(prefix, outboxName('irc')) });
    const posted = (await outbox.getJobs(['waiting'])).map((j) => j.data.lines[0]);
    expect(posted).toContain('after: touch superset staging needs one of superset-admins (you: wmf)');
    await outbox.close();
  } finally {
    if (removed)
      execFileSync('ldapmodify', ['-x', '-H', slapd.url, '-D', slapd.adminDn, '-w', slapd.adminPassword], {
        input: `dn: cn=superset-admins,ou=groups,dc=wikimedia,dc=org\nchangetype: modify\nadd: member\nmember: uid=alice,ou=people,dc=wikimedia,dc=org\n-\ndelete: member\nmember: uid=carol,ou=people,dc=wikimedia,dc=org\n`,
      });
    await worker.close();
    await events.close();
    await commands.close();
    await dir.ldap.close();
    await dropPrefix(prefix);
    redis.disconnect();
    eventsConnection.disconnect();
  }
});
