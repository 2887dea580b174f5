// Button clicks (Block Kit interactivity, `block_actions`) in, and the line that shows their outcome.
// A click is the command its button stands for, typed by the clicker: the gateway takes it the same way
// (same parse, permission re-check, expiry). Only the message's own place is new: the answer goes into
// the thread the buttons are in, and a refusal only to the clicker.
import { oneLine } from '../../core/sanitize.js';
import type { ActionsSettled } from '../../core/types.js';
import { escapeMrkdwn } from './blocks.js';

/** What Deckhand reads of a block_actions payload (Bolt's BlockAction, narrowed). */
export interface ClickPayload {
  type?: string;
  trigger_id?: string;
  team?: { id?: string } | null;
  user: { id: string; username?: string; name?: string };
  channel?: { id?: string };
  container?: { channel_id?: string; message_ts?: string; thread_ts?: string };
  message?: { ts?: string; thread_ts?: string };
  response_url?: string;
}

export interface Click {
  user: string;
  nick: string;
  channel: string;
  /** The thread the message with the buttons is in (or the message itself, at top level). */
  threadTs: string;
  /** The command the button stands for. */
  command: string;
  /** One per click (two clicks are two requests; a replay of one is not). */
  requestId: string;
  responseUrl?: string;
}

/** A button's command: one short line of printable text; anything else is not a click of ours. */
const COMMAND = /^[a-z][a-z0-9-]*( [A-Za-z0-9._/-]+){0,4}$/;
const MAX_COMMAND = 200;

export function readClick(body: ClickPayload, action: { action_id?: string; value?: string; action_ts?: string }): Click | undefined {
  const channel = body.channel?.id ?? body.container?.channel_id;
  const messageTs = body.message?.ts ?? body.container?.message_ts;
  const command = action.value ?? '';
  if (!channel || !messageTs || !body.user?.id || command.length > MAX_COMMAND || !COMMAND.test(command)) return undefined;
  return {
    user: body.user.id,
    nick: body.user.username || body.user.name || body.user.id,
    channel,
    threadTs: body.message?.thread_ts ?? body.container?.thread_ts ?? messageTs,
    command,
    requestId: `act:${body.team?.id ?? ''}:${body.trigger_id ?? `${messageTs}:${action.action_ts ?? ''}`}`,
    ...(body.response_url ? { responseUrl: body.response_url } : {}),
  };
}

const ICON: Record<ActionsSettled['outcome'], string> = {
  confirmed: ':white_check_mark:',
  cancelled: ':no_entry_sign:',
  expired: ':hourglass:',
  approved: ':ballot_box_with_check:',
};

/** ":white_check_mark: confirmed by <@U0BOB>" — a Slack user as a mention, anyone else by name and network. */
export function outcomeText(s: ActionsSettled): string {
  const by = s.by
    ? s.by.network === 'slack' && s.by.account && /^[UW][A-Z0-9]+$/.test(s.by.account)
      ? ` by <@${s.by.account}>`
      : ` by ${escapeMrkdwn(oneLine(s.by.nick))} (on ${escapeMrkdwn(oneLine(s.by.network))})`
    : '';
  const note = s.note ? ` — ${escapeMrkdwn(oneLine(s.note))}` : '';
  return `${ICON[s.outcome]} ${s.outcome}${by}${note}`;
}
