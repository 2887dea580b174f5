// What an IRC server lets one client send, and what each line costs there. Read from the servers'
// sources and default configurations (README "Pacing"); a server not recognised gets the stricter of
// the two, and the writer slows down further when the server shows lag.

export type RateProfileName = 'auto' | 'inspircd' | 'solanum' | 'safe';

export interface SendLimits {
  /** Lines (cost units) sent at once from rest. */
  burst: number;
  /** Cost units per second, sustained. */
  perSecond: number;
  /** At most this many lines written and not yet acknowledged (what the server may be holding for us). */
  windowLines: number;
  /** …and at most this many bytes of them (the server's receive queue). */
  windowBytes: number;
  /** A PING barrier (acknowledgement, lag probe) after this many lines. */
  ackEvery: number;
}

/**
 * - InspIRCd 3 (and 4), its shipped `<connect name="main">`: threshold 10, commandrate 1000 (1 per second),
 *   fakelag on, recvq 10K. A command is processed while the client's penalty is below 10; each adds its
 *   penalty (PRIVMSG/NOTICE/PING 1, JOIN/TOPIC/WHOIS 2, PART 5); the penalty drops by 1 on each 1-s tick.
 *   Beyond that lines wait in the receive queue; past 10 KB there: "RecvQ exceeded".
 *   Our bucket: 8 at once, 1 a second (the server's tick may lag our clock by up to a second: 8 + 1 < 10).
 * - Solanum / charybdis (Libera.Chat, OFTC's hybrid kin): after the connect grace, 5 lines are parsed at
 *   once, then 2 a second (`client_flood_burst_max 5`, `client_flood_message_num 2` per second); more than
 *   20 unparsed lines queued (`client_flood_max_lines`) is "Excess Flood". Our bucket: 3 at once, 2 a second
 *   (3 + one tick of 2 ≤ 5).
 * - safe (anything else): 3 at once, 1 a second.
 */
export const PROFILES: Record<Exclude<RateProfileName, 'auto'>, SendLimits> = {
  inspircd: { burst: 8, perSecond: 1, windowLines: 40, windowBytes: 7 * 1024, ackEvery: 10 },
  solanum: { burst: 3, perSecond: 2, windowLines: 14, windowBytes: 7 * 1024, ackEvery: 7 },
  safe: { burst: 3, perSecond: 1, windowLines: 14, windowBytes: 4 * 1024, ackEvery: 7 },
};

/** The profile for a server, from its version string (RPL_YOURHOST / 004: "InspIRCd-3", "solanum-1.0-dev"). */
export function profileFor(name: RateProfileName, serverVersion: string | undefined): Exclude<RateProfileName, 'auto'> {
  if (name !== 'auto') return name;
  const v = (serverVersion ?? '').toLowerCase();
  if (v.includes('inspircd')) return 'inspircd';
  if (/solanum|charybdis|ratbox/.test(v)) return 'solanum';
  return 'safe';
}

/** Limits for a server; `burst`/`perSecond` from the config replace the profile's (a network that gave the bot more). */
export function sendLimits(
  rate: { profile?: RateProfileName; burst?: number; perSecond?: number },
  serverVersion: string | undefined,
): SendLimits & { profile: Exclude<RateProfileName, 'auto'> } {
  const profile = profileFor(rate.profile ?? 'auto', serverVersion);
  const base = PROFILES[profile];
  return {
    ...base,
    ...(rate.burst !== undefined ? { burst: rate.burst } : {}),
    ...(rate.perSecond !== undefined ? { perSecond: rate.perSecond } : {}),
    profile,
  };
}

// InspIRCd 3's penalties (src/coremods): what a line costs on the strictest server we know; Solanum counts
// every line as 1, so these are never below what it counts.
const COSTS: Record<string, number> = {
  PRIVMSG: 1,
  NOTICE: 1,
  PING: 1,
  PONG: 1,
  WHO: 1,
  MODE: 1,
  CAP: 1,
  AUTHENTICATE: 1,
  NICK: 1,
  USER: 1,
  PASS: 1,
  QUIT: 1,
  JOIN: 2,
  TOPIC: 2,
  WHOIS: 2,
  WHOWAS: 2,
  ADMIN: 2,
  MONITOR: 2,
  INVITE: 4,
  INFO: 4,
  PART: 5,
  LIST: 5,
  KNOCK: 5,
};

/** The command of a raw line (after tags and a prefix), upper-cased. */
export function commandOf(line: string): string {
  let rest = line;
  if (rest.startsWith('@')) rest = rest.slice(rest.indexOf(' ') + 1);
  if (rest.startsWith(':')) rest = rest.slice(rest.indexOf(' ') + 1);
  const end = rest.indexOf(' ');
  return (end < 0 ? rest : rest.slice(0, end)).toUpperCase();
}

/** What a line costs against the server's flood budget (an unknown command: 2, as InspIRCd charges). */
export function lineCost(command: string): number {
  return COSTS[command] ?? 2;
}

/**
 * What a line sent before registration completes still counts after it: InspIRCd carries the penalty over
 * (NICK, USER, PASS and PONG cost it nothing); Solanum starts counting afresh at registration.
 */
export function registrationCost(command: string): number {
  return ['NICK', 'USER', 'PASS', 'PONG', 'WEBIRC'].includes(command) ? 0 : lineCost(command);
}

/**
 * Wait before reconnect attempt `attempt` (0 = the first after a drop): minMs doubling up to maxMs, with
 * up to a quarter taken off at random from the second attempt on (many bots do not come back in step).
 * Never more than maxMs.
 */
export function reconnectDelay(attempt: number, minMs: number, maxMs: number, random: () => number = Math.random): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(Math.max(attempt, 0), 30));
  if (attempt <= 0) return Math.max(0, base);
  return Math.max(0, Math.round(base * (1 - 0.25 * random())));
}
