// The plain data that flows one way through Deckhand:
// ChatMessage → Command → JobData → JobResult → OutgoingMessage.
// Everything here is JSON-safe because BullMQ stores jobs as JSON.
import type { Line } from './parts.js';

export type NetworkName = string; // "irc", "slack", "console"

export interface Sender {
  /** Stable id on the network (IRC: nick at the time; Slack: user id). */
  id: string;
  nick: string;
  /** IRC services account (absent = not logged in); Slack: the user id. */
  account?: string;
  /**
   * Where the account is not on the message (IRC without account-tag), how to find it out when a
   * command needs it (the gateway asks; a public answer that does not depend on the asker never does).
   * Not JSON: a ChatMessage stays in the gateway.
   */
  lookupAccount?: () => Promise<string | undefined>;
}

export interface ChatMessage {
  network: NetworkName;
  /** Channel name, or the sender's nick for a private message. */
  channel: string;
  isPrivate: boolean;
  threadId?: string;
  sender: Sender;
  text: string;
  /** Network-specific id of the request (Slack trigger id / event id, IRC msgid); Slack de-duplicates on it before delivering. */
  messageId?: string;
  /** A button click: a refusal goes to the clicker alone (the message with the buttons stays as it was). */
  clicked?: boolean;
}

export interface ReplyTarget {
  network: NetworkName;
  /** Where to answer: a channel, or a nick for private replies. */
  target: string;
  threadId?: string;
  /** Who asked: prefixed to channel replies ("alice: …"). */
  nick: string;
  /** The request was a button click: refusals are answered privately (where the network can). */
  clicked?: boolean;
  /** The one process that must deliver the answer (a console instance): its own outbox, no other process takes it. */
  outbox?: string;
}

export interface Identity {
  network: NetworkName;
  nick: string;
  /** Network account (IRC services account / Slack user id); absent when not logged in. */
  account?: string;
  /** Directory user (LDAP uid) once resolved. */
  user?: string;
  groups?: string[];
  /** From the directory, for commits made on the person's behalf (`Name <mail>`). */
  name?: string;
  mail?: string;
}

export interface Command {
  service: string;
  verb: string;
  environment?: string;
  /** The words after the verb (and the environment), as typed: what history and audit show. */
  args: string[];
  requestId: string;
  /** `… at 14:00 UTC`, `… in 2h`: the time words of a scheduled change, as typed (read by the gateway with its clock). */
  schedule?: string;
}

/**
 * A verb's job: `kind` is the verb's name and `args` its arguments as the verb's `parse` made them in
 * the gateway. The worker runs the same verb with them and never parses again.
 */
export interface JobData<A = unknown> {
  kind: string;
  command: Command;
  args: A;
  requester: Identity;
  replyTo: ReplyTarget;
  queuedAt: number;
  /** Asked for later (`deploy production at 14:00 UTC`): this job schedules the change (src/handlers/schedule-change.ts). */
  schedule?: { at: number };
  /** This job is a scheduled change whose time has come (a delayed BullMQ job with the change's id). */
  scheduled?: { id: string };
}

/**
 * Optional structure beside `lines`, for networks that can render it (Slack Block Kit: a section
 * each). `lines` always carries the same content as plain text (IRC, console use only that).
 */
export interface MessageSection {
  /** Heading, e.g. "superset production"; a first line starting with `<title>: ` is shown without that prefix. */
  title?: string;
  /** true = healthy, false = unhealthy, absent = neutral. */
  ok?: boolean;
  /** The first line is the summary; further lines are details (unhealthy pods…). */
  lines: Line[];
  /** Preformatted text (logs, diffs): shown as a code block. */
  code?: boolean;
}

export interface JobResult {
  ok: boolean;
  /** One line of plain text (history, the job list, Slack's notification text). */
  summary: string;
  lines: Line[];
  logRef?: string;
  sections?: MessageSection[];
  /** It was stopped on someone's request (the history says cancelled, not failed). */
  cancelled?: boolean;
  /** What the job changed, for the job history (`!job N`): the git commit made, the helm revision(s) deployed. */
  changed?: { commit?: string; helmRevision?: string };
  /** The job's full output, when it has no `logRef`: kept (bounded, compressed) in the job history. */
  log?: string;
  /** Buttons under the answer (networks with buttons; the lines still say what to type). */
  actions?: MessageActions;
  /** A change started on approvals: the history keeps who asked and who approved beside who ran the job. */
  approval?: { requestedBy: string; approvedBy: string[] };
}

/**
 * Buttons that stand for commands the clicker could type (`confirm abcdef`). A click is taken exactly
 * like the typed command. `key` names what they decide (a confirmation code), so the message can be
 * updated in place when it is settled (see ActionsSettled).
 */
export interface MessageActions {
  key: string;
  buttons: { label: string; command: string; style?: 'primary' | 'danger' }[];
  /** When the buttons stop meaning anything (the confirmation expires): the network may say so unasked. */
  expiresAt?: number;
}

/** What became of the thing a message's buttons decide: a network that showed them updates that message. */
export interface ActionsSettled {
  key: string;
  outcome: 'confirmed' | 'cancelled' | 'expired' | 'approved';
  /** Who did it (absent for an expiry). */
  by?: { network: NetworkName; nick: string; account?: string };
  /** More words after the outcome ("1 of 2 approvals"). */
  note?: string;
  /** The buttons stay (an approval that is not the last one needed). */
  open?: boolean;
}

export interface OutgoingMessage {
  network: NetworkName;
  target: string;
  /** See ReplyTarget.outbox. */
  outbox?: string;
  threadId?: string;
  /** One chat line per entry, rendered by the network (src/bot/render.ts); adapters split further if a line is too long. */
  lines: Line[];
  /** Only the asker should see it where the network can do that (Slack ephemeral); IRC and the console ignore it. */
  private?: boolean;
  /** The same content, structured (Slack renders it as blocks); `lines` stays filled. */
  sections?: MessageSection[];
  /** A milestone of a running job: networks that can edit a message show it in place (Slack: the acknowledgement); IRC and the console print it as a line. */
  progress?: boolean;
  /** The job this answers: a network that cuts a long answer points at the job's log for the rest. */
  jobId?: string;
  /** Where the network has channel topics (others ignore it): after the lines, change the topic of the channel `target`. */
  topic?: TopicChange;
  /** Buttons under the lines (networks with `capabilities.buttons`; others show the lines alone). */
  actions?: MessageActions;
  /** Update the message whose buttons decided `settled.key` (networks with buttons; others ignore it, and it carries no lines). */
  settled?: ActionsSettled;
}

/**
 * A maintenance topic suffix (`key` names the window, e.g. `maint-3`): `append` sets the topic to
 * "<topic before> | <append>" (or replaces the suffix this key set earlier); `restore` puts back the
 * topic this key replaced, only when the channel still shows what the bot set.
 */
export type TopicChange = { key: string; append: string } | { key: string; restore: true };
