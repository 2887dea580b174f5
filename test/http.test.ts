// The HTTP server: signed log links (valid, tampered, expired), the job page as headless Chromium renders
// it, /healthz and /readyz, and /metrics scraped and parsed while commands run through the whole bot.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { LinkSigner } from '../src/history/links.js';
import { ansiToHtml, stripAnsi } from '../src/core/ansi.js';
import { dumpDom, screenshot } from './support/chromium.js';
import { CaptureAdapter } from './support/deploy-harness.js';
import { startStack, type Stack } from './support/stack.js';

describe('signed links', () => {
  const signer = new LinkSigner('0123456789abcdef0123456789abcdef', 3600_000, 'https://deckhand.example.org/');
  const parts = (path: string) => {
    const u = new URL(path, 'http://x');
    return { id: Number(u.pathname.split('/')[2]), exp: u.searchParams.get('exp')!, sig: u.searchParams.get('sig')! };
  };

  it('accepts a fresh link and refuses a tampered, re-targeted, stretched, expired or foreign one', () => {
    const now = Date.now();
    expect(signer.url(42, now)).toMatch(/^https:\/\/deckhand\.example\.org\/jobs\/42\?exp=\d+&sig=[A-Za-z0-9_-]{43}$/);
    const { id, exp, sig } = parts(signer.path(42, now));
    expect(signer.verify(id, exp, sig, now)).toEqual({ ok: true });
    const flipped = sig.slice(0, -1) + (sig.endsWith('A') ? 'B' : 'A');
    expect(signer.verify(id, exp, flipped, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(43, exp, sig, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(id, String(Number(exp) + 3600), sig, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(id, exp, sig.slice(0, 10), now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(signer.verify(id, exp, sig, now + 3601_000)).toEqual({ ok: false, reason: 'expired' });
    expect(signer.verify(id, null, sig, now)).toEqual({ ok: false, reason: 'missing' });
    expect(signer.verify(id, '12e9', sig, now)).toEqual({ ok: false, reason: 'missing' });
    const other = new LinkSigner('another-secret-of-32-characters!', 3600_000);
    expect(other.verify(id, exp, sig, now)).toEqual({ ok: false, reason: 'bad-signature' });
    expect(() => new LinkSigner('short', 1000)).toThrow(/at least 16/);
  });
});

describe('ANSI output', () => {
  it('renders colours as classes and escapes everything else', () => {
    expect(ansiToHtml('\u001b[1;32mOK\u001b[0m <b>&"\'')).toBe('<span class="b f2">OK</span> &lt;b&gt;&amp;&quot;&#39;');
    expect(ansiToHtml('\u001b[31mred\u001b[39m plain \u001b[38;5;11myellow\u001b[0m\u001b]0;title\u0007\u001b[2K\u0000')).toBe(
      '<span class="f1">red</span> plain <span class="f11">yellow</span>',
    );
    expect(stripAnsi('\u001b[33mwarn\u001b[0m \u202eevil')).toBe('warn evil');
  });
});

type Samples = Map<string, number>;
function parseMetrics(text: string): Samples {
  const out: Samples = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{.*\})?) (\S+)$/.exec(line);
    if (!m) throw new Error(`not exposition format: ${line}`);
    out.set(m[1]!, Number(m[2]));
  }
  return out;
}

describe('the HTTP server of a running bot', () => {
  let stack: Stack;
  let chat: CaptureAdapter;
  let base: string;
  const get = (path: string) => fetch(`${base}${path}`);
  const scrape = async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseMetrics(await res.text());
  };

  beforeAll(async () => {
    process.env.DH_TEST_LINK_SECRET = 'test-link-secret-0123456789abcdef';
    chat = new CaptureAdapter('irc');
    stack = await startStack({ adapters: [chat], config: { http: { port: 0, host: '127.0.0.1', linkSecretEnv: 'DH_TEST_LINK_SECRET', linkTtlHours: 2 } } });
    base = stack.app.http!.url;
  });
  afterAll(async () => stack?.stop());

  it('answers /healthz, and /readyz by Redis and the chat connections', async () => {
    const h = await get('/healthz');
    expect([h.status, await h.text()]).toEqual([200, 'ok\n']);
    let r = await get('/readyz');
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ ready: true, checks: { redis: 'ok', irc: 'ok' } });
    chat.connected = false;
    r = await get('/readyz');
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ ready: false, checks: { redis: 'ok', irc: 'not connected' } });
    chat.connected = true;
    expect((await get('/nope')).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('counts commands and times jobs in /metrics as they run', async () => {
    const before = await scrape();
    const v = (s: Samples, k: string) => s.get(k) ?? 0;
    chat.say('alice', '!superset status production');
    await chat.waitFor(/^alice: superset production: 4\/4 ready/);
    chat.say('alice', '!superset status staging');
    await chat.waitFor(/^alice: superset staging: 1\/2 ready/);
    chat.say('bob', '!supreset status');
    await chat.waitFor(/^bob: unknown service "supreset"/);
    chat.say('mallory', '!superset deploy staging', { account: null });
    await chat.waitFor(/^mallory: deploy superset staging needs a services account/);
    chat.say('bob', '!jobs --status denied');
    await chat.waitFor(/^bob: #\d+ deploy superset staging by mallory/);
    await new Promise((r) => setTimeout(r, 100)); // the worker observes the duration right after replying
    const after = await scrape();
    expect(v(after, 'deckhand_commands_total{verb="status",result="enqueued"}') - v(before, 'deckhand_commands_total{verb="status",result="enqueued"}')).toBe(
      2,
    );
    expect(v(after, 'deckhand_commands_total{verb="unknown",result="invalid"}') - v(before, 'deckhand_commands_total{verb="unknown",result="invalid"}')).toBe(
      1,
    );
    expect(v(after, 'deckhand_commands_total{verb="deploy",result="denied"}') - v(before, 'deckhand_commands_total{verb="deploy",result="denied"}')).toBe(1);
    expect(v(after, 'deckhand_commands_total{verb="jobs",result="replied"}') - v(before, 'deckhand_commands_total{verb="jobs",result="replied"}')).toBe(1);
    expect(v(after, 'deckhand_job_duration_seconds_count{kind="status"}') - v(before, 'deckhand_job_duration_seconds_count{kind="status"}')).toBe(2);
    // a status job succeeds when the cluster answered, even with a crash-looping pod in staging
    expect(v(after, 'deckhand_jobs_total{kind="status",status="succeeded"}') - v(before, 'deckhand_jobs_total{kind="status",status="succeeded"}')).toBe(2);
    expect(v(after, 'deckhand_jobs_total{kind="status",status="failed"}') - v(before, 'deckhand_jobs_total{kind="status",status="failed"}')).toBe(0);
    expect(after.get('deckhand_job_duration_seconds_bucket{le="+Inf",kind="status"}')).toBe(after.get('deckhand_job_duration_seconds_count{kind="status"}'));
    expect(after.get('deckhand_chat_connected{network="irc"}')).toBe(1);
    expect(after.get('deckhand_queue_jobs{queue="commands",state="waiting"}')).toBe(0);
    expect(after.has('deckhand_queue_jobs{queue="outbox-irc",state="failed"}')).toBe(true);
    expect(after.get('deckhand_outbox_lag_seconds{network="irc"}')).toBe(0);
    expect(after.get('deckhand_process_resident_memory_bytes')).toBeGreaterThan(0);
    chat.connected = false;
    expect((await scrape()).get('deckhand_chat_connected{network="irc"}')).toBe(0);
    chat.connected = true;
  });

  it('serves the job page behind a signed link, rendered by headless Chromium; a tampered or expired link gets 403', async () => {
    chat.clear();
    chat.say('alice', '!superset status production');
    await chat.waitFor(/^alice: superset production: 4\/4 ready/);
    const [rec] = await stack.app.history.query({ service: 'superset', kind: 'status', limit: 1 });
    const id = rec!.id;
    for (let i = 0; i < 50 && (await stack.app.history.get(id))!.status !== 'succeeded'; i++) await new Promise((r) => setTimeout(r, 20));

    chat.say('alice', `!job ${id} log`);
    const head = await chat.waitFor(new RegExp(`^alice: #${id} status superset production: succeeded in `));
    const linkLine = await chat.waitFor(/^full log: http:\/\//);
    expect(chat.lines().slice(chat.lines().indexOf(head.line))).toContain('  superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
    const url = linkLine.line.slice('full log: '.length);
    expect(url).toMatch(new RegExp(`^${base}/jobs/${id}\\?exp=\\d+&sig=[\\w-]{43}$`));

    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const dom = await dumpDom(url);
    expect(dom).toContain(`<title>#${id} status superset production · succeeded</title>`);
    expect(dom).toMatch(/<span class="status succeeded">succeeded<\/span>/);
    expect(dom).toContain('superset production: 4/4 ready, image 2026-02-16-150514, 0 restarts, up 6d');
    expect(dom).toMatch(/<th>requested by<\/th><td>alice \(irc alice, account alice\)<\/td>/);

    const tampered = url.replace(/sig=(.)/, (_m, c: string) => `sig=${c === 'A' ? 'B' : 'A'}`);
    expect((await fetch(tampered)).status).toBe(403);
    expect(await dumpDom(tampered)).toContain('This link is not valid.');
    const otherJob = url.replace(`/jobs/${id}?`, `/jobs/${id + 1}?`);
    expect((await fetch(otherJob)).status).toBe(403);
    const expired = `${base}${stack.app.links!.path(id, Date.now() - 3 * 3600_000)}`;
    expect((await fetch(expired)).status).toBe(403);
    expect(await dumpDom(expired)).toContain('This link has expired.');
    expect((await fetch(`${base}/jobs/${id}`)).status).toBe(403);
  }, 90000);

  it('renders a deploy log with colours as spans, escapes what could be markup, and shows what changed', async () => {
    const h = stack.app.history;
    const id = await h.newId();
    const now = Date.now();
    const data = {
      kind: 'deploy',
      command: { service: 'superset', verb: 'deploy', environment: 'staging', args: [], requestId: 'req-1' },
      args: { service: 'superset', environment: 'staging', duringMaintenance: false },
      requester: { network: 'irc', nick: 'alice', account: 'alice', user: 'alice' },
      replyTo: { network: 'irc', target: '#analytics', nick: 'alice' },
      queuedAt: now - 80_000,
    };
    await h.started(`x-${id}`, data, { at: now - 79_000, host: 'worker-1' });
    const jobId = await h.idFor(`x-${id}`);
    await h.finished(`x-${id}`, data, {
      status: 'succeeded',
      summary: 'deployed superset staging in 1m12s: release staging → revision 43',
      changed: { commit: '3f2c9a1b7d4e', helmRevision: 'staging=43' },
      startedAt: now - 79_000,
      at: now - 7000,
      log: [
        '$ helmfile -e dse-k8s-eqiad apply',
        '\u001b[1;32mUPDATED RELEASES:\u001b[0m',
        'NAME      NAMESPACE       CHART',
        '\u001b[33mstaging\u001b[0m   superset-next   wmf-stable/superset',
        '<script>document.title="pwned"</script>',
        'REVISION: 43',
      ],
    });
    const url = stack.app.links!.url(jobId);
    const dom = await dumpDom(url);
    expect(dom).toContain(`<title>#${jobId} deploy superset staging · succeeded</title>`);
    expect(dom).toContain('<span class="b f2">UPDATED RELEASES:</span>');
    expect(dom).toContain('<span class="f3">staging</span>   superset-next');
    expect(dom).toContain('&lt;script&gt;document.title="pwned"&lt;/script&gt;');
    expect(dom).not.toMatch(/<script/);
    expect(dom).toContain('<th>what changed</th><td>commit 3f2c9a1b7d4e, helm revision staging=43</td>');
    expect(dom).toContain('<th>duration</th><td>1m12s</td>');
    expect(dom).toContain('<th>worker</th><td>worker-1</td>');

    const file = process.env.DECKHAND_SCREENSHOT ?? `/tmp/deckhand-job-page-${process.pid}.png`;
    await screenshot(url, file);
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(10_000);
  }, 90000);
});
