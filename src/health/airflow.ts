// Airflow's health JSON (Airflow 3 `/api/v2/monitor/health`, Airflow 2 `/health`): `metadatabase`,
// `scheduler` (+ `latest_scheduler_heartbeat`), `triggerer`, `dag_processor`, each with a `status`. The
// HTTP status is 200 even when a part is unhealthy, so the body decides; a scheduler heartbeat older than
// the threshold (Airflow's scheduler_health_check_threshold, 30 s by default) is unhealthy whatever it says.
import { oneLine } from '../core/sanitize.js';
import { shortAge } from '../core/time.js';

export interface Verdict {
  ok: boolean;
  /** What status shows: `scheduler heartbeat 4s ago`, `scheduler: no heartbeat for 6m; metadatabase: unhealthy`. */
  text: string;
}

type Part = { status?: unknown; latest_scheduler_heartbeat?: unknown; latest_triggerer_heartbeat?: unknown; latest_dag_processor_heartbeat?: unknown } | null;

const PARTS = ['metadatabase', 'scheduler', 'triggerer', 'dag_processor'] as const;
const HEARTBEAT: Partial<Record<(typeof PARTS)[number], string>> = {
  scheduler: 'latest_scheduler_heartbeat',
  triggerer: 'latest_triggerer_heartbeat',
  dag_processor: 'latest_dag_processor_heartbeat',
};

export function airflowVerdict(body: string, now: number, thresholdMs: number): Verdict {
  let json: Record<string, Part>;
  try {
    json = JSON.parse(body) as Record<string, Part>;
  } catch {
    return { ok: false, text: `answered something that is not Airflow's health JSON: "${oneLine(body).slice(0, 40)}"` };
  }
  if (!json || typeof json !== 'object' || !json.metadatabase || !json.scheduler)
    return { ok: false, text: 'answered JSON without metadatabase and scheduler: not Airflow’s health endpoint?' };
  const bad: string[] = [];
  let heartbeat: string | undefined;
  for (const name of PARTS) {
    const part = json[name];
    // triggerer and dag_processor are null (or status null) where they do not run: nothing to judge
    if (!part || part.status === null || part.status === undefined) continue;
    const key = HEARTBEAT[name];
    const beat = key ? (part as Record<string, unknown>)[key] : undefined;
    const at = typeof beat === 'string' ? Date.parse(beat) : NaN;
    if (name === 'scheduler') {
      if (Number.isNaN(at)) {
        bad.push('scheduler: no heartbeat');
        continue;
      }
      const age = Math.max(0, now - at);
      if (age > thresholdMs) bad.push(`scheduler: no heartbeat for ${shortAge(age)}`);
      else if (part.status !== 'healthy') bad.push(`scheduler: ${oneLine(String(part.status))}`);
      else heartbeat = `scheduler heartbeat ${shortAge(age)} ago`;
      continue;
    }
    if (part.status !== 'healthy') bad.push(`${name}: ${oneLine(String(part.status)).slice(0, 20)}`);
  }
  if (bad.length) return { ok: false, text: bad.join('; ') };
  return { ok: true, text: heartbeat ?? 'healthy' };
}
