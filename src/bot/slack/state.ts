// What the Slack adapter keeps in Redis: which requests it has already taken (Slack retries events
// and a proxy may replay a slash command; neither may run a command twice), and, per reply thread,
// who asked and how to reach them privately; and where each message with buttons went (to update it).
// Redis, because the reply may come from a worker on another machine long after the request, through
// a gateway that has restarted in between.
import type { Redis } from 'ioredis';
import { SLACK_DEFAULTS } from '../../config/schema.js';
import type { Block } from './blocks.js';

export interface RequestContext {
  /** Slack user id of the asker (ephemeral replies go to them). */
  user: string;
  channel: string;
  /** What they typed, e.g. "/superset status" (shown again when the acknowledgement is updated). */
  typed: string;
  /** Slash commands: the response_url (ephemeral/in-channel answers where the bot cannot post). */
  responseUrl?: string;
  /** Slack accepts posts to a response_url for 30 minutes. */
  responseUrlUntil?: number;
  /** ts of the "working on it" message, updated once the first answer arrives. */
  ackTs?: string;
}

/** A posted message with buttons. */
export interface ButtonMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: Block[];
  /** What it ended as, once it did (later outcomes of the same kind change nothing). */
  final?: string;
}

export interface SlackStateOptions {
  /** How long a request id is remembered (Slack retries for about an hour at most). */
  dedupTtlSeconds?: number;
  /** How long a reply thread's context is kept (longer than any job runs). */
  contextTtlSeconds?: number;
}

export class SlackState {
  private readonly dedupTtl: number;
  private readonly contextTtl: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    o: SlackStateOptions = {},
  ) {
    this.dedupTtl = o.dedupTtlSeconds ?? SLACK_DEFAULTS.dedupTtlSeconds;
    this.contextTtl = o.contextTtlSeconds ?? SLACK_DEFAULTS.contextTtlSeconds;
  }

  private key(kind: string, id: string): string {
    return `${this.prefix}:slack:${kind}:${id}`;
  }

  /** True the first time a request id is seen (atomic SET NX with a TTL), false for every repeat. */
  async firstTime(requestId: string): Promise<boolean> {
    return (await this.redis.set(this.key('seen', requestId), '1', 'EX', this.dedupTtl, 'NX')) === 'OK';
  }

  async saveContext(channel: string, threadId: string, ctx: RequestContext): Promise<void> {
    await this.redis.set(this.key('ctx', `${channel}:${threadId}`), JSON.stringify(ctx), 'EX', this.contextTtl);
  }

  async context(channel: string, threadId: string): Promise<RequestContext | undefined> {
    const raw = await this.redis.get(this.key('ctx', `${channel}:${threadId}`));
    if (!raw) return undefined;
    try {
      return JSON.parse(raw) as RequestContext;
    } catch {
      return undefined;
    }
  }

  /** True once an answer has gone out (without claiming it: progress may only edit an unanswered acknowledgement). */
  async isAnswered(channel: string, threadId: string): Promise<boolean> {
    return (await this.redis.exists(this.key('answered', `${channel}:${threadId}`))) === 1;
  }

  /** Where the message with the buttons for `key` (a confirmation code) was posted, and its blocks, so its outcome can update it. */
  async saveButtons(key: string, m: ButtonMessage): Promise<void> {
    await this.redis.set(this.key('buttons', key), JSON.stringify(m), 'EX', this.contextTtl);
  }

  /** True for the one gateway that says a message's buttons expired (several may have had a timer for it). */
  async firstExpiry(key: string): Promise<boolean> {
    return (await this.redis.set(this.key('expired', key), '1', 'EX', this.contextTtl, 'NX')) === 'OK';
  }

  async buttons(key: string): Promise<ButtonMessage | undefined> {
    const raw = await this.redis.get(this.key('buttons', key));
    return raw ? (JSON.parse(raw) as ButtonMessage) : undefined;
  }

  /** True for the first answer to a request (the acknowledgement is updated once). */
  async firstAnswer(channel: string, threadId: string): Promise<boolean> {
    return (await this.redis.set(this.key('answered', `${channel}:${threadId}`), '1', 'EX', this.contextTtl, 'NX')) === 'OK';
  }
}
