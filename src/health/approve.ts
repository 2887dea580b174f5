// `approve-upgrade` as a deploy-engine Operation: inside the environment's lock, read the operator's CR
// and say what waits (fromTag → toTag and its approval token), or why nothing does; once confirmed, set
// the annotation `superset.apache.org/approve-upgrade=<token>` with a JSON merge patch that carries the
// CR's resourceVersion, so a CR that changed in between is refused (409) instead of approved blindly.
// The operator's docs say the annotation is not an authorization boundary: Deckhand's permission, the
// confirmation and production's approvals are.
import { createHash } from 'node:crypto';
import { line, plain, type Line } from '../core/parts.js';
import { oneLine } from '../core/sanitize.js';
import type { Operation } from '../deploy/engine.js';
import type { KubeClient } from '../kube/client.js';
import { APPROVE_ANNOTATION, readOperator, SUPERSET_CR, viewOf, type OperatorTarget, type OperatorView } from './operator.js';

/** Enough of a token to tell two apart in chat; the whole token goes on the CR. */
export const shortToken = (token: string): string => oneLine(token).slice(0, 8);

/** Why there is nothing to approve now, in words ("…the operator consumed the approval…"). */
function nothingWaiting(label: string, v: OperatorView): Line {
  if (!v.found) return `${label}: Superset ${v.namespace}/${v.name} not found: nothing to approve`;
  const state = `${v.phase}${v.tag ? `, tag ${v.tag}` : ''}`;
  if (v.annotation)
    return `${label}: no upgrade waits for approval (${state}): the approval already given (token ${shortToken(v.annotation)}…) was used by the operator`;
  return `${label}: no upgrade waits for approval (${state})`;
}

export function approveUpgradeOperation(kube: KubeClient, label: string, t: OperatorTarget): Operation {
  return {
    tool: 'kubernetes',
    // the tags are always shown and confirmed first, in every environment
    confirm: true,
    async prepare(tools) {
      const v = await readOperator(kube, t);
      if (!v.upgrade || v.phase !== 'AwaitingApproval') return { refused: nothingWaiting(label, v) };
      const u = v.upgrade;
      if (v.annotation === u.approvalToken)
        return {
          refused: `${label}: the upgrade ${u.fromTag} → ${u.toTag} is already approved (token ${shortToken(u.approvalToken)}…); the operator has not started it yet`,
        };
      tools.log(`# ${t.namespace}/${t.name}: ${v.phase}, upgrade ${u.fromTag} → ${u.toTag}, approval token ${u.approvalToken}`);
      return {
        text: `${u.fromTag} → ${u.toTag} (Superset ${t.namespace}/${t.name}, approval token ${shortToken(u.approvalToken)}…)`,
        // confirmed only for this very token (a new upgrade has a new one)
        digest: createHash('sha256').update(`${u.fromTag}\0${u.toTag}\0${u.approvalToken}`).digest('hex'),
        lines: [line`the operator starts it once the CR carries ${APPROVE_ANNOTATION}=<its token>`],
      };
    },
    async apply(tools) {
      const cr = await kube.getCustomObject(t.context, SUPERSET_CR, t.namespace, t.name);
      const v = viewOf(t, cr);
      if (!v.upgrade || v.phase !== 'AwaitingApproval') return { ok: false, text: plain(nothingWaiting(label, v)) };
      const rv = (cr.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
      const patch = { metadata: { ...(rv ? { resourceVersion: rv } : {}), annotations: { [APPROVE_ANNOTATION]: v.upgrade.approvalToken } } };
      tools.log(`$ PATCH ${SUPERSET_CR.plural}.${SUPERSET_CR.group} ${t.namespace}/${t.name} (merge patch) ${APPROVE_ANNOTATION}=${v.upgrade.approvalToken}`);
      let after: OperatorView;
      try {
        after = viewOf(t, await kube.mergePatchCustomObject(t.context, SUPERSET_CR, t.namespace, t.name, patch));
      } catch (err) {
        // the resourceVersion in the patch: a CR the operator changed since it was read is not approved blindly
        if (/\b409\b/.test((err as Error).message))
          return { ok: false, text: `Superset ${t.namespace}/${t.name} changed while it was being approved; nothing was set: ask again` };
        throw err;
      }
      const ok = after.annotation === v.upgrade.approvalToken;
      return {
        ok,
        text: ok
          ? `${v.upgrade.fromTag} → ${v.upgrade.toTag}: ${APPROVE_ANNOTATION}=${shortToken(v.upgrade.approvalToken)}… set on Superset ${t.namespace}/${t.name}; the operator takes it from here`
          : `the annotation did not stick on Superset ${t.namespace}/${t.name}`,
      };
    },
  };
}
