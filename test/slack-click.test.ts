// What a button click may carry, and the outcome line that replaces the buttons: a value that is not a
// short command is no click of ours; names from other networks are text, never a mention or a link.
import { outcomeText, readClick, type ClickPayload } from '../src/bot/slack/click.js';

const body: ClickPayload = {
  type: 'block_actions',
  trigger_id: '1.2.abc',
  team: { id: 'T0TEST' },
  user: { id: 'U0BOB', username: 'bob' },
  channel: { id: 'C0OPS' },
  message: { ts: '1700000000.000200', thread_ts: '1700000000.000100' },
  response_url: 'https://hooks.slack.com/actions/T0TEST/1/x',
};

describe('button clicks', () => {
  it('reads the command, the clicker and the thread the buttons are in', () => {
    expect(readClick(body, { action_id: 'deckhand:0', value: 'confirm abcdef' })).toEqual({
      user: 'U0BOB',
      nick: 'bob',
      channel: 'C0OPS',
      threadTs: '1700000000.000100',
      command: 'confirm abcdef',
      requestId: 'act:T0TEST:1.2.abc',
      responseUrl: 'https://hooks.slack.com/actions/T0TEST/1/x',
    });
    // a message at top level: its own ts is the thread
    expect(readClick({ ...body, message: { ts: '1700000000.000300' } }, { value: 'cancel abcdef' })?.threadTs).toBe('1700000000.000300');
  });

  it('ignores values that are not a short command line', () => {
    for (const value of ['', 'confirm abcdef\nstatus', 'confirm <!channel>', 'x'.repeat(300) + ' y', ' confirm abcdef', 'confirm a b c d e f'])
      expect(readClick(body, { value })).toBeUndefined();
    expect(readClick({ ...body, channel: {}, message: {} }, { value: 'confirm abcdef' })).toBeUndefined();
  });

  it('shows a Slack user as a mention, anyone else as escaped text with the network', () => {
    expect(outcomeText({ key: 'k', outcome: 'confirmed', by: { network: 'slack', nick: 'bob', account: 'U0BOB' } })).toBe(
      ':white_check_mark: confirmed by <@U0BOB>',
    );
    expect(outcomeText({ key: 'k', outcome: 'cancelled', by: { network: 'irc', nick: '<!channel>', account: 'x' } })).toBe(
      ':no_entry_sign: cancelled by &lt;!channel&gt; (on irc)',
    );
    expect(outcomeText({ key: 'k', outcome: 'expired', note: 'at 14:05 UTC; nothing was done' })).toBe(':hourglass: expired — at 14:05 UTC; nothing was done');
    expect(outcomeText({ key: 'k', outcome: 'approved', by: { network: 'slack', nick: 'x', account: 'not-an-id' }, note: '1 of 2\r\n<@U1>' })).toBe(
      ':ballot_box_with_check: approved by x (on slack) — 1 of 2 &lt;@U1&gt;',
    );
  });
});
