// What prom-client's CPU metric (lib/metrics/processCpuTotal.js) takes from @opentelemetry/api:
// trace.getSpan and context.active, called only when exemplars are enabled. The real package loads then.
import { onFirstUse } from '../on-first-use.js';
import { loadReal } from './load-real.js';

interface OtelApi {
  trace: { getSpan(context: unknown): unknown };
  context: { active(): unknown };
}
const api = onFirstUse(() => loadReal<OtelApi>('prom-client', '@opentelemetry/api'));

export const trace = { getSpan: (context: unknown): unknown => api().trace.getSpan(context) };
export const context = { active: (): unknown => api().context.active() };
