// One health probe, through the Kubernetes API's service proxy: what the application answered, judged
// by its kind's rule, as one short phrase for `status` and the monitor. Never throws: a probe that
// cannot be made is a failed probe that says why.
import { UserError } from '../core/errors.js';
import { clip, oneLine } from '../core/sanitize.js';
import type { KubeClient, ProxyAnswer } from '../kube/client.js';
import { airflowVerdict } from './airflow.js';
import type { ProbeSpec } from './kinds.js';

export interface ProbeResult {
  name: string;
  ok: boolean;
  /** `health OK`, `scheduler heartbeat 4s ago`, `hub: no answer within 3s`, `health: HTTP 503 (…)`. */
  text: string;
  /** How long it took. */
  ms: number;
}

export interface ProbeTarget {
  context?: string;
  namespace: string;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10}s`.replace('.0s', 's');

/** The API server's own refusal (no such service, no endpoints) carries a `Status` body: its message says it best. */
function statusMessage(a: ProxyAnswer): string | undefined {
  if (!a.contentType.includes('json')) return undefined;
  try {
    const s = JSON.parse(a.body) as { kind?: string; message?: unknown };
    return s.kind === 'Status' && typeof s.message === 'string' ? s.message : undefined;
  } catch {
    return undefined;
  }
}

export function judge(p: ProbeSpec, a: ProxyAnswer, now: number, heartbeatMs: number): { ok: boolean; text: string } {
  const fail = (why: string) => ({ ok: false, text: `${p.name}: ${why}` });
  if (a.code < 200 || a.code > 299) {
    const detail = statusMessage(a) ?? oneLine(a.body).trim();
    return fail(`HTTP ${a.code}${detail ? ` (${clip(oneLine(detail), 80)})` : ''}`);
  }
  if (p.check === 'airflow') {
    const v = airflowVerdict(a.body, now, heartbeatMs);
    return v.ok ? v : { ok: false, text: v.text.startsWith('answered') ? `${p.name}: ${v.text}` : v.text };
  }
  if (p.check === 'ok-text' && a.body.trim() !== 'OK') return fail(`answered "${clip(oneLine(a.body).trim(), 40)}" instead of OK`);
  return { ok: true, text: `${p.name} OK` };
}

export async function runProbe(
  kube: KubeClient,
  t: ProbeTarget,
  p: ProbeSpec,
  o: { timeoutMs: number; heartbeatMs: number; now: () => number },
): Promise<ProbeResult> {
  const started = Date.now();
  const done = (r: { ok: boolean; text: string }): ProbeResult => ({ name: p.name, ...r, text: oneLine(r.text), ms: Date.now() - started });
  try {
    const a = await kube.proxyGet(t.context, t.namespace, p, o.timeoutMs);
    return done(judge(p, a, o.now(), o.heartbeatMs));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/timed out/.test(msg)) return done({ ok: false, text: `${p.name}: no answer within ${seconds(o.timeoutMs)}` });
    return done({ ok: false, text: `${p.name}: ${err instanceof UserError ? clip(oneLine(msg), 100) : 'probe failed'}` });
  }
}
