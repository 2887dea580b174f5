// A button click as Slack sends it (interactivity, `block_actions`): over HTTP a signed form post
// whose `payload` field holds the JSON; in Socket Mode the same JSON in an `interactive` envelope.
// https://api.slack.com/reference/interaction-payloads/block-actions
import type { StoredMessage } from './slack-api.js';
import { triggerId } from './slack-sign.js';

export interface Button {
  action_id: string;
  value: string;
  text: { type: 'plain_text'; text: string };
  style?: string;
}

/** The buttons of a stored message (its `actions` blocks). */
export function buttonsOf(m: StoredMessage): Button[] {
  return ((m.blocks ?? []) as { type: string; elements?: Button[] }[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []);
}

export function button(m: StoredMessage, label: string): Button {
  const b = buttonsOf(m).find((x) => x.text.text === label);
  if (!b)
    throw new Error(
      `no "${label}" button on message ${m.ts} (buttons: ${
        buttonsOf(m)
          .map((x) => x.text.text)
          .join(', ') || 'none'
      })`,
    );
  return b;
}

let actionSeq = 0;

/** The block_actions payload of a click on `b` in message `m` by `user`. */
export function blockActions(m: StoredMessage, b: Button, user: { id: string; name: string }, responseUrl: string): Record<string, unknown> {
  const actionTs = `${Math.floor(Date.now() / 1000)}.${String(++actionSeq).padStart(6, '0')}`;
  return {
    type: 'block_actions',
    user: { id: user.id, username: user.name, name: user.name, team_id: 'T0TEST' },
    api_app_id: 'A0DECKHAND',
    token: 'deprecated-verification-token',
    container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}) },
    trigger_id: triggerId(),
    team: { id: 'T0TEST', domain: 'deckhand-test' },
    enterprise: null,
    is_enterprise_install: false,
    channel: { id: m.channel, name: 'ops' },
    message: {
      type: 'message',
      user: 'UDECKHAND',
      bot_id: 'BDECKHAND',
      ts: m.ts,
      ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
      text: m.text,
      blocks: m.blocks,
    },
    state: { values: {} },
    response_url: responseUrl,
    actions: [{ ...b, block_id: 'deckhand-actions', type: 'button', action_ts: actionTs }],
  };
}

/** The HTTP body of a click: application/x-www-form-urlencoded with one field, `payload`. */
export function blockActionsBody(payload: Record<string, unknown>): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
