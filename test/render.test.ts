import { IRC_CAPABILITIES } from '../src/bot/irc.js';
import { PLAIN_CAPABILITIES, renderFor } from '../src/bot/render.js';
import { SLACK_CAPABILITIES } from '../src/bot/slack.js';
import { cmd, LOGIN, line } from '../src/core/parts.js';
import type { OutgoingMessage } from '../src/core/types.js';

// Results are data; each network writes them its own way, here and nowhere else.
const msg: OutgoingMessage = {
  network: 'x',
  target: '#a',
  lines: [line`to go ahead, say ${cmd('confirm abcdef')} (or ${cmd('cancel abcdef')})`, ['deploy needs a services account: ', LOGIN]],
  sections: [{ title: 'superset staging', ok: false, lines: [line`see ${cmd('superset status staging')}`] }],
  topic: { key: 'maint-1', append: 'MAINTENANCE' },
};

it('writes command hints and the login hint the way each network types them', () => {
  expect(renderFor(msg, IRC_CAPABILITIES).lines).toEqual([
    'to go ahead, say !confirm abcdef (or !cancel abcdef)',
    'deploy needs a services account: log in to services first (SASL, or /msg NickServ IDENTIFY <password>) and try again',
  ]);
  expect(renderFor(msg, SLACK_CAPABILITIES).lines[0]).toBe('to go ahead, say /deckhand confirm abcdef (or /deckhand cancel abcdef)');
  expect(renderFor(msg, PLAIN_CAPABILITIES).lines[0]).toBe('to go ahead, say confirm abcdef (or cancel abcdef)');
});

it('keeps only what a network can show: sections where there are blocks, topics where there are topics', () => {
  const irc = renderFor(msg, IRC_CAPABILITIES);
  expect(irc.sections).toBeUndefined();
  expect(irc.topic).toEqual({ key: 'maint-1', append: 'MAINTENANCE' });
  const slack = renderFor(msg, SLACK_CAPABILITIES);
  expect(slack.topic).toBeUndefined();
  expect(slack.sections?.[0]?.lines).toEqual(['see /deckhand superset status staging']);
});

it('cuts a long answer on IRC to its first lines and points at the job log for the rest', () => {
  const long: OutgoingMessage = { network: 'irc', target: '#a', jobId: '42', lines: Array.from({ length: 30 }, (_, i) => `line ${i + 1}`) };
  const irc = renderFor(long, { ...IRC_CAPABILITIES, maxLines: 12 });
  expect(irc.lines).toHaveLength(12);
  expect(irc.lines[10]).toBe('line 11');
  expect(irc.lines[11]).toBe('… 19 more lines: !job 42 log');
  expect(renderFor(long, SLACK_CAPABILITIES).lines).toHaveLength(30);
  // without a job there is no log to point at: nothing is cut
  const { jobId: _j, ...noJob } = long;
  expect(renderFor(noJob, { ...IRC_CAPABILITIES, maxLines: 12 }).lines).toHaveLength(30);
});
