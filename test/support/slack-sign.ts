// Requests signed exactly as Slack signs them: `v0=` + hex HMAC-SHA256(signing secret,
// `v0:<timestamp>:<raw body>`), sent in X-Slack-Signature with X-Slack-Request-Timestamp (seconds).
// https://api.slack.com/authentication/verifying-requests-from-slack
import { createHmac, randomBytes } from 'node:crypto';

export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignOptions {
  /** Seconds since epoch; default now. */
  timestamp?: number;
  /** X-Slack-Retry-Num (Slack's retries of an unanswered request). */
  retryNum?: number;
  retryReason?: string;
}

export function signedHeaders(secret: string, body: string, contentType: string, o: SignOptions = {}): Record<string, string> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  return {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(secret, timestamp, body),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    ...(o.retryNum !== undefined ? { 'x-slack-retry-num': String(o.retryNum), 'x-slack-retry-reason': o.retryReason ?? 'http_timeout' } : {}),
  };
}

export interface SlashCommandFields {
  command: string;
  text: string;
  user_id: string;
  user_name: string;
  channel_id: string;
  channel_name?: string;
  team_id?: string;
  trigger_id?: string;
  response_url: string;
}

let triggerSeq = 0;
/** A trigger id like Slack's (`<digits>.<digits>.<hex>`), unique per invocation. */
export function triggerId(): string {
  return `${Date.now()}.${++triggerSeq}.${randomBytes(16).toString('hex')}`;
}

/** The form body Slack posts for a slash command (application/x-www-form-urlencoded). */
export function slashCommandBody(f: SlashCommandFields): string {
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: f.team_id ?? 'T0TEST',
    team_domain: 'deckhand-test',
    channel_id: f.channel_id,
    channel_name: f.channel_name ?? 'ops',
    user_id: f.user_id,
    user_name: f.user_name,
    command: f.command,
    text: f.text,
    api_app_id: 'A0DECKHAND',
    is_enterprise_install: 'false',
    response_url: f.response_url,
    trigger_id: f.trigger_id ?? triggerId(),
  }).toString();
}

export interface MentionFields {
  user: string;
  channel: string;
  text: string;
  ts?: string;
  thread_ts?: string;
  event_id?: string;
  team_id?: string;
}

let eventSeq = 0;
/** The Events API envelope for an app_mention (application/json). */
export function mentionEventBody(f: MentionFields): string {
  const ts = f.ts ?? `${Math.floor(Date.now() / 1000)}.${String(++eventSeq).padStart(6, '0')}`;
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: f.team_id ?? 'T0TEST',
    api_app_id: 'A0DECKHAND',
    event: {
      type: 'app_mention',
      user: f.user,
      text: f.text,
      ts,
      channel: f.channel,
      event_ts: ts,
      ...(f.thread_ts ? { thread_ts: f.thread_ts } : {}),
    },
    type: 'event_callback',
    event_id: f.event_id ?? `Ev${Date.now().toString(36).toUpperCase()}${++eventSeq}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ enterprise_id: null, team_id: f.team_id ?? 'T0TEST', user_id: 'UDECKHAND', is_bot: true, is_enterprise_install: false }],
    is_ext_shared_channel: false,
  });
}

export interface SentRequest {
  status: number;
  body: string;
  /** Request sent → response headers received, ms. */
  ms: number;
}

/** POST a body to the Bolt app, signed with `secret` (or any signature you pass in `headers`). */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  o: SignOptions & { json?: boolean; headers?: Record<string, string> } = {},
): Promise<SentRequest> {
  const contentType = o.json ? 'application/json' : 'application/x-www-form-urlencoded';
  const headers = { ...signedHeaders(secret, body, contentType, o), ...o.headers };
  const t0 = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const ms = performance.now() - t0;
  return { status: res.status, body: await res.text(), ms };
}
